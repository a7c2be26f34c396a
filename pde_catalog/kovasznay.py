r"""Kovasznay flow: steady incompressible Navier-Stokes with a family of Reynolds numbers.

.. math::

    u u_x + v u_y + p_x - \tfrac{1}{Re} (u_{xx} + u_{yy}) = 0, \qquad
    u v_x + v v_y + p_y - \tfrac{1}{Re} (v_{xx} + v_{yy}) = 0, \qquad
    u_x + v_y = 0,

on :math:`(x, y) \in [-0.5, 1] \times [-0.5, 1.5]` (DeepXDE's Kovasznay
example), outputs :math:`(u, v, p)`. Conditions: the exact velocity on all
four sides (``u_wall`` and ``v_wall``) and the exact pressure on the outflow
side :math:`x = 1` only (``p_outflow``, as in DeepXDE): the equations fix
:math:`p` only up to a constant, which this one face removes.

The condition parameter is the Reynolds number, :math:`\beta = (Re)`; it
enters the residual and the boundary data. Default member :math:`Re = 40`
(Kovasznay 1948, DeepXDE's example).

Splits (nested intervals): ``train`` Re in [20, 60]; ``ood_near`` up to
Re in [10, 100]; ``ood_far`` up to Re in [5, 200] (less viscous flow at the
top, a steeper wake, :math:`|\lambda|` up to 4.3, at the bottom).

Reference: analytic (Kovasznay 1948, "Laminar flow behind a two-dimensional
grid"), with :math:`\lambda = Re/2 - \sqrt{Re^2/4 + 4\pi^2}`,

.. math::

    u = 1 - e^{\lambda x} \cos(2\pi y), \qquad
    v = \frac{\lambda}{2\pi} e^{\lambda x} \sin(2\pi y), \qquad
    p = \tfrac12 (1 - e^{2\lambda x}).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Dirichlet
from ._family import Box, ConditionFamily
from ._geometry import Rectangle

__all__ = ["Kovasznay"]

_FAMILY = ConditionFamily(
    names=("Re",),
    train=Box((20.0,), (60.0,)),
    near=Box((10.0,), (100.0,)),
    far=Box((5.0,), (200.0,)),
    default=(40.0,),
)

_WALLS = ("x_min", "x_max", "y_min", "y_max")


def _decay(re):
    """lambda = Re/2 - sqrt(Re^2/4 + 4 pi^2), for numpy arrays or torch tensors.

    Written as -4 pi^2 / (Re/2 + sqrt(...)) to avoid cancellation at large Re.
    """
    root = torch.sqrt(re**2 / 4 + 4 * np.pi**2) if isinstance(re, torch.Tensor) else np.sqrt(re**2 / 4 + 4 * np.pi**2)
    return -4 * np.pi**2 / (re / 2 + root)


@dataclass(frozen=True)
class Kovasznay(Problem):
    """Steady Navier-Stokes (u, v, p) on [-0.5, 1] x [-0.5, 1.5] with Kovasznay's exact flow as data.

    The problem has no physical constants: the Reynolds number is the condition parameter.
    """

    name = "kovasznay"
    geometry = Rectangle(("x", "y"), (-0.5, -0.5), (1.0, 1.5))
    outputs = ("u", "v", "p")
    derivatives = ("u_x", "u_y", "u_xx", "u_yy", "v_x", "v_y", "v_xx", "v_yy", "p_x", "p_y")
    reference_method = "analytic (Kovasznay 1948)"
    grid_sizes = (101, 101)

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (
            Dirichlet("u_wall", _WALLS, value=self.velocity_u, output="u"),
            Dirichlet("v_wall", _WALLS, value=self.velocity_v, output="v"),
            Dirichlet("p_outflow", "x_max", value=self.pressure, output="p"),
        )

    def residual(self, f, x, beta):
        nu = 1 / beta["Re"]
        momentum_x = f["u"] * f["u_x"] + f["v"] * f["u_y"] + f["p_x"] - nu * (f["u_xx"] + f["u_yy"])
        momentum_y = f["u"] * f["v_x"] + f["v"] * f["v_y"] + f["p_y"] - nu * (f["v_xx"] + f["v_yy"])
        continuity = f["u_x"] + f["v_y"]
        return momentum_x, momentum_y, continuity

    def velocity_u(self, x, beta):
        """u = 1 - exp(lambda x) cos(2 pi y), in torch."""
        return 1 - torch.exp(_decay(beta["Re"]) * x["x"]) * torch.cos(2 * torch.pi * x["y"])

    def velocity_v(self, x, beta):
        """v = lambda / (2 pi) exp(lambda x) sin(2 pi y), in torch."""
        lam = _decay(beta["Re"])
        return lam / (2 * torch.pi) * torch.exp(lam * x["x"]) * torch.sin(2 * torch.pi * x["y"])

    def pressure(self, x, beta):
        """p = (1 - exp(2 lambda x)) / 2, in torch."""
        return (1 - torch.exp(2 * _decay(beta["Re"]) * x["x"])) / 2

    def solution(self, points, beta):
        (re,) = np.asarray(beta, dtype=float)
        lam = _decay(re)
        x, y = points[:, 0], points[:, 1]
        wake = np.exp(lam * x)
        u = 1 - wake * np.cos(2 * np.pi * y)
        v = lam / (2 * np.pi) * wake * np.sin(2 * np.pi * y)
        p = (1 - wake**2) / 2
        return np.column_stack([u, v, p])
