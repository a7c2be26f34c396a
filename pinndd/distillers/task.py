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

import numpy as np
import torch
from tqdm.auto import tqdm

from ..learner import Recipe, train
from ..learner._functional import adam_init, replace_model, staggered_ages, unrolled_train
from ._base import Distiller, get_distiller, register_distiller
from ..seeds import TASK_TAG, stream
from ._learnable import LearnablePoints, per_condition_loss, target_batch

__all__ = ["TaskDistiller"]


@register_distiller
class TaskDistiller(Distiller):
    """Bilevel optimisation of the point set for the task's risk on its target family.

    Options
    -------
    init : str
        Static sampler (over the target family) that gives the starting set (default ``"sobol"``).
    outer_steps : int
        Updates of the point set (default 300).
    outer_lr : float
        Adam learning rate of the raw (logit) point coordinates and weights (default 0.02).
    unroll : int
        Inner Adam steps differentiated per outer step (default 8: in
        ``experiments/task_unroll.toml``, 8 was best or tied on ``ood_near``
        and ``ood_far`` on heat1d and poisson2d at m = 256, and 2 was worst;
        see experiments/README.md).
    learners : int
        Learners in the pool (default 4).
    horizon : int
        Inner steps after which a learner restarts from a new random init (default 2000).
    inner_lr : float
        Learner Adam learning rate (default 1e-3, as the evaluator's).
    width, depth : int
        Learner architecture (default: the task's learner spec, i.e. the run's [learner]).
    conditions : int
        Target conditions drawn per outer step (default 8).
    target_points : int
        Collocation points per target condition per outer step (default 64; a
        quarter as many face points).
    dtype : {"float32", "float64"}
        Precision of the bilevel computation (default: the task's learner spec).
    learn_weights : bool
        Optimise per-point weights (default True).
    boundary_fraction : float
        Budget share on the conditions (default 0.25).
    """

    name = "task"
    task_aware = True
    options = {
        "init": "sobol",
        "outer_steps": 300,
        "outer_lr": 0.02,
        "unroll": 8,
        "learners": 4,
        "horizon": 2000,
        "inner_lr": 1e-3,
        "width": None,
        "depth": None,
        "conditions": 8,
        "target_points": 64,
        "dtype": None,
        "learn_weights": True,
        "boundary_fraction": 0.25,
    }

    def validate(self):
        self._choice("init", ("uniform", "lhs", "halton", "hammersley", "sobol"))
        for key in ("outer_steps", "unroll", "learners", "horizon", "width", "depth", "conditions", "target_points"):
            self._number(key, 1, None, integer=True, optional=key in ("width", "depth"))
        for key in ("outer_lr", "inner_lr"):
            self._number(key, 1e-8, 10.0)
        self._choice("learn_weights", (True, False))
        self._choice("dtype", ("float32", "float64"), optional=True)
        self._number("boundary_fraction", 0.01, 0.99)

    def distill(self, task, budget, *, seed, progress=False):
        p = self.params
        problem, region = task.problem, task.target_region()
        init = get_distiller(p["init"], family="target", boundary_fraction=p["boundary_fraction"]).distill(task, budget, seed=seed)
        pinn = self.inner_pinn(task)
        dtype = pinn.dtype
        points = LearnablePoints(problem, init, region, learn_weights=p["learn_weights"], dtype=torch.float64)
        outer = torch.optim.Adam([t for t in points.parameters() if t.requires_grad], lr=p["outer_lr"])
        rng = stream(seed, TASK_TAG)
        pool, ages = self._start_pool(pinn, points, rng, p)
        state = adam_init(pool)
        n_c = max(1, p["target_points"] // 4)
        history = []
        for _ in tqdm(range(p["outer_steps"]), desc=f"task m={budget}", disable=not progress, leave=False):
            batch = points.batch(len(ages), dtype)
            targets = target_batch(problem, region, p["conditions"], p["target_points"], n_c, rng, dtype=dtype, device=pinn.device)
            outer.zero_grad()
            leaves = [[t.detach().requires_grad_() for t in layer] for layer in pool]
            trained, state = unrolled_train(pinn, leaves, state, batch, steps=p["unroll"], lr=p["inner_lr"])
            risks = task.risk(per_condition_loss(pinn, trained, targets), axis=-1)
            finite = torch.isfinite(risks)
            torch.where(finite, risks, torch.zeros_like(risks)).mean().backward()
            outer.step()
            history.append(float(risks.detach().mean()))
            pool, state = [tuple(t.detach() for t in layer) for layer in trained], state.detach()
            ages += p["unroll"]
            for k in np.flatnonzero((ages >= p["horizon"]) | ~finite.cpu().numpy()):
                pool, state = self._restart(pinn, pool, state, k, rng)
                ages[k] = 0
        attrs = {"distiller": self.name, "budget": budget, "seed": seed, "final_outer_loss": history[-1] if history else np.nan}
        return points.to_point_set(attrs)

    @staticmethod
    def _start_pool(pinn, points, rng, p):
        """Learners with staggered ages 0, h/L, 2h/L, ... trained (without graph) on the initial set."""
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
        return pool, ages

    @staticmethod
    def _restart(pinn, pool, state, k, rng):
        """Replace learner ``k`` by a fresh random initialisation."""
        fresh = pinn.init([int(rng.integers(0, 999_999))])
        return replace_model(pool, k, fresh), state.restart(k)
