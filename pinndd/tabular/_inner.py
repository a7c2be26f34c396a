"""Differentiable stand-ins for the downstream learner, used inside the task distiller.

Both solve exactly the problem scikit-learn's estimator solves on a standardised
table, so a synthetic table tuned through them trains the evaluator's learner
the same way:

- L2-regularised logistic regression (``C * sum(loss) + |w|^2 / 2``, intercept not
  penalised) by a fixed number of Newton steps from zero, unrolled;
- ridge regression (``|y - Xw - b|^2 + alpha |w|^2``) in closed form;
- the small torch network of :mod:`._torch_mlp` by the same AdamW steps from
  the same seeded start, of which only the last ``unroll`` are differentiated
  (truncated back-propagation through training; the network has no closed form).

Rows may carry soft labels ``q`` in ``[0, 1]``.
"""

from __future__ import annotations

import torch

from ..learner._functional import adam_update

__all__ = ["standardise", "logistic_fit", "logistic_fit_implicit", "ridge_fit", "predict_logits", "network_init",
           "network_fit", "network_predict", "NETWORK_UNROLL"]

NETWORK_UNROLL = 20  # differentiated (last) AdamW steps of the network's training


def standardise(x: torch.Tensor):
    """Column mean and standard deviation of ``x`` (shape ``(m, d)``), as StandardScaler takes them."""
    mu = x.mean(0)
    sd = x.std(0, unbiased=False)
    return mu, torch.where(sd > 1e-8, sd, torch.ones_like(sd))


def _with_intercept(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.ones(x.shape[0], 1, dtype=x.dtype), x], dim=1)


def _penalty_weights(d1: int, c: float, dtype) -> torch.Tensor:
    """L2 weights ``1 / C`` of intercept and weights (shape ``(d1,)``); the intercept is not penalised."""
    pen = torch.ones(d1, dtype=dtype) / c
    pen[0] = 0.0
    return pen


def _newton_step(xi: torch.Tensor, q: torch.Tensor, theta: torch.Tensor, pen: torch.Tensor) -> torch.Tensor:
    """One Newton step from ``theta`` on ``sum(loss) + pen * theta^2 / 2`` for rows ``xi`` (with intercept)."""
    p = torch.sigmoid(xi @ theta)
    grad = xi.T @ (p - q) + pen * theta
    hess = xi.T @ (xi * (p * (1 - p)).unsqueeze(1)) + torch.diag(pen) + 1e-8 * torch.eye(len(theta), dtype=xi.dtype)
    return theta - torch.linalg.solve(hess, grad)


def logistic_fit(x: torch.Tensor, q: torch.Tensor, c: float, *, steps: int = 12) -> torch.Tensor:
    """Fit logistic regression on standardised ``x`` (shape ``(m, d)``) and soft labels ``q`` (``(m,)``).

    Returns
    -------
    torch.Tensor
        Shape ``(d + 1,)``: intercept then weights; differentiable in ``x`` and ``q``.
    """
    xi = _with_intercept(x)
    pen = _penalty_weights(xi.shape[1], c, x.dtype)
    theta = torch.zeros(xi.shape[1], dtype=x.dtype)
    for _ in range(steps):
        theta = _newton_step(xi, q, theta, pen)
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
    return _newton_step(xi, q, theta, _penalty_weights(xi.shape[1], c, x.dtype))


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


def network_init(d: int, hidden: int, *, seed: int, dtype=torch.float64) -> list:
    """Start of the one-hidden-layer network: ``[w1 (d, hidden), b1 (hidden,), w2 (hidden,), b2 ()]``.

    Weights are normal draws scaled by ``1 / sqrt(fan-in)`` from a
    ``torch.Generator`` seeded by ``seed`` (global random state is untouched);
    biases are zero.
    """
    gen = torch.Generator().manual_seed(int(seed))
    return [torch.randn(d, hidden, generator=gen, dtype=dtype) / d ** 0.5, torch.zeros(hidden, dtype=dtype),
            torch.randn(hidden, generator=gen, dtype=dtype) / hidden ** 0.5, torch.zeros((), dtype=dtype)]


def network_predict(params, x: torch.Tensor) -> torch.Tensor:
    """Output of the one-hidden-layer network ``params`` for rows ``x`` (shape ``(n, d)``); shape ``(n,)``."""
    w1, b1, w2, b2 = params
    return torch.tanh(x @ w1 + b1) @ w2 + b2


def network_fit(x: torch.Tensor, y: torch.Tensor, *, classify: bool, hidden: int, steps: int, lr: float,
                weight_decay: float, seed: int = 0, unroll: int = NETWORK_UNROLL):
    """Train the network of :class:`~._torch_mlp.TorchMLPClassifier` (or ``Regressor``) on ``(x, y)``.

    The start, the loss and the AdamW steps (:func:`pinndd.learner._functional.adam_update`)
    are those of the estimator (soft labels ``y`` in ``[0, 1]`` for
    ``classify``, real targets otherwise, fitted standardised), so with
    ``unroll >= steps`` the result equals its fit. The
    first ``steps - unroll`` steps run without autograd; the last ``unroll``
    carry the gradient to ``x`` and ``y`` (none do when called under
    ``torch.no_grad``).

    Returns
    -------
    (list of torch.Tensor, float, float)
        The parameters, and the target mean and standard deviation to map
        regression outputs back (0 and 1 for ``classify``).
    """
    params = network_init(x.shape[1], hidden, seed=seed, dtype=x.dtype)
    if not torch.is_grad_enabled():  # only scoring a table: no step needs a graph
        unroll = 0
    y_mu, y_sd = torch.zeros((), dtype=x.dtype), torch.ones((), dtype=x.dtype)
    if not classify:
        y_mu, y_sd = y.mean(), y.std(unbiased=False).clamp_min(1e-12)
    m1 = [torch.zeros_like(p) for p in params]
    m2 = [torch.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        live = t > steps - unroll
        with torch.enable_grad():  # also under an outer no_grad, e.g. when only scoring a table
            xs, ys = (x, y) if live else (x.detach(), y.detach())
            target = ys if classify else (ys - y_mu) / y_sd
            params = [p if live and p.requires_grad else p.detach().requires_grad_(True) for p in params]
            out = network_predict(params, xs)
            if classify:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(out, target)
            else:
                loss = ((out - target) ** 2).mean()
            grads = torch.autograd.grad(loss, params, create_graph=live)
            if not live:
                params, grads = [p.detach() for p in params], [g.detach() for g in grads]
                m1, m2 = [m.detach() for m in m1], [v.detach() for v in m2]
            params, m1, m2 = adam_update(params, grads, m1, m2, t, lr, weight_decay=weight_decay)
    return params, y_mu, y_sd
