"""Gradient matching and distribution matching, adapted to PINN point sets.

Both are task-unaware classic dataset-distillation objectives (see
:mod:`pinndd.distillers._classic` for the full data ``D``, the start set and
the shared options).

- ``gradient_matching``: Zhao, Mopuri, Bilen, "Dataset condensation with
  gradient matching", ICLR 2021. Learners train on ``S``; at each outer step
  the gradient of the physics-informed loss on ``S`` is made to point like the
  gradient on ``D``, layer by layer (the paper's per-output-node cosine
  distance, eq. 7), differentiating the gradient on ``S`` w.r.t. ``S``.
- ``distribution_matching``: Zhao and Bilen, "Dataset condensation with
  distribution matching", WACV 2023. The mean embedding of ``S`` under freshly
  drawn random networks is matched to that of ``D`` (a maximum mean
  discrepancy with the networks' features), separately for collocation points
  and for boundary/initial points, whose embedding also sees the target value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..learner import LearnerPool, PointBatch
from ..learner._functional import adam_step, flatten, unflatten
from ..options import option
from ._base import register_distiller
from ._classic import ClassicDistiller, MatchingOptions, learner_seeds, real_batch

__all__ = [
    "GradientMatching", "DistributionMatching",
    "gradient_distance", "loss_gradient", "mean_embedding_distance", "random_embedding", "draw_embeddings",
]


def gradient_distance(grads_a, grads_b) -> torch.Tensor:
    """Layer-wise gradient-matching distance of Zhao et al. (2021), eq. 7, per model.

    For each layer, the weight gradient and the bias gradient are stacked into
    a ``(fan_in + 1, fan_out)`` matrix; the distance is the sum over output
    nodes of ``1 - cos`` between the two matrices' columns, summed over layers.

    Parameters
    ----------
    grads_a, grads_b : sequence of torch.Tensor
        Gradients in :func:`~pinndd.learner._functional.flatten` order, each
        with a leading model axis ``M``.

    Returns
    -------
    torch.Tensor, shape (M,)
    """
    total = 0.0
    for (wa, ba), (wb, bb) in zip(unflatten(grads_a), unflatten(grads_b)):
        a, b = torch.cat([wa, ba], dim=1), torch.cat([wb, bb], dim=1)
        cos = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-12)
        total = total + (1.0 - cos).sum(-1)
    return total


def loss_gradient(pinn, params, batch, *, create_graph: bool = False):
    """Gradient of each model's physics-informed loss w.r.t. its parameters.

    Parameters
    ----------
    pinn : ConditionalPINN
    params : list of (W, b)
        ``M`` models. With ``create_graph`` they must require gradients;
        without, they are detached first.
    batch : PointBatch
    create_graph : bool
        Keep the gradient differentiable w.r.t. the batch (and the parameters).

    Returns
    -------
    tuple of torch.Tensor
        In :func:`~pinndd.learner._functional.flatten` order, leading axis ``M``.
    """
    leaves = params if create_graph else [[t.detach().requires_grad_() for t in layer] for layer in params]
    return torch.autograd.grad(pinn.loss(leaves, batch).sum(), flatten(leaves), create_graph=create_graph)


@register_distiller
class GradientMatching(ClassicDistiller):
    """Match the physics-loss gradients on ``S`` and ``D`` along training on ``S``.

    A pool of ``learners`` PINNs trains on the current ``S`` with Adam
    (``inner_steps`` steps after every outer step); a learner restarts from a
    new random initialisation after ``horizon`` steps, the pool's restarts
    staggered. Each outer step draws ``real_batch`` points of ``D`` and
    minimises the mean over the pool of :func:`gradient_distance` between the
    gradient on ``S`` (differentiated w.r.t. ``S`` with ``create_graph``) and
    the gradient on ``D``.
    """

    name = "gradient_matching"
    stream = 0x6A7C

    @dataclass(frozen=True)
    class Options(MatchingOptions):
        outer_steps: int = option(150, "Updates of S.", low=1)
        inner_steps: int = option(5, "Adam steps of the pool on S between outer steps.", low=0)
        inner_lr: float = option(1e-3, "Learner Adam learning rate.", low=1e-8, high=10.0)
        horizon: int = option(500, "Learner steps before a restart from a new initialisation.", low=1)

    def prepare(self, pinn, points, full, rng):
        # Learner k starts as if already k/n of the way to its first restart.
        return {"pool": LearnerPool(pinn, pinn.init(learner_seeds(rng, self.params["learners"])), self.params["horizon"])}

    def outer_loss(self, pinn, points, full, state, rng):
        p = self.params
        n = p["learners"]
        params = [[t.detach().requires_grad_() for t in layer] for layer in state["pool"].params]
        grads_s = loss_gradient(pinn, params, points.batch(n, pinn.dtype), create_graph=True)
        grads_d = loss_gradient(pinn, params, real_batch(pinn.problem, full, p["real_batch"], rng, n_models=n, dtype=pinn.dtype), create_graph=False)
        return gradient_distance(grads_s, grads_d).mean()

    def after_step(self, pinn, points, full, state, rng):
        p = self.params
        with torch.no_grad():
            batch = points.batch(p["learners"], pinn.dtype).map(torch.Tensor.detach)
        learners = state["pool"]
        pool, adam = learners.params, learners.adam
        for _ in range(p["inner_steps"]):
            grads = loss_gradient(pinn, pool, batch, create_graph=False)
            pool, adam = adam_step(pool, grads, adam, p["inner_lr"])
            pool = [tuple(t.detach() for t in layer) for layer in pool]
        learners.update(pool, adam, p["inner_steps"])
        learners.restart_due(lambda: learner_seeds(rng, 1)[0])


def random_embedding(sizes, seed: int, *, gain: float, dtype, device="cpu"):
    """A random tanh network (hidden layers only) for distribution matching.

    Weights are ``N(0, gain^2 / fan_in)`` and biases ``N(0, 1)``; the random
    biases keep the features from being odd functions of the centred inputs
    (whose mean embedding would ignore every even moment).

    Parameters
    ----------
    sizes : sequence of int
        Input width then hidden widths, e.g. ``(4, 32, 32, 32)``.
    seed : int
    gain : float

    Returns
    -------
    list of (torch.Tensor, torch.Tensor)
        ``(W, b)`` per layer, ``W`` of shape ``(fan_in, fan_out)``.
    """
    gen = torch.Generator().manual_seed(int(seed))
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = torch.randn(fan_in, fan_out, generator=gen, dtype=torch.float64) * (gain / np.sqrt(fan_in))
        b = torch.randn(fan_out, generator=gen, dtype=torch.float64)
        layers.append((w.to(dtype=dtype, device=device), b.to(dtype=dtype, device=device)))
    return layers


def _embed(net, inputs):
    h = inputs
    for w, b in net:
        h = torch.tanh(h @ w + b)
    return h


def _weighted_mean(features, weights):
    return (weights.unsqueeze(-1) * features).sum(0) / weights.sum().clamp_min(1e-30)


def mean_embedding_distance(pinn, nets, batch_a: PointBatch, batch_b: PointBatch, *, target_scale: float) -> torch.Tensor:
    """Squared distance of mean embeddings of two point sets, summed over interior and condition points.

    Parameters
    ----------
    pinn : ConditionalPINN
        Supplies what its first layer reads (:meth:`~pinndd.learner.ConditionalPINN.features`:
        coordinates and parameters scaled to [-1, 1], then its Fourier embedding if it has one).
    nets : sequence of (interior_net, constraint_net)
        Random networks from :func:`random_embedding`; the constraint network
        takes one extra input, the target value divided by ``target_scale``.
    batch_a, batch_b : PointBatch
        Only model 0 of each is used; weights weight the means.
    target_scale : float

    Returns
    -------
    torch.Tensor, scalar
        ``mean over nets of |mu_a - mu_b|^2`` (interior) plus the same for the condition points.
    """
    def inputs(batch):
        interior = pinn.features(batch.interior[0])
        constraint = torch.cat([pinn.features(batch.constraint[0]), (batch.constraint_target[0] / target_scale).unsqueeze(-1)], dim=-1)
        return interior, constraint

    (ia, ca), (ib, cb) = inputs(batch_a), inputs(batch_b)
    w_ia, w_ca = batch_a.interior_weight[0], batch_a.constraint_weight[0]
    w_ib, w_cb = batch_b.interior_weight[0], batch_b.constraint_weight[0]
    total = 0.0
    for net_i, net_c in nets:
        mu = _weighted_mean(_embed(net_i, ia), w_ia) - _weighted_mean(_embed(net_i, ib), w_ib)
        nu = _weighted_mean(_embed(net_c, ca), w_ca) - _weighted_mean(_embed(net_c, cb), w_cb)
        total = total + (mu * mu).sum() + (nu * nu).sum()
    return total / len(nets)


def draw_embeddings(pinn, n: int, rng: np.random.Generator, *, gain: float):
    """``n`` fresh (interior, constraint) random network pairs with the PINN's hidden sizes."""
    hidden = pinn.sizes[1:-1]
    seeds = learner_seeds(rng, 2 * n)
    return [
        (
            random_embedding((pinn.sizes[0], *hidden), seeds[2 * k], gain=gain, dtype=pinn.dtype, device=pinn.device),
            random_embedding((pinn.sizes[0] + 1, *hidden), seeds[2 * k + 1], gain=gain, dtype=pinn.dtype, device=pinn.device),
        )
        for k in range(n)
    ]


@register_distiller
class DistributionMatching(ClassicDistiller):
    """Match mean embeddings of ``S`` and ``D`` under fresh random networks (MMD).

    Each outer step draws ``learners`` random networks with the learner's
    hidden layers (:func:`random_embedding`), embeds the points (all columns:
    space-time and condition parameters, normalised as the PINN normalises its
    inputs; boundary/initial points also with their target value divided by
    the RMS target of ``D``) and minimises :func:`mean_embedding_distance`
    between ``S`` and ``real_batch`` points of ``D``.
    """

    name = "distribution_matching"
    stream = 0xD15C

    @dataclass(frozen=True)
    class Options(MatchingOptions):
        real_batch: int = option(2048, "Points of D per outer step.", low=1)
        outer_steps: int = option(300, "Updates of S.", low=1)
        outer_lr: float = option(0.02, "Adam learning rate of the raw (logit) coordinates and weights.", low=1e-8, high=10.0)
        learners: int = option(8, "Random networks per outer step; width and depth are their hidden sizes.", low=1)
        embed_gain: float = option(2.0, "Scale of the random networks' weights (1 is nearly linear on [-1, 1]).", low=1e-3, high=100.0)

    def prepare(self, pinn, points, full, rng):
        return {"target_scale": float(np.sqrt(np.mean(full.constraint_target**2))) or 1.0}

    def outer_loss(self, pinn, points, full, state, rng):
        p = self.params
        nets = draw_embeddings(pinn, p["learners"], rng, gain=p["embed_gain"])
        real = real_batch(pinn.problem, full, p["real_batch"], rng, n_models=1, dtype=pinn.dtype)
        return mean_embedding_distance(pinn, nets, points.batch(1, pinn.dtype), real, target_scale=state["target_scale"])
