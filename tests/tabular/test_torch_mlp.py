"""The small torch learner: it learns, is seeded, honours sample weights and runs end to end."""

import numpy as np
import pytest
import torch

from pinndd.errors import ConfigError
from pinndd.experiment import parse_tabular_config
from pinndd.tabular import LearnerSpec, TrainingSet, fit_predict, score
from pinndd.tabular._torch_mlp import TorchMLPClassifier, TorchMLPRegressor


def _xor(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return x, ((x[:, 0] * x[:, 1]) > 0).astype(float)


def test_classifier_learns_what_a_linear_model_cannot():
    x, y = _xor()
    xt, yt = _xor(seed=1)
    p = TorchMLPClassifier(hidden=16, epochs=600, lr=0.05).fit(x, y).predict_proba(xt)[:, 1]
    assert score(yt, p, "classification")["auroc"] > 0.95
    linear = fit_predict(LearnerSpec("logistic"), TrainingSet(("a", "b"), x, y), ["a", "b"], xt)
    assert score(yt, linear, "classification")["auroc"] < 0.65


def test_regressor_fits_a_smooth_function_in_the_targets_units():
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, size=(300, 1))
    y = 100 + 30 * np.sin(x[:, 0])
    pred = TorchMLPRegressor(hidden=16, epochs=800, lr=0.05, weight_decay=0.0).fit(x, y).predict(x)
    assert np.sqrt(np.mean((pred - y) ** 2)) < 3.0  # target std is about 21


def test_seeded_and_leaves_global_random_state_alone():
    x, y = _xor(n=100)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = TorchMLPClassifier(epochs=20, seed=4).fit(x, y).predict_proba(x)
    after = torch.rand(1)
    b = TorchMLPClassifier(epochs=20, seed=4).fit(x, y).predict_proba(x)
    c = TorchMLPClassifier(epochs=20, seed=5).fit(x, y).predict_proba(x)
    assert torch.equal(before, after)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_integer_weights_equal_repeated_rows():
    x, y = _xor(n=60, seed=3)
    counts = np.random.default_rng(0).integers(1, 4, size=len(y))
    weighted = TorchMLPClassifier(epochs=50).fit(x, y, sample_weight=counts).predict_proba(x)
    repeated = TorchMLPClassifier(epochs=50).fit(np.repeat(x, counts, 0), np.repeat(y, counts)).predict_proba(x)
    np.testing.assert_allclose(weighted, repeated, atol=1e-10)


def test_config_accepts_the_torch_learner_and_checks_its_integers():
    raw = {"experiment": {"kind": "tabular", "name": "mlp", "seeds": 1, "distillers": ["pooled_mean", "task"],
                          "budgets": [20]},
           "data": {"source": "bundled", "table": "breast_cancer"},
           "learner": {"name": "torch_mlp_classifier", "hidden": 8, "epochs": 50}}
    cfg = parse_tabular_config(raw)
    assert cfg.learner.param("hidden") == 8 and cfg.learner.kind == "classification"
    raw["learner"]["hidden"] = 8.5
    with pytest.raises(ConfigError, match=r"learner\.hidden must be a positive integer, got 8\.5"):
        parse_tabular_config(raw)


def test_tabular_run_with_the_torch_learner(tmp_path):
    import pandas as pd

    from pinndd.experiment import run_tabular_experiment

    raw = {"experiment": {"kind": "tabular", "name": "mlp", "seeds": 1, "distillers": ["pooled_mean", "task"],
                          "budgets": [20]},
           "data": {"source": "bundled", "table": "breast_cancer", "n_sites": 3},
           "learner": {"name": "torch_mlp_classifier", "hidden": 8, "epochs": 60},
           "distiller": {"task": {"steps": 4, "check_every": 2, "init_steps": 10, "prox": [0.1]}}}
    out = run_tabular_experiment(raw, tmp_path / "run", progress=False)
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary.method) == {"pooled_mean", "task"} and len(summary) == 6
    assert (summary.auroc > 0.8).all()  # breast cancer is easy for every method


def test_differentiable_training_equals_the_estimator_and_carries_gradients():
    from pinndd.tabular import _inner

    x, y = _xor(n=50, seed=6)
    xs = (x - x.mean(0)) / x.std(0)
    q = np.clip(y * 0.8 + 0.1, 0, 1)  # soft labels
    est = TorchMLPClassifier(hidden=8, epochs=40, lr=0.05, weight_decay=1e-3, seed=3)
    est.fit(np.concatenate([xs, xs]), np.r_[np.ones(len(q)), np.zeros(len(q))], sample_weight=np.r_[q, 1 - q])
    xt = torch.tensor(xs, requires_grad=True)
    params, _, _ = _inner.network_fit(xt, torch.tensor(q), classify=True, hidden=8, steps=40, lr=0.05,
                                      weight_decay=1e-3, seed=3, unroll=40)
    out = _inner.network_predict(params, xt)
    np.testing.assert_allclose(out.detach().numpy(), est._output(xs), atol=1e-8)
    truncated, _, _ = _inner.network_fit(xt, torch.tensor(q), classify=True, hidden=8, steps=40, lr=0.05,
                                         weight_decay=1e-3, seed=3, unroll=5)
    for p_full, p_trunc in zip(params, truncated):  # same forward values whatever is differentiated
        torch.testing.assert_close(p_full, p_trunc)
    grad = torch.autograd.grad(_inner.network_predict(truncated, xt).sum(), xt)[0]
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_regression_network_fit_equals_the_estimator():
    from pinndd.tabular import _inner

    rng = np.random.default_rng(7)
    x = rng.normal(size=(40, 3))
    y = 50 + 10 * x[:, 0] + rng.normal(size=40)
    est = TorchMLPRegressor(hidden=8, epochs=30, lr=0.05, weight_decay=0.0, seed=1).fit(x, y)
    params, mu, sd = _inner.network_fit(torch.tensor(x), torch.tensor(y), classify=False, hidden=8, steps=30,
                                        lr=0.05, weight_decay=0.0, seed=1)
    pred = (_inner.network_predict(params, torch.tensor(x)) * sd + mu).detach().numpy()
    np.testing.assert_allclose(pred, est.predict(x), atol=1e-8)
