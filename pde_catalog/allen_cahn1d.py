r"""Allen-Cahn equation with a family of initial profiles around :math:`x^2 \cos(\pi x)`.

.. math::

    u_t = d\,u_{xx} - \gamma\,(u^3 - u), \qquad x \in [-1, 1],\ t \in [0, 1],

    u(\pm 1, t) = -1, \qquad
    u(x, 0) = x^2 \left(\cos(\pi x) + (1 - x^2)(a + b x)\right).

Every member equals -1 at :math:`x = \pm 1` and keeps the double zero of
:math:`x^2 \cos(\pi x)` at the centre, where the benchmark sits on the unstable
state :math:`u = 0`: a perturbation that moved :math:`u(0, 0)` off zero (such as
:math:`a (1 - x^2)`) would flip the centre to -1 or split the central +1 island
within a few hundredths of the parameter. Here ``a`` sets the curvature
:math:`u_{xx}(0, 0) = 2 (1 + a)`, hence the width of the central island, and
``b`` tilts it. Default member :math:`(a, b) = (0, 0)`, the DeepXDE benchmark,
with :math:`d = 0.001`, :math:`\gamma = 5`.

Splits (nested boxes): ``train`` a in [-0.25, 0.25], b in [-0.25, 0.25];
``ood_near`` up to a in [-0.5, 0.5], b in [-0.6, 0.6]; ``ood_far`` up to
a in [-0.85, 0.85], b in [-1.2, 1.2]. Towards a = -1 the island narrows and
is dying out by t = 1 (at a = -0.85, b = 0 its peak has fallen to 0.13); large
``|b|`` makes it lopsided.

Reference: Chebyshev collocation with ETDRK4 time stepping
(:func:`pde_catalog._allen_cahn_solver.solve_allen_cahn`; relative L2 error
1.6e-4 against DeepXDE's ``Allen_Cahn.mat``, the file's own accuracy), solved
once per member on the collocation points at the step times. Between them it is
interpolated by quintic Hermite interpolation in t, with :math:`u_t` and
:math:`u_{tt}` taken from the semi-discrete equation, and by barycentric
Chebyshev interpolation in x, so that it is smooth to round-off between nodes.
The degree is 512 rather than the solver's 448: between collocation points
across an interface the PDE residual of the interpolant is then 5e-7 instead
of 6e-6 (the time interpolation contributes far less).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from ._allen_cahn_solver import _cheb, solve_allen_cahn
from ._base import Problem
from ._conditions import Dirichlet, Initial
from ._family import Box, ConditionFamily
from ._geometry import Interval

__all__ = ["AllenCahn1D"]

_FAMILY = ConditionFamily(
    names=("a", "b"),
    train=Box((-0.25, -0.25), (0.25, 0.25)),
    near=Box((-0.5, -0.6), (0.5, 0.6)),
    far=Box((-0.85, -1.2), (0.85, 1.2)),
    default=(0.0, 0.0),
)
_CHUNK = 2048  # points per block of the dense-output evaluation


def _initial(x, a, b, cos):
    """u0 = x^2 (cos(pi x) + (1 - x^2)(a + b x)), for numpy (``cos=np.cos``) or torch."""
    return x**2 * (cos(np.pi * x) + (1 - x**2) * (a + b * x))


@functools.lru_cache(maxsize=64)
def _history(d: float, gamma: float, a: float, b: float, n_modes: int, time_step: float):
    """Nodes, barycentric weights, step times and u, u_t, u_tt at the nodes (shape (n_t, n_modes + 1))."""
    dmat, nodes = _cheb(n_modes)
    times = np.linspace(0.0, 1.0, max(1, int(np.ceil(1.0 / time_step - 1e-9))) + 1)
    u = solve_allen_cahn(lambda x: _initial(x, a, b, np.cos), d, nodes, times, gamma=gamma, n_modes=n_modes, dt=time_step)
    u[:, [0, -1]] = -1.0
    # The semi-discrete system the solver integrates: v = u + 1 vanishes on the ends.
    lap = d * (dmat @ dmat)[1:-1, 1:-1]
    inner = u[:, 1:-1]
    ut = np.zeros_like(u)
    utt = np.zeros_like(u)
    ut[:, 1:-1] = (inner + 1.0) @ lap.T + gamma * (inner - inner**3)
    utt[:, 1:-1] = ut[:, 1:-1] @ lap.T + gamma * (1.0 - 3.0 * inner**2) * ut[:, 1:-1]
    weights = (-1.0) ** np.arange(n_modes + 1)
    weights[[0, -1]] *= 0.5
    for arr in (nodes, weights, times, u, ut, utt):
        arr.flags.writeable = False
    return nodes, weights, times, u, ut, utt


def _dense(history, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """u at scattered (x, t): quintic Hermite in t, then barycentric Chebyshev interpolation in x."""
    nodes, weights, times, u, ut, utt = history
    h = times[1] - times[0]
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    s = ((t - times[k]) / h)[:, None]
    s2, s3 = s * s, s * s * s
    # Quintic Hermite basis on [0, 1] for value, first and second derivative at each end.
    h0 = 1 - s3 * (10 - 15 * s + 6 * s2)
    h1 = s - s3 * (6 - 8 * s + 3 * s2)
    h2 = 0.5 * s2 - s3 * (1.5 - 1.5 * s + 0.5 * s2)
    h3 = s3 * (10 - 15 * s + 6 * s2)
    h4 = s3 * (-4 + 7 * s - 3 * s2)
    h5 = s3 * (0.5 - s + 0.5 * s2)
    values = h0 * u[k] + h1 * h * ut[k] + h2 * h * h * utt[k] + h3 * u[k + 1] + h4 * h * ut[k + 1] + h5 * h * h * utt[k + 1]
    diff = x[:, None] - nodes[None, :]
    hit = diff == 0
    diff[hit] = 1.0
    c = weights / diff
    out = (c * values).sum(axis=1) / c.sum(axis=1)
    rows, cols = np.nonzero(hit)
    out[rows] = values[rows, cols]
    return out


@dataclass(frozen=True)
class AllenCahn1D(Problem):
    """Allen-Cahn on [-1, 1] x [0, 1] with u = -1 on the ends and initial data around x^2 cos(pi x).

    Parameters
    ----------
    d : float
        Diffusion coefficient (default 0.001).
    gamma : float
        Reaction coefficient (default 5).
    n_modes : int
        Chebyshev degree of the reference solver (default 512).
    time_step : float
        ETDRK4 step of the reference solver, also the node spacing of its
        Hermite interpolation in t (default 0.005).
    """

    d: float = 0.001
    gamma: float = 5.0
    n_modes: int = 512
    time_step: float = 0.005

    name = "allen_cahn1d"
    geometry = Interval("x", -1.0, 1.0)
    time = (0.0, 1.0)
    derivatives = ("u_t", "u_xx")
    reference_method = "Chebyshev collocation + ETDRK4; quintic Hermite in t, barycentric in x"
    grid_sizes = (201, 101)  # the grid of DeepXDE's Allen_Cahn.mat

    def __post_init__(self):
        if not (np.isfinite(self.d) and self.d > 0):
            raise ValueError(f"d must be positive, got {self.d!r}")
        if not (np.isfinite(self.gamma) and self.gamma >= 0):
            raise ValueError(f"gamma must be non-negative, got {self.gamma!r}")
        if isinstance(self.n_modes, bool) or not isinstance(self.n_modes, (int, np.integer)) or self.n_modes < 8:
            raise ValueError(f"n_modes must be an integer of at least 8, got {self.n_modes!r}")
        if not (np.isfinite(self.time_step) and 0 < self.time_step <= 0.1):
            raise ValueError(f"time_step must lie in (0, 0.1], got {self.time_step!r}")

    @property
    def family(self) -> ConditionFamily:
        return _FAMILY

    @property
    def conditions(self):
        return (Initial("initial", value=self.initial_value), Dirichlet("ends", ("x_min", "x_max"), value=self.end_value))

    def residual(self, f, x, beta):
        return f["u_t"] - self.d * f["u_xx"] + self.gamma * (f["u"] ** 3 - f["u"])

    def initial_value(self, x, beta):
        """u(x, 0) = x^2 (cos(pi x) + (1 - x^2)(a + b x))."""
        return _initial(x["x"], beta["a"], beta["b"], torch.cos)

    def end_value(self, x, beta):
        """u(+-1, t) = -1."""
        return torch.full_like(x["x"], -1.0)

    def hard_constraint(self, x, beta):
        """u = u0(x; a, b) + t (1 - x^2) N: the initial profile at t = 0, and -1 at x = +-1 (as u0 is).

        DeepXDE's Allen-Cahn example, and Wu et al.'s sampling study, impose its data this way.
        """
        return self.initial_value(x, beta), (x["t"] - self.time[0]) * (1 - x["x"] ** 2)

    def solution(self, points, beta):
        a, b = map(float, np.asarray(beta, dtype=float))
        history = _history(float(self.d), float(self.gamma), a, b, int(self.n_modes), float(self.time_step))
        points = np.atleast_2d(np.asarray(points, dtype=float))
        x = np.clip(points[:, 0], -1.0, 1.0)
        t = np.clip(points[:, 1], 0.0, 1.0)
        out = np.empty(len(points))
        for start in range(0, len(points), _CHUNK):
            block = slice(start, start + _CHUNK)
            out[block] = _dense(history, x[block], t[block])
        return out
