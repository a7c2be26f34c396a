r"""Wave equation on a fixed string with a family of initial displacements and velocities.

.. math::

    u_{tt} = c^2\,u_{xx}, \qquad x \in [0, 1],\ t \in [0, 1], \qquad u(0, t) = u(1, t) = 0,

    u(x, 0) = a \sin(\pi x) + b \sin(4 \pi x), \qquad
    u_t(x, 0) = 3 \pi c\, v \sin(3 \pi x).

The condition parameters :math:`\beta = (a, b, v)` are the amplitudes of the
three standing waves (``v`` is the displacement amplitude of the mode the
initial velocity excites). The default member :math:`(a, b, v) = (1, 0.5, 0)`
with :math:`c = 2` is the common benchmark
:math:`u = \sin(\pi x)\cos(2\pi t) + \tfrac12 \sin(4\pi x)\cos(8\pi t)`
(PINNacle's ``Wave1D``).

Splits (nested boxes): ``train`` a in [0.75, 1.25], b in [0.25, 0.75],
v in [-0.25, 0.25]; ``ood_near`` up to a in [0.5, 1.5], b in [0, 1],
v in [-0.5, 0.5]; ``ood_far`` up to a in [0.25, 1.75], b in [-0.5, 1.5],
v in [-1, 1]. Further out, more of the energy sits in the fast modes
(frequencies 4c/2 and 3c/2 against c/2 of the fundamental).

Reference: analytic (the sine series of d'Alembert's solution, three terms),

.. math::

    u = a \sin(\pi x)\cos(\pi c t) + b \sin(4\pi x)\cos(4\pi c t)
        + v \sin(3\pi x)\sin(3\pi c t).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Dirichlet, Initial, InitialVelocity
from ._family import Box, ConditionFamily
from ._geometry import Interval

__all__ = ["Wave1D"]

_FAMILY = ConditionFamily(
    names=("a", "b", "v"),
    train=Box((0.75, 0.25, -0.25), (1.25, 0.75, 0.25)),
    near=Box((0.5, 0.0, -0.5), (1.5, 1.0, 0.5)),
    far=Box((0.25, -0.5, -1.0), (1.75, 1.5, 1.0)),
    default=(1.0, 0.5, 0.0),
)


@dataclass(frozen=True)
class Wave1D(Problem):
    """Wave equation on [0, 1] x [0, 1], fixed ends, standing-wave initial data.

    Parameters
    ----------
    c : float
        Wave speed (default 2).
    """

    c: float = 2.0

    name = "wave1d"
    geometry = Interval("x", 0.0, 1.0)
    time = (0.0, 1.0)
    derivatives = ("u_tt", "u_xx")
    reference_method = "analytic (sine series of d'Alembert's solution)"
    grid_sizes = (101, 101)

    def __post_init__(self):
        if not (np.isfinite(self.c) and self.c > 0):
            raise ValueError(f"c must be positive, got {self.c!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (
            Initial("initial", value=self.initial_value),
            InitialVelocity("initial_velocity", value=self.initial_velocity),
            Dirichlet("ends", ("x_min", "x_max")),
        )

    def residual(self, f, x, beta):
        return f["u_tt"] - self.c**2 * f["u_xx"]

    def initial_value(self, x, beta):
        """u(x, 0) = a sin(pi x) + b sin(4 pi x)."""
        return beta["a"] * torch.sin(torch.pi * x["x"]) + beta["b"] * torch.sin(4 * torch.pi * x["x"])

    def initial_velocity(self, x, beta):
        """u_t(x, 0) = 3 pi c v sin(3 pi x)."""
        return 3 * torch.pi * self.c * beta["v"] * torch.sin(3 * torch.pi * x["x"])

    def solution(self, points, beta):
        a, b, v = np.asarray(beta, dtype=float)
        x, t = points[:, 0], points[:, 1]
        w = np.pi * self.c
        return (
            a * np.sin(np.pi * x) * np.cos(w * t)
            + b * np.sin(4 * np.pi * x) * np.cos(4 * w * t)
            + v * np.sin(3 * np.pi * x) * np.sin(3 * w * t)
        )
