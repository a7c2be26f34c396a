"""burgers1d's Cole-Hopf reference against DeepXDE's data set, and its quadrature convergence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pde_catalog.burgers1d import Burgers1D

BURGERS_NPZ = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "deepxde" / "Burgers.npz"


@pytest.fixture(scope="module")
def deepxde_burgers():
    if not BURGERS_NPZ.is_file():
        pytest.fail(
            f"external reference {BURGERS_NPZ} is missing; it is DeepXDE's examples/dataset/Burgers.npz "
            "(see shared/reference/README.md) and this test must not be skipped"
        )
    with np.load(BURGERS_NPZ) as data:
        return data["x"].ravel(), data["t"].ravel(), data["usol"]


def test_default_member_matches_deepxde(deepxde_burgers):
    x, t, usol = deepxde_burgers
    ds = Burgers1D().reference(grid={"x": x, "t": t})
    assert ds["u"].dims == ("x", "t") and ds["u"].shape == usol.shape == (256, 100)
    np.testing.assert_array_equal(ds["x"].values, x)
    np.testing.assert_array_equal(ds["t"].values, t)
    rel_l2 = np.linalg.norm(ds["u"].values - usol) / np.linalg.norm(usol)
    # The acceptance threshold of a reference solver for this benchmark.
    assert rel_l2 <= 1e-3
    # Measured 2.9e-12: both fields are the same Cole-Hopf solution to near round-off
    # (DeepXDE's was computed with Hermite quadrature too). A regression in the quadrature
    # (fewer nodes, a lost log-space shift) shows here long before it reaches 1e-3.
    assert rel_l2 <= 1e-9, f"relative L2 error {rel_l2:.2e}"


def test_default_grid_is_deepxde_grid(deepxde_burgers):
    x, t, _ = deepxde_burgers
    grid = Burgers1D().default_grid()
    np.testing.assert_allclose(grid["x"], x, rtol=0, atol=1e-15)
    np.testing.assert_allclose(grid["t"], t, rtol=0, atol=1e-15)


def _points(n: int = 300) -> np.ndarray:
    rng = np.random.default_rng(7)
    pts = np.column_stack([rng.uniform(-1.0, 1.0, n), rng.uniform(0.0, 1.0, n)])
    # Add a line across the shock at late time, where the quadrature is hardest.
    across = np.column_stack([np.linspace(-0.05, 0.05, 41), np.full(41, 0.9)])
    return np.concatenate([pts, across])


@pytest.mark.parametrize("beta", [(1.0, 0.0), (1.0, 0.3), (1.5, -0.35)], ids=["default", "b=0.3", "far"])
def test_quadrature_converges_exponentially(beta):
    pts = _points()
    exact = Burgers1D(quadrature_nodes=400).solution(pts, beta)

    def error(n):
        u = Burgers1D(quadrature_nodes=n).solution(pts, beta)
        return np.linalg.norm(u - exact) / np.linalg.norm(exact)

    nodes = np.array([20, 30, 40, 50, 60])
    errors = np.array([error(n) for n in nodes])
    assert np.all(np.diff(errors) < 0), errors
    slope, _ = np.polyfit(nodes, np.log(errors), 1)
    # Geometric convergence: error ~ exp(slope * n). Measured slopes -0.34 to -0.53;
    # an algebraic rate n^-p would give a slope near -p/n, about -0.1 here even for p = 4.
    assert slope < -0.2, f"log-error slope {slope:.3f} per node; errors {errors}"
    assert error(100) < 1e-10
