"""Differentiable training steps, for distillers that differentiate through training.

Parameters are plain lists of ``(W, b)`` tensors; each step returns new tensors
built from the old ones, so that with ``create_graph=True`` a loss on the
trained parameters can be differentiated back to the training data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["AdamState", "adam_init", "adam_step", "replace_model", "staggered_ages", "unrolled_train", "flatten", "unflatten"]


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


def adam_step(params, grads, state: AdamState, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
    """One Adam update (Kingma and Ba), differentiable if ``grads`` carry a graph.

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
    b1, b2 = betas
    step = state.step + 1
    new, ms, vs = [], [], []
    for p, g, m, v in zip(flatten(params), grads, state.m, state.v):
        shape = (-1,) + (1,) * (p.ndim - 1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**step).reshape(shape)
        v_hat = v / (1 - b2**step).reshape(shape)
        new.append(p - lr * m_hat / (torch.sqrt(v_hat + 1e-30) + eps))
        ms.append(m)
        vs.append(v)
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
