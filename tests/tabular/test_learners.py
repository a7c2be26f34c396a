"""The downstream learner and its differentiable stand-ins solve the same problem."""

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, Ridge

from pinndd.tabular import LearnerSpec, TrainingSet, fit_predict
from pinndd.tabular import _inner


def _data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    x = (x - x.mean(0)) / x.std(0)
    logits = x @ rng.normal(size=d)
    return x, rng, logits


def test_newton_logistic_matches_sklearn_with_soft_labels():
    x, rng, logits = _data()
    q = 1 / (1 + np.exp(-logits + rng.normal(size=len(logits))))
    theta = _inner.logistic_fit(torch.as_tensor(x), torch.as_tensor(q), 0.7, steps=25).numpy()
    ref = LogisticRegression(C=0.7, tol=1e-12, max_iter=10_000).fit(
        np.concatenate([x, x]), np.r_[np.ones(len(q)), np.zeros(len(q))], sample_weight=np.r_[q, 1 - q])
    np.testing.assert_allclose(theta[0], ref.intercept_[0], atol=1e-5)
    np.testing.assert_allclose(theta[1:], ref.coef_[0], atol=1e-5)


def test_ridge_closed_form_matches_sklearn():
    x, rng, logits = _data(seed=1)
    y = logits + rng.normal(size=len(logits))
    theta = _inner.ridge_fit(torch.as_tensor(x), torch.as_tensor(y), 2.5).numpy()
    ref = Ridge(alpha=2.5).fit(x, y)
    np.testing.assert_allclose(theta[0], ref.intercept_, atol=1e-10)
    np.testing.assert_allclose(theta[1:], ref.coef_, atol=1e-10)


def test_soft_labels_of_zero_and_one_equal_hard_labels():
    x, rng, logits = _data(seed=2)
    y = (logits > 0).astype(float)
    table = TrainingSet(("a", "b", "c", "d"), x, y)
    soft = TrainingSet(table.columns, x, np.where(y == 1, 1 - 1e-12, 1e-12))
    spec = LearnerSpec("logistic")
    hard_p = fit_predict(spec, table, ["a", "c"], x[:, [0, 2]])
    soft_p = fit_predict(spec, soft, ["a", "c"], x[:, [0, 2]])
    np.testing.assert_allclose(hard_p, soft_p, atol=1e-4)


def test_missing_test_values_take_the_training_mean():
    x, rng, logits = _data(seed=3)
    table = TrainingSet(("a", "b", "c", "d"), x, (logits > 0).astype(float))
    probe = np.array([[np.nan, 0.3, 0.1, -0.2]])
    filled = probe.copy()
    filled[0, 0] = x[:, 0].mean()
    spec = LearnerSpec("logistic")
    np.testing.assert_allclose(fit_predict(spec, table, list(table.columns), probe),
                               fit_predict(spec, table, list(table.columns), filled))


def test_implicit_newton_gradient_equals_unrolled_gradient():
    x, rng, logits = _data(n=40, d=3, seed=4)
    q0 = 1 / (1 + np.exp(-logits))
    grads = []
    for fit in (lambda a, b: _inner.logistic_fit(a, b, 0.5, steps=30),
                lambda a, b: _inner.logistic_fit_implicit(a, b, 0.5, steps=30)):
        xt = torch.tensor(x, requires_grad=True)
        qt = torch.tensor(q0, requires_grad=True)
        theta = fit(xt, qt)
        (theta ** 2).sum().backward()
        grads.append((theta.detach().numpy(), xt.grad.numpy(), qt.grad.numpy()))
    for unrolled, implicit in zip(*grads):
        np.testing.assert_allclose(implicit, unrolled, rtol=1e-6, atol=1e-9)
