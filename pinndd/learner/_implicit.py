"""The implicit-function hypergradient of an outer loss at converged inner parameters.

At a minimum ``theta*`` of the inner loss ``L(theta, s)`` the gradient vanishes, so
``d theta* / d s = -H^{-1} d^2 L / (d theta d s)`` with ``H`` the Hessian of ``L`` in
``theta``, and an outer loss ``R(theta*)`` has

    dR/ds = -(d^2 L / d theta d s)^T  H^{-1}  grad_theta R.

:func:`implicit_gradient` solves ``(H + lambda I) v = grad_theta R`` by conjugate gradients
with Hessian-vector products (Pearlmutter's double backward), one independent solve per
model of a stacked batch, and returns a scalar whose gradient with respect to ``s`` is the
hypergradient (the "mixed" term ``-(grad_theta L) . v``, differentiated in ``s`` by the
caller's ``backward``). See Lorraine, Vicol and Duvenaud (2020), "Optimizing millions of
hyperparameters by implicit differentiation", for the construction; they approximate
``H^{-1}`` by a Neumann series where this module uses damped conjugate gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._functional import flatten, unflatten

__all__ = ["ImplicitGradient", "implicit_gradient"]


@dataclass(frozen=True)
class ImplicitGradient:
    """What :func:`implicit_gradient` returns.

    Attributes
    ----------
    surrogate : torch.Tensor, scalar
        ``-(1/M) sum_m (grad_theta L_m) . v_m``: its gradient with respect to the inner data
        is the mean over the ``M`` models of their hypergradients.
    risks : torch.Tensor, shape (M,)
        The outer losses at the given parameters (detached).
    residual : torch.Tensor, shape (M,)
        Each model's relative conjugate-gradient residual ``|g - (H + lambda) v| / |g|``
        after the last iteration.
    damping : torch.Tensor, shape (M,)
        The ``lambda`` each model's solve used.
    """

    surrogate: torch.Tensor
    risks: torch.Tensor
    residual: torch.Tensor
    damping: torch.Tensor


def _dot(a, b) -> torch.Tensor:
    """Per-model inner products of two flat tensor lists whose leading axis runs over the models."""
    return sum((x * y).reshape(x.shape[0], -1).sum(1) for x, y in zip(a, b))


def _axpy(alpha, x, y):
    """``alpha * x + y`` for flat tensor lists, with ``alpha`` one number per model."""
    return [alpha.reshape(-1, *[1] * (t.ndim - 1)) * t + u for t, u in zip(x, y)]


def implicit_gradient(inner, outer, params, *, damping: float = 1e-2, iterations: int = 20) -> ImplicitGradient:
    """The implicit hypergradient of ``outer`` through the minimiser of ``inner``.

    Parameters
    ----------
    inner : callable
        ``inner(params) -> (M,)``: each model's training loss, differentiable in the data the
        hypergradient is wanted for (e.g. the point set).
    outer : callable
        ``outer(params) -> (M,)``: each model's outer loss (independent of that data).
    params : list of (W, b)
        ``M`` stacked models at (or near) a minimum of ``inner``; not modified.
    damping : float
        ``lambda`` relative to each model's curvature along its outer gradient,
        ``g^T H g / g^T g``: a scale-free Tikhonov term that keeps the solve well posed where
        ``H`` is singular (an over-parameterised network) or not positive (a point short of
        the minimum).
    iterations : int
        Conjugate-gradient iterations (Hessian-vector products) per model.

    Returns
    -------
    ImplicitGradient
        Models whose outer loss is not finite contribute nothing to ``surrogate``.
    """
    leaves = [t.detach().requires_grad_() for t in flatten(params)]
    risks = outer(unflatten(leaves))
    finite = torch.isfinite(risks)
    g = torch.autograd.grad(torch.where(finite, risks, torch.zeros_like(risks)).sum(), leaves, materialize_grads=True)
    g = [torch.where(finite.reshape(-1, *[1] * (t.ndim - 1)), t, torch.zeros_like(t)) for t in g]  # no NaN * 0
    grad_inner = torch.autograd.grad(inner(unflatten(leaves)).sum(), leaves, create_graph=True, materialize_grads=True)

    def hvp(v):
        return torch.autograd.grad(grad_inner, leaves, grad_outputs=v, retain_graph=True, materialize_grads=True)

    gg = _dot(g, g)
    tiny = torch.finfo(gg.dtype).tiny
    lam = damping * (_dot(g, hvp(g)) / gg.clamp_min(tiny)).abs()
    v = [torch.zeros_like(t) for t in g]
    r = list(g)
    p = list(g)
    rr = gg
    active = gg > 0
    for _ in range(iterations):
        ap = _axpy(lam, p, hvp(p))
        curvature = _dot(p, ap)
        active = active & (curvature > 0)
        alpha = torch.where(active, rr / curvature.clamp_min(tiny), torch.zeros_like(rr))
        v = _axpy(alpha, p, v)
        r = _axpy(-alpha, ap, r)
        rr_new = _dot(r, r)
        beta = torch.where(active, rr_new / rr.clamp_min(tiny), torch.zeros_like(rr))
        p = _axpy(beta, p, r)
        rr = torch.where(active, rr_new, rr)
    v = [t.detach() for t in v]
    surrogate = -_dot(grad_inner, v).sum() / len(risks)
    residual = (rr / gg.clamp_min(tiny)).sqrt()
    return ImplicitGradient(surrogate, risks.detach(), residual.detach(), lam.detach())
