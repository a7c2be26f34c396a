"""Forward-mode jets of the batched MLP against autograd."""

from __future__ import annotations

import pytest
import torch

from pde_catalog.burgers1d import Burgers1D
from pde_catalog.poisson2d import Poisson2D
from pinndd.learner import ConditionalPINN, forward, forward_jet, init_params


def _autograd_derivatives(fn, z, first, second):
    """First and pure second derivatives of sum-separable ``fn(z)`` (shape (M, N)) by autograd."""
    z = z.clone().requires_grad_()
    u = fn(z)
    (grad,) = torch.autograd.grad(u.sum(), z, create_graph=True)
    d1 = {c: grad[..., c] for c in first}
    d2 = {c: torch.autograd.grad(grad[..., c].sum(), z, retain_graph=True)[0][..., c] for c in second}
    return u, d1, d2


@pytest.mark.parametrize("sizes", [(4, 8, 1), (4, 16, 12, 16, 1)], ids=["one_hidden", "three_hidden"])
def test_forward_jet_matches_autograd(sizes):
    params = init_params(sizes, [0, 1, 2], dtype=torch.float64, device="cpu")
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(3, 25, 4, generator=gen, dtype=torch.float64) * 6.0 - 2.0
    centre = torch.tensor([0.3, -1.0, 2.0, 0.5], dtype=torch.float64)
    inv_scale = [2.5, 0.1, 1.0, 7.0]  # non-trivial normalisation slopes
    first, second = [0, 1, 3], [3, 0]

    def u_of_z(z):
        return forward(params, (z - centre) * torch.tensor(inv_scale, dtype=torch.float64))

    u_ref, d1_ref, d2_ref = _autograd_derivatives(u_of_z, z, first, second)
    u, d1, d2 = forward_jet(params, (z - centre) * torch.tensor(inv_scale, dtype=torch.float64), inv_scale, first, second)
    assert u.shape == (3, 25) and set(d1) == set(first) and set(d2) == set(second)
    torch.testing.assert_close(u, u_ref, rtol=0, atol=1e-12)
    for c in first:
        torch.testing.assert_close(d1[c], d1_ref[c], rtol=1e-12, atol=1e-12)
    for c in second:
        torch.testing.assert_close(d2[c], d2_ref[c], rtol=1e-12, atol=1e-12)


def test_jet_is_differentiable_in_the_weights():
    params = init_params((2, 8, 8, 1), [3], dtype=torch.float64, device="cpu")
    z = torch.rand(1, 10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    _, _, d2 = forward_jet(params, z, [1.0, 1.0], [0, 1], [0])
    (g,) = torch.autograd.grad(d2[0].square().sum(), [params[0][0]])
    assert torch.isfinite(g).all() and g.abs().sum() > 0


@pytest.mark.parametrize("fourier", [0, 6], ids=["plain", "fourier"])
@pytest.mark.parametrize("problem", [Burgers1D(), Poisson2D()], ids=lambda p: p.name)
def test_pinn_jet_matches_autograd_in_physical_coordinates(problem, fourier):
    pinn = ConditionalPINN(problem, width=12, depth=2, dtype="float64", fourier_features=fourier, fourier_scale=2.0)
    params = pinn.init([4, 5])
    lo = torch.tensor([a for a, _ in problem.domain] + list(problem.family.far.lower), dtype=torch.float64)
    hi = torch.tensor([b for _, b in problem.domain] + list(problem.family.far.upper), dtype=torch.float64)
    points = lo + torch.rand(2, 30, len(lo), dtype=torch.float64, generator=torch.Generator().manual_seed(2)) * (hi - lo)
    coords = problem.coords
    second = [coords.index(c) for c in problem.second_derivatives]
    u_ref, d1_ref, d2_ref = _autograd_derivatives(lambda p: pinn.predict(params, p), points, range(len(coords)), second)
    jet, x, beta = pinn.jet(params, points)
    torch.testing.assert_close(jet.u, u_ref, rtol=0, atol=1e-12)
    for j, c in enumerate(coords):
        torch.testing.assert_close(jet.d1[c], d1_ref[j], rtol=1e-12, atol=1e-12)
    for j in second:
        torch.testing.assert_close(jet.d2[coords[j]], d2_ref[j], rtol=1e-12, atol=1e-12)
    assert set(x) == set(coords) and set(beta) == set(problem.family.names)


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
    jet_alone, _, _ = pinn.jet(params, interior)
    jet, _, _, values = pinn.jet(params, interior, values_at=other)
    torch.testing.assert_close(values, pinn.predict(params, other), rtol=0, atol=1e-13)
    torch.testing.assert_close(jet.u, jet_alone.u, rtol=0, atol=1e-13)
    for c in problem.coords:
        torch.testing.assert_close(jet.d1[c], jet_alone.d1[c], rtol=0, atol=1e-12)
