"""The L-shaped Poisson reference solver: DeepXDE's data set, convergence orders, arguments."""

from __future__ import annotations

import numpy as np
import pytest

from pde_catalog._lshape_solver import singular_function, solve_poisson_lshape


def _one(x, y):
    return 1.0


def _zero(x, y):
    return 0.0


def _smooth(x, y):
    return np.sin(np.pi * x) * np.cos(np.pi * y / 2) * np.exp(x * y)


def _minus_laplace_smooth(x, y):
    a, b, e = np.sin(np.pi * x), np.cos(np.pi * y / 2), np.exp(x * y)
    u_xx = b * e * (-(np.pi**2) * a + 2 * np.pi * y * np.cos(np.pi * x) + y * y * a)
    u_yy = a * e * (-(np.pi**2) / 4 * b - np.pi * x * np.sin(np.pi * y / 2) + x * x * b)
    return -(u_xx + u_yy)


def _second_singular(x, y):
    """r^(4/3) sin(4 theta'/3): the next harmonic corner term, also zero on both corner edges."""
    theta = np.mod(np.arctan2(y, x) - np.pi / 2, 2 * np.pi)
    return np.hypot(x, y) ** (4 / 3) * np.sin(4 * theta / 3)


def _mixed(x, y):
    """Smooth part plus both corner terms with generic coefficients; -Laplace = that of _smooth."""
    return _smooth(x, y) + 0.5 + 0.7 * singular_function(x, y) + 0.3 * _second_singular(x, y)


def _nodes(n: int) -> np.ndarray:
    k = np.arange(-n, n + 1) / n
    pts = np.stack(np.meshgrid(k, k, indexing="ij"), axis=-1).reshape(-1, 2)
    return pts[~((pts[:, 0] > 0) & (pts[:, 1] > 0))]


def _order(ns, errors) -> float:
    return -np.polyfit(np.log(ns), np.log(errors), 1)[0]


# ----------------------------------------------------------- DeepXDE's data set
@pytest.fixture
def lshape_npz(shared):
    path = shared / "reference" / "deepxde" / "Poisson_Lshape.npz"
    if not path.is_file():
        pytest.fail(f"external reference {path} is missing (DeepXDE examples/dataset/Poisson_Lshape.npz)")
    with np.load(path) as data:
        return data["X_test"], data["y_ref"][:, 0]


def _npz_pde_residuals(x_test, y_ref):
    """-Laplace(u) and u at the nodes of DeepXDE's field, by its own spectral-element basis.

    The 161 coordinates per axis are 16 elements of width 1/8 with 11 Gauss-Lobatto-Legendre
    nodes each, so the field is a degree-10 polynomial per element and is differentiated exactly.
    """
    axis = x_test[::161, 0]
    field = y_ref.reshape(161, 161)
    poly = np.polynomial.Polynomial
    lap, val = [], []
    for ex in range(16):
        for ey in range(16):
            if ex >= 8 and ey >= 8:
                continue
            i0, j0 = 10 * ex, 10 * ey
            for i in range(i0 + 1, i0 + 10, 3):
                for j in range(j0 + 1, j0 + 10, 3):
                    u_xx = poly.fit(axis[i0 : i0 + 11], field[i0 : i0 + 11, j], 10).deriv(2)(axis[i])
                    u_yy = poly.fit(axis[j0 : j0 + 11], field[i, j0 : j0 + 11], 10).deriv(2)(axis[j])
                    lap.append(-(u_xx + u_yy))
                    val.append(field[i, j])
    return np.array(lap), np.array(val)


def test_npz_solves_reaction_diffusion_not_poisson(lshape_npz):
    # The README states -u_xx - u_yy = 1, but the file's field satisfies -Laplace(u) + u = 1
    # to ~3e-12 everywhere, while -Laplace(u) alone ranges 0.87..1.0.
    minus_lap, u = _npz_pde_residuals(*lshape_npz)
    assert np.abs(minus_lap + u - 1.0).max() < 1e-9
    assert np.abs(minus_lap - 1.0).max() > 0.1


def _default_member_rel_l2(lshape_npz) -> float:
    x_test, y_ref = lshape_npz
    inside = ~np.isnan(y_ref)
    u = solve_poisson_lshape(_one, _zero, x_test[inside])
    return float(np.linalg.norm(u - y_ref[inside]) / np.linalg.norm(y_ref[inside]))


def test_default_member_differs_from_deepxde_by_the_reaction_term(lshape_npz):
    # Measured 1.02e-1, with n = 128, 256 and 512 agreeing to 2e-5: the data set solves another
    # equation (previous test); the reaction = 1 member below matches it to 5e-5.
    assert 0.09 < _default_member_rel_l2(lshape_npz) < 0.11


@pytest.mark.xfail(strict=True, reason="Poisson_Lshape.npz holds -Laplace(u) + u = 1, not the stated -Laplace(u) = 1")
def test_default_member_matches_deepxde(lshape_npz):
    assert _default_member_rel_l2(lshape_npz) <= 1e-3


def test_reaction_member_matches_deepxde(lshape_npz):
    x_test, y_ref = lshape_npz
    inside = ~np.isnan(y_ref)
    assert inside.sum() == 161**2 - 80**2
    u = solve_poisson_lshape(_one, _zero, x_test[inside], reaction=1.0)
    rel_l2 = np.linalg.norm(u - y_ref[inside]) / np.linalg.norm(y_ref[inside])
    # Measured 5.3e-5 at n = 128 and 5.4e-5 at n = 256 and 512: the data set limits (its error
    # sits at the corner, 2e-4 within r < 0.05), the solver's own is 2e-5 (next test).
    assert rel_l2 <= 1e-4, f"relative L2 error {rel_l2:.2e}"


@pytest.mark.parametrize("reaction", [0.0, 1.0])
def test_self_convergence_on_npz_grid(lshape_npz, reaction):
    x_test, y_ref = lshape_npz
    pts = x_test[~np.isnan(y_ref)]
    coarse = solve_poisson_lshape(_one, _zero, pts, n=64, reaction=reaction)
    fine = solve_poisson_lshape(_one, _zero, pts, n=128, reaction=reaction)
    finer = solve_poisson_lshape(_one, _zero, pts, n=256, reaction=reaction)
    d1 = np.linalg.norm(coarse - finer) / np.linalg.norm(finer)
    d2 = np.linalg.norm(fine - finer) / np.linalg.norm(finer)
    # Measured (Poisson) 6.4e-5 and 1.3e-5; against n = 512: 6.7e-5, 1.7e-5, 3.3e-6 (order 2).
    assert d2 <= 3e-5 and 3.0 < d1 / d2 < 6.5, (d1, d2)


# ----------------------------------------------------------- convergence orders
def test_smooth_solution_converges_at_order_two():
    pts = _nodes(8)  # nodes of every grid: no interpolation error
    ns = (16, 32, 64, 128)
    exact = _smooth(pts[:, 0], pts[:, 1])
    plain = [np.abs(solve_poisson_lshape(_minus_laplace_smooth, _smooth, pts, n=n, corner_correction=False) - exact).max() for n in ns]
    order = _order(ns, plain)
    # Measured 2.00 (max errors 2.7e-3 ... 4.2e-5); with the correction 2.11 (3.5e-3 ... 4.1e-5).
    assert 1.8 < order < 2.3, (order, plain)
    corrected = [np.abs(solve_poisson_lshape(_minus_laplace_smooth, _smooth, pts, n=n) - exact).max() for n in ns]
    assert 1.8 < _order(ns, corrected) < 2.3, corrected


def test_singular_solution_plain_fd_has_reduced_order():
    ns = (16, 32, 64, 128)
    max_err, rms_err = [], []
    for n in ns:
        pts = _nodes(n)
        err = solve_poisson_lshape(_zero, singular_function, pts, n=n, corner_correction=False) - singular_function(pts[:, 0], pts[:, 1])
        max_err.append(np.abs(err).max())
        rms_err.append(np.sqrt(np.mean(err**2)))
    # Measured 0.66 (max, at the nodes next to the corner: h^(2/3)) and 1.28 (RMS: h^(4/3) pollution).
    assert 0.55 < _order(ns, max_err) < 0.8, max_err
    assert 1.2 < _order(ns, rms_err) < 1.45, rms_err


def test_corner_correction_restores_order_two():
    rng = np.random.default_rng(3)
    pts = np.concatenate([rng.uniform(-1, 1, (4000, 2)), rng.uniform(-0.05, 0.05, (1000, 2))])
    pts = pts[~((pts[:, 0] > 0) & (pts[:, 1] > 0))]  # off-grid points, many near the corner
    exact = _mixed(pts[:, 0], pts[:, 1])
    ns = (64, 128, 256)
    err = [np.abs(solve_poisson_lshape(_minus_laplace_smooth, _mixed, pts, n=n) - exact).max() for n in ns]
    # Measured max errors 2.9e-4, 5.2e-5, 1.3e-5 (order 2.25; 2.2e-3 at n = 32 is pre-asymptotic),
    # relative L2 8.4e-5, 2.0e-5, 4.9e-6; plain FD: max 7.1e-3, 3.2e-3, 2.0e-3 (order 0.9).
    assert 1.8 < _order(ns, err) < 2.6, err
    assert err[-1] < 3e-5
    # The pure singular function is reproduced to round-off (its coefficient is found exactly).
    u = solve_poisson_lshape(_zero, singular_function, pts, n=32)
    np.testing.assert_allclose(u, singular_function(pts[:, 0], pts[:, 1]), rtol=0, atol=1e-10)


# ----------------------------------------------------------- arguments and edges
def test_boundary_points_return_boundary_data():
    t = np.linspace(0.0, 1.0, 7)
    pts = np.concatenate([np.column_stack([t, 0 * t]), np.column_stack([0 * t, t]), np.column_stack([-t, 0 * t - 1])])
    u = solve_poisson_lshape(_minus_laplace_smooth, _mixed, pts, n=32)
    np.testing.assert_allclose(u, _mixed(pts[:, 0], pts[:, 1]), rtol=0, atol=1e-12)
    # Within 1e-12 of the domain counts as on it; n = 2 (plain) is the smallest grid.
    assert np.isfinite(solve_poisson_lshape(_one, _zero, [[1e-13, 0.5], [1 + 1e-13, -1]], n=2, corner_correction=False)).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"points": [[0.5, 0.5]]}, "points outside"),
        ({"points": [[-1.5, 0.0]]}, "points outside"),
        ({"points": [0.0, 0.0]}, "points must be"),
        ({"points": [[np.nan, 0.0]]}, "points must be"),
        ({"n": 1}, "n must be an integer"),
        ({"n": 64.0}, "n must be an integer"),
        ({"n": True}, "n must be an integer"),
        ({"n": 33}, "n must be even"),
        ({"n": 2}, "n must be even"),
        ({"reaction": -1.0}, "reaction must be"),
        ({"reaction": np.inf}, "reaction must be"),
        ({"f": lambda x, y: np.nan * x}, "f returned non-finite"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    args = {"f": _one, "g": _zero, "points": [[-0.5, -0.5]], "n": 8} | kwargs
    with pytest.raises(ValueError, match=match):
        solve_poisson_lshape(args.pop("f"), args.pop("g"), args.pop("points"), **args)


def test_non_callable_data_raise_type_error():
    with pytest.raises(TypeError, match="callables"):
        solve_poisson_lshape(1.0, _zero, [[-0.5, -0.5]])
