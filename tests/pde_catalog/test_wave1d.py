"""wave1d: the sine series against d'Alembert's formula, the benchmark member, the data, validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.integrate import quad

from pde_catalog import get_problem
from pde_catalog.checks import run_checks
from pde_catalog.wave1d import Wave1D


def _torch(problem, points, beta):
    x = {c: torch.as_tensor(points[:, j], dtype=torch.float64) for j, c in enumerate(problem.coords)}
    b = {n: torch.tensor(float(v), dtype=torch.float64) for n, v in zip(problem.family.names, beta)}
    return x, b


@pytest.mark.parametrize("c", [2.0, 0.7])
@pytest.mark.parametrize("split", ["train", "ood_far"])
def test_solution_is_dalemberts(c, split):
    # u = (F(x - ct) + F(x + ct)) / 2 + (1 / 2c) int_{x-ct}^{x+ct} G, with F and G the odd
    # 2-periodic extensions of the initial data (here the data's own formulas), by quadrature.
    x_t = {"x": torch.zeros(1, dtype=torch.float64), "t": torch.zeros(1, dtype=torch.float64)}
    problem = Wave1D(c=c)
    rng = np.random.default_rng(1)
    for beta in problem.family.region(split).sample(3, rng):
        pts = np.column_stack([rng.uniform(0, 1, 40), rng.uniform(0, 1, 40)])
        _, bt = _torch(problem, pts, beta)

        def f0(s, bt=bt):
            return float(problem.initial_value({**x_t, "x": torch.tensor([s], dtype=torch.float64)}, bt)[0])

        def g0(s, bt=bt):
            return float(problem.initial_velocity({**x_t, "x": torch.tensor([s], dtype=torch.float64)}, bt)[0])

        expected = [
            0.5 * (f0(x - c * t) + f0(x + c * t)) + quad(g0, x - c * t, x + c * t, epsabs=1e-13, limit=200)[0] / (2 * c)
            for x, t in pts
        ]
        np.testing.assert_allclose(problem.solution(pts, beta), expected, rtol=0, atol=1e-11)


def test_default_member_is_the_benchmark():
    problem = get_problem("wave1d")
    assert problem.c == 2.0
    x, t = np.meshgrid(np.linspace(0, 1, 23), np.linspace(0, 1, 17))
    pts = np.column_stack([x.ravel(), t.ravel()])
    expected = np.sin(np.pi * pts[:, 0]) * np.cos(2 * np.pi * pts[:, 1]) + 0.5 * np.sin(4 * np.pi * pts[:, 0]) * np.cos(
        8 * np.pi * pts[:, 1]
    )
    np.testing.assert_allclose(problem.solution(pts, problem.params_array()), expected, rtol=0, atol=1e-14)


def test_initial_data_match_the_solution():
    problem = Wave1D()
    rng = np.random.default_rng(2)
    for beta in problem.family.region("ood_far").sample(4, rng):
        x = rng.uniform(0, 1, 50)
        pts = np.column_stack([x, np.zeros_like(x)])
        xt, bt = _torch(problem, pts, beta)
        np.testing.assert_allclose(problem.initial_value(xt, bt).numpy(), problem.solution(pts, beta), rtol=0, atol=1e-14)
        h = 1e-4  # the series extends smoothly to t < 0: central differences, error ~ h^4
        du = (
            -problem.solution(pts + [0, 2 * h], beta)
            + 8 * problem.solution(pts + [0, h], beta)
            - 8 * problem.solution(pts - [0, h], beta)
            + problem.solution(pts - [0, 2 * h], beta)
        ) / (12 * h)
        np.testing.assert_allclose(problem.initial_velocity(xt, bt).numpy(), du, rtol=0, atol=1e-7)


def test_energy_is_conserved():
    # E(t) = int_0^1 (u_t^2 + c^2 u_x^2) dx / 2 is constant for fixed ends; the modes are
    # orthogonal, so E = (pi c)^2 / 4 * (a^2 + 16 b^2 + 9 v^2).
    problem = Wave1D(c=1.3)
    beta = np.array([1.2, -0.4, 0.7])
    x = np.linspace(0, 1, 4001)
    h = 1e-5

    def u(xs, ts):
        return problem.solution(np.column_stack([xs, np.full_like(xs, ts)]), beta)

    for t in (0.0, 0.37, 0.9):
        ut = (u(x, t + h) - u(x, t - h)) / (2 * h)
        ux = np.gradient(u(x, t), x, edge_order=2)
        energy = 0.5 * np.trapezoid(ut**2 + problem.c**2 * ux**2, x)
        exact = (np.pi * problem.c) ** 2 / 4 * (beta[0] ** 2 + 16 * beta[1] ** 2 + 9 * beta[2] ** 2)
        assert abs(energy - exact) < 1e-4 * exact, (t, energy, exact)


def test_other_wave_speed_passes_the_residual_check():
    (result,) = run_checks(Wave1D(c=0.5), only=["reference_residual"])
    assert result.passed, result.detail


@pytest.mark.parametrize("c", [0.0, -1.0, float("nan"), float("inf")])
def test_invalid_wave_speed(c):
    with pytest.raises(ValueError, match="c must be positive"):
        Wave1D(c=c)
