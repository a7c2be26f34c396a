"""Differentiable training steps, for distillers that differentiate through training.

Parameters are plain lists of ``(W, b)`` tensors; each step returns new tensors
built from the old ones, so that with ``create_graph=True`` a loss on the
trained parameters can be differentiated back to the training data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["AdamState", "adam_init", "adam_step", "adam_update", "replace_model", "staggered_ages", "unrolled_train", "flatten", "unflatten"]


def flatten(params) -> list:
    """``[(W0, b0), (W1, b1), ...]`` to ``[W0, b0, W1, b1, ...]``."""
    return [t for layer in params for t in layer]


def unflatten(tensors) -> list:
    """Inverse of :func:`flatten`."""
    tensors = list(tensors)
    return list(zip(tensors[0::2], tensors[1::2]))


def staggered_ages(n: int, horizon: int) -> np.ndarray:
    """Starting ages ``0, h/n, 2h/n, ...`` of a pool of ``n`` learners restarted every ``horizon`` steps.

    Staggered ages keep the pool's learners spread over their training
    trajectory, so a point set is always judged by young and old learners.
    """
    return np.array([(k * horizon) // n for k in range(n)])


def replace_model(pool, k: int, fresh) -> list:
    """The stacked parameters ``pool`` with model ``k`` replaced by the single model ``fresh`` (detached)."""
    return [tuple(torch.cat([t[:k], f.detach(), t[k + 1 :]]) for t, f in zip(layer, new)) for layer, new in zip(pool, fresh)]


@dataclass(frozen=True)
class AdamState:
    """Moment estimates and per-model step counts of a functional Adam.

    Attributes
    ----------
    m, v : tuple of torch.Tensor
        First and second moments, in :func:`flatten` order.
    step : torch.Tensor, shape (M,)
        Steps taken by each model (models may be restarted independently).
    """

    m: tuple
    v: tuple
    step: torch.Tensor

    def detach(self) -> "AdamState":
        """The same state cut from any autograd graph."""
        return AdamState(tuple(t.detach() for t in self.m), tuple(t.detach() for t in self.v), self.step)

    def restart(self, model: int) -> "AdamState":
        """The state with model ``model``'s moments and step count reset to zero."""
        m = tuple(t.clone() for t in self.m)
        v = tuple(t.clone() for t in self.v)
        for t in (*m, *v):
            t[model] = 0.0
        step = self.step.clone()
        step[model] = 0
        return AdamState(m, v, step)


def adam_init(params) -> AdamState:
    """Zero moments for ``params`` (``M`` models)."""
    flat = flatten(params)
    n_models = flat[0].shape[0]
    zeros = tuple(torch.zeros_like(t) for t in flat)
    return AdamState(zeros, tuple(torch.zeros_like(t) for t in flat), torch.zeros(n_models, dtype=flat[0].dtype, device=flat[0].device))


def adam_update(tensors, grads, m, v, step, lr: float, *, weight_decay: float = 0.0, betas=(0.9, 0.999),
                eps: float = 1e-8, sqrt_floor: float = 0.0):
    """One Adam update (Kingma and Ba; AdamW with ``weight_decay``) of flat tensor lists, differentiable.

    Every new tensor is built from the old ones, so the update carries the
    graph of ``grads`` (and of ``tensors``, ``m``, ``v``) when they have one.

    Parameters
    ----------
    tensors, grads, m, v : sequence of torch.Tensor
        The parameters, their gradients and their first and second moments,
        matched by position (same shapes).
    step : int or torch.Tensor
        The step number this update completes (1 for the first). A tensor of
        shape ``(M,)`` gives each of ``M`` models its own count; the leading
        axis of every tensor then runs over the models.
    lr : float
        Learning rate.
    weight_decay : float
        Decoupled weight decay (Loshchilov and Hutter): each tensor is first
        scaled by ``1 - lr * weight_decay``; 0 leaves it as it is.
    betas : (float, float)
        Decay rates of the first and second moments.
    eps : float
        Added to the square root of the second moment.
    sqrt_floor : float
        Added to the bias-corrected second moment under the square root (keeps
        the square root's derivative finite where a gradient is exactly 0); 0
        adds nothing.

    Returns
    -------
    (list, list, list) of torch.Tensor
        The updated tensors, first moments and second moments.
    """
    b1, b2 = betas
    new, ms, vs = [], [], []
    for p, g, m_i, v_i in zip(tensors, grads, m, v):
        if torch.is_tensor(step):
            shape = (-1,) + (1,) * (p.ndim - 1)
            c1, c2 = (1 - b1**step).reshape(shape), (1 - b2**step).reshape(shape)
        else:
            c1, c2 = 1 - b1**step, 1 - b2**step
        if weight_decay:
            p = p * (1 - lr * weight_decay)
        m_i = b1 * m_i + (1 - b1) * g
        v_i = b2 * v_i + (1 - b2) * g * g
        v_hat = v_i / c2
        if sqrt_floor:
            v_hat = v_hat + sqrt_floor
        new.append(p - lr * (m_i / c1) / (torch.sqrt(v_hat) + eps))
        ms.append(m_i)
        vs.append(v_i)
    return new, ms, vs


def adam_step(params, grads, state: AdamState, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
    """One Adam update of ``M`` stacked models (:func:`adam_update`), differentiable if ``grads`` carry a graph.

    Parameters
    ----------
    params : list of (W, b)
    grads : sequence of torch.Tensor
        Gradients in :func:`flatten` order.
    state : AdamState
    lr : float
    betas : (float, float)
    eps : float

    Returns
    -------
    params : list of (W, b)
    state : AdamState
    """
    step = state.step + 1
    new, ms, vs = adam_update(flatten(params), grads, state.m, state.v, step, lr, betas=betas, eps=eps, sqrt_floor=1e-30)
    return unflatten(new), AdamState(tuple(ms), tuple(vs), step)


def unrolled_train(pinn, params, state: AdamState, batch, *, steps: int, lr: float, create_graph: bool = True):
    """``steps`` Adam steps on the summed physics-informed loss of ``batch``.

    With ``create_graph=True`` the returned parameters are differentiable
    functions of ``batch`` (points, targets, weights) and of ``params``.

    Returns
    -------
    params : list of (W, b)
    state : AdamState
    """
    for _ in range(steps):
        flat = flatten(params)
        loss = pinn.loss(params, batch).sum()
        grads = torch.autograd.grad(loss, flat, create_graph=create_graph)
        params, state = adam_step(params, grads, state, lr)
    return params, state
