r"""Poisson equation on the unit disk with a family of Robin data.

.. math::

    -\Delta u = 1, \qquad x^2 + y^2 \le 1,

    \partial_n u + \alpha u = g_\beta \ \text{on the circle}, \qquad
    g_\beta = \partial_n u_\beta + \alpha u_\beta, \qquad
    u_\beta = \tfrac{1}{4}(1 - x^2 - y^2) + a\, e^{k (x - 1)} \cos(k y).

The constant source is the torsion problem; the Robin data vary with
:math:`\beta = (a, k)`, amplitude and wavenumber of a harmonic function, so that
larger ``k`` gives a steeper, more oscillatory boundary layer at (1, 0). On the
circle :math:`\partial_n u = x u_x + y u_y`. Default member
:math:`(a, k) = (1, 2)`, :math:`\alpha = 1` (a positive :math:`\alpha` makes
the problem well posed; :math:`\alpha = 0`, pure Neumann data, would fix
:math:`u` only up to a constant and needs compatible data).

Splits (nested boxes): ``train`` a in [0.5, 1], k in [1, 3]; ``ood_near`` up
to a in [0.25, 1.25], k in [0.5, 4.5]; ``ood_far`` up to a in [0, 1.5],
k in [0, 6].

Reference: analytic, :math:`u_\beta` itself (its first term has
:math:`-\Delta = 1`, its second is :math:`\mathrm{Re}\, a e^{k (z - 1)}`,
harmonic).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Robin
from ._family import Box, ConditionFamily
from ._shapes import Disk

__all__ = ["PoissonDisk"]

_FAMILY = ConditionFamily(
    names=("a", "k"),
    train=Box((0.5, 1.0), (1.0, 3.0)),
    near=Box((0.25, 0.5), (1.25, 4.5)),
    far=Box((0.0, 0.0), (1.5, 6.0)),
    default=(1.0, 2.0),
)


@dataclass(frozen=True)
class PoissonDisk(Problem):
    """Poisson -Laplace(u) = 1 on the unit disk with Robin data du/dn + alpha u = g.

    Parameters
    ----------
    alpha : float
        Robin coefficient, positive (default 1).
    """

    alpha: float = 1.0

    name = "poisson_disk"
    geometry = Disk(("x", "y"), (0.0, 0.0), 1.0)
    derivatives = ("u_xx", "u_yy")
    reference_method = "analytic ((1 - x^2 - y^2)/4 plus a harmonic function)"
    grid_sizes = (101, 101)

    def __post_init__(self):
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) or not (math.isfinite(self.alpha) and self.alpha > 0):
            raise ValueError(f"alpha must be finite and positive (alpha = 0 is the ill-posed Neumann problem), got {self.alpha!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (Robin("robin", "circle", value=self.robin_value, alpha=float(self.alpha)),)

    def residual(self, f, x, beta):
        return -(f["u_xx"] + f["u_yy"]) - 1.0

    def robin_value(self, x, beta):
        """g = du/dn + alpha u of the exact solution, with n = (x, y) / r the circle's outward normal."""
        wave = beta["a"] * torch.exp(beta["k"] * (x["x"] - 1))
        cos, sin = torch.cos(beta["k"] * x["y"]), torch.sin(beta["k"] * x["y"])
        u = (1 - x["x"] ** 2 - x["y"] ** 2) / 4 + wave * cos
        u_x = -x["x"] / 2 + beta["k"] * wave * cos
        u_y = -x["y"] / 2 - beta["k"] * wave * sin
        r = torch.sqrt(x["x"] ** 2 + x["y"] ** 2)
        return (x["x"] * u_x + x["y"] * u_y) / r + self.alpha * u

    def solution(self, points, beta):
        a, k = np.asarray(beta, dtype=float)
        x, y = points[:, 0], points[:, 1]
        return (1 - x**2 - y**2) / 4 + a * np.exp(k * (x - 1)) * np.cos(k * y)
