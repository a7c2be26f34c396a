"""Field and point-set plots."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_field", "plot_points"]


def plot_field(field, *, ax=None, cmap="RdBu_r", title=None):
    """Draw a 2-D field (an ``xarray.DataArray`` with two dims) with pcolormesh and a colorbar.

    NaN values (outside a non-box domain) are left blank, so the domain's
    shape shows. Time, if it is one of the dims, runs across; two space
    variables are drawn with the first across and equal scales.

    Returns
    -------
    matplotlib.collections.QuadMesh
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    first, second = field.dims
    values = np.ma.masked_invalid(field.values)
    if "t" not in field.dims:  # two space variables: the first across, equal scales
        first, second, values = second, first, values.T
        ax.set_aspect("equal")
    mesh = ax.pcolormesh(field[second].values, field[first].values, values, cmap=cmap, shading="auto")
    ax.figure.colorbar(mesh, ax=ax)
    ax.set_xlabel(second)
    ax.set_ylabel(first)
    if title:
        ax.set_title(title)
    return mesh


def plot_points(point_set, *, ax=None, columns=None, title=None):
    """Scatter a PointSet over two of its columns (default: the two first space-time variables).

    Interior points are dots; each condition's points are crosses of their own colour.

    Returns
    -------
    list of matplotlib.collections.PathCollection
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    names = list(point_set.coords) + list(point_set.params)
    columns = columns or names[:2]
    i, j = names.index(columns[0]), names.index(columns[1])
    artists = [ax.scatter(point_set.interior[:, j], point_set.interior[:, i], s=6, label="interior", alpha=0.7)]
    for k, name in enumerate(point_set.conditions):
        sel = point_set.constraint_condition == k
        if np.any(sel):
            artists.append(ax.scatter(point_set.constraint[sel, j], point_set.constraint[sel, i], s=10, marker="x", label=name))
    ax.set_xlabel(columns[1])
    ax.set_ylabel(columns[0])
    if title:
        ax.set_title(title)
    return artists
