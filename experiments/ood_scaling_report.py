"""L2RE against the number of points, per split, from OOD benchmark folders (issue 13).

Several folders run with the same protocol (learner, evaluation conditions and seeds) answer
"how many points does the learner need for the target family Q": stage 1 of the benchmark
(budgets up to 512, and 8,192 points for the full-data references), ``ood_budget_scaling.toml``
(1,024 to 4,096) and ``ood_task_ablation.toml``. This script puts their rows of one problem
side by side, by point count rather than by budget (a full-data reference has 8,192 points at
every budget), with one row per kind of set: labels that draw the same sets (``uniform_target``,
``uniform_target_4096``, ``full_target``: uniform over Q) share a row, and a cell evaluated in
several folders is taken from the first folder given (row by row, as ``ood_report.py`` reads them).

Cells: mean L2RE over the evaluation learners [min, max]; main architecture.

Run:  python experiments/ood_scaling_report.py heat1d experiments/results/ood_benchmark_recipe \
          experiments/results/ood_budget_scaling experiments/results/ood_task_ablation
"""

from __future__ import annotations

import argparse
import numpy as np
import pandas as pd

import ood_report  # experiments/ is the script's own folder on sys.path

#: Labels whose sets are drawn alike, whatever the budget: one row each.
KINDS = {
    "uniform_target": "uniform over Q",
    "uniform_target_4096": "uniform over Q",
    "full_target": "uniform over Q",
    "full": "uniform over the training family",
    "uniform": "uniform over the training family",
}
ROWS = ["uniform over the training family", "uniform over Q", "sobol_target", "rad_target", "task_unweighted", "task"]


def load(problem: str, folders) -> pd.DataFrame:
    """Main-architecture rows of ``problem`` from every folder, a kind of set per row.

    Read by :func:`ood_report.load` (summary, finished metrics, or evaluated groups of a problem
    still running), which keeps a row from the first folder given that has it: the same cell
    trained in another folder's batch agrees only to rounding amplified by L-BFGS.
    """
    rows = ood_report.load(folders, partial=True)
    rows = rows[(rows.problem == problem) & rows.arch.str.startswith("main")].copy()
    if rows.empty:
        raise SystemExit(f"no main-architecture rows of {problem} in {', '.join(map(str, folders))}")
    rows["kind"] = rows.distiller.map(lambda d: KINDS.get(d, d))
    # a reference drawn alike at every budget: the same learners once
    return rows.drop_duplicates(["kind", "n_points", "seed", "eval_seed", "split"])


def table(rows: pd.DataFrame, split: str, every: bool = False) -> str:
    """Rows: kinds of set (those of ``ROWS``, or ``every`` one); columns: point counts."""
    sel = rows[rows.split == split]
    sizes = sorted(sel.n_points.unique())
    kinds = [k for k in ROWS if k in set(sel.kind)] + (sorted(set(sel.kind) - set(ROWS)) if every else [])
    lines = ["| set | " + " | ".join(f"n = {n}" for n in sizes) + " |", "|---" * (len(sizes) + 1) + "|"]
    for kind in kinds:
        cells = []
        for n in sizes:
            v = sel[(sel.kind == kind) & (sel.n_points == n)].l2re
            cells.append(f"{v.mean():.3g} [{v.min():.3g}, {v.max():.3g}]" if len(v) else "")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(problem: str, folders, every: bool = False) -> None:
    rows = load(problem, folders)
    learners = rows.groupby(["kind", "n_points", "split"]).size().max()
    print(f"{problem}: L2RE by number of points, mean over the evaluation learners [min, max] "
          f"(at most {learners} learners a cell; distillation seed 0)")
    for split in ("train", "ood_near", "ood_far"):
        if split in set(rows.split):
            print(f"\n#### {problem}, {split}\n")
            print(table(rows, split, every))
    if not np.isfinite(rows.l2re).all():
        print("\n(some learners have a non-finite L2RE)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("problem")
    parser.add_argument("folders", nargs="+", help="results folders run with the same protocol")
    parser.add_argument("--all", action="store_true", help="every distiller, not only the uniform sets, rad_target and the task variants")
    args = parser.parse_args()
    main(args.problem, args.folders, args.all)
