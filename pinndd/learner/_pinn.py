"""The conditional PINN u(x, t; beta): architecture, normalisation and physics-informed loss.

The network itself is stateless: parameters are passed to every call, so that
many models train as one batch and distillers can differentiate through
training. Fields up to second order (values, first and second derivatives,
mixed included) come from the forward jet; higher ones from automatic
differentiation.
"""

from __future__ import annotations

import numpy as np
import torch

from pde_catalog import parse_field

from ..seeds import FOURIER_SEED
from ._batch import PointBatch, condition_fields
from ._causal import causal_mean
from ._hard import constrain_jet, constrain_values
from ._mlp import forward, forward_jet_and_values, fourier_embedding, init_params

__all__ = ["ConditionalPINN", "PointBatch", "check_architecture", "check_hard_constraints", "fourier_scales", "hard_constraint_problems"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _positive_scale(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")


def check_architecture(width, depth, dtype, fourier_features, fourier_scale) -> None:
    """Raise ``ValueError`` naming the first bad architecture value (shared by the network and the spec).

    ``fourier_scale`` is one positive number or ``(input name, positive number)``
    pairs (a dict is accepted too); whether the names are a problem's inputs is
    checked by :func:`fourier_scales`.
    """
    for key, value, low in (("width", width, 1), ("depth", depth, 1), ("fourier_features", fourier_features, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{key} must be an integer of at least {low}, got {value!r}")
    pairs = tuple(fourier_scale.items()) if isinstance(fourier_scale, dict) else fourier_scale
    if isinstance(pairs, tuple):
        ok = len(pairs) > 0 and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and _positive_scale(p[1]) for p in pairs)
        ok = ok and len({p[0] for p in pairs}) == len(pairs)
    else:
        ok = _positive_scale(pairs)
    if not ok:
        raise ValueError(f"fourier_scale must be a positive finite number or a table of one per input name, got {fourier_scale!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")


def hard_constraint_problems() -> list[str]:
    """Names of the catalog problems that define a hard-constrained output form."""
    from pde_catalog import problem_class, problem_names

    return [name for name in problem_names() if problem_class(name).has_hard_constraint()]


def check_hard_constraints(problem, hard_constraints: bool) -> None:
    """Raise ``ValueError`` if ``hard_constraints`` is asked of a problem without a single-output form.

    The message names the problems that have one (shared by the network and the config parser).
    """
    if hard_constraints and not (problem.has_hard_constraint() and len(problem.outputs) == 1):
        raise ValueError(f"hard_constraints: {problem.name} defines no hard constraint (problems that do: {', '.join(hard_constraint_problems())})")


def fourier_scales(problem, fourier_scale) -> np.ndarray:
    """One Fourier frequency scale per network input of ``problem`` (coordinates, then condition parameters).

    Parameters
    ----------
    problem : pde_catalog.Problem
    fourier_scale : float or dict or tuple of (str, float)
        One scale for every input, or one per input name: every coordinate and
        condition parameter of ``problem`` named once, e.g. ``{"x": 2, "t": 4,
        "a": 1, "b": 1, "v": 1}`` for wave1d (spatio-temporal scales that
        differ, as in Wang, Wang and Perdikaris's multi-scale Fourier features).

    Returns
    -------
    numpy.ndarray, shape (D + P,)

    Raises
    ------
    ValueError
        Naming the missing or unknown inputs and the problem's inputs.
    """
    inputs = tuple(problem.coords) + tuple(problem.family.names)
    if not isinstance(fourier_scale, (dict, tuple)):
        return np.full(len(inputs), float(fourier_scale))
    scales = dict(fourier_scale)
    missing = [name for name in inputs if name not in scales]
    unknown = [name for name in scales if name not in inputs]
    if missing or unknown:
        wrong = ", ".join([f"missing {n!r}" for n in missing] + [f"unknown {n!r}" for n in unknown])
        raise ValueError(f"fourier_scale must name every input of {problem.name} once ({', '.join(inputs)}): {wrong}")
    return np.array([float(scales[name]) for name in inputs])


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
        Weight of every condition's term relative to the residual in
        :meth:`loss` (times the condition's own ``weight``).
    fourier_features : int
        Number of Fourier features ``F`` of the inputs (0: none); the network
        then reads ``[cos(z B), sin(z B)]`` of the normalised inputs ``z``,
        with ``B`` of shape ``(D + P, F)`` drawn once from N(0, ``fourier_scale``^2)
        with a fixed generator (the same for every model and run).
    fourier_scale : float or dict or tuple of (str, float)
        Standard deviation of the Fourier frequencies: one for every input, or
        one per input name (see :func:`fourier_scales`); row ``i`` of ``B`` is
        scaled by input ``i``'s.
    hard_constraints : bool
        Write the output as ``g + distance * N`` with the problem's
        :meth:`~pde_catalog.Problem.hard_constraint`, so that every condition
        holds exactly; its loss terms then stay (near zero) but teach nothing.

    Notes
    -----
    Inputs are normalised over the problem's domain and the ``ood_far`` box of
    its family (the widest range any split uses), the same for every model.
    """

    def __init__(self, problem, width: int = 32, depth: int = 3, *, dtype="float32", device="cpu", bc_weight: float = 1.0, fourier_features: int = 0, fourier_scale: float | dict | tuple = 1.0,
                 hard_constraints: bool = False):
        check_architecture(width, depth, dtype, fourier_features, fourier_scale)
        check_hard_constraints(problem, hard_constraints)
        self.hard_constraints = bool(hard_constraints)
        scales = torch.as_tensor(fourier_scales(problem, fourier_scale), dtype=torch.float64)
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
            gen = torch.Generator().manual_seed(FOURIER_SEED)
            b = torch.randn(len(lower), fourier_features, generator=gen, dtype=torch.float64) * scales[:, None]
            self.frequencies = b.to(dtype=self.dtype, device=self.device)
        n_inputs = 2 * fourier_features if fourier_features else len(lower)
        self.sizes = (n_inputs, *([width] * depth), len(problem.outputs))
        self.residual_fields = tuple(dict.fromkeys(tuple(problem.outputs) + tuple(problem.derivatives)))
        self.condition_fields = condition_fields(problem)
        self.term_names = ("residual",) + tuple(c.name for c in problem.conditions)
        self.term_scale = torch.tensor([1.0] + [self.bc_weight * c.weight for c in problem.conditions], dtype=self.dtype, device=self.device)

    def init(self, seeds):
        """Fresh parameters, one model per seed (see :func:`~pinndd.learner._mlp.init_params`)."""
        return init_params(self.sizes, list(seeds), dtype=self.dtype, device=self.device)

    def _inputs(self, points):
        return (points - self._centre) * self._inv_scale

    def features(self, points):
        """What the first layer reads: the normalised inputs, through the Fourier embedding if any.

        Parameters
        ----------
        points : torch.Tensor, shape (..., D + P)

        Returns
        -------
        torch.Tensor, shape (..., sizes[0])
        """
        z = self._inputs(points)
        return z if self.frequencies is None else fourier_embedding(z, self.frequencies)

    def predict(self, params, points):
        """Outputs at points of shape (M, N, D + P), shape (M, N, n_outputs)."""
        return self._output(points, forward(params, self._inputs(points), self.frequencies))

    def _output(self, points, values):
        """The network's ``values`` at ``points`` through the hard-constrained form, if any."""
        return constrain_values(self.problem, self.split_columns, points, values) if self.hard_constraints else values

    def fields(self, params, points, names, *, values_at=None):
        """Named fields (outputs and derivatives) at points of shape (M, N, D + P).

        Parameters
        ----------
        params : list of (W, b)
        points : torch.Tensor, shape (M, N, D + P)
        names : sequence of str
            Field names, e.g. ``("u", "u_t", "u_xx", "u_xy", "u_xxx")``.
        values_at : torch.Tensor, shape (M, N_e, D + P), optional
            Further points where only the outputs are wanted, in the same pass.

        Returns
        -------
        f : dict of str to torch.Tensor, each (M, N)
        x, beta : dict of str to torch.Tensor
            The columns of ``points`` by name.
        values : torch.Tensor, shape (M, N_e, n_outputs)
            Only when ``values_at`` is given.
        """
        problem = self.problem
        parsed = {n: parse_field(n, problem.outputs, problem.coords) for n in names}
        index = {c: j for j, c in enumerate(problem.coords)}
        low = {n: (problem.outputs.index(o), tuple(index[c] for c in wrt)) for n, (o, wrt) in parsed.items() if len(wrt) <= 2}
        high = {n: (problem.outputs.index(o), tuple(index[c] for c in wrt)) for n, (o, wrt) in parsed.items() if len(wrt) > 2}
        first = sorted({j for _, wrt in low.values() for j in wrt})
        pairs = sorted({wrt for _, wrt in low.values() if len(wrt) == 2})
        extra = None if values_at is None else self._inputs(values_at)
        if first:
            u, d1, d2, values = forward_jet_and_values(params, self._inputs(points), self._inv_scale_values, first, pairs, self.frequencies, extra)
            if self.hard_constraints:
                u, d1, d2 = constrain_jet(self.problem, self.split_columns, points, u, d1, d2, first, pairs)
                values = None if values_at is None else self._output(values_at, values)
        else:
            both = points if values_at is None else torch.cat([points, values_at], dim=1)
            u, d1, d2 = self.predict(params, both), {}, {}
            u, values = u[:, : points.shape[1]], u[:, points.shape[1] :]
        f = {}
        for n, (o, wrt) in low.items():
            f[n] = (u if not wrt else d1[wrt[0]] if len(wrt) == 1 else d2[wrt])[..., o]
        if high:
            f.update(self._autograd_fields(params, points, high))
        x, beta = self.split_columns(points)
        return (f, x, beta) if values_at is None else (f, x, beta, values)

    def _autograd_fields(self, params, points, wanted):
        """Fields of order three and more by repeated automatic differentiation."""
        with torch.enable_grad():
            z = points if points.requires_grad else points.detach().requires_grad_()
            u = self._output(z, forward(params, self._inputs(z), self.frequencies))
            cache = {}

            def derivative(o, wrt):
                if not wrt:
                    return u[..., o]
                if (o, wrt) not in cache:
                    lower = derivative(o, wrt[:-1])
                    cache[(o, wrt)] = torch.autograd.grad(lower.sum(), z, create_graph=True)[0][..., wrt[-1]]
                return cache[(o, wrt)]

            return {n: derivative(o, wrt) for n, (o, wrt) in wanted.items()}

    def split_columns(self, points):
        """Columns of ``points`` as ``(x, beta)`` dicts by name."""
        d = len(self.problem.coords)
        x = {c: points[..., j] for j, c in enumerate(self.problem.coords)}
        beta = {p: points[..., d + j] for j, p in enumerate(self.problem.family.names)}
        return x, beta

    def residual(self, params, points):
        """PDE residuals at points of shape (M, N, D + P), shape (M, N, n_equations)."""
        f, x, beta = self.fields(params, points, self.residual_fields)
        return _stack(self.problem.residual(f, x, beta))

    def condition_misfit(self, params, batch: PointBatch):
        """Each condition row's misfit ``sum_k a_k f_k - g``, shape (M, N_c)."""
        points = batch.constraint if batch.partner is None else torch.cat([batch.constraint, batch.partner], dim=1)
        f, _, _ = self.fields(params, points, self.condition_fields)
        return self._combine(torch.stack([f[n] for n in self.condition_fields], dim=-1), batch)

    def _combine(self, values, batch: PointBatch):
        n_c = batch.constraint.shape[1]
        row = (batch.constraint_coef * values[:, :n_c]).sum(-1)
        if batch.partner is not None:
            row = row.scatter_add(1, batch.partner_row, (batch.partner_coef * values[:, n_c:]).sum(-1))
        return row - batch.constraint_target

    def loss_terms(self, params, batch: PointBatch, *, causal: float = 0.0, causal_bins: int = 16):
        """Unweighted loss terms: the mean squared residual, then each condition's mean squared misfit.

        Parameters
        ----------
        params : list of (W, b)
        batch : PointBatch
        causal : float
            Causality parameter epsilon; positive values weight the residual
            by time slab (see :func:`~pinndd.learner._causal.causal_mean`).
        causal_bins : int
            Number of time slabs.

        Returns
        -------
        torch.Tensor, shape (M, 1 + n_conditions)
            Columns named by :attr:`term_names`.
        """
        names = self.condition_fields
        outputs = self.problem.outputs
        cond_points = batch.constraint if batch.partner is None else torch.cat([batch.constraint, batch.partner], dim=1)
        if all(n in outputs for n in names):  # values only: they ride in the jet's value stream
            f, x, beta, values = self.fields(params, batch.interior, self.residual_fields, values_at=cond_points)
            values = values[..., [outputs.index(n) for n in names]]
        else:
            n_i = batch.interior.shape[1]
            wanted = tuple(dict.fromkeys(self.residual_fields + names))
            f, x, beta = self.fields(params, torch.cat([batch.interior, cond_points], dim=1), wanted)
            values = torch.stack([f[n][:, n_i:] for n in names], dim=-1)
            f = {n: v[:, :n_i] for n, v in f.items()}
            x = {c: v[:, :n_i] for c, v in x.items()}
            beta = {p: v[:, :n_i] for p, v in beta.items()}
        r2 = (_stack(self.problem.residual(f, x, beta)) ** 2).sum(-1)
        w_i, w_c = batch.interior_weight, batch.constraint_weight
        if causal > 0:
            t = batch.interior[..., self._time_column()]
            res = causal_mean(r2, w_i, t, self.problem.domain[self._time_column()], eps=causal, bins=causal_bins)
        else:
            res = (w_i * r2).sum(1) / w_i.sum(1).clamp_min(1e-30)
        misfit = self._combine(values, batch)
        onehot = torch.nn.functional.one_hot(batch.constraint_term, len(self.term_names) - 1).to(w_c.dtype) * w_c[..., None]
        cond = (onehot * (misfit * misfit)[..., None]).sum(1) / onehot.sum(1).clamp_min(1e-30)
        return torch.cat([res[:, None], cond], dim=1)

    def _time_column(self) -> int:
        if "t" not in self.problem.coords:
            raise ValueError(f"causal weighting needs a time coordinate 't'; {self.problem.name} has {self.problem.coords}")
        return self.problem.coords.index("t")

    def loss(self, params, batch: PointBatch):
        """Physics-informed loss of every model, shape (M,): the terms times :attr:`term_scale`."""
        return (self.loss_terms(params, batch) * self.term_scale).sum(1)


def _stack(residual):
    """A residual or tuple of residuals as one tensor with the equations last."""
    parts = residual if isinstance(residual, (tuple, list)) else (residual,)
    return torch.stack(torch.broadcast_tensors(*parts), dim=-1)
