"""convection1d: the exact solution's periodicity, initial values and periodic pairing; the fast ood_far split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog import Periodic, get_problem
from pde_catalog.convection1d import Convection1D

MEMBERS = [(0.0, 5.0), (0.3, 1.0), (-0.4, 20.0), (0.5, 40.0), (-0.5, 0.0)]


@pytest.mark.parametrize("beta", MEMBERS)
def test_exact_solution_is_periodic_in_x(beta):
    problem = Convection1D()
    t = np.linspace(0.0, 1.0, 201)
    left = problem.solution(np.column_stack([np.zeros_like(t), t]), beta)
    right = problem.solution(np.column_stack([np.full_like(t, 2 * np.pi), t]), beta)
    np.testing.assert_allclose(left, right, rtol=0, atol=1e-12)
    # Not trivially so: the boundary value moves with time for a moving profile.
    if beta[1] > 0:
        assert np.ptp(left) > 0.5


@pytest.mark.parametrize("beta", MEMBERS)
def test_exact_solution_matches_initial_profile(beta):
    problem = Convection1D()
    x = np.linspace(0.0, 2 * np.pi, 301)
    u = problem.solution(np.column_stack([x, np.zeros_like(x)]), beta)
    # Independent of the condition's data: the profile written out here.
    np.testing.assert_allclose(u, np.sin(x) + beta[0] * np.sin(2 * x), rtol=0, atol=1e-14)
    cond = problem.condition("initial")
    xt = {"x": torch.as_tensor(x), "t": torch.zeros(len(x), dtype=torch.float64)}
    b = {n: torch.full((len(x),), v, dtype=torch.float64) for n, v in zip(problem.family.names, beta)}
    np.testing.assert_allclose(cond.value(xt, b).numpy(), u, rtol=0, atol=1e-14)


@pytest.mark.parametrize("beta", MEMBERS)
def test_exact_solution_solves_the_equation(beta):
    problem = Convection1D()
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.uniform(0, 2 * np.pi, 200), requires_grad=True)
    t = torch.tensor(rng.uniform(0, 1, 200), requires_grad=True)
    xi = x - beta[1] * t
    u = torch.sin(xi) + beta[0] * torch.sin(2 * xi)
    u_x, u_t = torch.autograd.grad(u.sum(), (x, t))
    b = {"a": torch.tensor(beta[0], dtype=torch.float64), "speed": torch.tensor(beta[1], dtype=torch.float64)}
    r = problem.residual({"u": u, "u_x": u_x, "u_t": u_t}, {"x": x, "t": t}, b)
    assert r.abs().max().item() < 1e-12
    pts = np.column_stack([x.detach().numpy(), t.detach().numpy()])
    np.testing.assert_allclose(problem.solution(pts, beta), u.detach().numpy(), rtol=0, atol=1e-13)


def test_periodic_condition_pairs_the_ends():
    problem = get_problem("convection1d")
    (cond,) = [c for c in problem.conditions if isinstance(c, Periodic)]
    assert (cond.on, cond.partner) == ("x_min", "x_max")
    assert cond.fields(problem.space) == ("u",)  # first order in x: the value alone
    pts = np.zeros((3, 1))
    image = problem.geometry.periodic_image("x_min", "x_max", pts)
    np.testing.assert_array_equal(image, np.full((3, 1), 2 * np.pi))


def test_family_splits_reach_the_failure_regime():
    family = Convection1D().family
    assert family.names == ("a", "speed")
    assert "beta" not in family.names
    speed = family.names.index("speed")
    assert family.train.upper[speed] <= 10.0
    assert family.far.upper[speed] >= 30.0
    sample = family.region("ood_far").sample(4000, np.random.default_rng(0))
    assert np.mean(sample[:, speed] >= 30.0) > 0.3
    assert family.default == (0.0, 5.0)
