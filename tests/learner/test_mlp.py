"""Every derivative path of the batched MLP (forward jet, autograd for higher orders) against autograd."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from pde_catalog import Box, ConditionFamily, Dirichlet, Problem, Rectangle
from pde_catalog.burgers1d import Burgers1D
from pinndd.learner import ConditionalPINN, forward, forward_jet, init_params


def _autograd_field(fn, z, output, wrt):
    """d^k fn[..., output] / dz_wrt[0] ... dz_wrt[-1] by repeated autograd (fn sum-separable over points)."""
    z = z.clone().requires_grad_()
    g = fn(z)[..., output]
    for j in wrt:
        g = torch.autograd.grad(g.sum(), z, create_graph=True)[0][..., j]
    return g


@pytest.mark.parametrize("sizes", [(4, 8, 1), (4, 16, 12, 16, 3)], ids=["one_hidden_scalar", "three_hidden_vector"])
def test_forward_jet_matches_autograd(sizes):
    params = init_params(sizes, [0, 1, 2], dtype=torch.float64, device="cpu")
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(3, 25, 4, generator=gen, dtype=torch.float64) * 6.0 - 2.0
    centre = torch.tensor([0.3, -1.0, 2.0, 0.5], dtype=torch.float64)
    inv_scale = [2.5, 0.1, 1.0, 7.0]  # non-trivial normalisation slopes
    first, pairs = [0, 1, 3], [(3, 3), (0, 0), (0, 1), (1, 3)]

    def u_of_z(z):
        return forward(params, (z - centre) * torch.tensor(inv_scale, dtype=torch.float64))

    u, d1, d2 = forward_jet(params, (z - centre) * torch.tensor(inv_scale, dtype=torch.float64), inv_scale, first, pairs)
    assert u.shape == (3, 25, sizes[-1]) and set(d1) == set(first) and set(d2) == set(pairs)
    for o in range(sizes[-1]):
        torch.testing.assert_close(u[..., o], _autograd_field(u_of_z, z, o, ()), rtol=0, atol=1e-12)
        for c in first:
            torch.testing.assert_close(d1[c][..., o], _autograd_field(u_of_z, z, o, (c,)), rtol=1e-10, atol=1e-10)
        for pair in pairs:
            torch.testing.assert_close(d2[pair][..., o], _autograd_field(u_of_z, z, o, pair), rtol=1e-10, atol=1e-10)


def test_jet_is_differentiable_in_the_weights():
    params = init_params((2, 8, 8, 1), [3], dtype=torch.float64, device="cpu")
    z = torch.rand(1, 10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    _, _, d2 = forward_jet(params, z, [1.0, 1.0], [0, 1], [(0, 1)])
    (g,) = torch.autograd.grad(d2[(0, 1)].square().sum(), [params[0][0]])
    assert torch.isfinite(g).all() and g.abs().sum() > 0


_FAMILY = ConditionFamily(("a",), Box((0.5,), (1.0,)), Box((0.25,), (1.5,)), Box((0.0,), (2.0,)), (0.75,))


@dataclass(frozen=True)
class _TwoOutputs(Problem):
    """A test-only problem reading every kind of field: mixed, third and fourth order, two outputs."""

    name = "two_outputs"
    geometry = Rectangle(("x", "y"), (-1.0, 0.0), (1.0, 2.0))
    time = (0.0, 0.5)
    outputs = ("u", "v")
    derivatives = ("u_x", "u_xy", "u_yx", "v_tt", "u_xt", "v_xxx", "u_xxyy", "v_y")
    reference_method = "none"
    grid_sizes = (3, 3, 3)

    @property
    def family(self):
        return _FAMILY

    @property
    def conditions(self):
        return (Dirichlet("walls", ("x_min", "x_max")),)

    def residual(self, f, x, beta):
        return f["u_xy"] - f["v_xxx"], f["u_xxyy"] + f["v_tt"]

    def solution(self, points, beta):
        return np.zeros((len(points), 2))


@pytest.mark.parametrize("fourier", [0, 6], ids=["plain", "fourier"])
@pytest.mark.parametrize("problem", [Burgers1D(), _TwoOutputs()], ids=lambda p: p.name)
def test_pinn_fields_match_autograd_in_physical_coordinates(problem, fourier):
    """Every field a problem can declare, through the jet (order <= 2) or autograd (order > 2), to 1e-10."""
    pinn = ConditionalPINN(problem, width=12, depth=2, dtype="float64", fourier_features=fourier, fourier_scale=2.0)
    params = pinn.init([4, 5])
    lo = torch.tensor([a for a, _ in problem.domain] + list(problem.family.far.lower), dtype=torch.float64)
    hi = torch.tensor([b for _, b in problem.domain] + list(problem.family.far.upper), dtype=torch.float64)
    points = lo + torch.rand(2, 30, len(lo), dtype=torch.float64, generator=torch.Generator().manual_seed(2)) * (hi - lo)
    names = problem.outputs + problem.derivatives
    f, x, beta = pinn.fields(params, points, names)
    assert set(f) == set(names) and set(x) == set(problem.coords) and set(beta) == set(problem.family.names)
    for name in names:
        output, _, letters = name.partition("_")
        wrt = tuple(problem.coords.index(c) for c in letters)
        ref = _autograd_field(lambda p: pinn.predict(params, p), points, problem.outputs.index(output), wrt)
        assert f[name].shape == (2, 30)
        torch.testing.assert_close(f[name], ref, rtol=1e-10, atol=1e-10, msg=name)
    if problem.name == "two_outputs":
        torch.testing.assert_close(f["u_xy"], f["u_yx"], rtol=0, atol=1e-12)
    assert pinn.residual(params, points).shape == (2, 30, 2 if problem.name == "two_outputs" else 1)


def test_init_params_per_seed_independent_of_batch():
    alone = init_params((3, 5, 1), [7], dtype=torch.float64, device="cpu")
    batch = init_params((3, 5, 1), [1, 7, 2], dtype=torch.float64, device="cpu")
    for (w, b), (wb, bb) in zip(alone, batch):
        assert torch.equal(w[0], wb[1]) and torch.equal(b[0], bb[1])
        assert w.requires_grad and w.is_leaf
    assert not torch.equal(batch[0][0][0], batch[0][0][2])


def test_float32_params():
    (w, b), *_ = init_params((3, 5, 1), [0], dtype=torch.float32, device="cpu")
    assert w.dtype == b.dtype == torch.float32


@pytest.mark.parametrize("fourier", [0, 5], ids=["plain", "fourier"])
def test_values_riding_along_the_jet_equal_a_plain_forward(fourier):
    problem = Burgers1D()
    pinn = ConditionalPINN(problem, width=9, depth=3, dtype="float64", fourier_features=fourier)
    params = pinn.init([0, 1])
    gen = torch.Generator().manual_seed(3)
    interior = torch.rand(2, 17, 4, generator=gen, dtype=torch.float64)
    other = torch.rand(2, 6, 4, generator=gen, dtype=torch.float64)
    names = ("u", "u_t", "u_x", "u_xx")
    alone, _, _ = pinn.fields(params, interior, names)
    f, _, _, values = pinn.fields(params, interior, names, values_at=other)
    torch.testing.assert_close(values, pinn.predict(params, other), rtol=0, atol=1e-13)
    for name in names:
        torch.testing.assert_close(f[name], alone[name], rtol=0, atol=1e-12)


def test_fourier_scale_per_input_scales_each_row_of_the_frequencies():
    """A table of scales multiplies row i of B by input i's scale; equal scales give the scalar's B bit for bit."""
    problem = Burgers1D()
    inputs = problem.coords + problem.family.names
    scalar = ConditionalPINN(problem, width=4, depth=1, fourier_features=7, fourier_scale=2.0, dtype="float64")
    same = ConditionalPINN(problem, width=4, depth=1, fourier_features=7, fourier_scale={n: 2.0 for n in inputs}, dtype="float64")
    assert torch.equal(scalar.frequencies, same.frequencies)
    scales = {n: float(k + 1) for k, n in enumerate(reversed(inputs))}
    per_input = ConditionalPINN(problem, width=4, depth=1, fourier_features=7, fourier_scale=scales, dtype="float64")
    for i, name in enumerate(inputs):
        torch.testing.assert_close(per_input.frequencies[i], scalar.frequencies[i] / 2.0 * scales[name], rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        ({"x": 1.0, "t": 1.0}, "must name every input of burgers1d once .*missing"),
        ({"x": 1.0, "t": 1.0, "a": 1.0, "b": 1.0, "z": 1.0}, "unknown 'z'"),
        ({"x": 1.0, "t": 0.0}, "positive finite number or a table"),
        (-1.0, "positive finite number or a table"),
        (True, "positive finite number or a table"),
    ],
    ids=["missing", "unknown", "zero", "negative", "bool"],
)
def test_fourier_scale_table_must_name_every_input_with_a_positive_scale(scale, message):
    problem = Burgers1D()
    with pytest.raises(ValueError, match=message):
        ConditionalPINN(problem, width=4, depth=1, fourier_features=3, fourier_scale=scale)
