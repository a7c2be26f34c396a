"""Batched L-BFGS: it minimises, rows are independent, and a bad row cannot spoil the others."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog.convection1d import Convection1D
from pde_catalog.heat1d import Heat1D
from pde_catalog.kovasznay import Kovasznay
from pinndd.learner import ConditionalPINN, Recipe, batched_lbfgs, train

PROBLEM = Heat1D()


def _rosenbrock(scales):
    """Row m: scales[m] * Rosenbrock in P dimensions (a curved valley L-BFGS must follow)."""

    def fun(x):
        x = x.detach().requires_grad_()
        f = scales * (100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2).sum(1)
        (g,) = torch.autograd.grad(f.sum(), x)
        return f.detach(), g

    return fun


def test_minimises_rosenbrock_in_every_row():
    x0 = torch.tensor([[-1.2, 1.0, -0.5, 0.3], [0.0, 0.0, 0.0, 0.0], [2.0, -1.0, 1.5, 1.0]], dtype=torch.float64)
    result = batched_lbfgs(_rosenbrock(torch.tensor([1.0, 3.0, 0.5], dtype=torch.float64)), x0, max_iter=500, patience=50, tol=1e-12)
    torch.testing.assert_close(result.x, torch.ones_like(x0), rtol=0, atol=1e-5)
    assert (result.loss < 1e-10).all()
    assert all(r in ("gradient", "plateau", "line search") for r in result.stop_reason)


def test_rows_end_where_they_would_end_alone():
    scales = torch.tensor([1.0, 2.0, 0.7], dtype=torch.float64)
    x0 = torch.tensor([[-1.2, 1.0, 0.5], [0.3, -0.4, 2.0], [1.5, 1.5, 1.5]], dtype=torch.float64)
    batch = batched_lbfgs(_rosenbrock(scales), x0, max_iter=30, history=5)
    for m in range(3):
        alone = batched_lbfgs(_rosenbrock(scales[m : m + 1]), x0[m : m + 1], max_iter=30, history=5)
        torch.testing.assert_close(batch.x[m], alone.x[0], rtol=1e-12, atol=1e-12)
        assert batch.iterations[m] == alone.iterations[0]


def test_a_non_finite_row_is_left_alone_and_the_others_converge():
    scales = torch.tensor([1.0, float("nan"), 1.0], dtype=torch.float64)
    x0 = torch.tensor([[-1.2, 1.0], [0.0, 0.0], [0.5, 0.5]], dtype=torch.float64)
    result = batched_lbfgs(_rosenbrock(scales), x0, max_iter=200)
    assert result.stop_reason[1] == "non-finite" and result.iterations[1] == 0
    torch.testing.assert_close(result.x[1], x0[1])
    torch.testing.assert_close(result.x[[0, 2]], torch.ones(2, 2, dtype=torch.float64), rtol=0, atol=1e-5)



def test_row_objective_evaluates_searching_rows_only_and_changes_nothing():
    """Line-search trials over the rows still searching give the very result of full-batch trials."""
    scales = torch.tensor([1.0, 2.0, 0.7, 5.0], dtype=torch.float64)
    x0 = torch.tensor([[-1.2, 1.0, 0.5], [0.3, -0.4, 2.0], [1.5, 1.5, 1.5], [-2.0, 3.0, 0.1]], dtype=torch.float64)
    fun, sizes = _rosenbrock(scales), []

    def rows_only(x, rows):
        sizes.append(len(rows))
        return _rosenbrock(scales[rows])(x)

    whole = batched_lbfgs(fun, x0, max_iter=60, history=5)
    subset = batched_lbfgs(fun, x0, max_iter=60, history=5, row_objective=rows_only)
    assert torch.equal(whole.x, subset.x) and torch.equal(whole.loss, subset.loss)
    assert torch.equal(whole.iterations, subset.iterations) and whole.stop_reason == subset.stop_reason
    assert sizes and min(sizes) >= 2 and max(sizes) < len(scales)  # trials of a few rows, never of one alone


@pytest.mark.parametrize("problem", [Heat1D(), Convection1D(), Kovasznay()], ids=lambda p: p.name)
def test_training_with_row_trials_is_bitwise_the_full_batch_training(small_batch, monkeypatch, problem):
    """train's L-BFGS evaluates only the models still searching; the trained models are the same to the bit.

    float32, as the benchmarks train; a periodic problem (partner rows) and a
    system (several outputs) besides heat1d.
    """
    import pinndd.learner._train as train_module

    original, sizes = train_module.batched_lbfgs, []

    def counting(*args, row_objective=None, **kwargs):
        def rows_only(x, rows):
            sizes.append(len(rows))
            return row_objective(x, rows)
        return original(*args, row_objective=rows_only, **kwargs)

    recipe = Recipe(steps=40, lr=1e-2, lbfgs_iters=80, lbfgs_history=10)
    pinn, params, batch = small_batch([0, 1, 2, 3], [64, 72, 80, 96], problem, dtype="float32")
    monkeypatch.setattr(train_module, "batched_lbfgs", counting)
    subset = train(pinn, params, batch, recipe)
    monkeypatch.setattr(train_module, "batched_lbfgs", lambda *a, row_objective=None, **k: original(*a, **k))
    whole = train(pinn, params, batch, recipe)
    assert sizes and min(sizes) >= 2  # the row path ran
    for (w, b), (w1, b1) in zip(subset.params, whole.params):
        assert torch.equal(w, w1) and torch.equal(b, b1)
    assert np.array_equal(subset.lbfgs_iterations, whole.lbfgs_iterations) and subset.stop_reason == whole.stop_reason


def test_pinn_batch_equals_separate_runs_through_both_phases(small_batch):
    recipe = Recipe(steps=30, lr=1e-2, lbfgs_iters=40, lbfgs_history=10)
    pinn, params, batch = small_batch([0, 1, 2], [48, 40, 64])
    together = train(pinn, params, batch, recipe)
    assert (together.lbfgs_iterations > 0).all()
    for m, (seed, budget) in enumerate(zip([0, 1, 2], [48, 40, 64])):
        _, p1, b1 = small_batch([seed], [budget])
        alone = train(pinn, p1, b1, recipe)
        for (w, b), (w1, b1_) in zip(together.params, alone.params):
            torch.testing.assert_close(w[m], w1[0], rtol=1e-8, atol=1e-10)
            torch.testing.assert_close(b[m], b1_[0], rtol=1e-8, atol=1e-10)
        assert together.lbfgs_iterations[m] == alone.lbfgs_iterations[0]


def test_lbfgs_phase_lowers_the_loss_well_below_adam(small_batch):
    pinn, params, batch = small_batch([0, 1], [64, 64])
    adam = train(pinn, params, batch, Recipe(steps=200, lr=1e-2, lbfgs_iters=0))
    both = train(pinn, params, batch, Recipe(steps=200, lr=1e-2, lbfgs_iters=200))
    # Measured: L-BFGS takes the loss down a further 10-100x in 200 iterations.
    assert np.all(both.loss_history[-1] < 0.2 * adam.loss_history[-1])
    assert both.steps_recorded[-1] == 200 + both.lbfgs_iterations.max()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_batched_lbfgs_on_cuda_matches_the_cpu(small_batch):
    recipe = Recipe(steps=20, lr=1e-2, lbfgs_iters=30)
    pinn, params, batch = small_batch([0, 1], [48, 40])
    cpu = train(pinn, params, batch, recipe)
    gpu_pinn = ConditionalPINN(PROBLEM, width=12, depth=2, dtype="float64", device="cuda")
    gpu_batch = batch.map(lambda t: t.to("cuda"))
    gpu = train(gpu_pinn, [(w.to("cuda"), b.to("cuda")) for w, b in params], gpu_batch, recipe)
    assert gpu.params[0][0].device.type == "cuda"
    np.testing.assert_allclose(gpu.loss_history[-1], cpu.loss_history[-1], rtol=1e-6)


def test_inner_products_kept_by_push_equal_recomputed_ones():
    from pinndd.learner._lbfgs import _push

    gen = torch.Generator().manual_seed(0)
    m, h, p = 3, 4, 7
    s_hist = torch.zeros(m, h, p, dtype=torch.float64)
    y_hist, valid = torch.zeros_like(s_hist), torch.zeros(m, h, dtype=torch.bool)
    sty, yty = torch.zeros(m, h, h, dtype=torch.float64), torch.zeros(m, h, h, dtype=torch.float64)
    for k in range(7):
        keep = torch.tensor([True, k % 2 == 0, k < 2])
        s, y = torch.randn(m, p, generator=gen, dtype=torch.float64), torch.randn(m, p, generator=gen, dtype=torch.float64)
        s_hist, y_hist, valid, sty, yty = _push(keep, s, y, s_hist, y_hist, valid, sty, yty)
        torch.testing.assert_close(sty, torch.bmm(s_hist, y_hist.mT))
        torch.testing.assert_close(yty, torch.bmm(y_hist, y_hist.mT))
    assert valid.sum(1).tolist() == [4, 4, 2]


@pytest.mark.parametrize("kept", ["all", "some", "none"])
def test_push_appends_to_kept_rows_only(kept):
    """Kept rows drop their oldest pair and append the new one, with inner products to match; other rows are untouched."""
    from pinndd.learner._lbfgs import _push

    gen = torch.Generator().manual_seed(3)
    m, h, p = 5, 4, 6
    s_hist, y_hist = torch.randn(m, h, p, generator=gen, dtype=torch.float64), torch.randn(m, h, p, generator=gen, dtype=torch.float64)
    valid = torch.ones(m, h, dtype=torch.bool)
    sty, yty = s_hist @ y_hist.mT, y_hist @ y_hist.mT
    s, y = torch.randn(m, p, generator=gen, dtype=torch.float64), torch.randn(m, p, generator=gen, dtype=torch.float64)
    keep = {"all": torch.ones(m, dtype=torch.bool), "none": torch.zeros(m, dtype=torch.bool),
            "some": torch.tensor([True, False, True, False, False])}[kept]
    before = [t.clone() for t in (s_hist, y_hist, sty, yty)]
    s2, y2, valid2, sty2, yty2 = _push(keep, s, y, s_hist, y_hist, valid.clone(), sty, yty)
    for row in range(m):
        if keep[row]:
            expect_s = torch.cat([before[0][row, 1:], s[row, None]])
            expect_y = torch.cat([before[1][row, 1:], y[row, None]])
            assert torch.equal(s2[row], expect_s) and torch.equal(y2[row], expect_y)
            torch.testing.assert_close(sty2[row], expect_s @ expect_y.T)
            torch.testing.assert_close(yty2[row], expect_y @ expect_y.T)
        else:
            assert all(torch.equal(new[row], old[row]) for new, old in zip((s2, y2, sty2, yty2), before))
    assert valid2.all()
