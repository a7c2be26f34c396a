"""From unit-cube samples to interior and condition points of a problem, within a budget.

Budget split (used by every sampler): of ``m`` points, ``round(boundary_fraction
* m)`` go to the conditions and the rest to the interior. The condition share
is divided among the *blocks* (one per condition and boundary part it holds
on, in the order of ``problem.conditions``) in proportion to their measure
(length or area, times the time interval for a boundary part), by largest
remainders, so every point of the budget is used exactly once.

A row of unit-cube input maps to a point column by column: the spatial
variables through the geometry (its interior, or a boundary part, which takes
one column fewer), then time (absent on the initial slice), then the
condition parameters through the region.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import qmc

from ._conditions import INITIAL

__all__ = ["SEQUENCES", "unit_sequence", "blocks", "split_budget", "unit_width", "points_from_unit", "sample_point_arrays"]

SEQUENCES = ("uniform", "lhs", "halton", "hammersley", "sobol")


def unit_sequence(method: str, n: int, dim: int, *, seed: int) -> np.ndarray:
    """``n`` points in ``[0, 1)^dim`` from a named sequence.

    Parameters
    ----------
    method : {"uniform", "lhs", "halton", "hammersley", "sobol"}
        ``uniform`` is i.i.d.; ``lhs`` Latin hypercube; ``halton`` and ``sobol``
        are scrambled (seeded) sequences; ``hammersley`` is the deterministic
        Hammersley set ``(i / n, Halton_{dim-1}(i))`` with a seeded
        Cranley-Patterson shift so that distinct seeds give distinct sets.
    n, dim : int
    seed : int

    Returns
    -------
    numpy.ndarray, shape (n, dim)
    """
    if method not in SEQUENCES:
        raise ValueError(f"unknown sequence {method!r}; allowed: {', '.join(SEQUENCES)}")
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((0, dim))
    if method == "uniform":
        return rng.random((n, dim))
    if method == "lhs":
        return qmc.LatinHypercube(d=dim, rng=rng).random(n)
    if method == "halton":
        return qmc.Halton(d=dim, scramble=True, rng=rng).random(n)
    if method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance warning for n not a power of 2
            return qmc.Sobol(d=dim, scramble=True, rng=rng).random(n)
    first = (np.arange(n) + 0.5) / n
    rest = qmc.Halton(d=dim - 1, scramble=False).random(n + 1)[1:] if dim > 1 else np.zeros((n, 0))
    points = np.column_stack([first, rest])
    return np.mod(points + rng.random(dim), 1.0)


def blocks(problem) -> list[tuple[int, str]]:
    """``(condition index, part)`` of every block, in sampling order (``part`` is ``"initial"`` on the initial slice)."""
    return [(k, part) for k, cond in enumerate(problem.conditions) for part in cond.parts]


def split_budget(problem, budget: int, boundary_fraction: float) -> tuple[int, list[int]]:
    """Numbers of interior points and of points per block (see :func:`blocks`).

    Parameters
    ----------
    problem : pde_catalog.Problem
    budget : int
        Total number of points, at least ``1 + len(blocks(problem))``.
    boundary_fraction : float
        Share of the budget on the conditions, in ``(0, 1)``.

    Returns
    -------
    n_interior : int
    n_blocks : list of int
        One count per block; ``n_interior + sum(n_blocks) == budget``.
    """
    parts = blocks(problem)
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise TypeError(f"budget must be an integer, got {budget!r}")
    if budget < 1 + len(parts):
        raise ValueError(f"budget must be at least {1 + len(parts)} for {problem.name}, got {budget}")
    if not 0.0 < boundary_fraction < 1.0:
        raise ValueError(f"boundary_fraction must lie in (0, 1), got {boundary_fraction!r}")
    n_total = min(max(len(parts), round(boundary_fraction * budget)), budget - 1)
    measure = np.array([problem.block_measure(part) for _, part in parts])
    exact = n_total * measure / measure.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n_total - counts.sum()]] += 1
    return budget - n_total, counts.tolist()


def unit_width(problem, region, part=None) -> int:
    """Columns of unit-cube input for the interior (``part=None``) or a block's part."""
    d = len(problem.coords) + region.dim
    return d if part is None else d - 1


def points_from_unit(problem, region, unit: np.ndarray, part=None) -> np.ndarray:
    """Map unit-cube rows to (coords, params) rows in the domain, on a part, or on the initial slice.

    Parameters
    ----------
    problem : pde_catalog.Problem
    region : pde_catalog.Region
        Distribution of the condition parameters.
    unit : numpy.ndarray, shape (n, unit_width(problem, region, part))
    part : str, optional
        A boundary part, ``"initial"``, or ``None`` for the interior.

    Returns
    -------
    numpy.ndarray, shape (n, D + P)
    """
    geometry, ds = problem.geometry, len(problem.space)
    unit = np.asarray(unit, dtype=float).reshape(len(unit), unit_width(problem, region, part))
    out = np.empty((len(unit), len(problem.coords) + region.dim))
    if part is None or part == INITIAL:
        out[:, :ds] = geometry.interior_from_unit(unit[:, :ds])
        used = ds
    else:
        out[:, :ds] = geometry.boundary_from_unit(part, unit[:, : ds - 1])
        used = ds - 1
    if problem.time is not None:
        t0, t1 = problem.time
        if part == INITIAL:
            out[:, ds] = t0
        else:
            out[:, ds] = t0 + unit[:, used] * (t1 - t0)
            used += 1
    out[:, len(problem.coords) :] = region.from_unit(unit[:, used:])
    return out


def sample_point_arrays(problem, region, budget: int, *, method: str, seed: int, boundary_fraction: float = 0.25):
    """Interior and condition arrays for a budget, drawn with a named sequence.

    Returns
    -------
    interior : numpy.ndarray, shape (n_interior, D + P)
    constraint : numpy.ndarray, shape (n_constraint, D + P)
    condition : numpy.ndarray of int, shape (n_constraint,)
        Index into ``problem.conditions`` of each constraint point.
    """
    n_interior, counts = split_budget(problem, budget, boundary_fraction)
    parts = blocks(problem)
    seeds = np.random.SeedSequence(seed).generate_state(1 + len(parts))
    unit = unit_sequence(method, n_interior, unit_width(problem, region), seed=int(seeds[0]))
    interior = points_from_unit(problem, region, unit)
    rows, index = [], []
    for j, ((k, part), n) in enumerate(zip(parts, counts)):
        unit = unit_sequence(method, n, unit_width(problem, region, part), seed=int(seeds[1 + j]))
        rows.append(points_from_unit(problem, region, unit, part))
        index.append(np.full(n, k))
    return interior, np.concatenate(rows), np.concatenate(index)
