r"""Heat equation driven by time-dependent Dirichlet data (thermal waves).

.. math::

    u_t = \kappa\, u_{xx}, \qquad x \in [0, 1],\ t \in [0, 1],

    u(0, t) = A \cos(\omega t), \qquad
    u(1, t) = A e^{-k} \cos(\omega t - k), \qquad
    u(x, 0) = A e^{-k x} \cos(k x), \qquad k = \sqrt{\omega / 2\kappa}.

The boundary data themselves vary with :math:`\beta = (A, \omega)`: the left
end is driven periodically and the right end follows with the damped, delayed
wave. Default member :math:`(A, \omega) = (1, 4)`, :math:`\kappa = 0.5`.

Splits (nested boxes): ``train`` A in [0.5, 1.0], omega in [2, 6];
``ood_near`` up to A in [0.25, 1.25], omega in [1, 10]; ``ood_far`` up to
A in [0.1, 1.5], omega in [0.5, 16] (faster forcing is further out).

Reference: analytic. :math:`u = \mathrm{Re}\,A e^{i \omega t - (1+i) k x}` is
Stokes' second problem (the periodic thermal wave), an exact solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Dirichlet, Initial
from ._family import Box, ConditionFamily
from ._geometry import Interval

__all__ = ["Heat1D"]

_FAMILY = ConditionFamily(
    names=("A", "omega"),
    train=Box((0.5, 2.0), (1.0, 6.0)),
    near=Box((0.25, 1.0), (1.25, 10.0)),
    far=Box((0.1, 0.5), (1.5, 16.0)),
    default=(1.0, 4.0),
)


@dataclass(frozen=True)
class Heat1D(Problem):
    """Heat equation on [0, 1] x [0, 1] with thermal-wave Dirichlet data.

    Parameters
    ----------
    kappa : float
        Diffusivity (default 0.5).
    """

    kappa: float = 0.5

    name = "heat1d"
    geometry = Interval("x", 0.0, 1.0)
    time = (0.0, 1.0)
    derivatives = ("u_t", "u_xx")
    reference_method = "analytic (Stokes' second problem, periodic thermal wave)"
    grid_sizes = (101, 101)

    def __post_init__(self):
        if not self.kappa > 0:
            raise ValueError(f"kappa must be positive, got {self.kappa!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        # The exact solution restricted to the faces is the data.
        return (Initial("initial", value=self.wave), Dirichlet("ends", ("x_min", "x_max"), value=self.wave))

    def residual(self, f, x, beta):
        return f["u_t"] - self.kappa * f["u_xx"]

    def wave(self, x, beta):
        """The thermal wave A exp(-k x) cos(omega t - k x), in torch."""
        k = torch.sqrt(beta["omega"] / (2 * self.kappa))
        return beta["A"] * torch.exp(-k * x["x"]) * torch.cos(beta["omega"] * x["t"] - k * x["x"])

    def solution(self, points, beta):
        amplitude, omega = np.asarray(beta, dtype=float)
        k = np.sqrt(omega / (2 * self.kappa))
        x, t = points[:, 0], points[:, 1]
        return amplitude * np.exp(-k * x) * np.cos(omega * t - k * x)
