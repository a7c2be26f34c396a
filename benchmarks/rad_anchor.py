"""Anchor: Wu et al.'s RAD on Burgers' default member, against plain uniform points.

Reproduces the setup of Wu, Zhu, Tan, Kartha, Lu (CMAME 2023, arXiv 2207.10289;
code lu-group/pinn-sampling ``Burgers_RAD.py``), see ``/work/shared/ANCHORS.md``:

    u_t + u u_x = (0.01/pi) u_xx on [-1, 1] x [0, 1],
    u = -sin(pi x) + (1 - x^2) t N(x, t)      (initial/boundary data exact),

N a 3 x 64 tanh MLP (Glorot normal) in float64 on raw inputs (x, t); loss = mean
squared residual at N = 2,000 points; Adam (lr 1e-3) for ``--adam-steps``, then
L-BFGS; then ``--rounds`` rounds of [RAD resampling of all N points from a
100,000-point uniform pool with p ∝ |r| / mean|r| + 1 (k = c = 1), Adam
``--round-adam`` steps (fresh state), L-BFGS ``--lbfgs-iters`` iterations].
The published protocol is 15,000 Adam + 100 x (1,000 Adam + L-BFGS with at most
1,000 iterations); published relative L2 error 0.02%.

The baseline ``uniform`` runs the same schedule on one fixed uniform draw.
Both run in this process one after the other; the relative L2 error is taken
against ``Burgers.npz`` (DeepXDE's reference, 256 x 100 grid) or, if that file
is absent, against the catalog's Cole-Hopf reference on the same grid.

The hard-constraint ansatz u = A + B N is built here on top of
:func:`pinndd.learner.forward_jet` (the jet of N) with the product rule, and
checked against autograd at start-up.

Usage (see benchmarks/README.md for the runs reported):

    python benchmarks/rad_anchor.py --adam-steps 15000 --rounds 100 --round-adam 1000 --lbfgs-iters 1000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from pinndd.io import write_text
from pinndd.learner import forward, forward_jet, init_params

NU = 0.01 / math.pi
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "deepxde" / "Burgers.npz"  # ../shared beside the repository


def ansatz_jet(params, xt):
    """u, u_x, u_t, u_xx of u = -sin(pi x) + (1 - x^2) t N(x, t) at points ``xt`` of shape (n, 2)."""
    n, d1, d2 = forward_jet(params, xt[None], [1.0, 1.0], [0, 1], [0])
    n, n_x, n_t, n_xx = n[0], d1[0][0], d1[1][0], d2[0][0]
    x, t = xt[:, 0], xt[:, 1]
    s, c = torch.sin(math.pi * x), torch.cos(math.pi * x)
    a, a_x, a_xx = -s, -math.pi * c, math.pi**2 * s  # A = -sin(pi x); A_t = 0
    b, b_x, b_xx, b_t = (1 - x * x) * t, -2 * x * t, -2 * t, 1 - x * x  # B = (1 - x^2) t
    u = a + b * n
    u_x = a_x + b_x * n + b * n_x
    u_xx = a_xx + b_xx * n + 2 * b_x * n_x + b * n_xx
    u_t = b_t * n + b * n_t
    return u, u_x, u_t, u_xx


def residual(params, xt):
    """Burgers residual u_t + u u_x - nu u_xx, shape (n,)."""
    u, u_x, u_t, u_xx = ansatz_jet(params, xt)
    return u_t + u * u_x - NU * u_xx


def predict(params, xt):
    """u at points of shape (n, 2), shape (n,)."""
    x, t = xt[:, 0], xt[:, 1]
    return -torch.sin(math.pi * x) + (1 - x * x) * t * forward(params, xt[None])[0]


def check_ansatz(params) -> float:
    """Largest relative gap between the product-rule jet and autograd at random points."""
    xt = (torch.rand(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * torch.tensor([2.0, 1.0]) - torch.tensor([1.0, 0.0])).requires_grad_()
    u = predict(params, xt)
    (g,) = torch.autograd.grad(u.sum(), xt, create_graph=True)
    (gg,) = torch.autograd.grad(g[:, 0].sum(), xt)
    jet = ansatz_jet(params, xt.detach())
    pairs = [(jet[0], u), (jet[1], g[:, 0]), (jet[2], g[:, 1]), (jet[3], gg[:, 0])]
    return max(float(((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).detach()) for a, b in pairs)


def load_reference():
    """Grid points (n, 2) and reference values (n,) on DeepXDE's 256 x 100 grid."""
    if REFERENCE.exists():
        data = np.load(REFERENCE)
        x, t, usol = data["x"].ravel(), data["t"].ravel(), data["usol"]  # usol: (256, 100) = (x, t)
        source = str(REFERENCE)
    else:
        from pde_catalog import get_problem

        ds = get_problem("burgers1d", quadrature_nodes=400).reference()
        x, t, usol = ds["x"].values, ds["t"].values, ds["u"].transpose("x", "t").values
        source = "pde_catalog burgers1d Cole-Hopf (400 nodes)"
    xx, tt = np.meshgrid(x, t, indexing="ij")
    return np.column_stack([xx.ravel(), tt.ravel()]), usol.ravel(), source


def l2re(params, grid, u_ref) -> float:
    with torch.no_grad():
        u = predict(params, grid).numpy()
    return float(np.linalg.norm(u - u_ref) / np.linalg.norm(u_ref))


def uniform_points(rng, n):
    return rng.random((n, 2)) * np.array([2.0, 1.0]) - np.array([1.0, 0.0])


def abs_residual(params, points, chunk=20000) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([residual(params, torch.as_tensor(points[i : i + chunk])).abs().numpy() for i in range(0, len(points), chunk)])


def adam(leaves, xt, steps, lr):
    opt = torch.optim.Adam(leaves, lr=lr)
    for _ in range(steps):
        opt.zero_grad(set_to_none=False)
        loss = residual(_pairs(leaves), xt).pow(2).mean()
        loss.backward()
        opt.step()
    return float(loss.detach()) if steps else float("nan")


def lbfgs(leaves, xt, iters):
    """L-BFGS with DeepXDE's settings (history 100, gtol 1e-8, ftol 0, max evals 1.25 x iters), strong Wolfe."""
    if iters == 0:
        return float("nan"), 0
    opt = torch.optim.LBFGS(
        leaves, lr=1.0, max_iter=iters, max_eval=int(1.25 * iters), tolerance_grad=1e-8, tolerance_change=0.0,
        history_size=100, line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad(set_to_none=False)
        loss = residual(_pairs(leaves), xt).pow(2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    state = opt.state[opt._params[0]]
    with torch.no_grad():
        return float(residual(_pairs(leaves), xt).pow(2).mean()), int(state.get("n_iter", 0))


def _pairs(leaves):
    return list(zip(leaves[0::2], leaves[1::2]))


def run(method, args, grid, u_ref, on_round=lambda history: None):
    """One full protocol; returns a result dict. ``on_round(history)`` is called after every round."""
    rng = np.random.default_rng(args.seed)
    params = init_params((2, 64, 64, 64, 1), [args.seed], dtype=torch.float64, device="cpu")
    leaves = [t for layer in params for t in layer]
    points = uniform_points(rng, args.n_points)
    start = time.perf_counter()
    history = []

    def phase(adam_steps, tag):
        xt = torch.as_tensor(points)
        loss_adam = adam(leaves, xt, adam_steps, args.lr)
        loss_lbfgs, n_iter = lbfgs(leaves, xt, args.lbfgs_iters)
        err = l2re(_pairs(leaves), grid, u_ref)
        history.append({"round": tag, "l2re": err, "loss_adam": loss_adam, "loss_lbfgs": loss_lbfgs, "lbfgs_iters": n_iter, "wall_s": round(time.perf_counter() - start, 1)})
        print(f"[{method}] round {tag}: l2re {err:.3e}  loss {loss_lbfgs:.3e}  lbfgs iters {n_iter}  {history[-1]['wall_s']} s", flush=True)
        on_round(history)

    phase(args.adam_steps, 0)
    for r in range(1, args.rounds + 1):
        if method == "rad":
            pool = uniform_points(rng, args.pool)
            dens = abs_residual(_pairs(leaves), pool) ** args.k
            p = dens / dens.mean() + args.c
            points = pool[rng.choice(len(pool), size=args.n_points, replace=False, p=p / p.sum())]
        phase(args.round_adam, r)
    wall = time.perf_counter() - start
    errors = [h["l2re"] for h in history]
    return {"l2re_final": errors[-1], "l2re_best": min(errors), "wall_s": round(wall, 1), "history": history}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adam-steps", type=int, default=15000)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--round-adam", type=int, default=1000)
    ap.add_argument("--lbfgs-iters", type=int, default=1000)
    ap.add_argument("--n-points", type=int, default=2000)
    ap.add_argument("--pool", type=int, default=100000)
    ap.add_argument("--k", type=float, default=1.0)
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--methods", default="rad,uniform")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for this script (default 1)")
    ap.add_argument("--out", default="benchmarks/results/rad_anchor.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    grid_np, u_ref, source = load_reference()
    grid = torch.as_tensor(grid_np)
    gap = check_ansatz(init_params((2, 64, 64, 64, 1), [123], dtype=torch.float64, device="cpu"))
    if gap > 1e-10:
        raise SystemExit(f"product-rule jet disagrees with autograd: relative gap {gap:.2e}")
    results = {}
    out = {
        "benchmark": "rad_anchor",
        "command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "config": vars(args),
        "reference": source,
        "ansatz_check_rel_gap": gap,
        "published": {"rad_l2re": 2e-4, "uniform_random_l2re": 0.133, "target_l2re": 4e-4},
        "results": results,
    }

    def save(complete):
        out["complete"] = complete
        out["machine"] = {"cpus": os.cpu_count(), "load_avg_at_end": list(os.getloadavg()), "torch": torch.__version__, "python": platform.python_version(), "threads": args.threads}
        write_text(args.out, json.dumps(out, indent=1))

    for method in args.methods.split(","):
        # Partial results are saved after every round, so an interrupted run keeps what it measured.
        def save_partial(history, method=method):
            results[method] = {"partial": True, "history": list(history)}
            save(False)

        results[method] = run(method, args, grid, u_ref, on_round=save_partial)
        save(False)
    save(True)
    for method, res in results.items():
        print(f"{method}: final l2re {res['l2re_final']:.3e} (best {res['l2re_best']:.3e}), wall {res['wall_s']} s")


if __name__ == "__main__":
    main()
