"""From unit-cube samples to interior and face points of a problem, within a budget.

Budget split (used by every sampler): of ``m`` points, ``round(boundary_fraction
* m)`` go to the Dirichlet faces and the rest to the interior. The face share is
divided among the faces in proportion to their measure (length or area), by
largest remainders, so every point of the budget is used exactly once.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import qmc

__all__ = ["SEQUENCES", "unit_sequence", "split_budget", "points_from_unit", "sample_point_arrays"]

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


def split_budget(problem, budget: int, boundary_fraction: float) -> tuple[int, list[int]]:
    """Numbers of interior points and of points per constrained face.

    Parameters
    ----------
    problem : pde_catalog.Problem
    budget : int
        Total number of points, at least ``1 + len(problem.faces)``.
    boundary_fraction : float
        Share of the budget on the faces, in ``(0, 1)``.

    Returns
    -------
    n_interior : int
    n_faces : list of int
        One count per ``problem.faces`` entry; ``n_interior + sum(n_faces) == budget``.
    """
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise TypeError(f"budget must be an integer, got {budget!r}")
    if budget < 1 + len(problem.faces):
        raise ValueError(f"budget must be at least {1 + len(problem.faces)} for {problem.name}, got {budget}")
    if not 0.0 < boundary_fraction < 1.0:
        raise ValueError(f"boundary_fraction must lie in (0, 1), got {boundary_fraction!r}")
    n_faces_total = min(max(len(problem.faces), round(boundary_fraction * budget)), budget - 1)
    measure = np.array([problem.face_measure(f) for f in problem.faces])
    exact = n_faces_total * measure / measure.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n_faces_total - counts.sum()]] += 1
    return budget - n_faces_total, counts.tolist()


def points_from_unit(problem, region, unit: np.ndarray, face=None) -> np.ndarray:
    """Map unit-cube points to (coords, params) rows in the domain (or on a face) and region.

    Parameters
    ----------
    problem : pde_catalog.Problem
    region : pde_catalog.Region
        Distribution of the condition parameters.
    unit : numpy.ndarray, shape (n, D + P) or (n, D - 1 + P) for a face
        Columns: the free space-time variables in ``problem.coords`` order,
        then the parameters.
    face : pde_catalog.Face, optional

    Returns
    -------
    numpy.ndarray, shape (n, D + P)
    """
    d = len(problem.coords)
    free = [c for c in problem.coords if face is None or c != face.coord]
    out = np.empty((len(unit), d + region.dim))
    for j, c in enumerate(free):
        lo, hi = problem.domain[problem.coords.index(c)]
        out[:, problem.coords.index(c)] = lo + unit[:, j] * (hi - lo)
    if face is not None:
        out[:, problem.coords.index(face.coord)] = problem.face_value(face)
    out[:, d:] = region.from_unit(unit[:, len(free) :])
    return out


def sample_point_arrays(problem, region, budget: int, *, method: str, seed: int, boundary_fraction: float = 0.25):
    """Interior and constraint arrays for a budget, drawn with a named sequence.

    Returns
    -------
    interior : numpy.ndarray, shape (n_interior, D + P)
    constraint : numpy.ndarray, shape (n_constraint, D + P)
    kind : numpy.ndarray of int, shape (n_constraint,)
        Index into :data:`pinndd.pointset.KINDS`.
    """
    from .pointset import KINDS

    n_interior, n_faces = split_budget(problem, budget, boundary_fraction)
    seeds = np.random.SeedSequence(seed).generate_state(1 + len(n_faces))
    d, p = len(problem.coords), region.dim
    interior = points_from_unit(problem, region, unit_sequence(method, n_interior, d + p, seed=int(seeds[0])))
    blocks, kinds = [], []
    for k, (face, n) in enumerate(zip(problem.faces, n_faces)):
        unit = unit_sequence(method, n, d - 1 + p, seed=int(seeds[1 + k]))
        blocks.append(points_from_unit(problem, region, unit, face))
        kinds.append(np.full(n, KINDS.index(face.kind)))
    return interior, np.concatenate(blocks), np.concatenate(kinds)
