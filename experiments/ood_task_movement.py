"""How far the ``task`` distiller moves its points from its start, per problem and budget (issue 13).

``task`` starts from its ``init`` sampler's set over the target family Q (a Sobol set by default;
:meth:`pinndd.distillers.task.TaskDistiller.start`) and moves every point by gradient steps on the
task's risk. The two sets keep their rows in order, so the displacement of each point is measured
row by row. Coordinates are scaled to the unit box (the domain's bounding box times Q's parameter
box, as the distiller parametrises them), and the displacement is set beside the start's own
spacing, the median distance of a collocation point to its nearest neighbour: a set whose points
move a small fraction of that spacing is its start with jitter, whatever its final loss says.

The start is recomputed from each results folder's ``config.toml`` with the current code; a set
whose start the code no longer reproduces is still compared row by row, so run
``python experiments/ood_check_sets.py FOLDER`` first when the code has changed since.

Columns: collocation points, mean displacement, the start's median nearest-neighbour spacing, their
ratio, the share of points moved more than half that spacing, the mean displacement per
coordinate, the largest change of a marginal distribution (the two-sample Kolmogorov-Smirnov
distance between the start's and the final set's values of one coordinate; the coordinate named),
and the coefficient of variation of the learned weights (0 when weights are not learned); mean
over the distillation seeds found. Moves that leave every marginal where it was (a small KS
distance) jitter the points without sending them anywhere.

A problem rerun with its own learner in another folder keeps the two folders' sets apart as
``ood_report.py`` does: ``--drop FOLDER:PROBLEM`` leaves one folder's sets of a problem out.

Run:  python experiments/ood_task_movement.py experiments/results/ood_benchmark_recipe \
          experiments/results/ood_benchmark_allen_cahn1d --drop ood_benchmark_recipe:allen_cahn1d
      python experiments/ood_task_movement.py FOLDER --points condition   (the boundary/initial points instead)
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import ks_2samp

from pinndd import results
from pinndd.distillers import get_distiller
from pinndd.config import load_config, parse
from pinndd.experiment._runner import _task
from pinndd.errors import PinnddError
from pinndd.pointset import PointSet

from ood_report import pair  # experiments/ is the script's own folder on sys.path


def unit_box(task) -> tuple[np.ndarray, np.ndarray]:
    """Lower corner and span of the box the distiller parametrises points in."""
    box = task.target_region().bounds
    lower = np.array([lo for lo, _ in task.problem.domain] + list(box.lower), dtype=float)
    upper = np.array([hi for _, hi in task.problem.domain] + list(box.upper), dtype=float)
    return lower, upper - lower


PARTS = {"collocation": ("interior", "interior_weight"), "condition": ("constraint", "constraint_weight")}


def movement(start: PointSet, final: PointSet, lower: np.ndarray, span: np.ndarray, part: str = "collocation") -> dict:
    """Displacement of one part of the points (:data:`PARTS`) from ``start`` to ``final``, in unit coordinates."""
    points, weights = PARTS[part]
    a, b = (getattr(start, points) - lower) / span, (getattr(final, points) - lower) / span
    step = np.linalg.norm(b - a, axis=1)
    spacing = float(np.median(cKDTree(a).query(a, k=2)[0][:, 1]))
    w = getattr(final, weights)
    ks = [ks_2samp(a[:, j], b[:, j]).statistic for j in range(a.shape[1])]
    return {
        "points": len(a),
        "move": float(step.mean()),
        "spacing": spacing,
        "ratio": float(step.mean() / spacing),
        "moved_half": float(np.mean(step > spacing / 2)),
        "per_column": np.abs(b - a).mean(axis=0),
        "ks": np.array(ks),
        "weight_cv": float(w.std() / w.mean()),
    }


def configured_distiller(folder: Path, label: str, overrides=None):
    """A results folder's parsed config, and the distiller it configures as ``label`` (None if none).

    ``overrides`` replaces some of that distiller's options (e.g. ``{"learners": 16}``).
    """
    config = parse(load_config(results.config_path(folder))[0])
    spec = next((s for s in config.distillers if s.label == label), None)
    return config, None if spec is None else get_distiller(spec.method, **{**spec.options, **(overrides or {})})


def folder_rows(folder: Path, label: str, drop=(), part: str = "collocation"):
    """(problem, budget, seed, measures, columns) for every ``label`` set in ``folder/points``.

    ``drop`` holds the ``(folder name, problem)`` pairs left out; ``part`` names the points measured.
    """
    config, distiller = configured_distiller(folder, label)
    if distiller is None:
        return
    if not hasattr(distiller, "start"):
        raise SystemExit(f"distiller {label!r} ({distiller.name}) has no start set to compare with")
    for problem in config.problems:
        if (folder.name, problem) in drop:
            continue
        task = None
        for budget, seed in itertools.product(config.budgets, config.seeds):
            path = results.points_path(folder, problem, label, budget, seed)
            if not path.exists():
                continue
            task = task or _task(config, problem)
            start = distiller.start(task, budget, seed=seed)
            final = PointSet.load(path)
            columns = tuple(task.problem.coords) + tuple(final.params)
            yield problem, budget, seed, movement(start, final, *unit_box(task), part), columns


def report(folders, label: str, drop=(), part: str = "collocation") -> str:
    """A markdown table, one row per (problem, budget), means over the seeds found, of one part of the points."""
    cells: dict = {}
    names: dict = {}
    for folder in folders:
        for problem, budget, seed, measures, columns in folder_rows(Path(folder), label, drop, part):
            cells.setdefault((problem, budget), {}).setdefault(seed, measures)  # the first folder's set of a seed
            names[problem] = columns
    if not cells:
        raise SystemExit(f"no {label!r} sets in {', '.join(map(str, folders))}")
    lines = [
        f"#### How far `{label}` moves its {part} points from its start (unit box; mean over distillation seeds)",
        "",
        f"| problem | m | seeds | {part} points | mean move | start spacing | move / spacing | moved > spacing / 2 | mean move per coordinate | largest marginal KS | weight cv |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (problem, budget), by_seed in sorted(cells.items()):
        runs = list(by_seed.values())

        def mean(key):
            return float(np.mean([r[key] for r in runs]))

        per_column = np.mean([r["per_column"] for r in runs], axis=0)
        coords = ", ".join(f"{name} {value:.3f}" for name, value in zip(names[problem], per_column))
        ks = np.mean([r["ks"] for r in runs], axis=0)
        widest = int(np.argmax(ks))
        lines.append(
            f"| {problem} | {budget} | {len(runs)} | {runs[0]['points']} | {mean('move'):.3f} | {mean('spacing'):.3f} | "
            f"{mean('ratio'):.2f} | {mean('moved_half'):.0%} | {coords} | {ks[widest]:.3f} ({names[problem][widest]}) | {mean('weight_cv'):.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="results folders with config.toml and points/")
    parser.add_argument("--label", default="task", help="distiller label in the configs (default: task)")
    parser.add_argument("--drop", action="append", default=[], type=pair(":"), metavar="FOLDER:PROBLEM",
                        help="leave out one folder's sets of a problem (folder by name); repeatable")
    parser.add_argument("--points", choices=tuple(PARTS), default="collocation",
                        help="which points: the collocation points (default) or the boundary/initial condition points")
    args = parser.parse_args(argv)
    try:
        print(report(args.folders, args.label, set(args.drop), args.points))
    except (PinnddError, FileNotFoundError) as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
