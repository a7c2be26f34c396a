"""Batched training: it learns, models are independent, dtypes work, divergence is caught."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import torch

from pde_catalog.heat1d import Heat1D
from pinndd.learner import ConditionalPINN, PointBatch, Recipe, train
from pinndd.pointset import make_point_set
from pinndd.sampling import sample_point_arrays

PROBLEM = Heat1D()


def _point_set(budget: int, seed: int):
    region = PROBLEM.family.region("train")
    interior, constraint, kind = sample_point_arrays(PROBLEM, region, budget, method="halton", seed=seed)
    return make_point_set(PROBLEM, interior, constraint, kind)


def _setup(seeds, budgets, *, dtype="float64"):
    pinn = ConditionalPINN(PROBLEM, width=16, depth=2, dtype=dtype)
    sets = [_point_set(b, s) for b, s in zip(budgets, seeds)]
    batch = PointBatch.from_point_sets(sets, pinn.problem, dtype=pinn.dtype, device=pinn.device)
    return pinn, pinn.init(seeds), batch


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_reduces_the_loss(dtype):
    pinn, params, batch = _setup([0, 1, 2], [48, 64, 40], dtype=dtype)
    before = pinn.loss(params, batch).detach()
    result = train(pinn, params, batch, Recipe.adam(60, 1e-2), record_every=20)
    after = pinn.loss(result.params, batch)
    assert after.dtype == pinn.dtype and result.params[0][0].dtype == pinn.dtype
    assert result.loss_history.shape == (4, 3)
    np.testing.assert_array_equal(result.steps_recorded, [0, 20, 40, 60])
    np.testing.assert_allclose(result.loss_history[0], before.numpy(), rtol=1e-6)
    assert not result.diverged.any()
    assert torch.all(after < 0.5 * before), (before, after)
    # Measured: the loss falls by a factor of 9 to 12 in 60 steps. The inputs are untouched.
    assert torch.equal(pinn.loss(params, batch).detach(), before)


def test_model_result_does_not_depend_on_batch_mates():
    # Model with seed 1 on its own 40-point set, trained alone and beside a model whose
    # set is larger (so its own points are padded with zero-weight rows in the batch).
    pinn, params_pair, batch_pair = _setup([0, 1], [64, 40])
    _, params_alone, batch_alone = _setup([1], [40])
    pair = train(pinn, params_pair, batch_pair, Recipe.adam(40, 1e-2))
    alone = train(pinn, params_alone, batch_alone, Recipe.adam(40, 1e-2))
    for (w2, b2), (w1, b1) in zip(pair.params, alone.params):
        torch.testing.assert_close(w2[1], w1[0], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(b2[1], b1[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(pair.loss_history[:, 1], alone.loss_history[:, 0], rtol=1e-10)


def test_nan_target_is_detected_and_isolated():
    pinn, params, batch = _setup([0, 1], [40, 40])
    target = batch.constraint_target.clone()
    target[0, 3] = float("nan")
    poisoned = dataclasses.replace(batch, constraint_target=target)
    with pytest.warns(RuntimeWarning, match=r"diverged.*step 0.*models \[0\]"):
        result = train(pinn, params, poisoned, Recipe.adam(20, 1e-2))
    np.testing.assert_array_equal(result.diverged, [True, False])
    assert np.isnan(result.loss_history[:, 0]).all()
    # The healthy model trained exactly as it would have alone.
    _, params_alone, batch_alone = _setup([1], [40])
    alone = train(pinn, params_alone, batch_alone, Recipe.adam(20, 1e-2))
    torch.testing.assert_close(result.params[-1][0][1], alone.params[-1][0][0], rtol=1e-10, atol=1e-12)


def test_huge_learning_rate_is_flagged():
    pinn, params, batch = _setup([0, 1], [40, 40], dtype="float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train(pinn, params, batch, Recipe.adam(10, 1e30))
    assert result.diverged.all()
    assert any(issubclass(w.category, RuntimeWarning) and "diverged" in str(w.message) for w in caught)
    assert not np.isfinite(result.loss_history[-1]).any()


def test_zero_steps_and_bad_steps():
    pinn, params, batch = _setup([0], [40])
    result = train(pinn, params, batch, Recipe.adam(0, 1e-3))
    assert result.loss_history.shape == (0, 1) and not result.diverged.any()
    with pytest.raises(ValueError, match="steps must be at least 0"):
        train(pinn, params, batch, Recipe.adam(-1, 1e-3))


def test_padding_keeps_the_loss_finite_where_the_residual_divides_by_a_parameter():
    """Kovasznay's residual has 1/Re: zero-filled padding rows (Re = 0) made a smaller set's loss NaN."""
    from pde_catalog.kovasznay import Kovasznay

    problem = Kovasznay()
    pinn = ConditionalPINN(problem, width=12, depth=2, dtype="float32")
    sets = []
    for budget, seed in ((64, 0), (96, 1)):
        interior, constraint, kind = sample_point_arrays(problem, problem.family.region("train"), budget, method="halton", seed=seed)
        sets.append(make_point_set(problem, interior, constraint, kind))
    batch = PointBatch.from_point_sets(sets, problem, dtype=pinn.dtype, device=pinn.device)
    assert batch.interior_weight[0].eq(0).any()  # the first set is padded
    terms = pinn.loss_terms(pinn.init([0, 1]), batch)
    assert torch.isfinite(terms).all()
    alone = pinn.loss_terms(pinn.init([0]), PointBatch.from_point_sets(sets[:1], problem, dtype=pinn.dtype, device=pinn.device))
    torch.testing.assert_close(terms[0], alone[0], rtol=1e-6, atol=0)


def test_a_batch_refuses_point_sets_of_another_problem():
    """poisson2d's sets have heat1d's column count; read as heat1d's they trained NaN models without a word."""
    from pde_catalog.poisson2d import Poisson2D

    other = Poisson2D()
    interior, constraint, kind = sample_point_arrays(other, other.family.region("train"), 32, method="halton", seed=0)
    stranger = make_point_set(other, interior, constraint, kind)
    with pytest.raises(ValueError, match=r"point_sets\[1\] belongs to problem 'poisson2d', not 'heat1d'"):
        PointBatch.from_point_sets([_point_set(32, 0), stranger], PROBLEM, dtype=torch.float32, device="cpu")
    with pytest.raises(ValueError, match="point_sets is empty"):
        PointBatch.from_point_sets([], PROBLEM, dtype=torch.float32, device="cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_trains_on_cuda():
    pinn = ConditionalPINN(PROBLEM, width=16, depth=2, dtype="float32", device="cuda")
    batch = PointBatch.from_point_sets([_point_set(64, 0), _point_set(48, 1)], PROBLEM, dtype=pinn.dtype, device=pinn.device)
    params = pinn.init([0, 1])
    result = train(pinn, params, batch, Recipe.adam(100, 5e-3))
    assert result.params[0][0].device.type == "cuda"
    assert not result.diverged.any()
    assert np.all(result.loss_history[-1] < result.loss_history[0])
    # Same computation on the CPU, to float32 accuracy after 100 steps.
    cpu = ConditionalPINN(PROBLEM, width=16, depth=2, dtype="float32", device="cpu")
    cpu_batch = PointBatch.from_point_sets([_point_set(64, 0), _point_set(48, 1)], PROBLEM, dtype=cpu.dtype, device=cpu.device)
    cpu_result = train(cpu, cpu.init([0, 1]), cpu_batch, Recipe.adam(100, 5e-3))
    np.testing.assert_allclose(result.loss_history[-1], cpu_result.loss_history[-1], rtol=0.05)


def test_divergence_can_raise():
    from pinndd.errors import DivergenceError

    pinn, params, batch = _setup([0, 1], [40, 40])
    target = batch.constraint_target.clone()
    target[1, 0] = float("inf")
    poisoned = dataclasses.replace(batch, constraint_target=target)
    with pytest.raises(DivergenceError, match=r"step 0 for models \[1\]"):
        train(pinn, params, poisoned, Recipe.adam(5, 1e-3), on_divergence="raise")
    with pytest.raises(ValueError, match="on_divergence"):
        train(pinn, params, batch, Recipe.adam(1, 1e-3), on_divergence="ignore")


def test_a_far_too_large_learning_rate_is_flagged_even_with_a_finite_loss():
    pinn, params, batch = _setup([0, 1, 2, 3], [40, 40, 40, 40])
    with torch.no_grad():
        initial = pinn.loss(params, batch).numpy()
    with pytest.warns(RuntimeWarning, match="above the initial loss for models"):
        result = train(pinn, params, batch, Recipe.adam(200, 10.0))
    final = result.loss_history[-1]
    assert np.isfinite(final).all() and (final > initial).any()
    np.testing.assert_array_equal(result.diverged, final > initial)
    assert [r == "loss increased" for r in result.stop_reason] == list(final > initial)
    assert not train(pinn, params, batch, Recipe.adam(200, 1e-3)).diverged.any()


def test_summary_figures_survive_an_all_diverged_run(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from pinndd.plot import plot_error_by_split, plot_error_vs_budget

    rows = pd.DataFrame({"problem": "heat1d", "distiller": "uniform", "split": "train", "budget": [64, 128], "l2re": [np.nan, np.nan]})
    assert plot_error_vs_budget(rows, "heat1d", "train") == []
    assert plot_error_by_split(rows, "heat1d", 64, ["train"]) == []
