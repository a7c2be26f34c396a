"""allen_cahn1d: DeepXDE's data set, dense output at scattered points, the family, validation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
import torch

from pde_catalog import get_problem
from pde_catalog._allen_cahn_solver import solve_allen_cahn
from pde_catalog.allen_cahn1d import AllenCahn1D, _history


def u0(x, a=0.0, b=0.0):
    return x**2 * (np.cos(np.pi * x) + (1 - x**2) * (a + b * x))


@pytest.fixture(scope="module")
def problem():
    return get_problem("allen_cahn1d")


@pytest.fixture
def deepxde_allen_cahn(shared):
    path = shared / "reference" / "deepxde" / "Allen_Cahn.mat"
    if not path.is_file():
        pytest.fail(f"external reference {path} is missing; it is DeepXDE's examples/dataset/Allen_Cahn.mat")
    data = scipy.io.loadmat(path)
    return data["x"].ravel(), data["t"].ravel(), data["u"]


def test_default_member_matches_deepxde(problem, deepxde_allen_cahn):
    x, t, u_ref = deepxde_allen_cahn
    assert u_ref.shape == (t.size, x.size) == (101, 201)
    ds = problem.reference(grid={"x": x, "t": t})
    assert ds["u"].dims == ("x", "t")
    u = ds["u"].values.T  # the file is indexed [t, x]
    rel = np.linalg.norm(u - u_ref) / np.linalg.norm(u_ref)
    # Measured 1.57e-4, the file's own error (see test_allen_cahn_solver.py).
    assert rel <= 1e-3, rel
    # The dense output on the file's grid is the solver's own output there.
    direct = solve_allen_cahn(u0, 0.001, x, t, n_modes=problem.n_modes)
    np.testing.assert_allclose(u, direct, rtol=0, atol=1e-12)


def test_default_grid_is_deepxde_grid(problem, deepxde_allen_cahn):
    x, t, _ = deepxde_allen_cahn
    grid = problem.default_grid()
    np.testing.assert_allclose(grid["x"], x, rtol=0, atol=1e-15)
    np.testing.assert_allclose(grid["t"], t, rtol=0, atol=1e-15)


def test_scattered_points_agree_with_grid_reference(problem, deepxde_allen_cahn):
    x, t, u_ref = deepxde_allen_cahn
    grid = problem.reference(grid={"x": x, "t": t})["u"].values  # (x, t)
    rng = np.random.default_rng(3)
    i, j = rng.integers(0, x.size, 500), rng.integers(0, t.size, 500)
    u = problem.solution(np.column_stack([x[i], t[j]]), problem.params_array())
    np.testing.assert_allclose(u, grid[i, j], rtol=0, atol=1e-13)
    assert np.max(np.abs(u - u_ref[j, i])) < 2e-3  # the file, point for point (measured 4.9e-4)


@pytest.mark.parametrize("beta", [(0.0, 0.0), (0.3, -0.4)], ids=["default", "near"])
def test_dense_output_between_steps_matches_a_direct_solve(problem, beta):
    # Off-grid times: the solver steps straight to each of them, a different partition
    # of [0, 1] from the reference's uniform steps, so this checks the Hermite
    # interpolation in t and the barycentric one in x together.
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0.0, 1.0, 30))
    x = rng.uniform(-1.0, 1.0, 30)
    direct = solve_allen_cahn(lambda y: u0(y, *beta), 0.001, x, t, n_modes=problem.n_modes)
    dense = problem.solution(np.column_stack([x, t]), np.array(beta))
    err = np.max(np.abs(dense - np.diag(direct)))
    assert err < 1e-7, err  # measured 8.5e-10 and 8.4e-10


def test_far_member_is_resolved():
    beta = np.array([-0.85, 1.2])  # corner of ood_far: the island nearly dies out
    rng = np.random.default_rng(11)
    pts = np.column_stack([rng.uniform(-1, 1, 400), rng.uniform(0, 1, 400)])
    coarse = AllenCahn1D().solution(pts, beta)
    fine = AllenCahn1D(n_modes=640, time_step=0.0025).solution(pts, beta)
    err = np.max(np.abs(coarse - fine))
    assert err < 1e-7, err  # measured 4.8e-9


def test_residual_across_an_interface_between_nodes(problem):
    # A line across a moving interface at a time between two steps: the PDE residual of
    # the dense output, by fourth-order central differences, stays at the level of the
    # spatial resolution (measured 2.9e-7; 3.7e-6 with the solver's default 448 modes).
    beta = np.array([0.214, -0.224])
    x = np.linspace(-0.6, -0.54, 61)
    t0 = 0.92963836

    def u(dx=0.0, dt=0.0):
        return problem.solution(np.column_stack([x + dx, np.full_like(x, t0 + dt)]), beta)

    hx, ht = 6e-5, 3e-5
    u_xx = (-u(-2 * hx) + 16 * u(-hx) - 30 * u() + 16 * u(hx) - u(2 * hx)) / (12 * hx**2)
    u_t = (u(dt=-2 * ht) - 8 * u(dt=-ht) + 8 * u(dt=ht) - u(dt=2 * ht)) / (12 * ht)
    r = u_t - problem.d * u_xx + problem.gamma * (u() ** 3 - u())
    assert np.ptp(u()) > 1.0  # the line does cross the interface
    assert np.max(np.abs(r)) < 1e-6, np.max(np.abs(r))


def test_family_members_meet_the_end_data():
    x = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64)
    problem = AllenCahn1D()
    for beta in problem.family.region("ood_far").sample(20, np.random.default_rng(0)):
        b = {k: torch.tensor(v, dtype=torch.float64) for k, v in zip(problem.family.names, beta)}
        g = problem.initial_value({"x": x, "t": torch.zeros(3, dtype=torch.float64)}, b).numpy()
        np.testing.assert_allclose(g, [-1.0, 0.0, -1.0], rtol=0, atol=1e-14)
        np.testing.assert_allclose(g, u0(x.numpy(), *beta), rtol=0, atol=1e-15)


def test_solves_are_cached(problem):
    beta = np.array([0.1, 0.2])
    problem.solution(np.array([[0.0, 0.5]]), beta)
    hits = _history.cache_info().hits
    problem.solution(np.array([[0.1, 0.7], [0.2, 0.3]]), beta)
    assert _history.cache_info().hits == hits + 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"d": 0.0}, "d must be positive"),
        ({"gamma": -1.0}, "gamma must be non-negative"),
        ({"n_modes": 4}, "n_modes"),
        ({"n_modes": 100.0}, "n_modes"),
        ({"time_step": 0.0}, "time_step"),
    ],
)
def test_invalid_constants(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AllenCahn1D(**kwargs)
