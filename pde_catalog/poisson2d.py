r"""Poisson equation on the unit square with a family of Dirichlet data.

.. math::

    -\Delta u = 2\pi^2 \sin(\pi x) \sin(\pi y), \qquad (x, y) \in [0, 1]^2,

    u = g_\beta \ \text{on the boundary}, \qquad
    g_\beta(x, y) = a\, e^{k (x - 1)} \cos(k y).

The boundary data vary with :math:`\beta = (a, k)`: amplitude and wavenumber
of a harmonic function, so that larger ``k`` means more oscillatory, more
steeply graded boundary data. Default member :math:`(a, k) = (1, 2)`.

Splits (nested boxes): ``train`` a in [0.5, 1.0], k in [1, 3]; ``ood_near`` up
to a in [0.25, 1.25], k in [0.5, 4.5]; ``ood_far`` up to a in [0, 1.5],
k in [0, 6].

Reference: analytic, :math:`u = \sin(\pi x)\sin(\pi y) + a e^{k(x-1)}\cos(k y)`
(the second term is :math:`\mathrm{Re}\, a e^{k (z - 1)}`, harmonic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Dirichlet
from ._family import Box, ConditionFamily
from ._geometry import Rectangle

__all__ = ["Poisson2D"]

_FAMILY = ConditionFamily(
    names=("a", "k"),
    train=Box((0.5, 1.0), (1.0, 3.0)),
    near=Box((0.25, 0.5), (1.25, 4.5)),
    far=Box((0.0, 0.0), (1.5, 6.0)),
    default=(1.0, 2.0),
)


@dataclass(frozen=True)
class Poisson2D(Problem):
    """Poisson on the unit square with harmonic Dirichlet data a exp(k(x-1)) cos(k y)."""

    name = "poisson2d"
    geometry = Rectangle(("x", "y"), (0.0, 0.0), (1.0, 1.0))
    derivatives = ("u_xx", "u_yy")
    reference_method = "analytic (sin(pi x) sin(pi y) plus a harmonic function)"
    grid_sizes = (101, 101)

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (Dirichlet("boundary", ("x_min", "x_max", "y_min", "y_max"), value=self.boundary_value),)

    def residual(self, f, x, beta):
        source = 2 * torch.pi**2 * torch.sin(torch.pi * x["x"]) * torch.sin(torch.pi * x["y"])
        return -(f["u_xx"] + f["u_yy"]) - source

    def boundary_value(self, x, beta):
        """g = a exp(k (x - 1)) cos(k y) (plus the source's solution, zero on the boundary)."""
        harmonic = beta["a"] * torch.exp(beta["k"] * (x["x"] - 1)) * torch.cos(beta["k"] * x["y"])
        # sin(pi x) sin(pi y) vanishes on the boundary up to rounding; keep it for exactness.
        return harmonic + torch.sin(torch.pi * x["x"]) * torch.sin(torch.pi * x["y"])

    def solution(self, points, beta):
        a, k = np.asarray(beta, dtype=float)
        x, y = points[:, 0], points[:, 1]
        return np.sin(np.pi * x) * np.sin(np.pi * y) + a * np.exp(k * (x - 1)) * np.cos(k * y)
