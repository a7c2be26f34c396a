"""klein_gordon1d: the manufactured source against autograd, the benchmark member, the data, validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pde_catalog.klein_gordon1d import KleinGordon1D


def _inputs(problem, n, beta, rng, t=None):
    x = torch.tensor(rng.uniform(0, 1, n), dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(rng.uniform(0, 1, n) if t is None else np.full(n, t), dtype=torch.float64, requires_grad=True)
    b = {name: torch.tensor(float(v), dtype=torch.float64) for name, v in zip(problem.family.names, beta)}
    return {"x": x, "t": tt}, b


def _grad(y, x):
    return torch.autograd.grad(y.sum(), x, create_graph=True)[0]


@pytest.mark.parametrize(
    "constants",
    [{}, {"alpha": 2.5, "beta_c": 0.7, "gamma": -0.3, "k": 2}, {"k": 5}],
    ids=["default", "mixed", "quintic"],
)
def test_exact_solution_zeroes_the_residual_under_autograd(constants):
    problem = KleinGordon1D(**constants)
    rng = np.random.default_rng(0)
    for split in ("train", "ood_far"):
        for beta in problem.family.region(split).sample(3, rng):
            x, b = _inputs(problem, 64, beta, rng)
            u = problem.exact(x, b)
            fields = {"u": u, "u_tt": _grad(_grad(u, x["t"]), x["t"]), "u_xx": _grad(_grad(u, x["x"]), x["x"])}
            r = problem.residual(fields, x, b).detach().numpy()
            scale = fields["u_tt"].abs().max().item()
            assert np.max(np.abs(r)) < 1e-12 * scale
            np.testing.assert_allclose(_grad(u, x["t"]).detach().numpy(), problem.exact_t(x, b).detach().numpy(), rtol=1e-13, atol=1e-12)
            pts = np.column_stack([x["x"].detach().numpy(), x["t"].detach().numpy()])
            np.testing.assert_allclose(problem.solution(pts, beta), u.detach().numpy(), rtol=0, atol=1e-14)


def test_default_member_is_wang_teng_perdikaris():
    # u_tt + alpha' u_xx + beta u + gamma u^k = f with alpha' = -1, beta = 0, gamma = 1, k = 3
    # and u = x cos(5 pi t) + (x t)^3 (Wang, Teng & Perdikaris 2021, their closed-form f).
    problem = get_problem("klein_gordon1d")
    rng = np.random.default_rng(1)
    x, t = rng.uniform(0, 1, 100), rng.uniform(0, 1, 100)
    u = x * np.cos(5 * np.pi * t) + (x * t) ** 3
    f = -25 * np.pi**2 * x * np.cos(5 * np.pi * t) + 6 * t * x**3 - 6 * x * t**3 + u**3
    np.testing.assert_allclose(problem.solution(np.column_stack([x, t]), problem.params_array()), u, rtol=0, atol=1e-14)
    xt = {"x": torch.tensor(x), "t": torch.tensor(t)}
    b = {k: torch.tensor(v, dtype=torch.float64) for k, v in problem.default_params.items()}
    np.testing.assert_allclose(problem.source(xt, b).numpy(), f, rtol=1e-12, atol=1e-10)


def test_initial_and_boundary_data():
    problem = KleinGordon1D()
    rng = np.random.default_rng(2)
    beta = np.array([27.0, 2.5])
    x, b = _inputs(problem, 20, beta, rng, t=0.0)
    np.testing.assert_allclose(problem.exact(x, b).detach().numpy(), x["x"].detach().numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(problem.exact_t(x, b).detach().numpy(), 0.0, atol=0)
    t = torch.tensor(rng.uniform(0, 1, 20), dtype=torch.float64)
    right = problem.exact({"x": torch.ones(20, dtype=torch.float64), "t": t}, b).numpy()
    np.testing.assert_allclose(right, np.cos(27.0 * t.numpy()) + 2.5 * t.numpy() ** 3, rtol=1e-14, atol=1e-15)
    left = problem.exact({"x": torch.zeros(20, dtype=torch.float64), "t": t}, b).numpy()
    np.testing.assert_array_equal(left, 0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"alpha": 0.0}, "alpha must be positive"),
        ({"alpha": float("nan")}, "alpha must be a finite number"),
        ({"gamma": "1"}, "gamma must be a finite number"),
        ({"beta_c": float("inf")}, "beta_c must be a finite number"),
        ({"k": 1}, "k must be an integer"),
        ({"k": 2.5}, "k must be an integer"),
        ({"k": True}, "k must be an integer"),
    ],
)
def test_invalid_constants(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KleinGordon1D(**kwargs)


def test_unknown_constant_is_a_type_error():
    with pytest.raises(TypeError, match="beta_c"):
        get_problem("klein_gordon1d", beta=1.0)
