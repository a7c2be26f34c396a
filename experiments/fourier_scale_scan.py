"""Which Fourier-feature scales let the conditional PINN fit wave1d: a scan on its full data.

wave1d's solution, a sin(pi x) cos(2 pi t) + b sin(4 pi x) cos(8 pi t) + v sin(3 pi x)
sin(6 pi t) at c = 2, oscillates up to 4 pi per unit of normalised time; the default
network (no features) and 32 features at scale 1 on every input leave it at 46% and 30%
(``learner_ablation.py``). Each setting here is the learner study's candidate recipe
(Adam 3,000 steps with exponential decay and gradient-norm balancing, then L-BFGS,
``--lbfgs`` iterations) on the 32 x 3 network
with ``F`` Fourier features whose frequencies have one scale for x, one for t and one for
the condition parameters; trained on the full data (``--n`` uniform points over the
training family, seed 0) and measured on 8 conditions each of ``train`` and ``ood_far``
(the learner study's condition seed). One JSON file per setting under ``--out``; an
existing one is not recomputed. ``--table`` prints the markdown table.

Run (one torch thread; about 4 minutes a setting at 3,000 L-BFGS iterations)::

    OMP_NUM_THREADS=1 python experiments/fourier_scale_scan.py --out experiments/results/fourier_scale_scan
    python experiments/fourier_scale_scan.py --out experiments/results/fourier_scale_scan --table
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from learner_ablation import CANDIDATE, full_data
from pinndd.evaluate import EvaluationSet, Evaluator
from pinndd.io import write_text
from pinndd.learner import ConditionalPINN
from pde_catalog import get_problem

# name: (features, x scale, t scale, parameter scale, width, depth); features 0 is the plain network
SETTINGS = {
    "plain": (0, 1.0, 1.0, 1.0, 32, 3),
    "F32_x1_t1_p1": (32, 1.0, 1.0, 1.0, 32, 3),
    "F32_x1_t3_p1": (32, 1.0, 3.0, 1.0, 32, 3),
    "F64_x2_t4_p1": (64, 2.0, 4.0, 1.0, 32, 3),
    "F64_x2_t6_p1": (64, 2.0, 6.0, 1.0, 32, 3),
    "F64_x2_t4_p0.5": (64, 2.0, 4.0, 0.5, 32, 3),
    "F128_x3_t6_p0.5": (128, 3.0, 6.0, 0.5, 32, 3),
}


def run_one(name: str, n: int, lbfgs: int, out: Path) -> dict:
    """Train and measure one setting on wave1d's full data; writes and returns its record."""
    path = out / f"wave1d__{name}__lbfgs{lbfgs}.json"
    if path.exists():
        return json.loads(path.read_text())
    features, sx, st, sp, width, depth = SETTINGS[name]
    problem = get_problem("wave1d")
    points = full_data(problem, n, seed=0)
    scale = {"x": sx, "t": st, **{p: sp for p in problem.family.names}}
    pinn = ConditionalPINN(problem, width, depth, fourier_features=features, fourier_scale=scale)
    evaluator = Evaluator(pinn, replace(CANDIDATE, lbfgs_iters=lbfgs))
    evaluation = EvaluationSet.draw(problem, ["train", "ood_far"], 8, seed=20240901)
    start = time.process_time()
    result, init_seeds, _ = evaluator.train([points], [0])
    metrics, _ = evaluator.measure(result.params, evaluation, result.diverged)
    l2re = metrics[0, :, 0]
    record = {
        "setting": name, "n": n, "lbfgs_iters": lbfgs, "fourier_features": features, "fourier_scale": scale,
        "width": width, "depth": depth, "eval_seed": init_seeds[0],
        "train_l2re": float(np.mean(l2re[evaluation.split == "train"])),
        "ood_far_l2re": float(np.mean(l2re[evaluation.split == "ood_far"])),
        "cpu_s": time.process_time() - start, "lbfgs_iterations": int(result.lbfgs_iterations[0]),
        "stop_reason": result.stop_reason[0], "final_loss": float(result.loss_history[-1, 0]),
    }
    write_text(path, json.dumps(record, indent=1))
    return record


def table(out: Path) -> str:
    """Markdown table of every record in ``out``, in the order of SETTINGS, then L-BFGS iterations."""
    records = [json.loads(p.read_text()) for p in out.glob("*.json")]
    records.sort(key=lambda r: (r["lbfgs_iters"], list(SETTINGS).index(r["setting"])))
    lines = ["| setting | features | scales x / t / parameters | network | L-BFGS iters | train L2RE | ood_far L2RE | CPU s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in records:
        s = r["fourier_scale"]
        scales = f"{s['x']:g} / {s['t']:g} / {s['a']:g}" if r["fourier_features"] else "-"
        lines.append(f"| {r['setting']} | {r['fourier_features']} | {scales} | {r['width']}x{r['depth']} | {r['lbfgs_iterations']} "
                     f"| {r['train_l2re']:.3f} | {r['ood_far_l2re']:.3f} | {r['cpu_s']:.0f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("experiments/results/fourier_scale_scan"))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--lbfgs", type=int, default=3000, help="L-BFGS iterations (default 3000)")
    parser.add_argument("--n", type=int, default=8192, help="full-data points (default 8192, the benchmark's N)")
    parser.add_argument("--table", action="store_true", help="print the table of --out and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(table(args.out))
        return
    torch.set_num_threads(1)
    for name in args.settings:
        r = run_one(name, args.n, args.lbfgs, args.out)
        print(f"{name} lbfgs {args.lbfgs}: train {r['train_l2re']:.3f}, ood_far {r['ood_far_l2re']:.3f}, {r['cpu_s']:.0f} s CPU", flush=True)


if __name__ == "__main__":
    main()
