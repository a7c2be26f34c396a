"""poisson_disk: the exact solution against autograd of an independent formula, the Robin data, alpha."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog import Robin, get_problem
from pde_catalog.checks import run_checks
from pde_catalog.poisson_disk import PoissonDisk

MEMBERS = [(1.0, 2.0), (0.3, 0.7), (1.4, 5.8), (0.0, 0.0)]  # default, then near, far and a far corner


def _exact(x, y, a, k):
    """u = (1 - |z|^2)/4 + a Re exp(k (z - 1)), written with complex arithmetic (independent of the module)."""
    z = torch.complex(x, y)
    return (1 - z.abs() ** 2) / 4 + a * torch.exp(k * (z - 1)).real


def _grad_and_laplacian(x, y, a, k):
    x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
    u = _exact(x, y, a, k)
    u_x, u_y = torch.autograd.grad(u.sum(), (x, y), create_graph=True)
    u_xx = torch.autograd.grad(u_x.sum(), x, retain_graph=True)[0]
    u_yy = torch.autograd.grad(u_y.sum(), y)[0]
    return u.detach(), u_x.detach(), u_y.detach(), (u_xx + u_yy).detach()


def _columns(points, a, k):
    t = torch.as_tensor(points, dtype=torch.float64)
    x = {"x": t[:, 0], "y": t[:, 1]}
    return x, {"a": torch.full((len(t),), a, dtype=torch.float64), "k": torch.full((len(t),), k, dtype=torch.float64)}


@pytest.mark.parametrize("a, k", MEMBERS)
def test_solution_solves_the_pde(a, k):
    problem = PoissonDisk()
    rng = np.random.default_rng(0)
    pts = problem.geometry.interior_from_unit(rng.random((500, 2)))
    x, beta = _columns(pts, a, k)
    u, _, _, lap = _grad_and_laplacian(x["x"], x["y"], a, k)
    np.testing.assert_allclose(problem.solution(pts, np.array([a, k])), u.numpy(), rtol=0, atol=1e-14)
    # The residual, fed autograd's fields, vanishes.
    fields = {"u": u, "u_xx": lap, "u_yy": torch.zeros_like(lap)}
    assert torch.abs(problem.residual(fields, x, beta)).max() < 1e-12


@pytest.mark.parametrize("alpha", [1.0, 0.1, 7.5])
@pytest.mark.parametrize("a, k", MEMBERS)
def test_robin_data_are_those_of_the_solution(a, k, alpha):
    problem = get_problem("poisson_disk", alpha=alpha)
    theta = np.linspace(0, 2 * np.pi, 97)
    pts = problem.geometry.boundary_from_unit("circle", (theta / (2 * np.pi))[:, None])
    x, beta = _columns(pts, a, k)
    u, u_x, u_y, _ = _grad_and_laplacian(x["x"], x["y"], a, k)
    normal = torch.as_tensor(problem.geometry.normal("circle", pts))
    expected = normal[:, 0] * u_x + normal[:, 1] * u_y + alpha * u
    (cond,) = problem.conditions
    assert isinstance(cond, Robin) and cond.on == "circle" and cond.alpha == alpha
    np.testing.assert_allclose(cond.value(x, beta).numpy(), expected.numpy(), rtol=0, atol=1e-13)
    # The condition's coefficients weigh (u_x, u_y, u) by (n_x, n_y, alpha).
    np.testing.assert_allclose(cond.coefficients(normal.numpy()), np.column_stack([normal.numpy(), np.full(len(pts), alpha)]))


def test_contract_holds_for_another_alpha():
    results = run_checks(PoissonDisk(alpha=3.0), only=["reference_residual", "conditions"])
    assert all(r.passed for r in results), [r.detail for r in results]


@pytest.mark.parametrize("alpha", [0.0, -1.0, np.nan, np.inf, True, "1"])
def test_alpha_must_be_positive(alpha):
    with pytest.raises(ValueError, match="alpha must be finite and positive"):
        PoissonDisk(alpha=alpha)


def test_reference_is_nan_outside_the_disk():
    ds = get_problem("poisson_disk").reference()
    u = ds["u"].values
    xx, yy = np.meshgrid(ds["x"].values, ds["y"].values, indexing="ij")
    inside = xx**2 + yy**2 <= 1 + 1e-9
    assert np.isfinite(u[inside]).all() and np.isnan(u[~inside]).all()
    assert u[50, 50] == pytest.approx(0.25 + np.exp(-2.0))  # centre: 1/4 + a e^(-k)
