"""kovasznay: the analytic flow solves the three equations (torch autograd, float64) and its conditions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pde_catalog.kovasznay import Kovasznay

REYNOLDS = [5.0, 10.0, 40.0, 100.0, 200.0]


def _flow(x, y, re):
    """Kovasznay's formulas, written out independently of the module (naive lambda)."""
    lam = re / 2 - np.sqrt(re**2 / 4 + 4 * np.pi**2)
    u = 1 - torch.exp(lam * x) * torch.cos(2 * np.pi * y)
    v = lam / (2 * np.pi) * torch.exp(lam * x) * torch.sin(2 * np.pi * y)
    p = (1 - torch.exp(2 * lam * x)) / 2
    return {"u": u, "v": v, "p": p}


def _points(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(-0.5, 1.0, n), rng.uniform(-0.5, 1.5, n)])


@pytest.mark.parametrize("re", REYNOLDS)
def test_analytic_flow_satisfies_the_equations(re):
    problem = Kovasznay()
    pts = _points()
    x = torch.tensor(pts[:, 0], requires_grad=True)
    y = torch.tensor(pts[:, 1], requires_grad=True)
    f = _flow(x, y, re)
    for name in ("u", "v", "p"):
        d_x, d_y = torch.autograd.grad(f[name].sum(), (x, y), create_graph=True, allow_unused=True)
        d_y = torch.zeros_like(y) if d_y is None else d_y  # p does not depend on y
        f[f"{name}_x"], f[f"{name}_y"] = d_x, d_y
        if name != "p":
            f[f"{name}_xx"] = torch.autograd.grad(d_x.sum(), x, retain_graph=True)[0]
            f[f"{name}_yy"] = torch.autograd.grad(d_y.sum(), y, retain_graph=True)[0]
    assert set(problem.derivatives) <= set(f)
    residuals = problem.residual(f, {"x": x, "y": y}, {"Re": torch.tensor(re, dtype=torch.float64)})
    assert len(residuals) == 3
    for r in residuals:
        assert r.shape == x.shape
        assert r.abs().max().item() < 1e-10
    # The terms themselves are O(1) or larger, so the residuals are not trivially small.
    assert f["u_x"].abs().max().item() > 0.1


@pytest.mark.parametrize("re", REYNOLDS)
def test_solution_matches_formulas_and_condition_data(re):
    problem = Kovasznay()
    pts = _points(seed=1)
    sol = problem.solution(pts, [re])
    assert sol.shape == (len(pts), 3)
    x, y = torch.as_tensor(pts[:, 0]), torch.as_tensor(pts[:, 1])
    exact = _flow(x, y, re)
    np.testing.assert_allclose(sol, np.column_stack([exact[o].numpy() for o in problem.outputs]), rtol=1e-12, atol=1e-13)
    beta = {"Re": torch.full((len(pts),), re, dtype=torch.float64)}
    for name, output in (("u_wall", "u"), ("v_wall", "v"), ("p_outflow", "p")):
        cond = problem.condition(name)
        assert cond.output == output
        data = cond.value({"x": x, "y": y}, beta).numpy()
        np.testing.assert_allclose(data, sol[:, problem.outputs.index(output)], rtol=1e-12, atol=1e-13)


def test_conditions_fix_velocity_everywhere_and_pressure_on_the_outflow():
    problem = get_problem("kovasznay")
    assert problem.outputs == ("u", "v", "p")
    walls = {"x_min", "x_max", "y_min", "y_max"}
    assert set(problem.condition("u_wall").parts) == walls
    assert set(problem.condition("v_wall").parts) == walls
    assert problem.condition("p_outflow").parts == ("x_max",)


def test_default_member_is_the_classic_flow():
    problem = Kovasznay()
    assert problem.default_params == {"Re": 40.0}
    # lambda(40) = 20 - sqrt(400 + 4 pi^2) = -0.96374...
    u = problem.solution(np.array([[0.0, 0.0]]), problem.family.default)
    np.testing.assert_allclose(u, [[0.0, 0.0, 0.0]], atol=1e-15)
    v = problem.solution(np.array([[1.0, 0.25]]), problem.family.default)[0, 1]
    np.testing.assert_allclose(v, -0.96374 / (2 * np.pi) * np.exp(-0.96374), rtol=1e-5)
