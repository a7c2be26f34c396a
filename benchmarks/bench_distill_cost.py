"""Cost of distillation: wall time against full-data training, and peak memory per distiller.

Targets of the OOD-benchmark issue:
- distilling one ``task`` set at m = 256 costs at most 10x the wall time of
  training one PINN on the full data (N = 16 x 512 points, the evaluator's
  steps), both measured here in one process, one after the other;
- no distiller's peak memory exceeds 4 GiB at m = 512 (each distiller runs in
  its own child process; peak resident set size from ``getrusage``).

Run:  python benchmarks/bench_distill_cost.py --problem heat1d
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from pathlib import Path

import torch

from pde_catalog import get_problem
from pinndd.distillers import distiller_names, get_distiller
from pinndd.learner import ConditionalPINN, PointBatch, Recipe, train
from pinndd.task import PdeTask

RESULTS = Path(__file__).resolve().parent / "results"


def _full_training_seconds(problem, n_full: int, steps: int) -> float:
    task = PdeTask(problem)
    full = get_distiller("full", n=n_full).distill(task, n_full, seed=0)
    pinn = ConditionalPINN(problem, 32, 3)
    batch = PointBatch.from_point_sets([full], pinn.problem, dtype=pinn.dtype, device="cpu")
    start = time.perf_counter()
    train(pinn, pinn.init([1_000_000]), batch, Recipe.adam(steps, 1e-3))
    return time.perf_counter() - start


def _distill_child(name, problem_name, budget, queue):
    torch.set_num_threads(1)
    task = PdeTask(get_problem(problem_name))
    start = time.perf_counter()
    get_distiller(name).distill(task, budget, seed=0)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak_kib / 1024**2))


def _measure(name, problem, budget):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_distill_child, args=(name, problem, budget, queue))
    proc.start()
    seconds, peak_gib = queue.get()
    proc.join()
    return seconds, peak_gib


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="heat1d")
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps of the full-data PINN (the evaluator's)")
    parser.add_argument("--n-full", type=int, default=8192)
    parser.add_argument("--distillers", nargs="*", default=None)
    args = parser.parse_args(argv)
    problem = get_problem(args.problem)
    full_s = _full_training_seconds(problem, args.n_full, args.steps)
    task_s, _ = _measure("task", args.problem, 256)
    rows = {"problem": args.problem, "full_training_s": full_s, "task_m256_s": task_s, "ratio_task_to_full": task_s / full_s, "peak_gib_m512": {}}
    print(f"one PINN on the full data ({args.n_full} points, {args.steps} steps): {full_s:.1f} s")
    print(f"task distiller at m=256: {task_s:.1f} s  -> ratio {task_s / full_s:.2f} (target <= 10)")
    names = args.distillers or [n for n in distiller_names() if n != "full"]
    for name in names:
        seconds, peak = _measure(name, args.problem, 512)
        rows["peak_gib_m512"][name] = peak
        print(f"{name:>22s}  m=512: {seconds:7.1f} s, peak RSS {peak:.2f} GiB (target <= 4)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"distill_cost_{args.problem}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    torch.set_num_threads(1)  # a script, not the library: one thread per process for repeatable timings
    main()
