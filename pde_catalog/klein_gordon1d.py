r"""Nonlinear Klein-Gordon equation with a manufactured family of solutions.

.. math::

    u_{tt} - \alpha\,u_{xx} + \beta_c\,u + \gamma\,u^k = f_\beta(x, t),
    \qquad x \in [0, 1],\ t \in [0, 1],

    u_\beta(x, t) = x \cos(\omega t) + a\,(x t)^3,

with the source :math:`f_\beta` that makes :math:`u_\beta` exact,

.. math::

    f_\beta = -\omega^2 x \cos(\omega t) + 6 a x^3 t - 6 \alpha a x t^3
              + \beta_c u_\beta + \gamma u_\beta^k,

and initial and boundary data taken from it: :math:`u(x, 0) = x`,
:math:`u_t(x, 0) = 0`, :math:`u(0, t) = 0`,
:math:`u(1, t) = \cos(\omega t) + a t^3`. The condition parameters
:math:`\beta = (\omega, a)` enter through the source and the data on
:math:`x = 1`. The default member :math:`(\omega, a) = (5\pi, 1)` with
:math:`\alpha = 1, \beta_c = 0, \gamma = 1, k = 3` is the benchmark of Wang,
Teng & Perdikaris (2021), who write it as :math:`u_{tt} + \alpha u_{xx}` with
:math:`\alpha = -1`.

Splits (nested boxes): ``train`` omega in [13, 18.5], a in [0.5, 1.5];
``ood_near`` up to omega in [10, 22], a in [0.25, 2]; ``ood_far`` up to
omega in [6, 30], a in [0, 3]. Larger omega oscillates faster (the source
grows like omega^2) and larger a strengthens the cubic term.

Reference: analytic, :math:`u_\beta` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import Problem
from ._conditions import Dirichlet, Initial, InitialVelocity
from ._family import Box, ConditionFamily
from ._geometry import Interval

__all__ = ["KleinGordon1D"]

_FAMILY = ConditionFamily(
    names=("omega", "a"),
    train=Box((13.0, 0.5), (18.5, 1.5)),
    near=Box((10.0, 0.25), (22.0, 2.0)),
    far=Box((6.0, 0.0), (30.0, 3.0)),
    default=(5 * np.pi, 1.0),
)


@dataclass(frozen=True)
class KleinGordon1D(Problem):
    """Klein-Gordon on [0, 1] x [0, 1] with the manufactured solution x cos(omega t) + a (x t)^3.

    Parameters
    ----------
    alpha : float
        Coefficient of ``-u_xx`` (default 1).
    beta_c : float
        Coefficient of the linear term ``u`` (default 0).
    gamma : float
        Coefficient of the nonlinear term ``u^k`` (default 1).
    k : int
        Exponent of the nonlinear term, at least 2 (default 3).
    """

    alpha: float = 1.0
    beta_c: float = 0.0
    gamma: float = 1.0
    k: int = 3

    name = "klein_gordon1d"
    geometry = Interval("x", 0.0, 1.0)
    time = (0.0, 1.0)
    derivatives = ("u_tt", "u_xx")
    reference_method = "analytic (manufactured solution x cos(omega t) + a (x t)^3)"
    grid_sizes = (101, 101)

    def __post_init__(self):
        for name in ("alpha", "beta_c", "gamma"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if not self.alpha > 0:
            raise ValueError(f"alpha must be positive (a hyperbolic equation), got {self.alpha!r}")
        if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 2:
            raise ValueError(f"k must be an integer of at least 2, got {self.k!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (
            Initial("initial", value=self.exact),
            InitialVelocity("initial_velocity", value=self.exact_t),
            Dirichlet("ends", ("x_min", "x_max"), value=self.exact),
        )

    def residual(self, f, x, beta):
        u = f["u"]
        return f["u_tt"] - self.alpha * f["u_xx"] + self.beta_c * u + self.gamma * u**self.k - self.source(x, beta)

    def exact(self, x, beta):
        """u = x cos(omega t) + a (x t)^3, in torch (the data of the value conditions)."""
        return x["x"] * torch.cos(beta["omega"] * x["t"]) + beta["a"] * (x["x"] * x["t"]) ** 3

    def exact_t(self, x, beta):
        """u_t = -omega x sin(omega t) + 3 a x^3 t^2, in torch (zero at t = 0)."""
        return -beta["omega"] * x["x"] * torch.sin(beta["omega"] * x["t"]) + 3 * beta["a"] * x["x"] ** 3 * x["t"] ** 2

    def source(self, x, beta):
        """f = u_tt - alpha u_xx + beta_c u + gamma u^k of the exact solution, in torch."""
        xx, t, omega, a = x["x"], x["t"], beta["omega"], beta["a"]
        u = self.exact(x, beta)
        u_tt = -(omega**2) * xx * torch.cos(omega * t) + 6 * a * xx**3 * t
        u_xx = 6 * a * xx * t**3
        return u_tt - self.alpha * u_xx + self.beta_c * u + self.gamma * u**self.k

    def solution(self, points, beta):
        omega, a = np.asarray(beta, dtype=float)
        x, t = points[:, 0], points[:, 1]
        return x * np.cos(omega * t) + a * (x * t) ** 3
