"""L-BFGS for a batch of independent models, each with its own history, line search and stop.

The ``M`` models are rows of one ``(M, P)`` parameter matrix and the objective
returns one loss per row, so every vector operation of L-BFGS (the inverse-Hessian
product in compact form, the Armijo test, the curvature check, the stopping rules) is done
row by row at once. A model that has stopped or failed keeps its parameters
while the others go on: each row ends where it would end if optimised alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

__all__ = ["LbfgsResult", "batched_lbfgs"]

_ARMIJO = 1e-4
_MAX_BACKTRACKS = 25


@dataclass(frozen=True)
class LbfgsResult:
    """Outcome of :func:`batched_lbfgs`.

    Attributes
    ----------
    x : torch.Tensor, shape (M, P)
        Final parameters.
    loss : torch.Tensor, shape (M,)
        Final loss of each model.
    iterations : torch.Tensor, shape (M,)
        Accepted iterations of each model.
    evaluations : int
        Objective evaluations of the batch.
    history : list of torch.Tensor
        Loss of every model after each recorded iteration.
    recorded : list of int
    stop_reason : list of str
        Per model: ``"iterations"``, ``"plateau"``, ``"line search"``,
        ``"gradient"``, ``"non-finite"`` or ``"callback"``.
    """

    x: torch.Tensor
    loss: torch.Tensor
    iterations: torch.Tensor
    evaluations: int
    history: list
    recorded: list
    stop_reason: list


def _direction(g, s_hist, y_hist, valid, sty, yty):
    """Search direction -H g of each row, from its own curvature pairs, in compact form.

    ``s_hist, y_hist`` are ``(M, H, P)``, each row's pairs oldest first (empty
    slots are zero and not ``valid``); ``sty`` and ``yty`` are their inner
    products ``s_i . y_j`` and ``y_i . y_j`` (kept up to date by
    :func:`_push`). The inverse Hessian approximation is
    applied with the compact representation of Byrd, Nocedal and Schnabel
    (1994; Nocedal and Wright eq. 7.24): a few batched matrix products and two
    triangular solves per iteration, however long the history.
    """
    pad = torch.diag_embed((~valid).to(g.dtype))  # empty slots: unit diagonal, zero coupling
    r = torch.triu(sty) + pad
    d = torch.diag_embed(torch.diagonal(sty, dim1=1, dim2=2)) + pad
    gamma = torch.where(valid[:, -1], sty[:, -1, -1] / yty[:, -1, -1].clamp_min(1e-300), torch.ones_like(g[:, 0]))
    sg = torch.bmm(s_hist, g.unsqueeze(2))  # (M, H, 1)
    yg = torch.bmm(y_hist, g.unsqueeze(2))
    u = torch.linalg.solve_triangular(r, sg, upper=True)
    v = torch.bmm(d + gamma[:, None, None] * yty, u) - gamma[:, None, None] * yg
    top = torch.linalg.solve_triangular(r.mT, v, upper=False)
    hg = gamma[:, None] * g + torch.bmm(top.mT, s_hist)[:, 0] - gamma[:, None] * torch.bmm(u.mT, y_hist)[:, 0]
    return -hg


def plateau_step(value, best, since, tol: float, counted):
    """One step of the per-model plateau rule: best loss so far and steps since it fell by ``tol``.

    Parameters
    ----------
    value : torch.Tensor, shape (M,)
        Current losses.
    best, since : torch.Tensor, shape (M,)
        Best loss so far and steps since it last fell by a relative ``tol``.
    tol : float
    counted : torch.Tensor of bool, shape (M,)
        Models whose step counts (the others neither improve nor age).

    Returns
    -------
    best, since : torch.Tensor, shape (M,)
    """
    improved = counted & (value < best * (1 - tol))
    best = torch.where(improved, value, torch.minimum(best, value))
    since = torch.where(improved, torch.zeros_like(since), since + counted.long())
    return best, since


def _push(keep, s, y, s_hist, y_hist, valid, sty, yty):
    """Rows in ``keep`` drop their oldest pair and append ``(s, y)``; inner products updated in O(H P).

    The histories belong to :func:`batched_lbfgs`: they are updated in place
    when some rows are not kept, and replaced when all are.
    """
    s_new = torch.cat([s_hist[:, 1:], s[:, None]], dim=1)
    y_new = torch.cat([y_hist[:, 1:], y[:, None]], dim=1)
    col = torch.bmm(s_new, y[:, :, None])  # s'_i . y, (M, H, 1)
    row = torch.bmm(y_new, s[:, :, None]).mT  # s . y'_j, (M, 1, H)
    sty_new = torch.cat([torch.cat([sty[:, 1:, 1:], row[:, :, :-1]], dim=1), col], dim=2)
    yy = torch.bmm(y_new, y[:, :, None])  # y'_i . y
    yty_new = torch.cat([torch.cat([yty[:, 1:, 1:], yy[:, :-1].mT], dim=1), yy], dim=2)
    valid_new = torch.cat([valid[:, 1:], torch.ones_like(valid[:, :1])], dim=1)
    if bool(keep.all()):  # the common case: no (M, H, P) select needed
        return s_new, y_new, valid_new, sty_new, yty_new
    rows = torch.nonzero(keep).flatten()  # in place, kept rows only: the values of a select, a fraction of its memory traffic
    for old, new in zip((s_hist, y_hist, valid, sty, yty), (s_new, y_new, valid_new, sty_new, yty_new)):
        old[rows] = new[rows]
    return s_hist, y_hist, valid, sty, yty


def _evaluate(objective, row_objective, x, wanted, fallback_f, fallback_g):
    """Loss and gradient at the ``wanted`` rows of ``x``; the other rows get the fallbacks.

    Without ``row_objective`` every row is evaluated. With it, only the wanted
    rows are, plus one more when a single row is wanted: a batch of one model
    rounds differently from the same model in a larger batch (measured on CPU
    for the PINN objective, about 1e-8 in a float32 gradient), while any two
    or more rows give every model the very bits of the full batch.
    """
    n_models = x.shape[0]
    count = int(wanted.sum())
    if row_objective is None or count == n_models:
        return objective(x)
    rows = torch.nonzero(wanted).flatten()
    if count == 1:
        rows = torch.cat([rows, torch.nonzero(~wanted).flatten()[:1]])
    f_rows, g_rows = row_objective(x.index_select(0, rows), rows)
    f, g = fallback_f.clone(), fallback_g.clone()
    f[rows], g[rows] = f_rows, g_rows
    return f, g


def batched_lbfgs(objective, x0, *, max_iter: int, history: int = 50, patience: int = 200, tol: float = 1e-4, grad_tol: float = 1e-12, record_every: int = 100, active=None, callback=None, progress: bool = False, desc: str = "L-BFGS", row_objective=None) -> LbfgsResult:
    """Minimise ``M`` independent objectives with L-BFGS and a per-row backtracking line search.

    Parameters
    ----------
    objective : callable
        ``objective(x) -> (loss, grad)`` for ``x`` of shape ``(M, P)``;
        ``loss`` of shape ``(M,)`` and ``grad`` of shape ``(M, P)``, row ``m``
        depending on row ``m`` of ``x`` only.
    x0 : torch.Tensor, shape (M, P)
    max_iter : int
        Iterations (accepted steps) per model at most.
    history : int
        Curvature pairs kept per model.
    patience, tol : int, float
        A model stops when its best loss has not fallen by a relative ``tol``
        within ``patience`` iterations.
    grad_tol : float
        A model stops when its largest gradient entry is below this.
    record_every : int
        Loss recording interval (iterations).
    active : torch.Tensor of bool, shape (M,), optional
        Models to optimise; the others are left where they are from the start.
    progress : bool
        Show a progress bar over the iterations (labelled ``desc``).
    desc : str
    callback : callable, optional
        ``callback(iteration, x) -> bool`` at every recorded iteration; a true
        result stops every model (reason ``"callback"``).
    row_objective : callable, optional
        ``row_objective(x_rows, rows) -> (loss, grad)``: ``objective`` at the
        rows ``rows`` (an int64 tensor) of the batch only, ``x_rows`` of shape
        ``(len(rows), P)``. With it, a line-search trial evaluates only the
        models still searching and models that have stopped are not evaluated
        at all: a batch in which one model backtracks many times no longer
        pays a full batch per halving. Its rows must be computed as in the full
        batch for the results to be the same (the PINN objective of
        :func:`~pinndd.learner.train` is, bit for bit, on CPU).

    Returns
    -------
    LbfgsResult
    """
    x = x0.detach().clone()
    n_models, n_params = x.shape
    dev, dt = x.device, x.dtype
    f, g = objective(x)
    evaluations = 1
    reason = ["iterations"] * n_models
    running = torch.ones(n_models, dtype=torch.bool, device=dev) if active is None else active.clone().to(dev)
    finite = torch.isfinite(f) & torch.isfinite(g).all(1)
    for m in torch.nonzero(running & ~finite).flatten().tolist():
        reason[m] = "non-finite"
    running &= finite
    s_hist = torch.zeros(n_models, history, n_params, dtype=dt, device=dev)
    y_hist = torch.zeros_like(s_hist)
    valid = torch.zeros(n_models, history, dtype=torch.bool, device=dev)
    sty = torch.zeros(n_models, history, history, dtype=dt, device=dev)
    yty = torch.zeros_like(sty)
    iterations = torch.zeros(n_models, dtype=torch.long, device=dev)
    best = f.clone()
    since_best = torch.zeros(n_models, dtype=torch.long, device=dev)
    hist, recorded = [f.clone()], [0]
    for it in tqdm(range(1, max_iter + 1), desc=desc, disable=not progress, leave=False):
        if not bool(running.any()):
            break
        d = _direction(g, s_hist, y_hist, valid, sty, yty)
        first = ~valid.any(1)
        slope = (g * d).sum(1)
        restart = first | ~(slope < 0)
        if bool(restart.any()):
            scale = torch.clamp(1.0 / g.abs().sum(1).clamp_min(1e-300), max=1.0)
            d = torch.where(restart[:, None], -g * scale[:, None], d)
            slope = (g * d).sum(1)
            clear = restart & ~first  # rows with pairs to forget; empty rows are zero already
            if bool(clear.any()):
                valid &= ~clear[:, None]
                for t in (s_hist, y_hist, sty, yty):  # the histories are this function's own tensors
                    t[clear] = 0.0
        step = torch.ones(n_models, dtype=dt, device=dev)
        pending = running.clone()
        x_new, f_new, g_new = x.clone(), f.clone(), g.clone()
        for _ in range(_MAX_BACKTRACKS):
            trial = torch.where(pending[:, None], x + step[:, None] * d, x_new)
            f_try, g_try = _evaluate(objective, row_objective, trial, pending, f_new, g_new)
            evaluations += 1
            ok = pending & torch.isfinite(f_try) & torch.isfinite(g_try).all(1) & (f_try <= f + _ARMIJO * step * slope)
            x_new = torch.where(ok[:, None], trial, x_new)
            f_new = torch.where(ok, f_try, f_new)
            g_new = torch.where(ok[:, None], g_try, g_new)
            pending &= ~ok
            if not bool(pending.any()):
                break
            step = torch.where(pending, step * 0.5, step)
        for m in torch.nonzero(pending).flatten().tolist():
            reason[m] = "line search"
        moved = running & ~pending
        s, y = x_new - x, g_new - g
        sy = (s * y).sum(1)
        keep = moved & (sy > 1e-10 * (y * y).sum(1))
        if bool(keep.any()):
            s_hist, y_hist, valid, sty, yty = _push(keep, s, y, s_hist, y_hist, valid, sty, yty)
        x, f, g = x_new, f_new, g_new
        iterations += moved.long()
        best, since_best = plateau_step(f, best, since_best, tol, moved)
        plateau = moved & (since_best >= patience)
        flat = moved & (g.abs().amax(1) < grad_tol)
        for m in torch.nonzero(plateau).flatten().tolist():
            reason[m] = "plateau"
        for m in torch.nonzero(flat & ~plateau).flatten().tolist():
            reason[m] = "gradient"
        running &= ~pending & ~plateau & ~flat
        if it % record_every == 0:
            hist.append(f.clone())
            recorded.append(it)
            if callback is not None and callback(it, x):
                reason = ["callback" if r else old for r, old in zip(running.tolist(), reason)]
                break
    if recorded[-1] != int(iterations.max()):
        hist.append(f.clone())
        recorded.append(int(iterations.max()))
    return LbfgsResult(x, f, iterations, evaluations, hist, recorded, reason)
