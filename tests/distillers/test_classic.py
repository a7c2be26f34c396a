"""The classic dataset-distillation objectives: contract, validation, and each objective's numerics."""

import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pinndd.distillers import distiller_names, get_distiller
from pinndd.distillers._classic import full_data, real_batch
from pinndd.distillers.classic import draw_embeddings, gradient_distance, loss_gradient, mean_embedding_distance
from pinndd.distillers.kernel import jacobian_rows, krr_solution, linearised_system
from pinndd.distillers.trajectory import expert_trajectories, from_vector, matching_loss, to_vector
from pinndd.errors import ConfigError
from pinndd.learner import ConditionalPINN, PointBatch
from pinndd.task import PdeTask

TINY = {"n_full": 256, "real_batch": 128, "width": 8, "depth": 2}
MTT_TINY = {k: v for k, v in TINY.items() if k != "real_batch"}
SETTINGS = {
    "gradient_matching": {**TINY, "outer_steps": 4, "inner_steps": 2, "horizon": 5},
    "distribution_matching": {**TINY, "outer_steps": 4, "learners": 2},
    "trajectory_matching": {**MTT_TINY, "outer_steps": 3, "expert_steps": 20, "expert_interval": 5, "syn_steps": 2},
    "kernel": {**TINY, "outer_steps": 3, "real_batch": 64},
}
BAD_VALUE = {
    "gradient_matching": ("inner_lr", -1.0),
    "distribution_matching": ("embed_gain", 0.0),
    "trajectory_matching": ("inner_optimizer", "rmsprop"),
    "kernel": ("ridge", -1.0),
}


def as_batch(ps, models=1):
    return PointBatch.from_point_sets([ps], get_problem(ps.problem), dtype=torch.float64, device="cpu").repeat(models)


@pytest.fixture(scope="module")
def heat():
    return PdeTask(get_problem("heat1d"))


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_budget_domain_family_determinism(heat, name):
    distiller = get_distiller(name, **SETTINGS[name])
    ps = distiller.distill(heat, 40, seed=3)
    assert ps.size == 40 and ps.attrs["distiller"] == name
    problem, d = heat.problem, len(heat.problem.coords)
    for pts in (ps.interior, ps.constraint):
        for j, (lo, hi) in enumerate(problem.domain):
            assert np.all((pts[:, j] >= lo) & (pts[:, j] <= hi))
        assert heat.training_region().contains(pts[:, d:]).all()
    assert np.all(ps.interior_weight > 0) and np.all(ps.constraint_weight > 0)
    again = distiller.distill(heat, 40, seed=3)
    np.testing.assert_array_equal(ps.interior, again.interior)
    np.testing.assert_array_equal(ps.constraint_weight, again.constraint_weight)
    start = get_distiller("uniform").distill(heat, 40, seed=3)
    assert not np.allclose(ps.interior, start.interior)  # the points moved


@pytest.mark.parametrize("problem", ["burgers1d", "poisson2d"])
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_other_problems(problem, name):
    task = PdeTask(get_problem(problem))
    ps = get_distiller(name, **{**SETTINGS[name], "outer_steps": 2}).distill(task, 24, seed=0)
    d = len(task.problem.coords)
    assert ps.size == 24 and task.training_region().contains(ps.interior[:, d:]).all()
    assert np.isfinite(ps.attrs["final_outer_loss"])


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_option_validation(name):
    assert name in distiller_names()
    with pytest.raises(ConfigError, match=f"unknown option 'steps' for distiller '{name}'"):
        get_distiller(name, steps=3)
    with pytest.raises(ConfigError, match="outer_steps must be at least 1, got 0"):
        get_distiller(name, outer_steps=0)
    with pytest.raises(ConfigError, match="init must be one of"):
        get_distiller(name, init="grid")
    key, value = BAD_VALUE[name]
    with pytest.raises(ConfigError, match=key):
        get_distiller(name, **{key: value})


def test_trajectory_span_must_fit_the_expert():
    with pytest.raises(ConfigError, match="expert_span must be at most expert_steps // expert_interval = 4, got 5"):
        get_distiller("trajectory_matching", expert_steps=20, expert_interval=5, expert_span=5)


def test_gradient_distance_is_layerwise_cosine():
    pinn = ConditionalPINN(get_problem("heat1d"), 6, 2, dtype="float64")
    grads = [t.detach() for layer in pinn.init([1, 2]) for t in layer]
    grads = [g + 0.1 for g in grads]  # zero biases would leave bias-only columns undefined
    assert torch.allclose(gradient_distance(grads, grads), torch.zeros(2, dtype=torch.float64), atol=1e-9)
    n_outputs = 6 + 6 + 1  # output nodes over the three layers
    assert torch.allclose(gradient_distance(grads, [-g for g in grads]), torch.full((2,), 2.0 * n_outputs, dtype=torch.float64))


def test_gradient_matching_lowers_distance_at_fresh_inits(heat):
    opts = {**TINY, "outer_steps": 100, "outer_lr": 0.05, "learners": 2, "inner_steps": 2, "horizon": 10}
    ps = get_distiller("gradient_matching", **opts).distill(heat, 48, seed=0)
    start = get_distiller("uniform").distill(heat, 48, seed=0)
    pinn = ConditionalPINN(heat.problem, 8, 2, dtype="float64")
    params = pinn.init(range(1_000_001, 1_000_009))  # seeds never used while distilling
    real = loss_gradient(pinn, params, as_batch(full_data(heat, 256, 0), 8), create_graph=False)

    def distance(ps):
        return float(gradient_distance(loss_gradient(pinn, params, as_batch(ps, 8), create_graph=False), real).mean())

    assert distance(ps) < 0.85 * distance(start)


def test_distribution_matching_lowers_mmd(heat):
    opts = {**TINY, "outer_steps": 60, "outer_lr": 0.05, "learners": 4}
    ps = get_distiller("distribution_matching", **opts).distill(heat, 48, seed=0)
    start = get_distiller("uniform").distill(heat, 48, seed=0)
    other = get_distiller("uniform").distill(heat, 48, seed=17)
    full = full_data(heat, 256, 0)
    pinn = ConditionalPINN(heat.problem, 8, 2, dtype="float64")
    nets = draw_embeddings(pinn, 32, np.random.default_rng(12345), gain=2.0)  # fresh networks
    scale = float(np.sqrt(np.mean(full.constraint_target**2)))

    def mmd(ps):
        return float(mean_embedding_distance(pinn, nets, as_batch(ps), as_batch(full), target_scale=scale))

    assert mmd(ps) < 0.5 * mmd(start) and mmd(ps) < 0.5 * mmd(other)


def test_vector_round_trip():
    pinn = ConditionalPINN(get_problem("heat1d"), 5, 2, dtype="float64")
    params = pinn.init([1, 2])
    vec = to_vector(params)
    assert vec.shape == (2, sum(w[0].numel() + b[0].numel() for w, b in params))
    for (w, b), (w2, b2) in zip(params, from_vector(vec, pinn.sizes)):
        assert torch.equal(w, w2) and torch.equal(b, b2)


def test_trajectory_matching_lowers_loss_on_held_out_experts(heat):
    opts = {**MTT_TINY, "outer_steps": 100, "outer_lr": 0.05, "learners": 4, "expert_steps": 30, "expert_interval": 5,
            "syn_steps": 4, "learn_lr": False, "dtype": "float64"}
    ps = get_distiller("trajectory_matching", **opts).distill(heat, 48, seed=0)
    start = get_distiller("uniform").distill(heat, 48, seed=0)
    pinn = ConditionalPINN(heat.problem, 8, 2, dtype="float64")
    experts = expert_trajectories(pinn, full_data(heat, 256, 0), [1_000_001, 1_000_002], steps=30, interval=5, lr=1e-3)

    def held_out(ps):
        batch = as_batch(ps)
        return np.mean([float(matching_loss(pinn, batch, experts[e, t], experts[e, t + 2], steps=4, lr=1e-3, optimizer="adam").detach())
                        for e in range(2) for t in range(experts.shape[1] - 2)])

    assert held_out(ps) < 0.9 * held_out(start)


@pytest.mark.parametrize("name", ["burgers1d", "convection1d", "poisson_disk"])
def test_jacobian_rows_match_finite_differences(name):
    """Residual rows and condition rows (values, periodic pairs, Robin normal derivatives) against central differences."""
    problem = get_problem(name)
    pinn = ConditionalPINN(problem, 6, 2, dtype="float64")
    params = [tuple(t.detach() for t in layer) for layer in pinn.init([4])]
    batch = as_batch(get_distiller("uniform").distill(PdeTask(problem), 24, seed=0))
    direction = torch.randn(to_vector(params).shape[1], dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    theta, eps = to_vector(params), 1e-6

    def residual(p):
        return pinn.residual(p, batch.interior).reshape(-1)

    def misfit(p):
        return pinn.condition_misfit(p, batch).reshape(-1)

    for operator, fn in (("residual", residual), ("condition", misfit)):
        values, jac = jacobian_rows(pinn, params, batch, operator, create_graph=False)
        plus, minus = fn(from_vector(theta + eps * direction, pinn.sizes)), fn(from_vector(theta - eps * direction, pinn.sizes))
        torch.testing.assert_close(values, fn(params))
        torch.testing.assert_close(jac @ direction, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_krr_closed_form_equals_least_squares(heat):
    pinn = ConditionalPINN(heat.problem, 8, 2, dtype="float64")
    params = [tuple(t.detach() for t in layer) for layer in pinn.init([7])]
    ps = get_distiller("uniform").distill(heat, 40, seed=1)
    a, b = linearised_system(pinn, params, as_batch(ps), create_graph=False)
    delta, lam = krr_solution(a, b, 1e-3)
    # The ridge problem min |A delta - b|^2 + lam |delta|^2 as an ordinary least-squares solve.
    stacked = torch.cat([a, lam.sqrt() * torch.eye(a.shape[1], dtype=a.dtype)])
    rhs = torch.cat([b, torch.zeros(a.shape[1], dtype=a.dtype)])
    expected = torch.linalg.lstsq(stacked, rhs.unsqueeze(1)).solution[:, 0]
    torch.testing.assert_close(delta, expected, rtol=1e-6, atol=1e-9)
    # |A delta - b|^2 at delta = 0 is the physics loss of the network at theta_0.
    torch.testing.assert_close((b**2).sum(), pinn.loss(params, as_batch(ps))[0])


def test_kernel_lowers_linearised_loss_on_full_data(heat):
    opts = {**TINY, "outer_steps": 30, "outer_lr": 0.05, "real_batch": 128}
    ps = get_distiller("kernel", **opts).distill(heat, 32, seed=0)
    start = get_distiller("uniform").distill(heat, 32, seed=0)
    pinn = ConditionalPINN(heat.problem, 8, 2, dtype="float64")
    real = real_batch(heat.problem, full_data(heat, 256, 0), 256, np.random.default_rng(0), n_models=1, dtype=torch.float64)

    def loss(ps):
        total = 0.0
        for seed in (1_000_001, 1_000_002, 1_000_003):
            params = [tuple(t.detach() for t in layer) for layer in pinn.init([seed])]
            delta, _ = krr_solution(*linearised_system(pinn, params, as_batch(ps), create_graph=False), 1e-6)
            a, b = linearised_system(pinn, params, real, create_graph=False)
            total += float(((a @ delta - b) ** 2).sum().detach())
        return total

    assert loss(ps) < 0.9 * loss(start)
