"""Markdown tables from a tabular results folder (``summary.csv`` and ``aggregate.csv``).

Per split: the headline metric's mean, CVaR and worst site over sites (mean ±
std over seeds) with the other metrics' means; the metric per site; and the
paired difference of ``task`` at the headline budget to every other method.

Run:  python experiments/tabular_report.py results/heart_merge
      python experiments/tabular_report.py results/heart_merge results/heart_merge_more_seeds  # 15 seeds
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pandas as pd

from pinndd import results
from pinndd.tabular import METRICS


def _cell(x: pd.Series) -> str:
    return f"{x.mean():.3f} ± {x.std():.3f}" if len(x) > 1 else f"{x.mean():.3f}"


def _label(method: str, budget: int) -> str:
    return f"| {method} | {budget if budget else 'all'} |"


def risk_table(agg: pd.DataFrame, metrics: list[str]) -> str:
    """Headline metric under every reported risk, then the other metrics' mean over sites."""
    head, rest = metrics[0], metrics[1:]
    risks = list(dict.fromkeys(agg.risk))
    lines = ["| method | m | " + " | ".join(f"{head} {r}" for r in risks) + "".join(f" | {m} mean" for m in rest) + " |"]
    lines.append("|---" * (2 + len(risks) + len(rest)) + "|")
    for (method, budget), rows in agg.groupby(["method", "budget"], sort=False):
        cells = [_cell(rows[rows.risk == r][head]) for r in risks] + [_cell(rows[rows.risk == "mean"][m]) for m in rest]
        lines.append(_label(method, budget) + " " + " | ".join(cells) + " |")
    return "\n".join(lines)


def site_table(summary: pd.DataFrame, metric: str) -> str:
    """The headline metric per site: mean ± std over seeds."""
    sites = list(dict.fromkeys(summary.site))
    lines = ["| method | m | " + " | ".join(sites) + " |", "|---" * (2 + len(sites)) + "|"]
    for (method, budget), rows in summary.groupby(["method", "budget"], sort=False):
        lines.append(_label(method, budget) + " " + " | ".join(_cell(rows[rows.site == s][metric]) for s in sites) + " |")
    return "\n".join(lines)


def paired(agg: pd.DataFrame, metric: str, budget: int) -> str:
    """``task`` at ``budget`` minus every other method, paired by seed, under the mean and worst-site risks."""
    worst = "max"
    lines = [f"| other method | m | task - other, {metric} mean | task - other, {metric} worst site |", "|---|---|---|---|"]
    task = agg[(agg.method == "task") & (agg.budget == budget)].set_index(["risk", "seed"])[metric]
    for (method, b), rows in agg.groupby(["method", "budget"], sort=False):
        if method == "task":
            continue
        other = rows.set_index(["risk", "seed"])[metric]
        diff = (task - other).dropna()
        lines.append(_label(method, b) + f" {_cell(diff['mean'])} | {_cell(diff[worst])} |")
    note = "higher is better" if METRICS[metric][1] else "lower is better"
    return "\n".join(lines) + f"\n\n({metric}: {note}; the worst site is the risk `max` of the per-site loss.)"


def load(folders) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Summary and aggregate rows of one or more results folders of the same config, and its headline budget.

    Folders must hold disjoint seeds (e.g. ``heart_merge`` and ``heart_merge_more_seeds``); their
    rows are stacked so that every table is over all their seeds together.
    """
    summaries, aggs, headlines = [], [], set()
    for folder in map(Path, folders):
        paths = results.summary_path(folder), results.aggregate_path(folder), results.config_path(folder)
        for path in paths:
            if not path.is_file():
                raise SystemExit(f"{path}: not found; is {folder} the --out folder of a tabular pinndd run?")
        summaries.append(pd.read_csv(paths[0]))
        aggs.append(pd.read_csv(paths[1]))
        headlines.add(int(tomllib.loads(paths[2].read_text())["experiment"]["headline_budget"]))
    if len(headlines) != 1:
        raise SystemExit(f"folders {list(folders)} have different headline budgets {sorted(headlines)}")
    seeds = [set(zip(a.split, a.seed)) for a in aggs]
    if any(seeds[i] & seeds[j] for i in range(len(seeds)) for j in range(i)):
        raise SystemExit(f"folders {list(folders)} share a (split, seed); combine only disjoint seeds")
    return pd.concat(summaries, ignore_index=True), pd.concat(aggs, ignore_index=True), headlines.pop()


def main(folders) -> None:
    summary, agg, headline = load(folders)
    metrics = [m for m in ("auroc", "brier", "accuracy", "rmse") if m in agg and agg[m].notna().any()]
    for split in dict.fromkeys(agg.split):
        a, s = agg[agg.split == split], summary[summary.split == split]
        n_seeds = a.seed.nunique()
        print(f"\n#### {split}: {metrics[0]} over sites (mean ± std over {n_seeds} seeds)\n")
        print(risk_table(a, metrics))
        print(f"\n#### {split}: {metrics[0]} per site\n")
        print(site_table(s, metrics[0]))
        if "task" in set(a.method):
            print(f"\n#### {split}: paired differences, task at m = {headline}\n")
            print(paired(a, metrics[0], headline))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python experiments/tabular_report.py RESULTS_DIR [MORE_DIRS_WITH_OTHER_SEEDS ...]")
    main(sys.argv[1:])
