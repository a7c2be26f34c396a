"""The implicit-function hypergradient, on inner problems whose minimiser is known in closed form."""

from __future__ import annotations

import pytest
import torch

from pinndd.learner import implicit_gradient


def _quadratic(curvature_w, curvature_b, data):
    """Inner loss ``sum(d theta^2) / 2 - data . theta`` per model, minimised at ``theta = data / d``."""

    def inner(params):
        (w, b), = params
        return (0.5 * (curvature_w * w**2).sum((1, 2)) + 0.5 * (curvature_b * b**2).sum(1)
                - (data[0] * w).sum((1, 2)) - (data[1] * b).sum(1))

    return inner


def _weights_only(curvature, data):
    """:func:`_quadratic` with unit curvature and no data on the biases (minimised at ``b = 0``)."""
    models = curvature.shape[0]
    return _quadratic(curvature, torch.ones(models, 1, dtype=curvature.dtype), (data, torch.zeros(models, 1, dtype=curvature.dtype)))


def test_matches_the_closed_form_at_the_minimum():
    torch.manual_seed(0)
    models = 2
    d_w = torch.rand(models, 3, 2, dtype=torch.float64) + 0.5
    d_b = torch.rand(models, 2, dtype=torch.float64) + 0.5
    s_w = torch.randn(models, 3, 2, dtype=torch.float64, requires_grad=True)
    s_b = torch.randn(models, 2, dtype=torch.float64, requires_grad=True)
    t_w, t_b = torch.randn(models, 3, 2, dtype=torch.float64), torch.randn(models, 2, dtype=torch.float64)
    params = [((s_w / d_w).detach(), (s_b / d_b).detach())]

    def outer(params):
        (w, b), = params
        return 0.5 * ((w - t_w) ** 2).sum((1, 2)) + 0.5 * ((b - t_b) ** 2).sum(1)

    result = implicit_gradient(_quadratic(d_w, d_b, (s_w, s_b)), outer, params, damping=0.0, iterations=8)
    result.surrogate.backward()
    # R(theta*(s)) = |s/d - t|^2 / 2, so dR/ds = (s/d - t) / d; the surrogate averages over the models.
    expected_w = (s_w / d_w - t_w) / d_w / models
    expected_b = (s_b / d_b - t_b) / d_b / models
    torch.testing.assert_close(s_w.grad, expected_w.detach())
    torch.testing.assert_close(s_b.grad, expected_b.detach())
    assert (result.residual < 1e-8).all()
    torch.testing.assert_close(result.risks, outer(params))


def test_damping_shrinks_the_step_like_a_larger_curvature():
    d = torch.full((1, 2, 1), 2.0, dtype=torch.float64)
    s = torch.ones(1, 2, 1, dtype=torch.float64, requires_grad=True)
    params = [((s / d).detach(), torch.zeros(1, 1, dtype=torch.float64))]
    inner = _weights_only(d, s)

    def outer(params):
        (w, _), = params
        return w.sum((1, 2))

    result = implicit_gradient(inner, outer, params, damping=1.0, iterations=4)
    result.surrogate.backward()
    # lambda = 1 x the curvature along the outer gradient (2), so (H + lambda) = 4 where H = 2.
    torch.testing.assert_close(result.damping, torch.tensor([2.0], dtype=torch.float64))
    torch.testing.assert_close(s.grad, torch.full_like(s, 0.25))


def test_a_model_with_a_non_finite_outer_loss_contributes_nothing():
    d = torch.ones(2, 2, 1, dtype=torch.float64)
    s = torch.ones(2, 2, 1, dtype=torch.float64, requires_grad=True)
    params = [((s / d).detach(), torch.zeros(2, 1, dtype=torch.float64))]
    inner = _weights_only(d, s)

    def outer(params):
        (w, _), = params
        risk = w.sum((1, 2))
        return torch.stack([risk[0], risk[1] * float("nan")])

    result = implicit_gradient(inner, outer, params, iterations=4, damping=0.0)
    result.surrogate.backward()
    assert torch.isfinite(s.grad).all()
    torch.testing.assert_close(s.grad[1], torch.zeros_like(s.grad[1]))
    torch.testing.assert_close(s.grad[0], torch.full_like(s.grad[0], 0.5))


@pytest.mark.parametrize("iterations", [1, 3])
def test_surrogate_is_scalar_and_risks_detached(iterations):
    d = torch.ones(1, 1, 1, dtype=torch.float64)
    s = torch.ones(1, 1, 1, dtype=torch.float64, requires_grad=True)
    params = [((s / d).detach(), torch.zeros(1, 1, dtype=torch.float64))]
    result = implicit_gradient(_weights_only(d, s), lambda q: q[0][0].sum((1, 2)), params, iterations=iterations)
    assert result.surrogate.ndim == 0 and not result.risks.requires_grad
