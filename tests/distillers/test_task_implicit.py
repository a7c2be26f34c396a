"""``task_implicit``: the task distiller with the implicit hypergradient at converged learners."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pinndd.distillers import get_distiller
from pinndd.distillers._learnable import LearnablePoints
from pinndd.errors import ConfigError
from pinndd.learner import LearnerSpec, Recipe
from pinndd.task import PdeTask

TINY = dict(width=8, depth=2, outer_steps=3, learners=2, conditions=2, target_points=16, train_steps=50, train_lbfgs=20,
            refine=5, cg_iters=5)


@pytest.mark.parametrize("problem", ["heat1d", "poisson2d"])
def test_budget_region_start_and_determinism(problem):
    task = PdeTask(get_problem(problem))
    distiller = get_distiller("task_implicit", **TINY)
    ps = distiller.distill(task, 40, seed=1)
    start = distiller.start(task, 40, seed=1)
    assert ps.size == 40
    d = len(task.problem.coords)
    assert task.target_region().contains(np.concatenate([ps.interior, ps.constraint])[:, d:]).all()
    np.testing.assert_array_equal(ps.constraint_condition, start.constraint_condition)
    assert not np.allclose(ps.interior, start.interior), "the points never moved"
    again = distiller.distill(task, 40, seed=1)
    np.testing.assert_array_equal(ps.interior, again.interior)
    np.testing.assert_array_equal(ps.interior_weight, again.interior_weight)


@pytest.mark.parametrize("options, fragment", [({"damping": -1.0}, "damping"), ({"cg_iters": 0}, "cg_iters"),
                                               ({"train_steps": -2}, "train_steps"), ({"unroll": 8}, "unroll")])
def test_options_validated(options, fragment):
    with pytest.raises(ConfigError, match=fragment):
        get_distiller("task_implicit", **options)


def test_inner_recipe_is_the_tasks_without_balancing():
    task = PdeTask(get_problem("heat1d"), learner=LearnerSpec(recipe=Recipe(steps=700, lbfgs_iters=90, balance="gradnorm")))
    recipe = get_distiller("task_implicit").inner_recipe(task)
    assert (recipe.steps, recipe.lbfgs_iters, recipe.balance) == (700, 90, "none")
    recipe = get_distiller("task_implicit", train_steps=10, train_lbfgs=0).inner_recipe(task)
    assert (recipe.steps, recipe.lbfgs_iters) == (10, 0)


def test_hypergradient_matches_finite_differences_of_the_converged_learner():
    """The risk on Q of a learner re-converged on a moved set changes as the hypergradient says."""
    torch.manual_seed(0)
    task = PdeTask(get_problem("heat1d"), learner=LearnerSpec(width=8, depth=2, dtype="float64"))
    distiller = get_distiller("task_implicit", learners=1, conditions=2, target_points=32, damping=1e-4, cg_iters=100)
    pinn = distiller.inner_pinn(task)
    points = LearnablePoints(task.problem, distiller.start(task, 40, seed=1), task.target_region(), learn_weights=False,
                             dtype=torch.float64)
    tight = dict(lbfgs_tol=0.0, lbfgs_patience=3000, balance="none")
    params = distiller.converged(pinn, pinn.init([3]), points, Recipe(steps=2000, lr=1e-2, lbfgs_iters=3000, **tight))
    targets = distiller.draw_targets(task, pinn, np.random.default_rng(0))
    distiller.hypergradient(task, pinn, params, points, targets).surrogate.backward()
    direction = torch.randn_like(points.raw_interior)
    predicted = float((points.raw_interior.grad * direction).sum())

    def risk_moved(eps):
        with torch.no_grad():
            points.raw_interior += eps * direction
        moved = distiller.converged(pinn, params, points, Recipe(steps=0, lbfgs_iters=3000, **tight))
        with torch.no_grad():
            points.raw_interior -= eps * direction
        return float(task.risk_of(task.member_losses((pinn, moved), targets)).mean())

    finite_difference = (risk_moved(1e-3) - risk_moved(-1e-3)) / 2e-3
    assert predicted == pytest.approx(finite_difference, rel=0.3)


def test_term_balance_start_weighs_each_term_by_its_start_mean():
    task = PdeTask(get_problem("poisson2d"))
    distiller = get_distiller("task_implicit", **TINY, term_balance="start")
    pinn = distiller.inner_pinn(task)
    points = LearnablePoints(task.problem, distiller.start(task, 40, seed=0), task.target_region(), dtype=torch.float64)
    params = distiller.converged(pinn, pinn.init([1, 2]), points, distiller.inner_recipe(task))
    scale = distiller.term_means(task, pinn, params, np.random.default_rng(0))
    assert scale.shape == (len(pinn.term_names),) and (scale > 0).all()
    targets = distiller.draw_targets(task, pinn, np.random.default_rng(1))
    terms = task.member_losses((pinn, params), targets, terms=True)
    torch.testing.assert_close(terms.sum(-1), task.member_losses((pinn, params), targets))
    balanced = distiller.hypergradient(task, pinn, params, points, targets, scale)
    torch.testing.assert_close(balanced.risks, task.risk_of((terms / scale).sum(-1)).detach())
    ps = distiller.distill(task, 40, seed=0)
    assert not np.array_equal(ps.interior, get_distiller("task_implicit", **TINY).distill(task, 40, seed=0).interior)


def test_a_diverged_learner_is_replaced_by_a_fresh_trained_one():
    task = PdeTask(get_problem("heat1d"))
    distiller = get_distiller("task_implicit", **TINY)
    pinn = distiller.inner_pinn(task)
    points = LearnablePoints(task.problem, distiller.start(task, 40, seed=0), task.target_region(), dtype=torch.float64)
    recipe = distiller.inner_recipe(task)
    params = distiller.converged(pinn, pinn.init([1, 2]), points, recipe)
    broken = [(w.clone(), b.clone()) for w, b in params]
    broken[0][0][1] = float("nan")
    fixed = distiller.restart_failed(pinn, broken, points, recipe, np.random.default_rng(0))
    assert all(torch.isfinite(t).all() for layer in fixed for t in layer)
    torch.testing.assert_close(fixed[0][0][0], params[0][0][0])  # the healthy learner is kept
    assert distiller.restart_failed(pinn, params, points, recipe, np.random.default_rng(0)) is params


def test_misfit_weight_scales_the_condition_terms_of_the_outer_risk():
    task = PdeTask(get_problem("poisson2d"))
    plain = get_distiller("task_implicit", **TINY).distill(task, 40, seed=0)
    weighted = get_distiller("task_implicit", **TINY, misfit_weight=10.0).distill(task, 40, seed=0)
    same = get_distiller("task_implicit", **TINY, misfit_weight=1.0).distill(task, 40, seed=0)
    np.testing.assert_array_equal(plain.interior, same.interior)
    assert not np.array_equal(plain.interior, weighted.interior)
