import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pinndd.evaluate import EVAL_SEED_OFFSET, METRICS, EvaluationSet, Evaluator, aggregate, eval_seed, metric_names
from pinndd.learner import ConditionalPINN, Recipe


def test_eval_seeds_are_disjoint():
    assert eval_seed(0, 0) >= EVAL_SEED_OFFSET
    assert eval_seed(3, 1) != eval_seed(1, 3)
    with pytest.raises(ValueError):
        eval_seed(EVAL_SEED_OFFSET, 0)


def test_evaluation_set_is_reproducible_and_in_splits():
    problem = get_problem("poisson2d")
    a = EvaluationSet.draw(problem, ["train", "ood_far"], 3, seed=1)
    b = EvaluationSet.draw(problem, ["train", "ood_far"], 3, seed=1)
    np.testing.assert_array_equal(a.beta, b.beta)
    assert problem.family.region("ood_far").contains(a.beta[3:]).all()
    assert a.u_ref.shape == (6, 1, 101, 101)
    assert len(a.condition_points) == 6 and a.condition_points[0].conditions == ("boundary",)


def test_metrics_of_a_perfect_and_a_zero_prediction(monkeypatch):
    problem = get_problem("heat1d")
    evaluation = EvaluationSet.draw(problem, ["train"], 2, seed=0)
    pinn = ConditionalPINN(problem, 4, 1, dtype="float64")
    params = pinn.init([0])
    # zero network output: L2RE = 1 exactly, max error = max |u_ref|
    with torch.no_grad():
        params[-1][0].zero_()
    metrics, u_pred = Evaluator(pinn, Recipe.adam(0, 1e-3)).measure(params, evaluation, np.array([False]))
    np.testing.assert_allclose(metrics[0, :, 0], 1.0)
    np.testing.assert_allclose(metrics[0, :, 2], np.abs(evaluation.u_ref).reshape(2, -1).max(axis=1))
    assert np.all(u_pred == 0)


def test_aggregate_mean_cvar_max():
    metrics = np.zeros((1, 10, 5))
    metrics[0, :, 0] = np.arange(1, 11)
    table = aggregate(metrics, np.array(["train"] * 10), ["train"])
    assert table.l2re[0] == pytest.approx(5.5)
    assert table.l2re_cvar90[0] == pytest.approx(10.0)
    assert table.l2re_max[0] == 10.0


def test_diverged_models_report_nan():
    problem = get_problem("heat1d")
    evaluation = EvaluationSet.draw(problem, ["train"], 1, seed=0)
    pinn = ConditionalPINN(problem, 4, 1)
    metrics, _ = Evaluator(pinn, Recipe.adam(0, 1e-3)).measure(pinn.init([0, 1]), evaluation, np.array([True, False]))
    assert np.isnan(metrics[0]).all() and np.isfinite(metrics[1]).all()


def test_vector_outputs_report_l2re_overall_and_per_output():
    problem = get_problem("kovasznay")
    evaluation = EvaluationSet.draw(problem, ["train"], 2, seed=0)
    assert evaluation.u_ref.shape[:2] == (2, 3)
    pinn = ConditionalPINN(problem, 4, 1, dtype="float64")
    params = pinn.init([0])
    with torch.no_grad():
        params[-1][0].zero_()
    metrics, u_pred = Evaluator(pinn, Recipe.adam(0, 1e-3)).measure(params, evaluation, np.array([False]))
    names = metric_names(problem)
    assert names == METRICS + ("l2re_u", "l2re_v", "l2re_p") and metrics.shape == (1, 2, len(names))
    np.testing.assert_allclose(metrics[0, :, [0, 5, 6, 7]], 1.0)  # zero output: every L2RE is exactly 1
    assert np.isfinite(metrics).all() and u_pred.shape == (1, *evaluation.u_ref.shape)
    table = aggregate(metrics, evaluation.split, ["train"], names)
    assert table.l2re_v[0] == pytest.approx(1.0)


def test_non_box_geometry_is_nan_outside_and_measured_inside():
    problem = get_problem("poisson_lshape")
    evaluation = EvaluationSet.draw(problem, ["train"], 1, seed=0)
    outside = ~evaluation.inside()
    assert outside.any() and np.isnan(evaluation.u_ref[0, 0].ravel()[outside]).all()
    pinn = ConditionalPINN(problem, 4, 1, dtype="float64")
    metrics, u_pred = Evaluator(pinn, Recipe.adam(0, 1e-3)).measure(pinn.init([0]), evaluation, np.array([False]))
    assert np.isfinite(metrics).all()
    assert np.isnan(u_pred[0, 0, 0].ravel()[outside]).all() and np.isfinite(u_pred[0, 0, 0].ravel()[~outside]).all()
