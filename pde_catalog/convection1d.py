r"""Linear convection (advection) on a periodic interval, with a family of speeds and profiles.

.. math::

    u_t + c\, u_x = 0, \qquad x \in [0, 2\pi],\ t \in [0, 1],

    u(0, t) = u(2\pi, t), \qquad
    u(x, 0) = u_0(x) = \sin(x) + a \sin(2x).

The condition parameters are :math:`\beta = (a, c)` (``a`` and ``speed``): the
weight of the second harmonic in the initial profile and the transport speed.
The default member :math:`(a, c) = (0, 5)` is the benchmark of Krishnapriyan
et al. (2021), :math:`u_0 = \sin x`, at a speed a plain PINN still learns.
Periodicity is one condition on the value: the equation is first order in
:math:`x`, so matching :math:`u` at the two ends is all it needs.

Splits (nested boxes): ``train`` a in [-0.3, 0.3], speed in [1, 10];
``ood_near`` up to a in [-0.4, 0.4], speed in [0.5, 20]; ``ood_far`` up to
a in [-0.5, 0.5], speed in [0, 40]. About four fifths of the ``ood_far``
volume has speed in [20, 40], half of it above 30, where a plain PINN fails
(Krishnapriyan et al. 2021, "Characterizing possible failure modes in
physics-informed neural networks").

Reference: analytic, the profile transported unchanged,
:math:`u(x, t) = u_0(x - c t)` (2 pi-periodic, so periodic in :math:`x`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Initial, Periodic
from ._family import Box, ConditionFamily
from ._geometry import Interval

__all__ = ["Convection1D"]

_FAMILY = ConditionFamily(
    names=("a", "speed"),
    train=Box((-0.3, 1.0), (0.3, 10.0)),
    near=Box((-0.4, 0.5), (0.4, 20.0)),
    far=Box((-0.5, 0.0), (0.5, 40.0)),
    default=(0.0, 5.0),
)


@dataclass(frozen=True)
class Convection1D(Problem):
    """Convection u_t + speed u_x = 0 on the periodic [0, 2 pi] x [0, 1], u(x, 0) = sin(x) + a sin(2x).

    The problem has no physical constants: the speed is a condition parameter.
    """

    name = "convection1d"
    geometry = Interval("x", 0.0, 2 * np.pi)
    time = (0.0, 1.0)
    derivatives = ("u_t", "u_x")
    reference_method = "analytic (characteristics: u0(x - speed t))"
    grid_sizes = (256, 101)

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (
            Initial("initial", value=self.initial_value),
            Periodic("periodic", "x_min", paired_with="x_max"),
        )

    def residual(self, f, x, beta):
        return f["u_t"] + beta["speed"] * f["u_x"]

    def initial_value(self, x, beta):
        """u0(x) = sin(x) + a sin(2x), in torch."""
        return torch.sin(x["x"]) + beta["a"] * torch.sin(2 * x["x"])

    def solution(self, points, beta):
        a, speed = np.asarray(beta, dtype=float)
        xi = points[:, 0] - speed * points[:, 1]
        return np.sin(xi) + a * np.sin(2 * xi)
