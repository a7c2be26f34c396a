"""Trajectory matching (MTT), adapted to PINN point sets: ``trajectory_matching``.

Cazenavette, Wang, Torralba, Efros, Zhu, "Dataset distillation by matching
training trajectories", CVPR 2022. Expert learners train on the full data
``D`` with Adam, their parameters saved every ``expert_interval`` steps. Each
outer step picks a random expert and a random start checkpoint ``theta_t``,
trains a student from ``theta_t`` for ``syn_steps`` differentiable steps on
``S`` (plain gradient descent with a learnable learning rate, as in the
paper, or a fresh functional Adam), and minimises the normalised distance to
the expert ``expert_span`` checkpoints later,

    |theta_hat - theta_{t+M}|^2 / |theta_t - theta_{t+M}|^2.

Task-unaware; see :mod:`pinndd.distillers._classic` for ``D``, the start set
and the shared options.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..errors import ConfigError
from ..learner import PointBatch
from ..learner._functional import adam_init, adam_step, flatten
from ..options import option
from ._base import register_distiller
from ._classic import ClassicDistiller, ClassicOptions, learner_seeds
from .classic import loss_gradient

__all__ = ["TrajectoryMatching", "expert_trajectories", "matching_loss", "to_vector", "from_vector"]


def to_vector(params) -> torch.Tensor:
    """Parameters of ``M`` models as one row each, shape (M, n_params)."""
    return torch.cat([t.reshape(t.shape[0], -1) for t in flatten(params)], dim=1)


def from_vector(vector, sizes) -> list:
    """Inverse of :func:`to_vector` for an MLP of layer widths ``sizes``; views, so differentiable."""
    n, out, k = vector.shape[0], [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = vector[:, k : k + fan_in * fan_out].reshape(n, fan_in, fan_out)
        k += fan_in * fan_out
        b = vector[:, k : k + fan_out].reshape(n, 1, fan_out)
        k += fan_out
        out.append((w, b))
    return out


def expert_trajectories(pinn, full, seeds, *, steps: int, interval: int, lr: float) -> torch.Tensor:
    """Train experts on ``full`` with Adam and keep their parameters every ``interval`` steps.

    Parameters
    ----------
    pinn : ConditionalPINN
    full : PointSet
        The full data ``D`` (every point, every step).
    seeds : sequence of int
        One initialisation per expert.
    steps, interval : int
        Adam steps, and steps between checkpoints (the first checkpoint is the initialisation).
    lr : float

    Returns
    -------
    torch.Tensor, shape (E, 1 + steps // interval, n_params)
    """
    batch = PointBatch.from_point_sets([full], pinn.problem, dtype=pinn.dtype, device=pinn.device).repeat(len(seeds))
    params = [tuple(t.detach() for t in layer) for layer in pinn.init(seeds)]
    adam = adam_init(params)
    checkpoints = [to_vector(params)]
    for step in range(1, steps + 1):
        params, adam = adam_step(params, loss_gradient(pinn, params, batch), adam, lr)
        params = [tuple(t.detach() for t in layer) for layer in params]
        if step % interval == 0:
            checkpoints.append(to_vector(params))
    return torch.stack(checkpoints, dim=1)


def matching_loss(pinn, batch, start, target, *, steps: int, lr, optimizer: str = "sgd") -> torch.Tensor:
    """MTT's normalised parameter distance after ``steps`` student steps on ``batch``.

    Parameters
    ----------
    pinn : ConditionalPINN
    batch : PointBatch
        One model's point set (``M = 1``), differentiable w.r.t. whatever it was built from.
    start, target : torch.Tensor, shape (n_params,)
        Expert parameters ``theta_t`` and ``theta_{t+M}``.
    steps : int
    lr : float or torch.Tensor
        Student learning rate (a tensor to learn it).
    optimizer : {"sgd", "adam"}
        Plain gradient descent (MTT) or Adam from zero moments.

    Returns
    -------
    torch.Tensor, scalar
        ``|theta_hat - target|^2 / |start - target|^2``.
    """
    theta = start.detach().unsqueeze(0).requires_grad_()
    m = v = torch.zeros_like(theta)
    b1, b2 = 0.9, 0.999
    for k in range(1, steps + 1):
        (grad,) = torch.autograd.grad(pinn.loss(from_vector(theta, pinn.sizes), batch).sum(), theta, create_graph=True)
        if optimizer == "sgd":
            theta = theta - lr * grad
        else:
            m, v = b1 * m + (1 - b1) * grad, b2 * v + (1 - b2) * grad * grad
            theta = theta - lr * (m / (1 - b1**k)) / (torch.sqrt(v / (1 - b2**k) + 1e-30) + 1e-8)
    return ((theta[0] - target) ** 2).sum() / ((start - target) ** 2).sum().clamp_min(1e-30)


@register_distiller
class TrajectoryMatching(ClassicDistiller):
    """Make a few training steps on ``S`` reproduce long stretches of training on ``D``.
    """

    name = "trajectory_matching"
    stream = 0x3177

    @dataclass(frozen=True)
    class Options(ClassicOptions):  # no real_batch: experts train on all of D
        expert_steps: int = option(300, "Adam steps of each expert on D.", low=1)
        expert_interval: int = option(10, "Steps between saved expert checkpoints.", low=1)
        expert_lr: float = option(1e-3, "Expert Adam learning rate (the evaluator's).", low=1e-10, high=10.0)
        expert_span: int = option(2, "Checkpoints between the start and the target, MTT's M.", low=1)
        syn_steps: int = option(10, "Differentiable student steps on S, MTT's N.", low=1)
        inner_optimizer: str = option(
            "adam", "Student optimiser: 'sgd' is MTT's plain gradient descent; 'adam' a fresh Adam, like the experts' "
            "optimiser. The stiff PINN loss makes plain gradient descent barely move in syn_steps steps at any "
            "stable learning rate (normalised distance about 0.93 on heat1d, against 0.1-0.7 for Adam).",
            choices=("sgd", "adam"))
        syn_lr: float = option(1e-3, "Initial student learning rate.", low=1e-10, high=10.0)
        learn_lr: bool = option(True, "Learn the student learning rate (its logarithm) alongside S.")
        lr_lr: float = option(0.01, "Adam learning rate of the log student learning rate.", low=1e-10, high=10.0)

        def __post_init__(self):
            super().__post_init__()
            if self.expert_steps // self.expert_interval < self.expert_span:
                raise ConfigError(f"expert_span must be at most expert_steps // expert_interval "
                                  f"= {self.expert_steps // self.expert_interval}, got {self.expert_span!r}")

    def prepare(self, pinn, points, full, rng):
        p = self.params
        experts = expert_trajectories(
            pinn, full, learner_seeds(rng, p["learners"]), steps=p["expert_steps"], interval=p["expert_interval"], lr=p["expert_lr"]
        )
        log_lr = torch.tensor(math.log(p["syn_lr"]), dtype=pinn.dtype, device=pinn.device, requires_grad=p["learn_lr"])
        return {"experts": experts, "log_lr": log_lr}

    def extra_parameter_groups(self, state):
        return [{"params": [state["log_lr"]], "lr": self.params["lr_lr"]}] if self.params["learn_lr"] else []

    def outer_loss(self, pinn, points, full, state, rng):
        p = self.params
        experts = state["experts"]
        e = int(rng.integers(experts.shape[0]))
        t = int(rng.integers(experts.shape[1] - p["expert_span"]))
        return matching_loss(
            pinn, points.batch(1, pinn.dtype), experts[e, t], experts[e, t + p["expert_span"]],
            steps=p["syn_steps"], lr=state["log_lr"].exp(), optimizer=p["inner_optimizer"],
        )

    def result_attrs(self, state):
        return {"learned_syn_lr": float(state["log_lr"].detach().exp())}
