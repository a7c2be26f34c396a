"""Figures of a tabular results folder, rendered from the saved CSV files only.

- ``per_site_<split>.png``: the headline metric per method per site (and the
  mean and worst site), methods with a budget at the headline budget; bars are
  means over seeds, whiskers one standard deviation.
- ``vs_budget_<split>.png``: the headline metric (mean over sites and worst
  site) against the budget ``m``; budget-free baselines are horizontal lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pinndd import io, results

__all__ = ["plot_per_site", "plot_vs_budget", "render_tabular_figures"]


def _pick(summary: pd.DataFrame, headline: int) -> pd.DataFrame:
    return summary[(summary["budget"] == 0) | (summary["budget"] == headline)]


def plot_per_site(summary, aggregate, metric: str, headline: int, *, ax=None):
    """Grouped bars: ``metric`` per site for each method (mean over seeds, +- std).

    Parameters
    ----------
    summary, aggregate : pandas.DataFrame
        One split's rows of ``summary.csv`` and ``aggregate.csv``.
    metric : str
    headline : int
        Budget shown for budgeted methods.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        ax = plt.figure(figsize=(11, 4.2)).add_subplot()
    per_site = _pick(summary, headline)[["method", "site", "seed", metric]]
    agg = _pick(aggregate, headline)
    extra = [agg[agg["risk"] == r].assign(site=label)[["method", "site", "seed", metric]]
             for r, label in (("mean", "mean"), ("max", "worst")) if (agg["risk"] == r).any()]
    frame = pd.concat([per_site, *extra])
    stats = frame.groupby(["method", "site"], sort=False)[metric].agg(["mean", "std"])
    methods = list(dict.fromkeys(frame["method"]))
    sites = list(dict.fromkeys(frame["site"]))
    budgeted = set(summary.loc[summary["budget"] > 0, "method"])
    width = 0.8 / len(methods)
    for i, method in enumerate(methods):
        mean = [stats["mean"].get((method, s), np.nan) for s in sites]
        std = [stats["std"].get((method, s), np.nan) for s in sites]
        label = f"{method} (m={headline})" if method in budgeted else method
        ax.bar(np.arange(len(sites)) + (i - (len(methods) - 1) / 2) * width, mean, width, yerr=std,
               capsize=2, label=label)
    ax.set_xticks(np.arange(len(sites)), sites)
    ax.set_ylabel(metric)
    finite = stats["mean"].dropna()
    if metric in ("auroc", "accuracy") and len(finite):
        ax.set_ylim(max(0.0, finite.min() - 0.1), 1.0)
    ax.legend(fontsize=7, ncol=3)
    ax.set_title(f"{metric} per site (mean +- std over seeds)")
    return ax


def plot_vs_budget(aggregate, metric: str, risk: str, *, ax=None):
    """``metric`` aggregated by ``risk`` against the budget ``m`` (mean +- std over seeds).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        ax = plt.figure().add_subplot()
    rows = aggregate[aggregate["risk"] == risk]
    stats = rows.groupby(["method", "budget"])[metric].agg(["mean", "std"]).reset_index()
    budgets = sorted(b for b in stats["budget"].unique() if b > 0)
    for i, (method, group) in enumerate(stats.groupby("method", sort=False)):
        if (group["budget"] == 0).all():
            ax.axhline(group["mean"].iloc[0], ls="--", lw=1, label=f"{method} (all rows)", color=f"C{i % 10}")
        else:
            group = group.sort_values("budget")
            line, = ax.plot(group["budget"], group["mean"], marker="o", label=method, color=f"C{i % 10}")
            ax.fill_between(group["budget"], group["mean"] - group["std"], group["mean"] + group["std"],
                            color=line.get_color(), alpha=0.2)
    if budgets:
        ax.set_xscale("log")
        ax.set_xticks(budgets, [str(b) for b in budgets])
    ax.set_xlabel("synthetic rows m")
    ax.set_ylabel(f"{metric} ({'worst site' if risk == 'max' else risk} over sites)")
    ax.legend(fontsize=7)
    return ax


def render_tabular_figures(out_dir) -> list[Path]:
    """Re-render ``out_dir/figures`` from ``summary.csv`` and ``aggregate.csv``.

    Returns
    -------
    list of pathlib.Path
        The PNG files written.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import xarray as xr

    out_dir = Path(out_dir)
    summary = pd.read_csv(results.summary_path(out_dir))
    aggregate = pd.read_csv(results.aggregate_path(out_dir))
    with xr.open_dataset(results.site_metrics_path(out_dir)) as ds:
        metric, headline = str(ds.attrs["metric"]), int(ds.attrs["headline_budget"])
    written = []
    for split in dict.fromkeys(summary["split"]):
        fig, ax = plt.subplots(figsize=(11, 4.2))
        plot_per_site(summary[summary["split"] == split], aggregate[aggregate["split"] == split],
                      metric, headline, ax=ax)
        ax.set_title(f"{summary['dataset'].iloc[0]}, {split}: {metric} per site (mean +- std over seeds)")
        written.append(_save(fig, results.figure_path(out_dir, f"per_site_{split}.png")))
        risks = [r for r in ("mean", "max") if (aggregate["risk"] == r).any()]
        fig, axes = plt.subplots(1, len(risks), figsize=(5.5 * len(risks), 4), squeeze=False)
        for ax, risk in zip(axes[0], risks):
            plot_vs_budget(aggregate[aggregate["split"] == split], metric, risk, ax=ax)
        fig.suptitle(f"{summary['dataset'].iloc[0]}, {split}")
        written.append(_save(fig, results.figure_path(out_dir, f"vs_budget_{split}.png")))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path
