"""Training a batch of conditional PINNs with a :class:`Recipe`: Adam, then batched L-BFGS.

Phase 1 is Adam with the recipe's learning-rate schedule, loss balancing,
causal weighting and plateau rule; phase 2 is :func:`batched_lbfgs`. Every rule
acts per model, so the ``M`` models of a batch are ``M`` independent runs done
at once.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ..errors import DivergenceError
from ._lbfgs import batched_lbfgs, plateau_step
from ._parametrize import Parametrization, from_matrix, to_matrix
from ._recipe import Recipe

__all__ = ["TrainResult", "train"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    params : list of (torch.Tensor, torch.Tensor)
        Trained parameters of the ``M`` models (detached).
    loss_history : numpy.ndarray, shape (n_records, M)
        Loss every ``record_every`` Adam steps or L-BFGS iterations, and at
        the end of each phase: the objective being minimised (with balancing
        weights and causal weighting where the recipe has them); the last row
        is the plain physics-informed loss of the final parameters.
    steps_recorded : numpy.ndarray, shape (n_records,)
        Adam steps, then ``recipe.steps`` plus L-BFGS iterations.
    diverged : numpy.ndarray of bool, shape (M,)
        Models whose loss became NaN or infinite (frozen from that step on),
        or whose final loss is above their initial loss (training made them
        worse, e.g. a far too large learning rate); their results must not
        be trusted.
    adam_steps : numpy.ndarray of int, shape (M,)
        Adam steps each model took (fewer than ``recipe.steps`` after a plateau stop).
    lbfgs_iterations : numpy.ndarray of int, shape (M,)
    stop_reason : tuple of str
        Why each model's last phase ended.
    term_weights : numpy.ndarray, shape (M, 1 + n_conditions)
        Final balancing weights of the residual and each condition's term
        (``pinn.term_names``; ones without balancing).
    """

    params: list
    loss_history: np.ndarray
    steps_recorded: np.ndarray
    diverged: np.ndarray
    adam_steps: np.ndarray
    lbfgs_iterations: np.ndarray
    stop_reason: tuple
    term_weights: np.ndarray


class _Objective:
    """Per-model loss terms of the current leaves, with optional compilation."""

    def __init__(self, pinn, batch, param: Parametrization, *, compile: bool = False):
        self.pinn, self.batch, self.param = pinn, batch, param
        self.scale = pinn.term_scale
        self._fns = {}
        self.compile = compile

    def _raw(self, leaves, causal: float, bins: int):
        return self.pinn.loss_terms(self.param.params(leaves), self.batch, causal=causal, causal_bins=bins) * self.scale

    def terms(self, leaves, causal: float = 0.0, bins: int = 16):
        """Loss terms, shape (M, 1 + n_conditions): the residual, then each condition's scaled misfit."""
        key = (causal, bins)
        if key not in self._fns:
            self._fns[key] = self._compiled(key) if self.compile else (lambda lv: self._raw(lv, *key))
        return self._fns[key](leaves)

    def rows(self, rows) -> "_Objective":
        """The same objective over the models ``rows`` (an int64 tensor) of the batch only."""
        return _Objective(self.pinn, self.batch.map(lambda t: t.index_select(0, rows)), self.param, compile=self.compile)

    def _compiled(self, key):
        try:
            fn = torch.compile(lambda lv: self._raw(lv, *key), dynamic=False)
            fn([t.detach().requires_grad_() for t in self.param.initial])
            return fn
        except Exception as err:  # compilation is an optimisation; eager always works
            warnings.warn(f"torch.compile unavailable ({type(err).__name__}); training eagerly", RuntimeWarning, stacklevel=3)
            return lambda lv: self._raw(lv, *key)


def _grad_norms(terms, leaves):
    """Per-model gradient norm of each loss term, shape (M, n_terms)."""
    norms = []
    for j in range(terms.shape[1]):
        grads = torch.autograd.grad(terms[:, j].sum(), leaves, retain_graph=True, allow_unused=True)
        sq = sum((g * g).reshape(g.shape[0], -1).sum(1) for g in grads if g is not None)
        norms.append(torch.sqrt(sq))
    return torch.stack(norms, dim=1)


def _divergence(newly, step, on_divergence):
    idx = torch.nonzero(newly).flatten().tolist()
    message = f"training diverged (non-finite loss) at step {step} for models {idx}"
    if on_divergence == "raise":
        raise DivergenceError(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def _adam_phase(objective, leaves, recipe, weights, state, record_every, progress, desc, on_divergence, callback):
    """Phase 1 in place on ``leaves``; updates ``weights`` and ``state`` (diverged, stopped, steps, history)."""
    opt = torch.optim.Adam(leaves, lr=recipe.lr, fused=leaves[0].device.type in ("cpu", "cuda"))
    n_models = leaves[0].shape[0]
    best = torch.full((n_models,), float("inf"), dtype=leaves[0].dtype, device=leaves[0].device)
    since = torch.zeros(n_models, dtype=torch.long, device=leaves[0].device)
    snapshot = [t.detach().clone() for t in leaves]
    frozen = state["diverged"] | state["stopped"]
    for step in tqdm(range(recipe.steps), desc=desc, disable=not progress, leave=False):
        terms = objective.terms(leaves, recipe.causal, recipe.causal_bins)
        plain = terms.sum(1)
        finite = torch.isfinite(plain)
        if recipe.balance != "none" and step % recipe.balance_every == 0:
            norms = _grad_norms(terms, leaves).detach()
            reference = norms[:, :1] if recipe.balance == "gradnorm" else norms.sum(1, keepdim=True)
            # A term without gradient (a condition held exactly by a hard constraint) keeps its weight.
            new = torch.where(norms > 0, reference / norms.clamp_min(1e-30), weights)
            ok = torch.isfinite(new).all(1, keepdim=True) & ~frozen[:, None]
            weights.copy_(torch.where(ok, recipe.balance_alpha * weights + (1 - recipe.balance_alpha) * new, weights))
        per_model = (weights * terms).sum(1)
        opt.zero_grad(set_to_none=False)
        torch.where(finite & ~frozen, per_model, torch.zeros_like(per_model)).sum().backward()
        newly = ~finite & ~frozen
        if bool(newly.any()):
            _divergence(newly, step, on_divergence)
            state["diverged"] |= newly
        if step % record_every == 0:
            state["history"].append(per_model.detach().cpu().numpy())
            state["recorded"].append(step)
        if recipe.plateau_patience:
            best, since = plateau_step(plain.detach(), best, since, recipe.plateau_tol, torch.ones_like(finite))
            state["stopped"] |= (since >= recipe.plateau_patience) & ~state["diverged"]
        newly_frozen = (state["diverged"] | state["stopped"]) & ~frozen
        if bool(newly_frozen.any()):
            for snap, leaf in zip(snapshot, leaves):
                snap[newly_frozen] = leaf.detach()[newly_frozen]
            frozen = frozen | newly_frozen
        for group in opt.param_groups:
            group["lr"] = recipe.lr_at(step)
        opt.step()
        state["adam_steps"] += (~frozen).long()
        if bool(frozen.any()):
            with torch.no_grad():
                for snap, leaf in zip(snapshot, leaves):
                    leaf[frozen] = snap[frozen]
        if bool(frozen.all()):
            break
        if callback is not None and (step + 1) % record_every == 0 and callback(step + 1, objective.param.params([t.detach() for t in leaves])):
            state["stopped_by_callback"] = True
            break


def lbfgs_objectives(objective: _Objective, weights, like):
    """The L-BFGS phase's ``objective(x)`` and ``row_objective(x, rows)`` (see :func:`batched_lbfgs`).

    Both give each model's weighted loss and its gradient with respect to
    the parameter matrix ``x`` (rows of :func:`to_matrix` of leaves shaped as
    ``like``); the second over the models ``rows`` of the batch only (the
    line-search trials of the models still searching, with the same bits).
    """

    def fun(x, over=objective, w=weights):
        current = [t.requires_grad_() for t in from_matrix(x.detach(), like)]
        loss = (w * over.terms(current)).sum(1)
        grads = torch.autograd.grad(loss.sum(), current)
        return loss.detach(), to_matrix(grads)

    def fun_rows(x, rows):
        return fun(x, objective.rows(rows), weights.index_select(0, rows))

    return fun, fun_rows


def _lbfgs_phase(objective, leaves, recipe, weights, state, record_every, callback, progress, desc):
    """Phase 2: batched L-BFGS on the plain terms with the final balancing weights; returns new leaves."""
    like = [t.detach() for t in leaves]
    fun, fun_rows = lbfgs_objectives(objective, weights, like)
    active = ~state["diverged"]
    hook = None
    if callback is not None:
        def hook(it, x):
            return callback(recipe.steps + it, objective.param.params(from_matrix(x, like)))
    result = batched_lbfgs(
        fun, to_matrix(like), max_iter=recipe.lbfgs_iters, history=recipe.lbfgs_history,
        patience=recipe.lbfgs_patience, tol=recipe.lbfgs_tol, record_every=record_every, active=active, callback=hook,
        progress=progress, desc=f"{desc} (L-BFGS)", row_objective=None if recipe.compile else fun_rows,
    )
    for loss, it in zip(result.history[1:], result.recorded[1:]):
        state["history"].append(loss.cpu().numpy())
        state["recorded"].append(recipe.steps + it)
    state["lbfgs_iterations"] = result.iterations
    state["reasons"] = [r if a else "non-finite" for r, a in zip(result.stop_reason, active.tolist())]
    return [t.detach().requires_grad_() for t in from_matrix(result.x, like)]


def train(pinn, params, batch, recipe: Recipe, *, record_every: int = 100, progress: bool = False, desc: str = "train", on_divergence: str = "warn", callback=None) -> TrainResult:
    """Train ``M`` models with ``recipe``: Adam with a schedule, then batched L-BFGS.

    Parameters
    ----------
    pinn : ConditionalPINN
    params : list of (W, b)
        Initial parameters (from ``pinn.init``); not modified.
    batch : PointBatch
        ``M`` point sets.
    recipe : Recipe
        The training recipe (:meth:`Recipe.adam` for constant-rate Adam only).
    record_every : int
        Loss recording interval, in Adam steps and in L-BFGS iterations.
    progress : bool
        Show progress bars over the Adam steps and the L-BFGS iterations.
    desc : str
        Progress bar label.
    on_divergence : {"warn", "raise"}
        On a non-finite loss, ``"warn"`` (RuntimeWarning) freezes the diverged
        models, flags them in the result and trains the others on;
        ``"raise"`` raises :class:`~pinndd.errors.DivergenceError`.
    callback : callable, optional
        ``callback(step, params) -> bool``, called every ``record_every`` Adam
        steps and L-BFGS iterations with the current (detached) parameters;
        ``step`` counts Adam steps, then ``recipe.steps`` plus L-BFGS
        iterations. A true result ends training (for monitoring, e.g. the
        error against a reference, or time-to-accuracy).

    Returns
    -------
    TrainResult
    """
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a pinndd.learner.Recipe, got {type(recipe).__name__}")
    if on_divergence not in ("warn", "raise"):
        raise ValueError(f"on_divergence must be 'warn' or 'raise', got {on_divergence!r}")
    param = Parametrization(params, rwf=recipe.rwf, rwf_mean=recipe.rwf_mean)
    leaves = param.initial
    n_models, dev = leaves[0].shape[0], leaves[0].device
    objective = _Objective(pinn, batch, param, compile=recipe.compile)
    weights = torch.ones(n_models, len(pinn.term_names), dtype=pinn.dtype, device=dev)
    state = {
        "diverged": torch.zeros(n_models, dtype=torch.bool, device=dev),
        "stopped": torch.zeros(n_models, dtype=torch.bool, device=dev),
        "adam_steps": torch.zeros(n_models, dtype=torch.long, device=dev),
        "lbfgs_iterations": torch.zeros(n_models, dtype=torch.long, device=dev),
        "reasons": ["steps"] * n_models,
        "history": [],
        "recorded": [],
    }
    with torch.no_grad():
        first = pinn.loss([(w.detach(), b.detach()) for w, b in param.params(leaves)], batch)
    if recipe.steps:
        _adam_phase(objective, leaves, recipe, weights, state, record_every, progress, desc, on_divergence, callback)
        state["reasons"] = ["plateau" if s else "steps" for s in state["stopped"].tolist()]
    if state.get("stopped_by_callback"):
        state["reasons"] = ["callback"] * n_models
    elif recipe.lbfgs_iters:
        leaves = _lbfgs_phase(objective, leaves, recipe, weights, state, record_every, callback, progress, desc)
    final_params = [(w.detach(), b.detach()) for w, b in param.params(leaves)]
    if recipe.steps or recipe.lbfgs_iters:
        with torch.no_grad():
            last = pinn.loss(final_params, batch)
        state["diverged"] |= ~torch.isfinite(last)
        worse = torch.isfinite(last) & torch.isfinite(first) & (last > first)
        if bool(worse.any()):
            idx = torch.nonzero(worse).flatten().tolist()
            warnings.warn(f"training ended above the initial loss for models {idx}: flagged as diverged", RuntimeWarning, stacklevel=2)
            state["reasons"] = ["loss increased" if w else r for r, w in zip(state["reasons"], worse.tolist())]
            state["diverged"] |= worse
        state["history"].append(last.cpu().numpy())
        state["recorded"].append(recipe.steps + int(state["lbfgs_iterations"].max()))
    reasons = tuple("non-finite" if d and r != "loss increased" else r for r, d in zip(state["reasons"], state["diverged"].tolist()))
    return TrainResult(
        params=final_params,
        loss_history=np.array(state["history"]).reshape(len(state["history"]), n_models),
        steps_recorded=np.array(state["recorded"]),
        diverged=state["diverged"].cpu().numpy(),
        adam_steps=state["adam_steps"].cpu().numpy(),
        lbfgs_iterations=state["lbfgs_iterations"].cpu().numpy(),
        stop_reason=reasons,
        term_weights=weights.cpu().numpy(),
    )
