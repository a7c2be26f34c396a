"""Where in time a full-data learner goes wrong: its error per time slice at one training condition.

Trains the conditional PINN of ``learner_ablation.py`` on the full data of a
time-dependent problem (8,192 uniform points over the training family,
distillation seed 0) with one of that script's recipes, then prints, at the
first of two held-out ``train`` conditions (the learner study's condition seed),
the relative L2 error and the range of the prediction and of the reference on
six time slices of the reference grid. A learner that fits the initial data and
then drifts, or settles on a wrong steady state, shows it here.

Run (a few minutes on one thread)::

    OMP_NUM_THREADS=1 python experiments/learner_time_slices.py allen_cahn1d
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from learner_ablation import VARIANTS, full_data_learner
from pde_catalog import get_problem
from pinndd.evaluate import EvaluationSet


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem")
    parser.add_argument("--variant", default="adam3000_exp+lbfgs10k+gradnorm", choices=list(VARIANTS))
    parser.add_argument("--n", type=int, default=8192)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    problem = get_problem(args.problem)
    if "t" not in problem.coords:
        parser.error(f"problem {args.problem!r} has no time coordinate (coords: {', '.join(problem.coords)})")
    points, evaluator = full_data_learner(problem, args.variant, 0, args.n)
    evaluation = EvaluationSet.draw(problem, ["train"], 2, seed=20240901)
    result, _, _ = evaluator.train([points], [0])
    metrics, u_pred = evaluator.measure(result.params, evaluation, result.diverged)
    print(f"{args.problem}, {args.variant}: L2RE {metrics[0, 0, 0]:.3f} at beta = {evaluation.beta[0]}")
    axis = problem.coords.index("t")
    times = evaluation.grid["t"]
    for j in np.linspace(0, len(times) - 1, 6).astype(int):
        ref = np.take(evaluation.u_ref[0, 0], j, axis=axis)
        pred = np.take(u_pred[0, 0, 0], j, axis=axis)
        print(f"t = {times[j]:.2f}: relative L2 {np.linalg.norm(pred - ref) / np.linalg.norm(ref):.3f}; "
              f"reference [{ref.min():.2f}, {ref.max():.2f}], prediction [{pred.min():.2f}, {pred.max():.2f}]")


if __name__ == "__main__":
    main()
