"""The task-specified distiller with the implicit-function hypergradient (``task_implicit``).

The same objective as :mod:`~pinndd.distillers.task`, the task's risk of the physics loss
over its target family Q of a PINN trained on the set S, with another hypergradient. ``task``
differentiates through a few unrolled Adam steps of young learners; two learner pools then
give directions at cosine about zero (``experiments/task_gradient_noise.py``), so its points
wander about their start. Here the learners are trained *to convergence* on S (the task's
recipe, Adam then L-BFGS, with the plain loss that the Hessian below belongs to), and the
hypergradient is the implicit one at their minimum (:func:`pinndd.learner.implicit_gradient`):

    dR/dS = -(d^2 L / d theta d S)^T (H + lambda I)^{-1} grad_theta R,

the change of the converged learner's risk on Q as the set moves. After each update of S
the learners are re-converged from where they were by a few L-BFGS iterations, so they stay
at a minimum of the current set. Only the physics on Q is used, never reference solutions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ..learner import Recipe, implicit_gradient, train
from ..learner._functional import replace_model
from ..options import Options, option
from ..seeds import TASK_TAG, stream
from . import _options
from ._base import register_distiller
from ._learnable import LearnablePoints
from .task import TargetFamilyDistiller

__all__ = ["ImplicitTaskDistiller"]


@register_distiller
class ImplicitTaskDistiller(TargetFamilyDistiller):
    """Bilevel optimisation of the point set for the task's risk on Q, through converged learners."""

    name = "task_implicit"

    @dataclass(frozen=True)
    class Options(Options):
        init: str = _options.target_start()
        outer_steps: int = option(300, "Updates of the point set (as task's).", low=1)
        outer_lr: float = _options.outer_lr()
        learners: int = option(4, "Converged learners whose hypergradients are averaged (as task's pool).", low=1)
        train_steps: int | None = option(None, "Adam steps of the learners' first training; None takes the task's recipe.",
                                         kind=int, low=0, optional=True)
        train_lbfgs: int | None = option(None, "L-BFGS iterations of the learners' first training; None takes the task's "
                                         "recipe.", kind=int, low=0, optional=True)
        refine: int = option(50, "L-BFGS iterations that re-converge the learners after each update of the set.", low=0)
        cg_iters: int = option(20, "Conjugate-gradient iterations (Hessian-vector products) of each hypergradient.", low=1)
        damping: float = option(0.01, "Tikhonov damping of the Hessian, relative to the curvature along the outer "
                                "gradient.", low=0.0, high=1e6)
        term_balance: str = option("none", "How the outer risk weighs the physics loss's terms: as the loss does "
                                   "(none), or each relative to its mean at the start set (start), so that no term is traded "
                                   "for another a hundred times larger.", choices=("none", "start"))
        misfit_weight: float = option(1.0, "Weight of each condition's misfit term over the residual's in the outer risk "
                                      "(after term_balance): above 1 asks the set for learners that meet the data first.",
                                      low=0.0, high=1e6)
        width: int | None = _options.width()
        depth: int | None = _options.depth()
        conditions: int = _options.target_conditions()
        target_points: int = _options.target_points()
        dtype: str | None = _options.dtype(None, "Precision of the bilevel computation; None takes the task's learner spec.")
        learn_weights: bool = _options.learn_weights(True)
        boundary_fraction: float = _options.boundary_fraction()

    def distill(self, task, budget, *, seed, progress=False):
        p = self.params
        init = self.start(task, budget, seed=seed)
        pinn = self.inner_pinn(task)
        points = LearnablePoints(task.problem, init, task.target_region(), learn_weights=p["learn_weights"], dtype=torch.float64)
        outer = torch.optim.Adam([t for t in points.parameters() if t.requires_grad], lr=p["outer_lr"])
        rng = stream(seed, TASK_TAG)
        recipe = self.inner_recipe(task)
        params = self.converged(pinn, pinn.init(rng.integers(0, 999_999, size=p["learners"]).tolist()), points, recipe)
        refine = Recipe(steps=0, lbfgs_iters=p["refine"], balance="none", lbfgs_history=recipe.lbfgs_history,
                        lbfgs_patience=recipe.lbfgs_patience, lbfgs_tol=recipe.lbfgs_tol)
        divisors = self.outer_divisors(task, pinn, params, rng)
        history = []
        for _ in tqdm(range(p["outer_steps"]), desc=f"task_implicit m={budget}", disable=not progress, leave=False):
            outer.zero_grad()
            step = self.hypergradient(task, pinn, params, points, self.draw_targets(task, pinn, rng), divisors)
            step.surrogate.backward()
            outer.step()
            history.append(float(step.risks.mean()))
            if p["refine"]:
                params = self.converged(pinn, params, points, refine)
            params = self.restart_failed(pinn, params, points, recipe, rng)
        attrs = {"distiller": self.name, "budget": budget, "seed": seed, "final_outer_loss": history[-1] if history else np.nan}
        return points.to_point_set(attrs)

    def inner_recipe(self, task) -> Recipe:
        """The learners' first training: the task's recipe without loss balancing (so that the
        minimum is the plain loss's, whose Hessian the hypergradient inverts), with this
        distiller's ``train_steps`` and ``train_lbfgs`` where set."""
        p = self.params
        recipe = dataclasses.replace(task.learner.recipe, balance="none", causal=0.0)
        if p["train_steps"] is not None:
            recipe = dataclasses.replace(recipe, steps=p["train_steps"], warmup=min(recipe.warmup, p["train_steps"]))
        if p["train_lbfgs"] is not None:
            recipe = dataclasses.replace(recipe, lbfgs_iters=p["train_lbfgs"])
        return recipe

    @staticmethod
    def converged(pinn, params, points: LearnablePoints, recipe: Recipe) -> list:
        """``params`` trained with ``recipe`` on the current set (one copy per learner, no graph)."""
        n = params[0][0].shape[0]
        with torch.no_grad():
            batch = points.batch(n, pinn.dtype).map(torch.Tensor.detach)
        return train(pinn, params, batch, recipe, on_divergence="warn").params

    def restart_failed(self, pinn, params, points: LearnablePoints, recipe: Recipe, rng) -> list:
        """``params`` with every learner whose parameters are not finite (a diverged training) replaced
        by a fresh one trained with ``recipe``: a non-finite learner would spread NaN through the
        hypergradient's mixed term."""
        finite = torch.stack([torch.isfinite(t).reshape(t.shape[0], -1).all(1) for layer in params for t in layer]).all(0)
        for k in torch.nonzero(~finite).flatten().tolist():
            fresh = self.converged(pinn, pinn.init([int(rng.integers(0, 999_999))]), points, recipe)
            params = replace_model(params, k, fresh)
        return params

    def outer_divisors(self, task, pinn, params, rng):
        """What each term of the outer risk is divided by: its :meth:`term_means` at the start
        (``term_balance = "start"``), over ``misfit_weight`` for each condition term; ``None``
        where both options leave the terms as the loss sums them."""
        p = self.params
        divisors = self.term_means(task, pinn, params, rng) if p["term_balance"] == "start" else None
        if p["misfit_weight"] != 1.0:
            ones = torch.ones(len(pinn.term_names), dtype=pinn.dtype, device=pinn.device)
            divisors = (ones if divisors is None else divisors) / torch.cat([ones[:1], ones[1:] * p["misfit_weight"]])
        return divisors

    def term_means(self, task, pinn, params, rng, batches: int = 4) -> torch.Tensor:
        """Each term's mean physics loss over ``batches`` target batches at the learners ``params``, shape (1 + C,)."""
        with torch.no_grad():
            terms = [task.member_losses((pinn, params), self.draw_targets(task, pinn, rng), terms=True) for _ in range(batches)]
        return torch.cat(terms, dim=1).mean(dim=(0, 1)).clamp_min(torch.finfo(pinn.dtype).tiny)

    def hypergradient(self, task, pinn, params, points: LearnablePoints, targets, divisors=None):
        """The implicit hypergradient of the task's risk on ``targets`` at the learners ``params``.

        ``divisors`` (one number per term of the physics loss, :meth:`outer_divisors`) divide
        each term before they are summed; ``None`` sums them as the loss does.

        Returns
        -------
        pinndd.learner.ImplicitGradient
            ``surrogate.backward()`` leaves the mean over the learners of the hypergradient in
            the gradients of ``points``' raw coordinates and weights.
        """
        p = self.params
        batch = points.batch(params[0][0].shape[0], pinn.dtype)
        def outer(q):
            if divisors is None:
                return task.risk_of(task.member_losses((pinn, q), targets))
            return task.risk_of((task.member_losses((pinn, q), targets, terms=True) / divisors).sum(-1))

        return implicit_gradient(lambda q: pinn.loss(q, batch), outer, params, damping=p["damping"], iterations=p["cg_iters"])
