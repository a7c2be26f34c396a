"""Which training trick buys what: the learner recipe ablated per problem, on the full data.

For each problem, a conditional PINN (32 x 3 tanh, float32) is trained on the
full data (``--n`` uniform points over the training family, the ``full``
distiller with seed 0) with each recipe variant, and measured against the
reference on 8 held-out conditions of the ``train`` split (the evaluator's
condition seed; learner seed from :func:`pinndd.evaluate.eval_seed`). One JSON
file per (problem, variant, seed) under ``--out``; an existing file is not
recomputed, so an interrupted run resumes. ``--table`` prints the markdown
table of a results folder.

Run (one torch thread; about 1.5 h for the default grid on one core)::

    OMP_NUM_THREADS=1 python experiments/learner_ablation.py --out experiments/results/learner_ablation
    python experiments/learner_ablation.py --out experiments/results/learner_ablation --table
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from pinndd.distillers import get_distiller
from pinndd.evaluate import EvaluationSet, Evaluator
from pinndd.io import write_text
from pinndd.learner import ConditionalPINN, Recipe
from pinndd.risk import parse_risk
from pinndd.task import PdeTask
from pde_catalog import get_problem

BASE = Recipe(lbfgs_iters=5000, balance="none")  # Adam 3000, exponential decay to 0.1, then L-BFGS
CANDIDATE = replace(BASE, lbfgs_iters=10000, balance="gradnorm")
# Each variant is written out in full against BASE or CANDIDATE (not against the
# package default, which these results chose), so a name means the same recipe forever.
VARIANTS = {
    "adam3000_constant": Recipe.adam(3000, 1e-3),  # the learner before the recipe
    "adam3000_exp": replace(BASE, lbfgs_iters=0),
    "adam3000_exp+lbfgs5k": BASE,
    "adam3000_const+lbfgs5k": replace(BASE, schedule="constant"),
    "adam3000_exp+lbfgs5k+gradnorm": replace(BASE, balance="gradnorm"),
    "adam3000_exp+lbfgs10k": replace(BASE, lbfgs_iters=10000),
    "adam3000_exp+lbfgs10k+gradnorm": CANDIDATE,
    "adam3000_exp+lbfgs5k+gradnorm_sum": replace(BASE, balance="gradnorm_sum"),
    "adam3000_exp+lbfgs10k+gradnorm_sum": replace(CANDIDATE, balance="gradnorm_sum"),
    "adam3000_exp+lbfgs10k+causal": replace(BASE, lbfgs_iters=10000, causal=1.0),
    "candidate+cosine_warmup": replace(CANDIDATE, schedule="cosine", warmup=300),
    "candidate+causal": replace(CANDIDATE, causal=1.0),
    "candidate+rwf": replace(CANDIDATE, rwf=True),
    "candidate+fourier": CANDIDATE,  # with 32 Fourier features of scale 1 (ARCHITECTURE below)
    "candidate_float64": CANDIDATE,  # the same recipe in float64
    "adam3000_exp+lbfgs10k+causal_64x4": replace(BASE, lbfgs_iters=10000, causal=1.0),  # a 64 x 4 network
    "candidate+fourier+rwf+causal": replace(CANDIDATE, rwf=True, causal=1.0),  # jaxpi's tricks together, 32 Fourier features
    "candidate+fourier_wave": CANDIDATE,  # 64 Fourier features with per-input scales (WAVE_FOURIER; wave1d's inputs only)
    "candidate+hard": CANDIDATE,  # initial and boundary data imposed by the output form (allen_cahn1d only)
    "candidate+hard+causal": replace(CANDIDATE, causal=1.0),
}
FOURIER = {"fourier_features": 32, "fourier_scale": 1.0}
# Space, time and condition parameters at their own scales, chosen on wave1d's full
# data by experiments/fourier_scale_scan.py (3,000 L-BFGS iterations: 9.1%, against
# 13-18% for parameters at 1, t at 6 or 128 features, 39% for 32 features at scale 1
# everywhere and 65% without features).
WAVE_FOURIER = {"fourier_features": 64, "fourier_scale": {"x": 2.0, "t": 4.0, "a": 0.5, "b": 0.5, "v": 0.5}}
HARD = {"hard_constraints": True}  # u = g + distance * N (pde_catalog.Problem.hard_constraint)
ARCHITECTURE = {"candidate+fourier": FOURIER, "candidate+fourier+rwf+causal": FOURIER, "candidate+fourier_wave": WAVE_FOURIER,
                "candidate+hard": HARD, "candidate+hard+causal": HARD}
DTYPE = {"candidate_float64": "float64"}
SIZE = {"adam3000_exp+lbfgs10k+causal_64x4": (64, 4)}  # (width, depth); 32 x 3 otherwise


def full_data(problem, n: int, seed: int):
    """The full data of ``problem``: ``n`` uniform points over its training family (the ``full`` distiller)."""
    task = PdeTask(problem, "train", ("train",), (), risk=parse_risk("mean"))
    return get_distiller("full", n=n).distill(task, n, seed=seed)


def full_data_learner(problem, variant: str, seed: int, n: int):
    """The full data of ``problem`` (see :func:`full_data`) and an Evaluator with ``variant``'s learner."""
    points = full_data(problem, n, seed)
    width, depth = SIZE.get(variant, (32, 3))
    pinn = ConditionalPINN(problem, width, depth, dtype=DTYPE.get(variant, "float32"), **ARCHITECTURE.get(variant, {}))
    return points, Evaluator(pinn, VARIANTS[variant])


def run_one(problem_name: str, variant: str, seed: int, n: int, out: Path) -> dict:
    """Train and measure one (problem, variant, seed); writes and returns its record."""
    path = out / f"{problem_name}__{variant}__s{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    problem = get_problem(problem_name)
    points, evaluator = full_data_learner(problem, variant, seed, n)
    evaluation = EvaluationSet.draw(problem, ["train"], 8, seed=20240901)
    width, depth, recipe = evaluator.pinn.width, evaluator.pinn.depth, evaluator.recipe
    start = time.process_time()
    result, init_seeds, wall = evaluator.train([points], [seed])
    cpu = time.process_time() - start
    metrics, _ = evaluator.measure(result.params, evaluation, result.diverged)
    l2re = metrics[0, :, 0]
    record = {
        "problem": problem_name, "variant": variant, "seed": seed, "n": n, "eval_seed": init_seeds[0],
        "l2re_mean": float(np.mean(l2re)), "l2re_max": float(np.max(l2re)),
        "wall_s": wall, "cpu_s": cpu, "adam_steps": int(result.adam_steps[0]),
        "lbfgs_iterations": int(result.lbfgs_iterations[0]), "stop_reason": result.stop_reason[0],
        "final_loss": float(result.loss_history[-1, 0]), "diverged": bool(result.diverged[0]),
        "recipe": asdict(recipe), "architecture": {"width": width, "depth": depth, **ARCHITECTURE.get(variant, {})}, "dtype": DTYPE.get(variant, "float32"),
    }
    write_text(path, json.dumps(record, indent=1))
    return record


def table(out: Path) -> str:
    """Markdown table of every record in ``out``: one row per (problem, variant)."""
    records = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    lines = ["| problem | variant | N | seeds | L2RE mean | L2RE worst condition | L-BFGS iters (stop) | CPU s |", "|---|---|---|---|---|---|---|---|"]
    keys = sorted({(r["problem"], r["variant"]) for r in records}, key=lambda k: (k[0], list(VARIANTS).index(k[1])))
    for problem, variant in keys:
        rs = [r for r in records if r["problem"] == problem and r["variant"] == variant]
        mean = np.mean([r["l2re_mean"] for r in rs])
        worst = np.mean([r["l2re_max"] for r in rs])
        its = ", ".join(f"{r['lbfgs_iterations']} ({r['stop_reason']})" for r in rs)
        cpu = np.mean([r["cpu_s"] for r in rs])
        lines.append(f"| {problem} | {variant} | {rs[0]['n']} | {len(rs)} | {mean:.2e} | {worst:.2e} | {its} | {cpu:.0f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("experiments/results/learner_ablation"))
    parser.add_argument("--problems", nargs="+", default=["heat1d", "poisson2d", "burgers1d"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n", type=int, default=8192, help="full-data points (default 8192, the benchmark's N)")
    parser.add_argument("--table", action="store_true", help="print the table of --out and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(table(args.out))
        return
    torch.set_num_threads(1)
    for problem in args.problems:
        for variant in args.variants:
            for seed in args.seeds:
                r = run_one(problem, variant, seed, args.n, args.out)
                print(f"{problem} {variant} s{seed}: L2RE {r['l2re_mean']:.3e} (worst {r['l2re_max']:.3e}), {r['cpu_s']:.0f} s CPU, L-BFGS {r['lbfgs_iterations']} ({r['stop_reason']})", flush=True)


if __name__ == "__main__":
    main()
