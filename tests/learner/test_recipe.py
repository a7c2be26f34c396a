"""The recipe: validation, schedules, and each trick doing what it says."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from pde_catalog.heat1d import Heat1D
from pde_catalog.poisson2d import Poisson2D
from pinndd.learner import Recipe, train
from pinndd.learner._causal import causal_mean
from pinndd.learner._parametrize import Parametrization

PROBLEM = Heat1D()



@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"steps": -1}, ValueError, "steps must be at least 0"),
        ({"steps": 2.5}, TypeError, "steps must be an integer"),
        ({"lr": float("inf")}, ValueError, "lr must be finite"),
        ({"lr": 0.0}, ValueError, "lr must be finite and > 0"),
        ({"schedule": "step"}, ValueError, "schedule must be one of constant, exponential, cosine"),
        ({"final_lr_ratio": 2.0}, ValueError, "final_lr_ratio"),
        ({"warmup": 5000}, ValueError, "warmup must not exceed steps"),
        ({"balance": "ntk"}, ValueError, "balance must be one of none, gradnorm, gradnorm_sum"),
        ({"causal": float("nan")}, ValueError, "causal must be finite"),
        ({"rwf": 1}, TypeError, "rwf must be true or false"),
        ({"lbfgs_history": 0}, ValueError, "lbfgs_history must be at least 1"),
    ],
)
def test_bad_recipes_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        Recipe(**kwargs)


def test_schedules_start_at_lr_and_end_at_the_final_ratio():
    for schedule in ("exponential", "cosine"):
        r = Recipe(steps=101, lr=1e-3, schedule=schedule, final_lr_ratio=0.1)
        assert r.lr_at(0) == pytest.approx(1e-3) and r.lr_at(100) == pytest.approx(1e-4)
        lrs = [r.lr_at(k) for k in range(101)]
        assert all(a >= b for a, b in zip(lrs, lrs[1:]))
    assert Recipe(steps=101, schedule="exponential").lr_at(50) == pytest.approx(1e-3 * math.sqrt(0.1))
    warm = Recipe(steps=100, lr=1e-3, warmup=10, schedule="constant")
    assert warm.lr_at(0) == pytest.approx(1e-4) and warm.lr_at(9) == pytest.approx(1e-3) and warm.lr_at(50) == 1e-3


def test_random_weight_factorisation_keeps_the_initial_network(small_batch):
    pinn, params, _ = small_batch([0, 1], [40, 40])
    param = Parametrization(params, rwf=True, rwf_mean=0.7)
    assert len(param.initial) == 3 * len(params)
    for (w, b), (w2, b2) in zip(params, param.params(param.initial)):
        torch.testing.assert_close(w2, w.detach(), rtol=1e-14, atol=0)
        torch.testing.assert_close(b2, b.detach())


@pytest.mark.parametrize("tricks", [{"rwf": True}, {"balance": "gradnorm", "balance_every": 10}, {"causal": 1.0, "causal_bins": 8}], ids=["rwf", "gradnorm", "causal"])
def test_each_trick_trains_and_keeps_models_independent(tricks, small_batch):
    recipe = Recipe(steps=40, lr=1e-2, lbfgs_iters=20, **tricks)
    pinn, params, batch = small_batch([0, 1], [64, 40])
    pair = train(pinn, params, batch, recipe)
    _, p1, b1 = small_batch([1], [40])
    alone = train(pinn, p1, b1, recipe)
    assert not pair.diverged.any()
    assert np.all(pair.loss_history[-1] < pair.loss_history[0])
    torch.testing.assert_close(pair.params[-1][0][1], alone.params[-1][0][0], rtol=1e-8, atol=1e-10)


def test_gradnorm_weights_balance_the_gradient_norms(small_batch):
    pinn, params, batch = small_batch([0], [64])
    result = train(pinn, params, batch, Recipe(steps=1, lbfgs_iters=0, balance="gradnorm", balance_alpha=0.0))
    leaves = [t.detach().clone().requires_grad_() for layer in params for t in layer]
    current = list(zip(leaves[0::2], leaves[1::2]))
    norms = []
    for term in (pinn.loss_terms(current, batch) * pinn.term_scale).unbind(1):
        grads = torch.autograd.grad(term.sum(), leaves, retain_graph=True, allow_unused=True)
        norms.append(float(torch.sqrt(sum((g * g).sum() for g in grads if g is not None))))
    expected = [norms[0] / n for n in norms]  # the residual keeps weight 1
    np.testing.assert_allclose(result.term_weights[0], expected, rtol=1e-10)


def test_causal_weights_discount_late_slabs_until_early_ones_are_solved():
    t = torch.tensor([[0.05, 0.3, 0.6, 0.9]], dtype=torch.float64)
    w = torch.ones_like(t)
    r2 = torch.tensor([[1.0, 1.0, 1.0, 1.0]], dtype=torch.float64)
    got = causal_mean(r2, w, t, (0.0, 1.0), eps=1.0, bins=4)
    expected = (1 + math.exp(-1) + math.exp(-2) + math.exp(-3)) / 4
    assert float(got) == pytest.approx(expected)
    # Solved early slabs: the later ones count fully.
    r2 = torch.tensor([[0.0, 0.0, 0.0, 1.0]], dtype=torch.float64)
    assert float(causal_mean(r2, w, t, (0.0, 1.0), eps=1.0, bins=4)) == pytest.approx(0.25)
    assert float(causal_mean(r2, w, t, (0.0, 1.0), eps=0.0, bins=4)) == pytest.approx(0.25)


def test_causal_weighting_needs_time(small_batch):
    pinn, params, batch = small_batch([0], [40], problem=Poisson2D())
    with pytest.raises(ValueError, match="causal weighting needs a time coordinate"):
        train(pinn, params, batch, Recipe(steps=2, lbfgs_iters=0, causal=1.0))


def test_plateau_rule_stops_each_model_on_its_own(small_batch):
    pinn, params, batch = small_batch([0, 1], [40, 40])
    recipe = Recipe(steps=400, lr=1e-9, schedule="constant", lbfgs_iters=0, plateau_patience=20, plateau_tol=1e-3)
    result = train(pinn, params, batch, recipe)
    # At lr 1e-9 nothing moves: both models stop after the patience window.
    assert list(result.stop_reason) == ["plateau", "plateau"]
    assert (result.adam_steps <= 22).all()


def test_fourier_features_train(small_batch):
    pinn, params, batch = small_batch([0], [64], fourier_features=8)
    assert pinn.sizes[0] == 16
    result = train(pinn, params, batch, Recipe(steps=60, lr=1e-2, lbfgs_iters=20))
    assert result.loss_history[-1, 0] < result.loss_history[0, 0]


def test_callback_sees_both_phases_and_can_stop_training(small_batch):
    pinn, params, batch = small_batch([0], [40])
    seen = []

    def watch(step, current):
        seen.append(step)
        assert current[0][0].shape == params[0][0].shape and not current[0][0].requires_grad
        return step >= 60

    result = train(pinn, params, batch, Recipe(steps=40, lr=1e-2, lbfgs_iters=100), record_every=10, callback=watch)
    assert seen[:4] == [10, 20, 30, 40] and seen[-1] == 60
    assert result.stop_reason == ("callback",) and result.lbfgs_iterations[0] == 20


def test_compiled_loss_trains_like_the_eager_one(small_batch):
    pinn, params, batch = small_batch([0], [32], width=6, depth=1)
    recipe = Recipe(steps=15, lr=1e-2, lbfgs_iters=5, balance="none")
    eager = train(pinn, params, batch, recipe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # where compilation is unavailable the fallback warns and runs eagerly
        compiled = train(pinn, params, batch, Recipe(**{**recipe.__dict__, "compile": True}))
    np.testing.assert_allclose(compiled.loss_history, eager.loss_history, rtol=1e-8)
