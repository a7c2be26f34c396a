r"""Helmholtz equation on the unit square with a family of plane-wave Dirichlet data.

.. math::

    \Delta u + k^2 u = f, \qquad (x, y) \in [0, 1]^2,

    f = \bigl(k^2 - (a_1^2 + a_2^2)\pi^2\bigr) \sin(a_1 \pi x) \sin(a_2 \pi y),

    u = g_\beta \ \text{on all four sides}, \qquad
    g_\beta(x, y) = b \cos\bigl(k (x \cos\theta + y \sin\theta)\bigr).

The condition parameters are :math:`\beta = (k, b, \theta)`: the wavenumber
(which enters the equation and its source as well), the amplitude and the
direction of a plane wave that solves the homogeneous equation. Default member
:math:`(k, b, \theta) = (2, 1, 0.5)`; the constants :math:`a_1 = 1`,
:math:`a_2 = 4` are the mode numbers of the forced part (those of the
Helmholtz benchmark of Wang, Teng & Perdikaris 2021, there on
:math:`[-1, 1]^2`).

Splits (nested boxes): ``train`` k in [1.5, 2.5], b in [0.5, 1],
theta in [0.25, 0.75]; ``ood_near`` up to k in [1, 3.25], b in [0.25, 1.25],
theta in [0, 1]; ``ood_far`` up to k in [0.5, 4], b in [0, 1.5],
theta in [-0.5, 1.5]. Every k stays below the first Dirichlet eigenvalue
:math:`\sqrt{2}\pi \approx 4.44` of the square, so each member is well posed
(the operator is negative definite), but the far box approaches resonance.

Reference: analytic,
:math:`u = \sin(a_1 \pi x) \sin(a_2 \pi y) + b \cos(k (x \cos\theta + y \sin\theta))`
(the plane wave has :math:`k_x^2 + k_y^2 = k^2`, so it solves
:math:`\Delta u + k^2 u = 0`; the forced part vanishes on the boundary).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Dirichlet
from ._family import Box, ConditionFamily
from ._geometry import Rectangle

__all__ = ["Helmholtz2D"]

_FAMILY = ConditionFamily(
    names=("k", "b", "theta"),
    train=Box((1.5, 0.5, 0.25), (2.5, 1.0, 0.75)),
    near=Box((1.0, 0.25, 0.0), (3.25, 1.25, 1.0)),
    far=Box((0.5, 0.0, -0.5), (4.0, 1.5, 1.5)),
    default=(2.0, 1.0, 0.5),
)


@dataclass(frozen=True)
class Helmholtz2D(Problem):
    """Helmholtz on the unit square, forced mode sin(a1 pi x) sin(a2 pi y) plus plane-wave data.

    Parameters
    ----------
    a1, a2 : int
        Mode numbers of the forced part (positive integers, so that it
        vanishes on the boundary; default 1 and 4).
    """

    a1: int = 1
    a2: int = 4

    name = "helmholtz2d"
    geometry = Rectangle(("x", "y"), (0.0, 0.0), (1.0, 1.0))
    derivatives = ("u_xx", "u_yy")
    reference_method = "analytic (forced mode sin(a1 pi x) sin(a2 pi y) plus a plane wave of wavenumber k)"
    grid_sizes = (101, 101)

    def __post_init__(self):
        for label, value in (("a1", self.a1), ("a2", self.a2)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{label} must be a positive integer, got {value!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (Dirichlet("boundary", ("x_min", "x_max", "y_min", "y_max"), value=self.boundary_value),)

    def _mode(self, x):
        return torch.sin(self.a1 * torch.pi * x["x"]) * torch.sin(self.a2 * torch.pi * x["y"])

    def source(self, x, beta):
        """f = (k^2 - (a1^2 + a2^2) pi^2) sin(a1 pi x) sin(a2 pi y), in torch."""
        return (beta["k"] ** 2 - (self.a1**2 + self.a2**2) * torch.pi**2) * self._mode(x)

    def residual(self, f, x, beta):
        return f["u_xx"] + f["u_yy"] + beta["k"] ** 2 * f["u"] - self.source(x, beta)

    def boundary_value(self, x, beta):
        """g = b cos(k (x cos theta + y sin theta)) (plus the forced mode, zero on the boundary)."""
        phase = beta["k"] * (x["x"] * torch.cos(beta["theta"]) + x["y"] * torch.sin(beta["theta"]))
        # sin(a1 pi x) sin(a2 pi y) vanishes on the boundary up to rounding; keep it for exactness.
        return beta["b"] * torch.cos(phase) + self._mode(x)

    def solution(self, points, beta):
        k, b, theta = np.asarray(beta, dtype=float)
        x, y = points[:, 0], points[:, 1]
        mode = np.sin(self.a1 * np.pi * x) * np.sin(self.a2 * np.pi * y)
        return mode + b * np.cos(k * (x * np.cos(theta) + y * np.sin(theta)))
