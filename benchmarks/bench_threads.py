"""torch threads per training: one against two, side by side in one process.

Four heat1d learners (32 x 3, 512 points each) train 300 Adam steps, alternating
one and two torch threads, three rounds; prints each time and, on the last
line, the median ratio ``threads_2_over_1=R`` (above 1: one thread is faster).
The runner's default (``pinndd run --threads 1``) was chosen with it.

Run::

    python benchmarks/bench_threads.py
"""

from __future__ import annotations

import statistics
import time

import torch

from pde_catalog import get_problem
from pinndd.distillers import get_distiller
from pinndd.learner import ConditionalPINN, PointBatch, Recipe, train
from pinndd.task import PdeTask


def main(rounds: int = 3) -> float:
    problem = get_problem("heat1d")
    sets = [get_distiller("uniform").distill(PdeTask(problem), 512, seed=s) for s in range(4)]
    pinn = ConditionalPINN(problem, 32, 3)
    batch = PointBatch.from_point_sets(sets, problem, dtype=pinn.dtype, device=pinn.device)
    before = torch.get_num_threads()
    seconds = {1: [], 2: []}
    try:
        for _ in range(rounds):
            for threads in (1, 2):
                torch.set_num_threads(threads)
                start = time.perf_counter()
                train(pinn, pinn.init(range(4)), batch, Recipe.adam(300, 1e-3))
                seconds[threads].append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(before)
    for threads, values in seconds.items():
        print(f"{threads} thread(s): " + ", ".join(f"{v:.2f} s" for v in values))
    ratio = statistics.median(b / a for a, b in zip(seconds[1], seconds[2]))
    print(f"threads_2_over_1={ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
