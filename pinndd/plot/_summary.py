"""Comparison plots from a results table (``summary.csv``)."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_error_vs_budget", "plot_error_by_split"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _finite(rows, metric):
    """Rows with a finite, positive value of ``metric`` (diverged models have NaN)."""
    values = rows[metric].to_numpy(dtype=float)
    return rows[np.isfinite(values) & (values > 0)]


def _nothing_to_draw(ax, title: str):
    ax.set_title(title)
    ax.text(0.5, 0.5, "no finite results\n(every model diverged)", ha="center", va="center", transform=ax.transAxes)
    return []


def plot_error_vs_budget(summary, problem: str, split: str, *, metric: str = "l2re", ax=None):
    """Mean error over seeds against budget, one line per distiller, with one-std bars.

    Rows with a non-finite error (diverged models) are left out; with none
    left, the axes say so instead of failing on the log scale.

    Parameters
    ----------
    summary : pandas.DataFrame
        Rows of ``summary.csv`` (one architecture).
    problem, split : str
    metric : str
        A metric column, e.g. ``"l2re"``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    list of matplotlib containers
        One errorbar container per distiller.
    """
    ax = _axes(ax)
    rows = _finite(summary[(summary.problem == problem) & (summary.split == split)], metric)
    if rows.empty:
        return _nothing_to_draw(ax, f"{problem}: {split}")
    artists = []
    names = list(dict.fromkeys(rows.distiller))
    for k, name in enumerate(names):
        stats = rows[rows.distiller == name].groupby("budget")[metric].agg(["mean", "std"]).fillna(0.0)
        artists.append(ax.errorbar(stats.index, stats["mean"], yerr=stats["std"], capsize=3, label=name, **_style(name, k)))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("budget m (points)")
    ax.set_ylabel(metric.upper() if metric == "l2re" else metric)
    ax.set_title(f"{problem}: {split}")
    ax.grid(True, which="both", alpha=0.3)
    return artists


def _style(name: str, index: int) -> dict:
    """Distinct colour and marker per distiller; the task-specified one drawn bold in black."""
    import matplotlib

    if name == "task":
        return {"color": "black", "marker": "s", "linewidth": 2.5, "zorder": 10}
    colours = matplotlib.colormaps["tab20"].colors
    markers = "o^vDP*Xhp<>"
    return {"color": colours[index % len(colours)], "marker": markers[index % len(markers)], "linewidth": 1.2}


def plot_error_by_split(summary, problem: str, budget: int, splits, *, metric: str = "l2re", ax=None):
    """Grouped bars: error per split per distiller at one budget, mean with one-std bars over seeds.

    Returns
    -------
    list of matplotlib.container.BarContainer
    """
    ax = _axes(ax)
    rows = _finite(summary[(summary.problem == problem) & (summary.budget == budget)], metric)
    if rows.empty:
        return _nothing_to_draw(ax, f"{problem}: m = {budget}")
    names = list(dict.fromkeys(rows.distiller))
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(splits))
    bars = []
    for k, name in enumerate(names):
        stats = rows[rows.distiller == name].groupby("split")[metric].agg(["mean", "std"]).reindex(splits)
        colour = _style(name, k)["color"]
        bars.append(ax.bar(x + (k - (len(names) - 1) / 2) * width, stats["mean"], width, yerr=stats["std"].fillna(0.0), capsize=2, label=name, color=colour))
    ax.set_xticks(x, splits)
    ax.set_yscale("log")
    ax.set_ylabel(metric.upper() if metric == "l2re" else metric)
    ax.set_title(f"{problem}: m = {budget}")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    return bars
