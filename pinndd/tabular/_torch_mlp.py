"""A small torch network as a scikit-learn estimator, so a merge task may name one as its learner.

One hidden layer of ``tanh`` units (start and forward pass shared with the
task distiller's differentiable copy in :mod:`._inner`), trained full-batch
with AdamW on the (sample-weighted) cross-entropy or squared error.
Initial weights come from a ``torch.Generator`` seeded by ``seed``: no global
random state is read or changed, and torch's global defaults are left alone.
It fits inside the same pipeline as every other learner (mean imputation ->
standardisation -> estimator), and ``sample_weight`` carries soft labels the
same way (two weighted copies of each row).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from ._inner import network_init, network_predict

__all__ = ["TorchMLPClassifier", "TorchMLPRegressor"]


class _TorchMLP(BaseEstimator):
    """Shared fitting of :class:`TorchMLPClassifier` and :class:`TorchMLPRegressor`.

    Parameters
    ----------
    hidden : int
        Hidden units.
    epochs : int
        Full-batch Adam steps.
    lr : float
        Adam learning rate.
    weight_decay : float
        Decoupled weight decay (AdamW) on every weight.
    seed : int
        Seeds the initial weights.
    """

    _classify = False

    def __init__(self, hidden: int = 32, epochs: int = 300, lr: float = 0.01, weight_decay: float = 1e-3,
                 seed: int = 0):
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.seed = seed

    def fit(self, x, y, sample_weight=None):
        """Fit on ``x`` (shape ``(n, d)``, no NaN) and targets ``y`` (``(n,)``); returns ``self``."""
        x = torch.as_tensor(np.asarray(x, dtype=float))
        y = torch.as_tensor(np.asarray(y, dtype=float))
        w = torch.ones(len(y), dtype=x.dtype) if sample_weight is None else torch.as_tensor(
            np.asarray(sample_weight, dtype=float))
        w = w / w.sum()
        self.y_mu_, self.y_sd_ = 0.0, 1.0
        if not self._classify:  # fit standardised targets; predictions are mapped back
            self.y_mu_ = float((w * y).sum())
            self.y_sd_ = float(torch.sqrt((w * (y - self.y_mu_) ** 2).sum())) or 1.0
            y = (y - self.y_mu_) / self.y_sd_
        params = network_init(x.shape[1], int(self.hidden), seed=self.seed, dtype=x.dtype)
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.AdamW(params, lr=float(self.lr), weight_decay=float(self.weight_decay))
        for _ in range(int(self.epochs)):
            opt.zero_grad()
            out = network_predict(params, x)
            if self._classify:
                loss = (w * torch.nn.functional.binary_cross_entropy_with_logits(out, y, reduction="none")).sum()
            else:
                loss = (w * (out - y) ** 2).sum()
            loss.backward()
            opt.step()
        self.params_ = [p.detach() for p in params]
        return self

    def _output(self, x) -> np.ndarray:
        with torch.no_grad():
            return network_predict(self.params_, torch.as_tensor(np.asarray(x, dtype=float))).numpy()


class TorchMLPClassifier(ClassifierMixin, _TorchMLP):
    """Binary classifier; labels must be 0 and 1."""

    _classify = True

    def fit(self, x, y, sample_weight=None):
        """Fit on ``x`` and 0/1 labels ``y``; returns ``self``."""
        self.classes_ = np.array([0.0, 1.0])
        return super().fit(x, y, sample_weight)

    def predict_proba(self, x) -> np.ndarray:
        """Shape ``(n, 2)``: probabilities of class 0 and class 1."""
        p1 = 1.0 / (1.0 + np.exp(-self._output(x)))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, x) -> np.ndarray:
        """Class 1 where its probability is at least 0.5."""
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(float)


class TorchMLPRegressor(RegressorMixin, _TorchMLP):
    """Regressor on real targets (fitted in standardised units internally)."""

    def predict(self, x) -> np.ndarray:
        """Shape ``(n,)``: predicted values, in the targets' units."""
        return self._output(x) * self.y_sd_ + self.y_mu_
