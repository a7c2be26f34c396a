"""Render a results folder's figures from its saved files (``pinndd figures DIR``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from ..io import atomic_path
from ._fields import plot_field, plot_points
from ._shift import plot_error_vs_shift
from ._summary import plot_error_by_split, plot_error_vs_budget

__all__ = ["render_figures"]


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, bbox_inches="tight", format=path.suffix[1:])
    plt.close(fig)
    return path


def _legend(fig, ax):
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), bbox_to_anchor=(0.5, 1.0))


def render_figures(out) -> list[Path]:
    """Re-render ``out/figures`` from ``summary.csv``, ``points/`` and ``fields/``.

    Figures: ``error_vs_budget.png`` (per problem and split), ``error_by_split.png``
    (at the largest budget), ``fields_<problem>.png`` (reference, prediction and
    error for one out-of-distribution condition) and ``points_<problem>.png``
    (each distiller's set at the largest budget, in space-time and in
    parameter space), and ``shift_<problem>.png`` (error versus shift, where
    the run scanned it).

    Returns
    -------
    list of pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = Path(out)
    summary = pd.read_csv(out / "summary.csv")
    if "arch" in summary:
        summary = summary[summary.arch.str.startswith("main")]
    problems = list(dict.fromkeys(summary.problem))
    splits = list(dict.fromkeys(summary.split))
    written = []
    fig, axes = plt.subplots(len(problems), len(splits), figsize=(4.2 * len(splits), 3.4 * len(problems)), squeeze=False)
    for r, problem in enumerate(problems):
        for c, split in enumerate(splits):
            plot_error_vs_budget(summary, problem, split, ax=axes[r, c])
    fig.tight_layout()
    _legend(fig, axes[0, 0])
    written.append(_save(fig, out / "figures" / "error_vs_budget.png"))
    fig, axes = plt.subplots(1, len(problems), figsize=(5 * len(problems), 3.6), squeeze=False)
    for c, problem in enumerate(problems):
        budget = int(summary[summary.problem == problem].budget.max())
        plot_error_by_split(summary, problem, budget, splits, ax=axes[0, c])
    fig.tight_layout()
    _legend(fig, axes[0, 0])
    written.append(_save(fig, out / "figures" / "error_by_split.png"))
    for problem in problems:
        written += _render_problem(out, summary[summary.problem == problem], problem)
        written += _render_shift(out, problem)
    return written


def _render_shift(out: Path, problem: str) -> list[Path]:
    """``shift_<problem>.png``: error versus shift along each ray (main architecture, largest budget)."""
    import matplotlib.pyplot as plt

    paths = sorted((out / "shift").glob(f"{problem}__main__n*.nc"))
    if not paths:
        return []
    scans = []
    for path in paths:
        with xr.open_dataset(path) as ds:
            scans.append(ds.load())
    scan = xr.concat(scans, dim="model")
    directions = list(dict.fromkeys(scan.direction.values.tolist()))
    fig, axes = plt.subplots(1, len(directions), figsize=(4.6 * len(directions), 3.6), squeeze=False)
    for c, direction in enumerate(directions):
        plot_error_vs_shift(scan, direction, ax=axes[0, c])
    fig.tight_layout()
    _legend(fig, axes[0, 0])
    return [_save(fig, out / "figures" / f"shift_{problem}.png")]


def _render_problem(out: Path, rows, problem: str) -> list[Path]:
    import matplotlib.pyplot as plt

    from ..results import cell_stem, fields_path, points_path
    from ..pointset import PointSet

    written = []
    budget = int(rows.budget.max())
    seed = int(rows.seed.min())
    distillers = list(dict.fromkeys(rows.distiller))
    stem = cell_stem(problem, distillers[-1], budget, seed)
    fields = sorted(fields_path(out, stem).parent.glob(f"{stem}__*__main.nc"))
    if fields:
        with xr.open_dataset(fields[0]) as ds:
            ds = ds.load()
        k = int((ds.split.values == ds.split.values[-1]).nonzero()[0][0])
        cond = ds.isel(condition=k, output=0)
        # Beyond two variables (e.g. x, y, t), show the last slice of the others.
        cond = cond.isel({c: -1 for c in list(cond.u_ref.dims)[2:]})
        label = ", ".join(f"{p}={float(cond[p]):.3g}" for p in ds.coords if p not in ds.dims and p not in ("split",))
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
        plot_field(cond.u_ref, ax=axes[0], title="reference")
        plot_field(cond.u_pred, ax=axes[1], title=f"{distillers[-1]} (m={budget})")
        plot_field(abs(cond.error), ax=axes[2], cmap="viridis", title="|error|")
        fig.suptitle(f"{problem}, {str(cond.split.values)} condition: {label}")
        fig.tight_layout()
        written.append(_save(fig, out / "figures" / f"fields_{problem}.png"))
    sets = [(d, points_path(out, problem, d, budget, seed)) for d in distillers]
    sets = [(d, p) for d, p in sets if p.exists()]
    if sets:
        fig, axes = plt.subplots(2, len(sets), figsize=(3.6 * len(sets), 6.6), squeeze=False)
        for c, (name, path) in enumerate(sets):
            ps = PointSet.load(path)
            plot_points(ps, ax=axes[0, c], title=f"{name} (m={budget})")
            # The condition parameters: two against each other, or the one against the first variable.
            columns = list(ps.params[:2])[::-1] if len(ps.params) > 1 else [ps.params[0], ps.coords[0]]
            plot_points(ps, ax=axes[1, c], columns=columns)
        fig.tight_layout()
        _legend(fig, axes[0, 0])
        written.append(_save(fig, out / "figures" / f"points_{problem}.png"))
    return written
