"""Differentiable stand-ins for the downstream learner, used inside the task distiller.

Both solve exactly the problem scikit-learn's estimator solves on a standardised
table, so a synthetic table tuned through them trains the evaluator's learner
the same way:

- L2-regularised logistic regression (``C * sum(loss) + |w|^2 / 2``, intercept not
  penalised) by a fixed number of Newton steps from zero, unrolled;
- ridge regression (``|y - Xw - b|^2 + alpha |w|^2``) in closed form.

Rows may carry soft labels ``q`` in ``[0, 1]``.
"""

from __future__ import annotations

import torch

__all__ = ["standardise", "logistic_fit", "logistic_fit_implicit", "ridge_fit", "predict_logits"]


def standardise(x: torch.Tensor):
    """Column mean and standard deviation of ``x`` (shape ``(m, d)``), as StandardScaler takes them."""
    mu = x.mean(0)
    sd = x.std(0, unbiased=False)
    return mu, torch.where(sd > 1e-8, sd, torch.ones_like(sd))


def _with_intercept(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.ones(x.shape[0], 1, dtype=x.dtype), x], dim=1)


def logistic_fit(x: torch.Tensor, q: torch.Tensor, c: float, *, steps: int = 12) -> torch.Tensor:
    """Fit logistic regression on standardised ``x`` (shape ``(m, d)``) and soft labels ``q`` (``(m,)``).

    Returns
    -------
    torch.Tensor
        Shape ``(d + 1,)``: intercept then weights; differentiable in ``x`` and ``q``.
    """
    xi = _with_intercept(x)
    d1 = xi.shape[1]
    pen = torch.ones(d1, dtype=x.dtype) / c
    pen[0] = 0.0
    theta = torch.zeros(d1, dtype=x.dtype)
    eye = 1e-8 * torch.eye(d1, dtype=x.dtype)
    for _ in range(steps):
        p = torch.sigmoid(xi @ theta)
        grad = xi.T @ (p - q) + pen * theta
        hess = xi.T @ (xi * (p * (1 - p)).unsqueeze(1)) + torch.diag(pen) + eye
        theta = theta - torch.linalg.solve(hess, grad)
    return theta


def logistic_fit_implicit(x: torch.Tensor, q: torch.Tensor, c: float, *, steps: int = 12) -> torch.Tensor:
    """As :func:`logistic_fit`, but differentiated implicitly: cheaper, same solution.

    The Newton iterations run without autograd; one more Newton step, taken with
    autograd from that (detached) solution, carries the gradient. At the fixed
    point the derivative of a Newton step is exactly the implicit-function
    derivative ``-H^{-1} d(grad)/d(x, q)``, so nothing is unrolled.
    """
    with torch.no_grad():
        theta = logistic_fit(x.detach(), q.detach(), c, steps=steps)
    xi = _with_intercept(x)
    d1 = xi.shape[1]
    pen = torch.ones(d1, dtype=x.dtype) / c
    pen[0] = 0.0
    p = torch.sigmoid(xi @ theta)
    grad = xi.T @ (p - q) + pen * theta
    hess = xi.T @ (xi * (p * (1 - p)).unsqueeze(1)) + torch.diag(pen) + 1e-8 * torch.eye(d1, dtype=x.dtype)
    return theta - torch.linalg.solve(hess, grad)


def ridge_fit(x: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    """Ridge regression on standardised (zero-mean) ``x`` (``(m, d)``) and targets ``y`` (``(m,)``).

    Returns
    -------
    torch.Tensor
        Shape ``(d + 1,)``: intercept then weights.
    """
    d = x.shape[1]
    w = torch.linalg.solve(x.T @ x + alpha * torch.eye(d, dtype=x.dtype), x.T @ (y - y.mean()))
    return torch.cat([y.mean().reshape(1), w])


def predict_logits(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Linear predictor ``b + x @ w`` for rows ``x`` (shape ``(n, d)``)."""
    return theta[0] + x @ theta[1:]
