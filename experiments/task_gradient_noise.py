"""How much signal the ``task`` distiller's hypergradient carries about where its points should go (issue 13).

``task`` moves each point by Adam steps on the gradient of the task's risk, computed through a
few unrolled training steps of a pool of learners on fresh target points at a few conditions of
Q (:meth:`pinndd.distillers.task.TaskDistiller.outer_risk`). ``ood_task_movement.py`` measures
that the optimised sets keep their start's distribution; this script asks whether the gradient
had a direction to follow. At one point set and one learner pool it draws ``--batches``
independent target batches, exactly as the distiller draws one per outer step, and takes the
gradient of the mean risk with respect to every collocation point's raw (logit) coordinates.
Per coordinate, over the batches:

* ``|mean| / std``: the signal-to-noise ratio of one outer step's gradient;
* ``significant``: the share of coordinates whose mean differs from zero at two standard errors
  over the batches (about 5% when there is no signal at all);
* ``largest batch``: the largest share of one batch in the summed squared gradient norms over the
  batches (about 1 / batches for batches alike; near 1 when a rare batch, a condition or point
  of Q where the learners fail, carries the gradient);
* ``pool cosine``: the cosine between the batch-averaged gradients of two learner pools drawn
  from different initialisations (1: the direction belongs to the set; 0: to the learners).

All at the distiller's options from the results folder's config, at the set the optimisation
starts from (``start``: the learners trained to their staggered ages on it, as in the
distiller's first step) and at the committed final set (``final``, with unit weights). This is an upper bound on
the signal of a real run, which also changes the learners between outer steps.

Each cell is named ``FOLDER:PROBLEM`` (a results folder with ``config.toml`` and ``points/``), so
that a problem rerun with its own learner is read from its own folder.

Run:  OMP_NUM_THREADS=1 python experiments/task_gradient_noise.py experiments/results/ood_benchmark_recipe:heat1d \
          experiments/results/ood_benchmark_allen_cahn1d:allen_cahn1d --budget 512
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from pinndd import results
from pinndd.distillers import get_distiller
from pinndd.distillers.task_implicit import ImplicitTaskDistiller
from pinndd.distillers._learnable import LearnablePoints
from pinndd.errors import PinnddError
from pinndd.experiment._runner import _task
from pinndd.pointset import PointSet
from pinndd.seeds import TASK_TAG, stream

from ood_report import pair  # experiments/ is the script's own folder on sys.path
from ood_task_movement import configured_distiller


def batch_gradients(distiller, task, points: LearnablePoints, pool_seed: int, batches: int) -> np.ndarray:
    """Gradients of the pool's mean risk w.r.t. the raw collocation coordinates, one per target batch.

    Returns an array of shape (batches, n_interior, columns).
    """
    pinn = distiller.inner_pinn(task)
    rng = stream(pool_seed, TASK_TAG)
    if isinstance(distiller, ImplicitTaskDistiller):
        seeds = rng.integers(0, 999_999, size=distiller.params["learners"]).tolist()
        learners = distiller.converged(pinn, pinn.init(seeds), points, distiller.inner_recipe(task))
    else:
        learners = distiller.start_pool(pinn, points, rng, distiller.params)
    grads = []
    for _ in range(batches):
        targets = distiller.draw_targets(task, pinn, rng)
        points.zero_grad()
        if isinstance(distiller, ImplicitTaskDistiller):
            distiller.hypergradient(task, pinn, learners, points, targets).surrogate.backward()
        else:
            risks, _, _ = distiller.outer_risk(task, pinn, learners, points.batch(learners.size, pinn.dtype), targets)
            finite = torch.isfinite(risks)
            torch.where(finite, risks, torch.zeros_like(risks)).mean().backward()
        grads.append(points.raw_interior.grad.detach().cpu().numpy().copy())
    return np.stack(grads)


def implicit_twin(distiller, overrides=None) -> ImplicitTaskDistiller:
    """``task_implicit`` with the options it shares with the configured ``task`` distiller, then ``overrides``."""
    shared = {k: v for k, v in distiller.params.items() if k in {f.name for f in fields(ImplicitTaskDistiller.Options)}}
    return get_distiller("task_implicit", **{**shared, **(overrides or {})})


def noise_measures(pools: list[np.ndarray]) -> dict:
    """Signal-to-noise measures of per-batch gradients, ``pools`` of shape (batches, n, columns) each."""
    first = pools[0]
    mean, std = first.mean(axis=0), first.std(axis=0, ddof=1)
    batches = len(first)
    moving = std > 0
    snr = np.abs(mean[moving]) / std[moving]
    significant = np.abs(mean[moving]) > 2 * std[moving] / np.sqrt(batches)
    norms = (first.reshape(batches, -1) ** 2).sum(axis=1)
    averaged = [g.mean(axis=0).ravel() for g in pools]
    cosine = float(averaged[0] @ averaged[1] / (np.linalg.norm(averaged[0]) * np.linalg.norm(averaged[1]))) if len(pools) > 1 else np.nan
    return {"median_snr": float(np.median(snr)), "significant": float(significant.mean()),
            "largest": float(norms.max() / norms.sum()), "cosine": cosine}


def rows(folder: Path, problem: str, budget: int, seed: int, batches: int, label: str = "task", overrides=None, sets=("start", "final"),
         implicit: bool = False):
    """Measures at the start set and at the committed final set of one (problem, budget, seed).

    ``overrides`` replaces some of the distiller's options (e.g. ``{"learners": 16}``). With
    ``implicit``, the gradient is ``task_implicit``'s (:func:`implicit_twin` of the configured
    distiller) at learners trained to convergence on the set.
    """
    config, distiller = configured_distiller(folder, label, None if implicit else overrides)
    if distiller is None:
        raise PinnddError(f"{folder}: no distiller {label!r} in its config; there: {', '.join(s.label for s in config.distillers)}")
    if implicit:
        distiller = implicit_twin(distiller, overrides)
    task = _task(config, problem)
    chosen = {}
    if "start" in sets:
        chosen["start"] = distiller.start(task, budget, seed=seed)
    final = results.points_path(folder, problem, label, budget, seed)
    if "final" in sets and final.exists():
        chosen["final"] = PointSet.load(final)
    for name, points in chosen.items():
        learnable = LearnablePoints(task.problem, points, task.target_region(), learn_weights=False, dtype=torch.float64)
        pools = [batch_gradients(distiller, task, learnable, pool_seed, batches) for pool_seed in (seed, seed + 1000)]
        yield name, noise_measures(pools)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cells", nargs="+", type=pair(":"), metavar="FOLDER:PROBLEM",
                        help="a results folder (config.toml, points/) and one of its problems")
    parser.add_argument("--budget", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0, help="distillation seed of the set (default 0)")
    parser.add_argument("--batches", type=int, default=32, help="independent target batches per pool (default 32)")
    parser.add_argument("--option", action="append", default=[], type=pair("="), metavar="NAME=NUMBER",
                        help="replace one of the distiller's numeric options, e.g. learners=16 or unroll=32; repeatable")
    parser.add_argument("--implicit", action="store_true",
                        help="task_implicit's hypergradient (learners trained to convergence) instead of task's")
    parser.add_argument("--sets", nargs="+", choices=("start", "final"), default=("start", "final"))
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    try:
        overrides = {name: float(value) if any(c in value for c in ".e") else int(value) for name, value in args.option}
    except ValueError:
        parser.error(f"--option takes NAME=NUMBER, got {', '.join('='.join(o) for o in args.option)}")
    changed = ", ".join(f"{k} = {v}" for k, v in overrides.items()) or "the config's options"
    method = "task_implicit" if args.implicit else "task"
    print(f"#### The `{method}` hypergradient's signal, m = {args.budget}, seed {args.seed}, {args.batches} target batches per pool; {changed}")
    print()
    print("| problem | set | median abs(mean) / std | significant at 2 s.e. | largest batch | pool cosine |")
    print("|---|---|---|---|---|---|")
    try:
        for folder, problem in args.cells:
            for name, m in rows(Path(folder), problem, args.budget, args.seed, args.batches, overrides=overrides, sets=args.sets, implicit=args.implicit):
                print(f"| {problem} | {name} | {m['median_snr']:.3f} | {m['significant']:.0%} | {m['largest']:.2f} | {m['cosine']:.2f} |", flush=True)
    except (PinnddError, FileNotFoundError) as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
