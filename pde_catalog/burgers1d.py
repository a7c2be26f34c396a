r"""Viscous Burgers equation with a family of initial conditions.

.. math::

    u_t + u\,u_x = \nu\,u_{xx}, \qquad x \in [-1, 1],\ t \in [0, 1],

    u(\pm 1, t) = 0, \qquad u(x, 0) = -a \sin(\pi x) + b \sin(2 \pi x).

The condition parameters are :math:`\beta = (a, b)`; the default member
:math:`(a, b) = (1, 0)` is the classic benchmark :math:`u(x, 0) = -\sin(\pi x)`
with :math:`\nu = 0.01/\pi` (Raissi et al. 2019; DeepXDE's ``Burgers.npz``).

Splits (nested boxes, see :class:`~pde_catalog.ConditionFamily`):
``train`` a in [0.8, 1.2], b in [-0.1, 0.1]; ``ood_near`` up to a in [0.6, 1.4],
b in [-0.25, 0.25]; ``ood_far`` up to a in [0.4, 1.6], b in [-0.4, 0.4].

Reference: the Cole-Hopf transform turns the equation into the heat equation;
the solution of the whole-line problem is

.. math::

    u(x, t) = \frac{\int u_0(y)\, e^{-U_0(y)/2\nu}\, e^{-z^2}\,dz}
                   {\int e^{-U_0(y)/2\nu}\, e^{-z^2}\,dz},
    \quad y = x - 2\sqrt{\nu t}\, z, \quad U_0(y) = \int_0^y u_0,

computed with Gauss-Hermite quadrature in log-space. Every member is odd and
2-periodic, so the whole-line solution vanishes at :math:`x = \pm 1` and solves
the boundary-value problem exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import roots_hermite

from ._base import Problem
from ._conditions import Dirichlet, Initial
from ._family import Box, ConditionFamily
from ._geometry import Interval

__all__ = ["Burgers1D"]

_FAMILY = ConditionFamily(
    names=("a", "b"),
    train=Box((0.8, -0.1), (1.2, 0.1)),
    near=Box((0.6, -0.25), (1.4, 0.25)),
    far=Box((0.4, -0.4), (1.6, 0.4)),
    default=(1.0, 0.0),
)


@dataclass(frozen=True)
class Burgers1D(Problem):
    """Viscous Burgers on [-1, 1] x [0, 1] with initial data -a sin(pi x) + b sin(2 pi x).

    Parameters
    ----------
    nu : float
        Viscosity (default 0.01/pi).
    quadrature_nodes : int
        Gauss-Hermite nodes of the Cole-Hopf reference (default 200).
    """

    nu: float = 0.01 / np.pi
    quadrature_nodes: int = 200

    name = "burgers1d"
    geometry = Interval("x", -1.0, 1.0)
    time = (0.0, 1.0)
    derivatives = ("u_t", "u_x", "u_xx")
    reference_method = "Cole-Hopf transform, Gauss-Hermite quadrature in log-space"
    grid_sizes = (256, 100)

    def __post_init__(self):
        if not self.nu > 0:
            raise ValueError(f"nu must be positive, got {self.nu!r}")
        if int(self.quadrature_nodes) < 2:
            raise ValueError(f"quadrature_nodes must be at least 2, got {self.quadrature_nodes!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    def default_grid(self):
        # DeepXDE's Burgers.npz grid, so that comparisons are point for point.
        return {"x": np.linspace(-1.0, 1.0, 256), "t": np.linspace(0.0, 0.99, 100)}

    @property
    def conditions(self):
        return (Initial("initial", value=self.initial_value), Dirichlet("walls", ("x_min", "x_max")))

    def residual(self, f, x, beta):
        return f["u_t"] + f["u"] * f["u_x"] - self.nu * f["u_xx"]

    def initial_value(self, x, beta):
        """u(x, 0) = -a sin(pi x) + b sin(2 pi x)."""
        return -beta["a"] * torch.sin(torch.pi * x["x"]) + beta["b"] * torch.sin(2 * torch.pi * x["x"])

    def solution(self, points, beta):
        a, b = np.asarray(beta, dtype=float)
        x, t = points[:, 0], points[:, 1]
        z, w = roots_hermite(int(self.quadrature_nodes))
        z, w = z[w > 0], w[w > 0]  # far-tail weights underflow to zero and add nothing
        y = x[:, None] - 2.0 * np.sqrt(self.nu * t)[:, None] * z[None, :]
        u0 = -a * np.sin(np.pi * y) + b * np.sin(2 * np.pi * y)
        big_u0 = a * (np.cos(np.pi * y) - 1.0) / np.pi + b * (1.0 - np.cos(2 * np.pi * y)) / (2 * np.pi)
        log_w = np.log(w)[None, :] - big_u0 / (2.0 * self.nu)
        log_w -= log_w.max(axis=1, keepdims=True)
        weights = np.exp(log_w)
        return (weights * u0).sum(axis=1) / weights.sum(axis=1)
