"""Finite-difference derivatives of a reference solution, for the contract checks."""

from __future__ import annotations

import itertools

import numpy as np

from ._base import parse_field

__all__ = ["fd_field", "interval_lengths", "inward_derivative"]

# Fourth-order central stencils (offsets -3..3) of the derivatives of order 0..4.
_STENCILS = {
    0: np.array([0, 0, 0, 1, 0, 0, 0], dtype=float),
    1: np.array([0, 1, -8, 0, 8, -1, 0], dtype=float) / 12,
    2: np.array([0, -1, 16, -30, 16, -1, 0], dtype=float) / 12,
    3: np.array([1 / 8, -1, 13 / 8, 0, -13 / 8, 1, -1 / 8], dtype=float),
    4: np.array([-1 / 6, 2, -13 / 2, 28 / 3, -13 / 2, 2, -1 / 6], dtype=float),
}
_ONE_SIDED = np.array([-25, 48, -36, 16, -3], dtype=float) / 12  # f'(0) from f(0..4h)




def interval_lengths(problem) -> np.ndarray:
    """Length of each independent variable's bounding interval, shape (len(coords),)."""
    return np.array([hi - lo for lo, hi in problem.domain], dtype=float)


def fd_field(problem, points, beta, name, step, high_steps) -> np.ndarray:
    """A field of ``problem.solution`` by a tensor product of fourth-order central stencils.

    Parameters
    ----------
    problem : Problem
    points : numpy.ndarray, shape (n, len(coords))
    beta : numpy.ndarray
    name : str
        A field name such as ``"u_xy"``.
    step : float
        Step of first and second derivatives, as a fraction of each interval.
    high_steps : dict of int to float
        Steps of third and fourth derivatives in one variable.

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    output, wrt = parse_field(name, problem.outputs, problem.coords)
    o = problem.outputs.index(output)
    counts = {problem.coords.index(c): wrt.count(c) for c in set(wrt)}
    span = interval_lengths(problem)
    axes = [(j, k, (step if k <= 2 else high_steps[k]) * span[j]) for j, k in counts.items()]
    total = np.zeros(len(points))
    for offsets in itertools.product(range(-3, 4), repeat=len(axes)):
        weight = np.prod([_STENCILS[k][off + 3] for (_, k, _), off in zip(axes, offsets)])
        if weight == 0:
            continue
        shifted = points.copy()
        for (j, _, h), off in zip(axes, offsets):
            shifted[:, j] += off * h
        total += weight * problem.solution_matrix(shifted, beta)[:, o]
    return total / np.prod([h**k for _, k, h in axes])


def inward_derivative(problem, beta, points, j: int, output: int) -> np.ndarray:
    """d u / d coords[j] at boundary points, by fourth-order one-sided differences into the domain.

    The step (1e-3 of the interval) goes into the domain: forward where four
    steps ahead are inside, backward otherwise.
    """
    h = 1e-3 * interval_lengths(problem)[j]
    probe = points.copy()
    probe[:, j] += 4 * h
    sign = np.where(problem.contains(probe), 1.0, -1.0)
    total = np.zeros(len(points))
    for k, w in enumerate(_ONE_SIDED):
        shifted = points.copy()
        shifted[:, j] += sign * k * h
        total += w * problem.solution_matrix(shifted, beta)[:, output]
    return sign * total / h
