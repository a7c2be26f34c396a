"""Markdown tables and target checks of the benchmark before the recipe (``ood_benchmark_before_recipe.toml``).

The tables of experiments/README.md's "before the recipe" section come from this script; the
benchmark with converged learners has its own report (``ood_report.py``).

Run:  python experiments/ood_report_before_recipe.py results/ood_benchmark > /tmp/report.md
      python experiments/ood_report_before_recipe.py results/ood_benchmark --previous experiments/results/ood_benchmark/task_unroll2.csv
      (adds a table of `task` against the rows of an earlier `task` kept in that CSV)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

BASELINES_EXCLUDED = {"task", "full"}


def cell(values) -> str:
    """``mean ± std`` of a series, in short scientific notation."""
    return f"{values.mean():.2e} ± {values.std(ddof=0):.1e}"


def table(summary: pd.DataFrame, split: str) -> str:
    """Rows distillers, columns budgets: L2RE mean ± std over evaluation seeds."""
    budgets = sorted(summary.budget.unique())
    lines = ["| distiller | " + " | ".join(f"m = {b}" for b in budgets) + " |", "|---" * (len(budgets) + 1) + "|"]
    rows = summary[summary.split == split]
    for name in dict.fromkeys(rows.distiller):
        sel = rows[rows.distiller == name]
        lines.append(f"| {name} | " + " | ".join(cell(sel[sel.budget == b].l2re) for b in budgets) + " |")
    return "\n".join(lines)


def targets(summary: pd.DataFrame) -> list[str]:
    """The issue's targets, checked cell by cell on mean L2RE."""
    out = []
    means = summary.groupby(["problem", "split", "distiller", "budget"]).l2re.mean()
    for problem in dict.fromkeys(summary.problem):
        for m in sorted(summary.budget.unique()):
            far = means[problem, "ood_far"].xs(m, level="budget")
            others = far.drop(labels=[d for d in BASELINES_EXCLUDED if d in far.index])
            best = others.idxmin()
            ok = far["task"] < others.min()
            out.append(f"- {problem}, m = {m}, ood_far: task {far['task']:.3e} vs best other distiller {best} {others.min():.3e} -> {'met' if ok else 'NOT met'}")
            if 4 * m in means[problem, "ood_far"].xs("uniform_target", level="distiller").index:
                u4 = means[problem, "ood_far", "uniform_target", 4 * m]
                out.append(f"  - vs uniform_target at 4m = {4 * m}: {u4:.3e} -> {'met' if far['task'] <= u4 else 'NOT met'}")
            train = means[problem, "train"].xs(m, level="budget").drop(labels=[d for d in BASELINES_EXCLUDED if d in far.index])
            ratio = means[problem, "train", "task", m] / train.min()
            out.append(f"  - train: task / best baseline ({train.idxmin()}) = {ratio:.2f} -> {'met' if ratio <= 1.5 else 'NOT met'} (target <= 1.5)")
    return out


def previous_table(summary: pd.DataFrame, previous: pd.DataFrame) -> str:
    """``task`` now against an earlier ``task`` (same protocol): mean L2RE per problem, budget and split."""
    splits = ("train", "ood_near", "ood_far")
    now = summary[summary.distiller == "task"].groupby(["problem", "budget", "split"]).l2re.mean()
    before = previous[previous.distiller == "task"].groupby(["problem", "budget", "split"]).l2re.mean()
    lines = ["| problem | m | " + " | ".join(f"{s} before -> now" for s in splits) + " |", "|---" * (2 + len(splits)) + "|"]
    for problem, budget in dict.fromkeys(zip(before.index.get_level_values(0), before.index.get_level_values(1))):
        cells = [f"{before[problem, budget, s]:.3f} -> {now[problem, budget, s]:.3f}" for s in splits]
        lines.append(f"| {problem} | {budget} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(folder: str, previous: str | None = None) -> None:
    summary = pd.read_csv(Path(folder) / "summary.csv")
    main_arch = summary[summary.arch.str.startswith("main")]
    for problem in dict.fromkeys(main_arch.problem):
        for split in ("train", "ood_near", "ood_far"):
            print(f"\n#### {problem}, {split} (L2RE, mean ± std over evaluation seeds)\n")
            print(table(main_arch[main_arch.problem == problem], split))
    transfer = summary[summary.arch.str.startswith("transfer")]
    if len(transfer):
        for problem in dict.fromkeys(transfer.problem):
            print(f"\n#### {problem}, ood_far, second architecture ({transfer.arch.iloc[0].split(':')[1]})\n")
            print(table(transfer[transfer.problem == problem], "ood_far"))
    print("\n#### Distillation wall time (s, mean over budgets; one torch thread per problem)\n")
    distill = main_arch.groupby(["distiller", "problem"], sort=False).distill_s.mean().unstack()
    problems = list(distill.columns)
    print("| distiller | " + " | ".join(problems) + " |")
    print("|---" * (len(problems) + 1) + "|")
    for name, row in distill.iterrows():
        print(f"| {name} | " + " | ".join(f"{row[p]:.1f}" for p in problems) + " |")
    train = main_arch.groupby("problem", sort=False).train_s.agg(["min", "max"])
    print("\nTraining, per model (vectorised batch wall time / models in it), s: " + "; ".join(f"{p} {r['min']:.1f} (budgets) to {r['max']:.1f} (full data)" for p, r in train.iterrows()))
    print("\n#### Targets\n")
    print("\n".join(targets(main_arch)))
    if previous:
        print(f"\n#### `task` before and after (main architecture; before: {previous})\n")
        old = pd.read_csv(previous)
        print(previous_table(main_arch, old[old.arch.str.startswith("main")]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Markdown tables and target checks from an OOD-benchmark results folder.")
    parser.add_argument("folder", help="results folder of experiments/ood_benchmark.toml or ood_benchmark_before_recipe.toml")
    parser.add_argument("--previous", help="CSV with the rows of an earlier `task` run under the same protocol")
    args = parser.parse_args()
    main(args.folder, args.previous)
