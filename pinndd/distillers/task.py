"""The task-specified distiller of the formal model (``task``).

It optimises the point set S (locations in space, time and condition
parameters, per-point weights, and the boundary/initial points) to minimise

    rho_{beta ~ Q} [ L_phys(A(S); beta) ]

where A trains a conditional PINN on S, Q is the task's target family, rho its
risk measure and L_phys the physics-informed loss (squared residual plus
each condition's squared misfit) at condition beta, on fresh random points. Only the
physics on Q is used, never reference solutions.

Differentiation through training: a pool of learners is trained on the
current S and advanced ``unroll`` Adam steps per outer step; the outer
gradient is back-propagated through those steps (truncated unrolling). Each
learner restarts from a fresh random initialisation after ``horizon`` steps,
and the pool's ages are staggered, so that the hypergradient averages over
random initialisations and over the whole training trajectory, not just its
start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ..learner import LearnerPool, Recipe, train
from ..learner._functional import staggered_ages, unrolled_train
from ..options import Options, option
from . import _options
from ._base import PdeDistiller, get_distiller, register_distiller
from ..seeds import TASK_TAG, stream
from ._learnable import LearnablePoints, target_batch

__all__ = ["TargetFamilyDistiller", "TaskDistiller"]


class TargetFamilyDistiller(PdeDistiller):
    """What the task-specified distillers share: their start, the ``init`` sampler's set over the
    target family, and the fresh physics-loss points of one outer step.

    A subclass's options must include ``init``, ``boundary_fraction``, ``conditions`` and
    ``target_points``.
    """

    task_aware = True

    def start(self, task, budget, *, seed):
        """The set the optimisation starts from: the ``init`` sampler's set over the target family.

        :meth:`distill` moves these points (and learns their weights); the two sets have the
        same sizes, condition of each constraint point and order, so comparing them row by row
        measures what the optimisation changed (``experiments/ood_task_movement.py``).

        Parameters
        ----------
        task : PdeTask
        budget : int
        seed : int
            The distillation seed (the same as :meth:`distill`'s for its start).

        Returns
        -------
        PointSet
        """
        p = self.params
        return get_distiller(p["init"], family="target", boundary_fraction=p["boundary_fraction"]).distill(task, budget, seed=seed)

    def draw_targets(self, task, pinn, rng):
        """One outer step's fresh physics-loss points: ``conditions`` conditions drawn from the target
        family, each with ``target_points`` collocation points and a quarter as many condition points.

        Returns
        -------
        PointBatch
            One "model" per condition, in the inner learner's dtype and device.
        """
        p = self.params
        n_c = max(1, p["target_points"] // 4)
        return target_batch(task.problem, task.target_region(), p["conditions"], p["target_points"], n_c, rng,
                            dtype=pinn.dtype, device=pinn.device)


@register_distiller
class TaskDistiller(TargetFamilyDistiller):
    """Bilevel optimisation of the point set for the task's risk on its target family.
    """

    name = "task"

    @dataclass(frozen=True)
    class Options(Options):
        init: str = _options.target_start()
        outer_steps: int = option(300, "Updates of the point set.", low=1)
        outer_lr: float = _options.outer_lr()
        unroll: int = option(8, "Inner Adam steps differentiated per outer step (in experiments/task_unroll.toml, 8 "
                             "was best or tied on ood_near and ood_far on heat1d and poisson2d at m = 256, and 2 "
                             "was worst; see experiments/README.md).", low=1)
        learners: int = option(4, "Learners in the pool.", low=1)
        horizon: int = option(2000, "Inner steps after which a learner restarts from a new random init.", low=1)
        inner_lr: float = option(1e-3, "Learner Adam learning rate (the evaluator's).", low=1e-8, high=10.0)
        width: int | None = _options.width()
        depth: int | None = _options.depth()
        conditions: int = _options.target_conditions()
        target_points: int = _options.target_points()
        dtype: str | None = _options.dtype(None, "Precision of the bilevel computation; None takes the task's learner spec.")
        learn_weights: bool = _options.learn_weights(True)
        boundary_fraction: float = _options.boundary_fraction()

    def distill(self, task, budget, *, seed, progress=False):
        p = self.params
        problem, region = task.problem, task.target_region()
        init = self.start(task, budget, seed=seed)
        pinn = self.inner_pinn(task)
        dtype = pinn.dtype
        points = LearnablePoints(problem, init, region, learn_weights=p["learn_weights"], dtype=torch.float64)
        outer = torch.optim.Adam([t for t in points.parameters() if t.requires_grad], lr=p["outer_lr"])
        rng = stream(seed, TASK_TAG)
        learners = self.start_pool(pinn, points, rng, p)
        history = []
        for _ in tqdm(range(p["outer_steps"]), desc=f"task m={budget}", disable=not progress, leave=False):
            batch = points.batch(learners.size, dtype)
            targets = self.draw_targets(task, pinn, rng)
            outer.zero_grad()
            risks, trained, state = self.outer_risk(task, pinn, learners, batch, targets)
            finite = torch.isfinite(risks)
            torch.where(finite, risks, torch.zeros_like(risks)).mean().backward()
            outer.step()
            history.append(float(risks.detach().mean()))
            learners.update(trained, state, p["unroll"])
            learners.restart_due(lambda: int(rng.integers(0, 999_999)), failed=~finite.cpu().numpy())
        attrs = {"distiller": self.name, "budget": budget, "seed": seed, "final_outer_loss": history[-1] if history else np.nan}
        return points.to_point_set(attrs)

    def outer_risk(self, task, pinn, learners, batch, targets):
        """The task's risk of each learner of the pool after ``unroll`` Adam steps on ``batch``.

        Parameters
        ----------
        task : PdeTask
        pinn : ConditionalPINN
            The inner learner.
        learners : LearnerPool
            The pool's current parameters and Adam states (not changed here).
        batch : PointBatch
            The point set, one copy per learner, differentiable in the points and weights.
        targets : PointBatch
            Fresh physics-loss points at conditions drawn from the target family.

        Returns
        -------
        risks : torch.Tensor, shape (learners,)
            Differentiable in ``batch`` through the unrolled steps (the hypergradient's graph).
        trained, state
            The learners' parameters and Adam states after the steps.
        """
        p = self.params
        leaves = [[t.detach().requires_grad_() for t in layer] for layer in learners.params]
        trained, state = unrolled_train(pinn, leaves, learners.adam, batch, steps=p["unroll"], lr=p["inner_lr"])
        return task.risk_of(task.member_losses((pinn, trained), targets)), trained, state

    @staticmethod
    def start_pool(pinn, points, rng, p):
        """A :class:`~pinndd.learner.LearnerPool` whose learners, of staggered ages 0, h/L, 2h/L, ..., are
        trained (without graph) to their ages on the current set.

        Parameters
        ----------
        pinn : ConditionalPINN
            The inner learner.
        points : LearnablePoints
            The set the learners are trained on.
        rng : numpy.random.Generator
            Draws the learners' initialisation seeds.
        p : dict
            The distiller's options (``learners``, ``horizon``, ``inner_lr``).
        """
        n = p["learners"]
        ages = staggered_ages(n, p["horizon"])
        params = pinn.init(rng.integers(0, 999_999, size=n).tolist())
        with torch.no_grad():
            batch = points.batch(n, pinn.dtype)
            batch = batch.map(torch.Tensor.detach)
        # Train model k for ages[k] steps: run the longest, keeping each model's snapshot at its age.
        snapshots = [None] * n
        current = params
        done = 0
        for k in np.argsort(ages):
            if ages[k] > done:
                current = train(pinn, current, batch, Recipe.adam(int(ages[k] - done), p["inner_lr"])).params
                done = int(ages[k])
            snapshots[k] = [tuple(t[k : k + 1] for t in layer) for layer in current]
        pool = [tuple(torch.cat([snap[i][j] for snap in snapshots]) for j in range(2)) for i in range(len(params))]
        return LearnerPool(pinn, pool, p["horizon"], ages)
