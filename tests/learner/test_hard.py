"""Hard-constrained outputs u = g + distance * N (pinndd/learner/_hard.py)."""

from __future__ import annotations

import pytest
import torch

from pde_catalog import get_problem
from pde_catalog.allen_cahn1d import AllenCahn1D
from pinndd.learner import ConditionalPINN, LearnerSpec, hard_constraint_problems

FIELDS = {"u": (), "u_t": (1,), "u_x": (0,), "u_xx": (0, 0), "u_xt": (0, 1)}


def _points(n=40, seed=0):
    gen = torch.Generator().manual_seed(seed)
    pts = torch.rand(2, n, 4, generator=gen, dtype=torch.float64) * 2 - 1
    pts[..., 1] = pts[..., 1].abs()
    return pts


@pytest.mark.parametrize("fourier", [0, 8])
def test_constrained_jet_matches_autograd_of_the_constrained_output(fourier):
    pinn = ConditionalPINN(AllenCahn1D(), 12, 2, dtype="float64", hard_constraints=True, fourier_features=fourier)
    params, pts = pinn.init([0, 1]), _points()
    f, _, _ = pinn.fields(params, pts, tuple(FIELDS))
    reference = pinn._autograd_fields(params, pts, {n: (0, wrt) for n, wrt in FIELDS.items()})
    for name in FIELDS:
        torch.testing.assert_close(f[name], reference[name], rtol=1e-10, atol=1e-10)


def test_every_condition_holds_exactly_for_any_network():
    problem = AllenCahn1D()
    pinn = ConditionalPINN(problem, 12, 2, dtype="float64", hard_constraints=True)
    params, pts = pinn.init([3, 4]), _points()
    initial, ends = pts.clone(), pts.clone()
    initial[..., 1] = 0.0
    ends[..., 0] = torch.where(pts[..., 0] > 0, 1.0, -1.0)
    x, beta = pinn.split_columns(initial)
    torch.testing.assert_close(pinn.predict(params, initial)[..., 0], problem.initial_value(x, beta), rtol=0, atol=1e-14)
    torch.testing.assert_close(pinn.predict(params, ends)[..., 0], torch.full_like(ends[..., 0], -1.0), rtol=0, atol=1e-14)
    free = ConditionalPINN(problem, 12, 2, dtype="float64")
    assert (free.predict(params, initial)[..., 0] - problem.initial_value(x, beta)).abs().max() > 1e-3


def test_residual_is_differentiable_in_the_points_as_through_autograd():
    """Distillers move points: the constrained jet's gradient in them equals autograd's."""
    pinn = ConditionalPINN(AllenCahn1D(), 12, 2, dtype="float64", hard_constraints=True)
    params = pinn.init([0, 1])
    grads = []
    for use_jet in (True, False):
        pts = _points().requires_grad_()
        if use_jet:
            f, x, beta = pinn.fields(params, pts, pinn.residual_fields)
        else:
            f = pinn._autograd_fields(params, pts, {n: (0, FIELDS[n]) for n in pinn.residual_fields})
            x, beta = pinn.split_columns(pts)
        pinn.problem.residual(f, x, beta).pow(2).sum().backward()
        grads.append(pts.grad)
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-9, atol=1e-10)


def test_condition_values_riding_along_the_jet_are_constrained():
    pinn = ConditionalPINN(AllenCahn1D(), 12, 2, dtype="float64", hard_constraints=True)
    params, pts, extra = pinn.init([0, 1]), _points(), _points(seed=1)
    _, _, _, values = pinn.fields(params, pts, ("u", "u_t"), values_at=extra)
    torch.testing.assert_close(values, pinn.predict(params, extra))


def test_a_problem_without_a_hard_constraint_is_refused_naming_those_with_one():
    assert hard_constraint_problems() == ["allen_cahn1d"]
    with pytest.raises(ValueError, match="heat1d defines no hard constraint.*allen_cahn1d"):
        ConditionalPINN(get_problem("heat1d"), hard_constraints=True)
    with pytest.raises(ValueError, match="hard_constraints must be true or false"):
        LearnerSpec(hard_constraints="yes")


def test_the_spec_builds_a_constrained_learner():
    pinn = LearnerSpec(hard_constraints=True).pinn(AllenCahn1D())
    assert pinn.hard_constraints
