import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pinndd.distillers import get_distiller
from pinndd.distillers._learnable import project_to_region, target_batch
from pinndd.learner import per_condition_loss
from pinndd.errors import ConfigError
from pinndd.learner import ConditionalPINN, PointBatch, Recipe, train
from pinndd.risk import RiskMeasure
from pinndd.task import PdeTask

TINY = dict(width=12, depth=2, outer_steps=4, horizon=40, learners=2, conditions=4, target_points=32)


@pytest.mark.parametrize("problem", ["burgers1d", "heat1d", "poisson2d"])
def test_budget_domain_family_determinism(problem):
    task = PdeTask(get_problem(problem), target_splits=("train", "ood_far"), risk=RiskMeasure("cvar", 0.5))
    distiller = get_distiller("task", **TINY)
    ps = distiller.distill(task, 40, seed=1)
    assert ps.size == 40
    d = len(task.problem.coords)
    for pts in (ps.interior, ps.constraint):
        for j, (lo, hi) in enumerate(task.problem.domain):
            assert np.all((pts[:, j] >= lo) & (pts[:, j] <= hi))
        assert task.target_region().contains(pts[:, d:]).all()
    # constraint points stay on their faces, with targets recomputed there
    init = get_distiller("sobol", family="target").distill(task, 40, seed=1)
    np.testing.assert_array_equal(ps.constraint_condition, init.constraint_condition)
    assert np.all(ps.interior_weight > 0) and np.all(ps.constraint_weight > 0)
    again = distiller.distill(task, 40, seed=1)
    np.testing.assert_array_equal(ps.interior, again.interior)
    np.testing.assert_array_equal(ps.interior_weight, again.interior_weight)


def test_points_move_off_their_initial_positions():
    task = PdeTask(get_problem("heat1d"))
    ps = get_distiller("task", **TINY).distill(task, 40, seed=0)
    init = get_distiller("sobol", family="target").distill(task, 40, seed=0)
    assert np.abs(ps.interior - init.interior).max() > 1e-3


def test_start_is_the_init_samplers_set_over_the_target_family():
    task = PdeTask(get_problem("heat1d"), target_splits=("train", "ood_far"))
    distiller = get_distiller("task", init="halton", **TINY)
    start = distiller.start(task, 40, seed=3)
    expected = get_distiller("halton", family="target").distill(task, 40, seed=3)
    np.testing.assert_array_equal(start.interior, expected.interior)
    np.testing.assert_array_equal(start.constraint, expected.constraint)
    final = distiller.distill(task, 40, seed=3)
    np.testing.assert_array_equal(final.constraint_condition, start.constraint_condition)
    assert final.interior.shape == start.interior.shape


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"unroll": 0}, "unroll must be at least 1, got 0"),
        ({"init": "grid"}, "init must be one of"),
        ({"dtype": "float16"}, "dtype must be one of"),
        ({"learn_weights": "yes"}, "learn_weights must be true or false"),
        ({"steps": 3}, "unknown option 'steps' for distiller 'task'"),
    ],
)
def test_options_validated(options, fragment):
    with pytest.raises(ConfigError, match=fragment):
        get_distiller("task", **options)


def test_projection_into_region():
    region = get_problem("heat1d").family.region("ood_near")
    inside = region.sample(5, np.random.default_rng(0))
    np.testing.assert_array_equal(project_to_region(region, inside), inside)
    moved = project_to_region(region, np.array([[0.75, 4.0]]))  # inside the train box: not in ood_near
    assert region.contains(moved).all()


def test_beats_uniform_on_target_physics_loss():
    """Learners trained on the task set have a lower physics loss on the target family.

    Tiny heat1d setting: 64 points, 2 x 16 network. Baselines are Sobol over
    the target family (the task distiller's starting point) and uniform over
    the training family; all learners use fresh seeds and the same steps.
    """
    task = PdeTask(get_problem("heat1d"))
    options = dict(width=16, depth=2, outer_steps=25, horizon=200, learners=2, unroll=2)
    sets = {
        "task": get_distiller("task", **options).distill(task, 64, seed=0),
        "sobol_target": get_distiller("sobol", family="target").distill(task, 64, seed=0),
        "uniform": get_distiller("uniform").distill(task, 64, seed=0),
    }
    pinn = ConditionalPINN(task.problem, 16, 2)
    targets = target_batch(task.problem, task.target_region(), 24, 256, 64, np.random.default_rng(5), dtype=torch.float32, device="cpu")
    loss = {}
    for name, ps in sets.items():
        batch = PointBatch.from_point_sets([ps], task.problem, dtype=torch.float32, device="cpu").repeat(3)
        trained = train(pinn, pinn.init([1_000_001, 1_000_002, 1_000_003]), batch, Recipe.adam(300, 1e-3))
        loss[name] = float(per_condition_loss(pinn, trained.params, targets).mean())
    assert loss["task"] < 0.9 * loss["sobol_target"]
    assert loss["task"] < 0.9 * loss["uniform"]


def test_outer_risk_is_differentiable_in_the_points_and_leaves_the_pool_alone():
    from pinndd.distillers._learnable import LearnablePoints
    from pinndd.seeds import TASK_TAG, stream

    task = PdeTask(get_problem("heat1d"), target_splits=("ood_far",))
    distiller = get_distiller("task", **TINY)
    pinn = distiller.inner_pinn(task)
    points = LearnablePoints(task.problem, distiller.start(task, 40, seed=0), task.target_region(), dtype=torch.float64)
    rng = stream(0, TASK_TAG)
    pool = distiller.start_pool(pinn, points, rng, distiller.params)
    before = [t.clone() for layer in pool.params for t in layer]
    targets = target_batch(task.problem, task.target_region(), 3, 16, 4, rng, dtype=pinn.dtype, device=pinn.device)
    risks, trained, _ = distiller.outer_risk(task, pinn, pool, points.batch(pool.size, pinn.dtype), targets)
    assert risks.shape == (TINY["learners"],)
    risks.mean().backward()
    grad = points.raw_interior.grad
    assert torch.isfinite(grad).all() and grad.abs().max() > 0
    assert all(torch.equal(a, b) for a, b in zip(before, (t for layer in pool.params for t in layer)))
    assert not all(torch.equal(a, b) for a, b in zip(before, (t for layer in trained for t in layer)))
