"""Whether a task distiller lowered its own objective: the physics risk on Q of learners trained on its set (issue 13).

``task`` and ``task_implicit`` move their start (a Sobol set over the target family Q) to lower the
task's risk of the physics-informed loss over Q of a PINN trained on the set. ``ood_report.py``
measures what users care about, the L2 error against the reference solutions; this script measures
what the distiller optimised, without any reference solution. For each distillation seed it trains
fresh learners (the evaluator's recipe: the run's ``[learner]``, loss balancing included; learner
seeds disjoint from the distiller's and the evaluator's) on the start set and on the committed
final set, and computes their physics loss on fixed fresh points at conditions drawn from each
split's region (the same points for both sets). If the final set lowers this loss but not the
L2 error, the objective is misaligned with the error; if it does not lower it, the optimisation
failed at its own goal.

Columns: per split, the physics loss (mean over conditions and learners) after training on the
start and on the final set, and the ratio final / start; geometric mean over seeds with the
per-seed ratios.

Run:  OMP_NUM_THREADS=1 python experiments/task_outer_risk.py experiments/results/ood_task_implicit:poisson2d \
          --label task_implicit --budget 512 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from scipy.stats import gmean

from pde_catalog import SPLITS
from pinndd import results
from pinndd.distillers._learnable import target_batch
from pinndd.errors import PinnddError
from pinndd.experiment._runner import _task
from pinndd.learner import PointBatch, per_condition_loss, train
from pinndd.pointset import PointSet

from ood_report import pair  # experiments/ is the script's own folder on sys.path
from ood_task_movement import configured_distiller

LEARNER_SEEDS = (777_001, 777_002)  # outside the distillers' streams and the evaluator's offset range


def split_targets(task, pinn, conditions: int, points: int, seed: int) -> dict:
    """Fixed fresh physics-loss points at ``conditions`` conditions of each split's region."""
    out = {}
    for k, split in enumerate(SPLITS):
        rng = np.random.default_rng([seed, k])
        out[split] = target_batch(task.problem, task.problem.family.region(split), conditions, points, max(1, points // 4), rng,
                                  dtype=pinn.dtype, device=pinn.device)
    return out


def physics_losses(task, pinn, points: PointSet, targets: dict) -> dict:
    """Mean physics loss per split of learners trained on ``points`` with the run's recipe."""
    batch = PointBatch.from_point_sets([points] * len(LEARNER_SEEDS), task.problem, dtype=pinn.dtype, device=pinn.device)
    params = train(pinn, pinn.init(list(LEARNER_SEEDS)), batch, task.learner.recipe).params
    with torch.no_grad():
        return {split: float(per_condition_loss(pinn, params, t).mean()) for split, t in targets.items()}


def rows(folder: Path, problem: str, label: str, budget: int, seeds, conditions: int, points: int):
    """Per seed: the physics losses per split on the start set and on the final set."""
    config, distiller = configured_distiller(folder, label)
    if distiller is None:
        raise PinnddError(f"{folder}: no distiller {label!r} in its config")
    task = _task(config, problem)
    pinn = task.learner.pinn(task.problem)
    targets = split_targets(task, pinn, conditions, points, seed=20261205)
    for seed in seeds:
        path = results.points_path(folder, problem, label, budget, seed)
        if not path.exists():
            continue
        start = physics_losses(task, pinn, distiller.start(task, budget, seed=seed), targets)
        final = physics_losses(task, pinn, PointSet.load(path), targets)
        yield seed, start, final


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cells", nargs="+", type=pair(":"), metavar="FOLDER:PROBLEM")
    parser.add_argument("--label", default="task", help="the distiller's label in the folder's config (default task)")
    parser.add_argument("--budget", type=int, default=512)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--conditions", type=int, default=32, help="conditions per split (default 32)")
    parser.add_argument("--points", type=int, default=256, help="collocation points per condition (default 256)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    print(f"#### Physics loss of learners trained on `{args.label}`'s start and final sets, m = {args.budget} "
          f"({args.conditions} conditions x {args.points} points per split; geometric mean over seeds)")
    print()
    print("| problem | split | start | final | final / start | per seed |")
    print("|---|---|---|---|---|---|")
    try:
        for folder, problem in args.cells:
            found = list(rows(Path(folder), problem, args.label, args.budget, args.seeds, args.conditions, args.points))
            for split in SPLITS:
                start = np.array([s[split] for _, s, _ in found])
                final = np.array([f[split] for _, _, f in found])
                each = ", ".join(f"{f / s:.2f}" for s, f in zip(start, final))
                print(f"| {problem} | {split} | {gmean(start):.3g} | {gmean(final):.3g} | {gmean(final / start):.2f} | {each} |", flush=True)
    except (PinnddError, FileNotFoundError) as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
