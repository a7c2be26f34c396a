"""Error versus shift: one line per distiller along one ray, with its band over seeds."""

from __future__ import annotations

import numpy as np

from ._summary import _axes, _style

__all__ = ["plot_error_vs_shift"]


def plot_error_vs_shift(scan, direction: str, *, budget=None, metric: str = "l2re", ax=None):
    """Mean error against shift along one ray, one line per distiller, band from min to max over seeds.

    Parameters
    ----------
    scan : xarray.Dataset
        From :func:`pinndd.shift.shift_dataset` (dims ``model``, ``condition``),
        possibly the concatenation of several groups along ``model``.
    direction : str
        A ray name (a value of ``scan.direction``).
    budget : int, optional
        Only models of this budget (default: the largest).
    metric : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    list of matplotlib.lines.Line2D
    """
    ax = _axes(ax)
    on_ray = scan.isel(condition=np.flatnonzero(scan.direction.values == direction))
    budget = int(on_ray.budget.max()) if budget is None else budget
    on_ray = on_ray.isel(model=np.flatnonzero(on_ray.budget.values == budget))
    shift = on_ray["distance"].values
    order = np.argsort(shift)
    lines = []
    for k, name in enumerate(dict.fromkeys(on_ray.distiller.values.tolist())):
        rows = on_ray.isel(model=np.flatnonzero(on_ray.distiller.values == name))
        # mean over the replicates of each seed, then mean and range over seeds
        per_seed = np.stack([np.nanmean(rows[metric].values[rows.seed.values == s], axis=0) for s in np.unique(rows.seed.values)])
        if not np.isfinite(per_seed).any():
            continue
        style = _style(str(name), k)
        (line,) = ax.plot(shift[order], np.nanmean(per_seed, axis=0)[order], label=str(name), color=style["color"], marker=style["marker"], linewidth=style["linewidth"], markersize=3)
        if len(per_seed) > 1:
            ax.fill_between(shift[order], np.nanmin(per_seed, axis=0)[order], np.nanmax(per_seed, axis=0)[order], color=style["color"], alpha=0.15)
        lines.append(line)
    ax.set_yscale("log")
    ax.set_xlabel("shift from the training family (half-widths)")
    ax.set_ylabel(metric.upper() if metric == "l2re" else metric)
    ax.set_title(f"{scan.attrs.get('problem', '')}: {direction}, m = {budget}")
    ax.grid(True, which="both", alpha=0.3)
    return lines
