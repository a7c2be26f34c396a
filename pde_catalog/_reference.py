"""Turn a problem's pointwise reference solution into a labelled xarray grid."""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["reference_dataset", "package_version"]


def package_version() -> str:
    """Installed version of the pinndd distribution (``"unknown"`` if not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pinndd")
    except PackageNotFoundError:
        return "unknown"


def reference_dataset(problem, beta: np.ndarray, grid=None) -> xr.Dataset:
    """Evaluate ``problem.solution`` on a tensor grid and label it.

    Parameters
    ----------
    problem : Problem
    beta : numpy.ndarray, shape (family.dim,)
    grid : dict of str to array-like, optional
        1-D coordinates by variable name; missing ones use the default grid.
        Values outside the domain raise ``ValueError``.

    Returns
    -------
    xarray.Dataset
        One variable per output, NaN at grid points outside the domain.
    """
    full = problem.default_grid()
    grid = dict(grid or {})
    unknown = sorted(set(grid) - set(problem.coords))
    if unknown:
        raise ValueError(f"unknown grid variable {unknown[0]!r} for {problem.name}; allowed: {', '.join(problem.coords)}")
    for name, values in grid.items():
        values = np.asarray(values, dtype=float).reshape(-1)
        lo, hi = problem.domain[problem.coords.index(name)]
        if values.size == 0 or values.min() < lo - 1e-12 or values.max() > hi + 1e-12:
            raise ValueError(f"grid {name!r} must lie in [{lo:g}, {hi:g}]")
        full[name] = values
    axes = [full[c] for c in problem.coords]
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    inside = problem.contains(points)  # the points are needed anyway: no second mesh
    values = np.full((len(points), len(problem.outputs)), np.nan)
    values[inside] = problem.solution_matrix(points[inside], beta)
    params = dict(zip(problem.family.names, map(float, beta)))
    attrs = {
        "problem": problem.name,
        "parameters": ", ".join(f"{k}={v:.17g}" for k, v in params.items()),
        "constants": ", ".join(f"{k}={v!r}" for k, v in problem.constants.items()),
        "method": problem.reference_method,
        "pinndd_version": package_version(),
    }
    attrs.update({f"param_{k}": v for k, v in params.items()})
    return xr.Dataset(
        {
            name: (problem.coords, values[:, k].reshape(mesh[0].shape), {"long_name": f"reference solution, {name}"})
            for k, name in enumerate(problem.outputs)
        },
        coords={c: (c, a) for c, a in zip(problem.coords, axes)},
        attrs=attrs,
    )
