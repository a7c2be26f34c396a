"""L-BFGS for a batch of independent models, each with its own history, line search and stop.

The ``M`` models are rows of one ``(M, P)`` parameter matrix and the objective
returns one loss per row, so every vector operation of L-BFGS (the two-loop
recursion, the Armijo test, the curvature check, the stopping rules) is done
row by row at once. A model that has stopped or failed keeps its parameters
while the others go on: each row ends where it would end if optimised alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

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


def _two_loop(g, s_hist, y_hist, rho, valid, newest):
    """Search direction -H g of each row from its own curvature pairs.

    ``s_hist, y_hist`` are ``(M, H, P)`` rings, ``rho``/``valid`` ``(M, H)``,
    ``newest`` ``(M,)`` the slot written last by each row.
    """
    n_models, depth, _ = s_hist.shape
    rows = torch.arange(n_models, device=g.device)
    q = g.clone()
    alphas = []
    for j in range(depth):
        slot = (newest - j) % depth
        s, y = s_hist[rows, slot], y_hist[rows, slot]
        a = torch.where(valid[rows, slot], rho[rows, slot] * (s * q).sum(1), torch.zeros_like(q[:, 0]))
        q = q - a[:, None] * y
        alphas.append((slot, a))
    s_new, y_new = s_hist[rows, newest], y_hist[rows, newest]
    has = valid[rows, newest]
    gamma = torch.where(has, (s_new * y_new).sum(1) / (y_new * y_new).sum(1).clamp_min(1e-300), torch.ones_like(q[:, 0]))
    r = gamma[:, None] * q
    for slot, a in reversed(alphas):
        s, y = s_hist[rows, slot], y_hist[rows, slot]
        b = rho[rows, slot] * (y * r).sum(1)
        r = r + torch.where(valid[rows, slot], a - b, torch.zeros_like(a))[:, None] * s
    return -r


def batched_lbfgs(objective, x0, *, max_iter: int, history: int = 50, patience: int = 200, tol: float = 1e-4, grad_tol: float = 1e-12, record_every: int = 100, active=None, callback=None) -> LbfgsResult:
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
    callback : callable, optional
        ``callback(iteration, x) -> bool`` at every recorded iteration; a true
        result stops every model (reason ``"callback"``).

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
    rho = torch.zeros(n_models, history, dtype=dt, device=dev)
    valid = torch.zeros(n_models, history, dtype=torch.bool, device=dev)
    newest = torch.zeros(n_models, dtype=torch.long, device=dev)
    iterations = torch.zeros(n_models, dtype=torch.long, device=dev)
    best = f.clone()
    since_best = torch.zeros(n_models, dtype=torch.long, device=dev)
    hist, recorded = [f.clone()], [0]
    for it in range(1, max_iter + 1):
        if not bool(running.any()):
            break
        d = _two_loop(g, s_hist, y_hist, rho, valid, newest)
        first = ~valid.any(1)
        slope = (g * d).sum(1)
        restart = first | ~(slope < 0)
        if bool(restart.any()):
            scale = torch.clamp(1.0 / g.abs().sum(1).clamp_min(1e-300), max=1.0)
            d = torch.where(restart[:, None], -g * scale[:, None], d)
            valid &= ~restart[:, None]
            slope = (g * d).sum(1)
        step = torch.ones(n_models, dtype=dt, device=dev)
        pending = running.clone()
        x_new, f_new, g_new = x.clone(), f.clone(), g.clone()
        for _ in range(_MAX_BACKTRACKS):
            trial = torch.where(pending[:, None], x + step[:, None] * d, x_new)
            f_try, g_try = objective(trial)
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
        slot = torch.where(keep, (newest + 1) % history, newest)
        rows = torch.nonzero(keep).flatten()
        s_hist[rows, slot[rows]] = s[rows]
        y_hist[rows, slot[rows]] = y[rows]
        rho[rows, slot[rows]] = 1.0 / sy[rows]
        valid[rows, slot[rows]] = True
        newest = slot
        x, f, g = x_new, f_new, g_new
        iterations += moved.long()
        improved = moved & (f < best * (1 - tol))
        best = torch.where(improved, f, torch.minimum(best, f))
        since_best = torch.where(improved, torch.zeros_like(since_best), since_best + moved.long())
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
