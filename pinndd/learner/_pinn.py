"""The conditional PINN u(x, t; beta): architecture, normalisation and physics-informed loss.

The network itself is stateless: parameters are passed to every call, so that
many models train as one batch and distillers can differentiate through
training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from pde_catalog import Jet

from ._causal import causal_mean
from ._mlp import forward, forward_jet_and_values, init_params

__all__ = ["ConditionalPINN", "PointBatch", "check_architecture"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_FOURIER_SEED = 20230812


@dataclass(frozen=True)
class PointBatch:
    """Point sets of ``M`` models, padded to common sizes (padding has weight 0).

    Attributes
    ----------
    interior : torch.Tensor, shape (M, N_i, D + P)
    interior_weight : torch.Tensor, shape (M, N_i)
    constraint : torch.Tensor, shape (M, N_c, D + P)
    constraint_target : torch.Tensor, shape (M, N_c)
    constraint_weight : torch.Tensor, shape (M, N_c)
    """

    interior: torch.Tensor
    interior_weight: torch.Tensor
    constraint: torch.Tensor
    constraint_target: torch.Tensor
    constraint_weight: torch.Tensor

    @classmethod
    def from_point_sets(cls, point_sets, *, dtype, device) -> "PointBatch":
        """Stack and pad a sequence of :class:`~pinndd.pointset.PointSet`."""
        n_i = max(len(ps.interior) for ps in point_sets)
        n_c = max(len(ps.constraint) for ps in point_sets)
        width = point_sets[0].interior.shape[1]

        def pad(arrays, n, cols=None):
            shape = (len(arrays), n) if cols is None else (len(arrays), n, cols)
            out = np.zeros(shape)
            for k, a in enumerate(arrays):
                out[k, : len(a)] = a
            return torch.as_tensor(out, dtype=dtype, device=device)

        return cls(
            interior=pad([ps.interior for ps in point_sets], n_i, width),
            interior_weight=pad([ps.interior_weight for ps in point_sets], n_i),
            constraint=pad([ps.constraint for ps in point_sets], n_c, width),
            constraint_target=pad([ps.constraint_target for ps in point_sets], n_c),
            constraint_weight=pad([ps.constraint_weight for ps in point_sets], n_c),
        )

    def repeat(self, times: int) -> "PointBatch":
        """Each model's points repeated ``times`` in a row (for several seeds per set)."""
        return PointBatch(*(t.repeat_interleave(times, dim=0) for t in self.__dict__.values()))


def check_architecture(width, depth, dtype, fourier_features, fourier_scale) -> None:
    """Raise ``ValueError`` naming the first bad architecture value (shared by the network and the spec)."""
    for key, value, low in (("width", width, 1), ("depth", depth, 1), ("fourier_features", fourier_features, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{key} must be an integer of at least {low}, got {value!r}")
    if not (isinstance(fourier_scale, (int, float)) and 0 < fourier_scale < float("inf")):
        raise ValueError(f"fourier_scale must be positive and finite, got {fourier_scale!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")


class ConditionalPINN:
    """A tanh MLP u(coords, beta) for a catalog problem, with inputs scaled to [-1, 1].

    Parameters
    ----------
    problem : pde_catalog.Problem
    width, depth : int
        Hidden width and number of hidden layers.
    dtype : {"float32", "float64"}
    device : str or torch.device
        ``"cpu"`` or ``"cuda"`` (any torch device string).
    bc_weight : float
        Weight of the Dirichlet misfit relative to the residual in :meth:`loss`.
    fourier_features : int
        Number of Fourier features ``F`` of the inputs (0: none); the network
        then reads ``[cos(z B), sin(z B)]`` of the normalised inputs ``z``,
        with ``B`` of shape ``(D + P, F)`` drawn once from N(0, ``fourier_scale``^2)
        with a fixed generator (the same for every model and run).
    fourier_scale : float
        Standard deviation of the Fourier frequencies.

    Notes
    -----
    Inputs are normalised over the problem's domain and the ``ood_far`` box of
    its family (the widest range any split uses), the same for every model.
    """

    def __init__(self, problem, width: int = 32, depth: int = 3, *, dtype="float32", device="cpu", bc_weight: float = 1.0, fourier_features: int = 0, fourier_scale: float = 1.0):
        check_architecture(width, depth, dtype, fourier_features, fourier_scale)
        self.problem = problem
        self.width, self.depth = width, depth
        self.dtype, self.device = _DTYPES[dtype], torch.device(device)
        self.bc_weight = float(bc_weight)
        far = problem.family.far
        lower = np.array([lo for lo, _ in problem.domain] + list(far.lower), dtype=float)
        upper = np.array([hi for _, hi in problem.domain] + list(far.upper), dtype=float)
        half = np.where(upper > lower, (upper - lower) / 2, 1.0)
        self._centre = torch.as_tensor((upper + lower) / 2, dtype=self.dtype, device=self.device)
        self._inv_scale_values = (1.0 / half).tolist()
        self._inv_scale = torch.as_tensor(1.0 / half, dtype=self.dtype, device=self.device)
        self.frequencies = None
        if fourier_features:
            gen = torch.Generator().manual_seed(_FOURIER_SEED)
            b = torch.randn(len(lower), fourier_features, generator=gen, dtype=torch.float64) * fourier_scale
            self.frequencies = b.to(dtype=self.dtype, device=self.device)
        n_inputs = 2 * fourier_features if fourier_features else len(lower)
        self.sizes = (n_inputs, *([width] * depth), 1)

    def init(self, seeds):
        """Fresh parameters, one model per seed (see :func:`~pinndd.learner._mlp.init_params`)."""
        return init_params(self.sizes, list(seeds), dtype=self.dtype, device=self.device)

    def _inputs(self, points):
        return (points - self._centre) * self._inv_scale

    def predict(self, params, points):
        """u at points, shape (M, N), for points of shape (M, N, D + P)."""
        return forward(params, self._inputs(points), self.frequencies)

    def jet(self, params, points, *, values_at=None):
        """The field and its derivatives at points of shape (M, N, D + P).

        Parameters
        ----------
        params : list of (W, b)
        points : torch.Tensor, shape (M, N, D + P)
        values_at : torch.Tensor, shape (M, N_e, D + P), optional
            Further points where only u is wanted, computed in the same pass.

        Returns
        -------
        jet : pde_catalog.Jet
        x : dict of str to torch.Tensor
        beta : dict of str to torch.Tensor
        values : torch.Tensor, shape (M, N_e)
            Only when ``values_at`` is given.
        """
        coords = self.problem.coords
        first = list(range(len(coords)))
        second = [coords.index(c) for c in self.problem.second_derivatives]
        extra = None if values_at is None else self._inputs(values_at)
        u, d1, d2, values = forward_jet_and_values(params, self._inputs(points), self._inv_scale_values, first, second, self.frequencies, extra)
        jet = Jet(u=u, d1={coords[i]: v for i, v in d1.items()}, d2={coords[i]: v for i, v in d2.items()})
        if values_at is None:
            return jet, *self.split_columns(points)
        return jet, *self.split_columns(points), values

    def split_columns(self, points):
        """Columns of ``points`` as ``(x, beta)`` dicts by name."""
        d = len(self.problem.coords)
        x = {c: points[..., j] for j, c in enumerate(self.problem.coords)}
        beta = {p: points[..., d + j] for j, p in enumerate(self.problem.family.names)}
        return x, beta

    def residual(self, params, points):
        """PDE residual at points of shape (M, N, D + P), shape (M, N)."""
        jet, x, beta = self.jet(params, points)
        return self.problem.residual(jet, x, beta)

    def loss_terms(self, params, batch: PointBatch, *, causal: float = 0.0, causal_bins: int = 16):
        """Weighted mean squared residual and Dirichlet misfit, each of shape (M,).

        Parameters
        ----------
        params : list of (W, b)
        batch : PointBatch
        causal : float
            Causality parameter epsilon; positive values weight the residual
            by time slab (see :func:`~pinndd.learner._causal.causal_mean`).
        causal_bins : int
            Number of time slabs.
        """
        jet, x, beta, values = self.jet(params, batch.interior, values_at=batch.constraint)
        r = self.problem.residual(jet, x, beta)
        misfit = values - batch.constraint_target
        w_i, w_c = batch.interior_weight, batch.constraint_weight
        if causal > 0:
            t = batch.interior[..., self._time_column()]
            res = causal_mean(r * r, w_i, t, self.problem.domain[self._time_column()], eps=causal, bins=causal_bins)
        else:
            res = (w_i * r * r).sum(1) / w_i.sum(1).clamp_min(1e-30)
        bc = (w_c * misfit * misfit).sum(1) / w_c.sum(1).clamp_min(1e-30)
        return res, bc

    def _time_column(self) -> int:
        if "t" not in self.problem.coords:
            raise ValueError(f"causal weighting needs a time coordinate 't'; {self.problem.name} has {self.problem.coords}")
        return self.problem.coords.index("t")

    def loss(self, params, batch: PointBatch):
        """Physics-informed loss of every model, shape (M,)."""
        res, bc = self.loss_terms(params, batch)
        return res + self.bc_weight * bc
