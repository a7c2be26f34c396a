"""Risk measures against hand-computed values; numpy and torch agree; torch stays differentiable."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pinndd.risk import RiskMeasure, cvar, parse_risk

LOSSES = [1.0, 2.0, 3.0, 4.0, 10.0]


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        (0.0, 4.0),  # the mean
        (0.8, 10.0),  # worst 20% of 5 samples: the largest alone
        (0.7, (10.0 + 0.5 * 4.0) / 1.5),  # worst 1.5 samples: 10 and half of 4 -> 8
        (0.6, (10.0 + 4.0) / 2.0),
        (0.5, (10.0 + 4.0 + 0.5 * 3.0) / 2.5),  # 6.2
        (0.99, 10.0),
    ],
)
def test_cvar_hand_computed(alpha, expected):
    # Order must not matter.
    shuffled = np.array([4.0, 10.0, 1.0, 3.0, 2.0])
    assert cvar(shuffled, alpha) == pytest.approx(expected, rel=1e-12)
    assert cvar(torch.tensor(shuffled, dtype=torch.float64), alpha).item() == pytest.approx(expected, rel=1e-12)


def test_risk_measures_hand_computed():
    losses = np.array(LOSSES)
    assert RiskMeasure("mean")(losses) == pytest.approx(4.0)
    assert RiskMeasure("max")(losses) == 10.0
    assert RiskMeasure("cvar", 0.7)(losses) == pytest.approx(8.0)
    assert RiskMeasure("cvar", 0.0)(losses) == pytest.approx(RiskMeasure("mean")(losses))


def test_cvar_lies_between_mean_and_max():
    rng = np.random.default_rng(0)
    losses = rng.exponential(size=(4, 37))
    for alpha in (0.0, 0.3, 0.9, 0.999):
        value = cvar(losses, alpha)
        assert np.all(value >= losses.mean(-1) - 1e-12) and np.all(value <= losses.max(-1) + 1e-12)


@pytest.mark.parametrize("risk", ["mean", "max", "cvar0.9", "cvar0.5", "cvar0"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_numpy_and_torch_agree(risk, axis):
    losses = np.random.default_rng(1).random((6, 9))
    measure = parse_risk(risk)
    got_np = measure(losses, axis=axis)
    got_torch = measure(torch.tensor(losses, dtype=torch.float64), axis=axis)
    assert isinstance(got_torch, torch.Tensor)
    np.testing.assert_allclose(got_torch.numpy(), got_np, rtol=1e-13, atol=0)
    assert np.shape(got_np) == tuple(s for k, s in enumerate(losses.shape) if k != axis % 2)


@pytest.mark.parametrize("risk", ["mean", "max", "cvar0.7"])
def test_torch_is_differentiable(risk):
    losses = torch.tensor(LOSSES, dtype=torch.float64, requires_grad=True)
    parse_risk(risk)(losses).backward()
    expected = {
        "mean": [0.2] * 5,
        "max": [0, 0, 0, 0, 1],
        "cvar0.7": [0, 0, 0, 0.5 / 1.5, 1 / 1.5],  # the weights of 4 and 10
    }[risk]
    np.testing.assert_allclose(losses.grad.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_cvar_gradcheck():
    losses = torch.tensor([[0.3, 1.7, 0.9, 2.2], [1.0, 0.1, 0.5, 0.45]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: cvar(x, 0.6), (losses,))


def test_labels():
    assert [parse_risk(t).label for t in ("mean", "max", "cvar", "cvar0.75")] == ["mean", "max", "cvar0.9", "cvar0.75"]


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("median", ValueError, "unknown risk 'median'; allowed: 'mean', 'max'"),
        ("cvarx", ValueError, "expected 'cvar' followed by a level"),
        ("cvar1", ValueError, r"alpha must lie in \[0, 1\)"),
        ("cvar-0.1", ValueError, r"alpha must lie in \[0, 1\)"),
        (0.9, TypeError, "risk must be a string"),
    ],
)
def test_parse_risk_errors(text, error, match):
    with pytest.raises(error, match=match):
        parse_risk(text)


def test_constructor_and_cvar_validation():
    with pytest.raises(ValueError, match="risk kind must be one of mean, cvar, max"):
        RiskMeasure("worst")
    with pytest.raises(ValueError, match="alpha"):
        cvar(np.ones(3), 1.0)
