"""helmholtz2d: the exact solution against autograd, the plane-wave boundary data, the family, the constants."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pde_catalog.checks import run_checks
from pde_catalog.helmholtz2d import Helmholtz2D

MEMBERS = [(2.0, 1.0, 0.5), (3.1, 0.3, 0.05), (3.9, 1.45, -0.4), (0.6, 0.0, 1.45)]  # default, near, far, far


def _columns(points, beta):
    t = torch.as_tensor(points, dtype=torch.float64)
    x = {"x": t[:, 0], "y": t[:, 1]}
    return x, {n: torch.full((len(t),), v, dtype=torch.float64) for n, v in zip(("k", "b", "theta"), beta)}


def _autograd_fields(problem, points, beta):
    """u, u_xx, u_yy of problem.solution's formula, re-evaluated in torch and differentiated by autograd."""
    k, b, theta = beta
    x = torch.as_tensor(points[:, 0]).requires_grad_()
    y = torch.as_tensor(points[:, 1]).requires_grad_()
    u = torch.sin(problem.a1 * np.pi * x) * torch.sin(problem.a2 * np.pi * y) + b * torch.cos(k * np.cos(theta) * x + k * np.sin(theta) * y)
    u_x, u_y = torch.autograd.grad(u.sum(), (x, y), create_graph=True)
    u_xx = torch.autograd.grad(u_x.sum(), x, retain_graph=True)[0]
    u_yy = torch.autograd.grad(u_y.sum(), y)[0]
    return {"u": u.detach(), "u_xx": u_xx.detach(), "u_yy": u_yy.detach()}


@pytest.mark.parametrize("a1, a2", [(1, 4), (2, 3)])
@pytest.mark.parametrize("beta", MEMBERS)
def test_solution_solves_the_pde(beta, a1, a2):
    problem = Helmholtz2D(a1=a1, a2=a2)
    pts = np.random.default_rng(0).random((400, 2))
    fields = _autograd_fields(problem, pts, beta)
    np.testing.assert_allclose(problem.solution(pts, np.array(beta)), fields["u"].numpy(), rtol=0, atol=1e-14)
    x, b = _columns(pts, beta)
    scale = (a1**2 + a2**2) * np.pi**2
    assert torch.abs(problem.residual(fields, x, b)).max() < 1e-11 * scale


@pytest.mark.parametrize("beta", MEMBERS)
def test_plane_wave_solves_the_homogeneous_equation_and_is_the_boundary_data(beta):
    problem = get_problem("helmholtz2d")
    k, b, theta = beta
    rng = np.random.default_rng(1)
    for part in problem.geometry.parts:
        pts = problem.geometry.boundary_from_unit(part, rng.random((64, 1)))
        x, bt = _columns(pts, beta)
        g = problem.boundary_value(x, bt).numpy()
        wave = b * np.cos(k * (pts[:, 0] * np.cos(theta) + pts[:, 1] * np.sin(theta)))
        np.testing.assert_allclose(g, wave, rtol=0, atol=1e-14)
        np.testing.assert_allclose(problem.solution(pts, np.array(beta)), g, rtol=0, atol=1e-14)
    # The wave alone: Laplace + k^2 vanishes (forced mode removed by a zero source).
    pts = rng.random((200, 2))
    fields = _autograd_fields(problem, pts, beta)
    mode = np.sin(np.pi * pts[:, 0]) * np.sin(4 * np.pi * pts[:, 1])
    lap_mode = -17 * np.pi**2 * mode
    residual = fields["u_xx"].numpy() + fields["u_yy"].numpy() - lap_mode + k**2 * (fields["u"].numpy() - mode)
    assert np.abs(residual).max() < 1e-9


def test_boundary_data_vary_with_every_parameter():
    problem = get_problem("helmholtz2d")
    pts = problem.geometry.boundary_from_unit("x_max", np.linspace(0, 1, 33)[:, None])
    base = problem.solution(pts, np.array([2.0, 1.0, 0.5]))
    assert np.abs(base).max() > 0.5
    for changed in ([2.5, 1.0, 0.5], [2.0, 0.7, 0.5], [2.0, 1.0, 0.2]):
        assert np.abs(problem.solution(pts, np.array(changed)) - base).max() > 0.05


def test_family_stays_below_the_first_dirichlet_eigenvalue():
    family = Helmholtz2D().family
    assert family.names == ("k", "b", "theta") and family.default == (2.0, 1.0, 0.5)
    # k^2 < 2 pi^2 keeps Laplace + k^2 negative definite under Dirichlet data: every member is well posed.
    assert family.far.upper[0] < np.sqrt(2) * np.pi and family.far.lower[0] > 0


def test_contract_holds_for_other_modes():
    results = run_checks(Helmholtz2D(a1=2, a2=3), only=["reference_residual", "conditions"])
    assert all(r.passed for r in results), [r.detail for r in results]


@pytest.mark.parametrize("field, value", [("a1", 0), ("a2", -1), ("a1", 1.5), ("a2", True), ("a1", "1")])
def test_modes_must_be_positive_integers(field, value):
    with pytest.raises(ValueError, match=f"{field} must be a positive integer"):
        Helmholtz2D(**{field: value})
