"""The task distiller: synthetic rows that make the learner good on every site.

Parameters are the ``m x d`` synthetic table over the union of features (in a
standardised space) and, for classification, one soft-label logit per row. For
each site ``s`` the inner learner (:mod:`._inner`) is trained on the synthetic
table *as the evaluator will train it for that site* (the columns ``s`` measured,
or all columns under ``deploy = "impute"``), and its loss is measured on ``s``'s
training rows, seen only through the features ``s`` measured (a value the site
did not record is filled with the synthetic table's mean, as the evaluator's
imputer will do). The outer objective is the task's risk measure over the
per-site losses; it is minimised with Adam, differentiating through training.

The table starts from ``m`` pooled, iteratively imputed training rows (the
``random_subset`` baseline). A stratified ``holdout`` share of each site's
training rows picks the number of outer steps (early stopping); with
``refit`` the optimisation is then rerun on all training rows for that many
steps. Held-out evaluation patients are never seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import _inner
from .baselines import random_subset
from .evaluate import split_sites
from .learners import TrainingSet

__all__ = ["TaskDistiller"]


@dataclass(frozen=True)
class TaskDistiller:
    """Optimise the synthetic table for the task's risk over sites.

    Parameters
    ----------
    steps : int
        Maximum number of outer Adam steps.
    lr : float
        Adam learning rate (standardised units).
    holdout : float
        Share of each site's training rows used to choose the step count, in
        ``[0, 1)``; 0 runs all ``steps`` without early stopping.
    refit : bool
        After early stopping, rerun on all training rows for the chosen steps.
    learn_labels : bool
        Optimise soft labels (classification) or targets (regression) too.
    newton_steps : int
        Unrolled Newton steps of the inner logistic regression.
    check_every : int
        Outer steps between validation checks.
    borrow : float
        In ``[0, 1]``: weight of the pooled rows of all sites (seen through the
        site's columns) in a site's loss; ``1 - borrow`` goes to the site's own
        rows. Borrowing strength keeps a small site from over-fitting.
    """

    steps: int = 300
    lr: float = 0.05
    holdout: float = 0.25
    refit: bool = True
    learn_labels: bool = True
    newton_steps: int = 10
    check_every: int = 10
    borrow: float = 0.5

    def __post_init__(self):
        for key in ("steps", "newton_steps", "check_every"):
            if int(getattr(self, key)) < 1:
                raise ValueError(f"task distiller {key} must be a positive integer, got {getattr(self, key)!r}")
        if not self.lr > 0:
            raise ValueError(f"task distiller lr must be positive, got {self.lr!r}")
        if not 0.0 <= self.borrow <= 1.0:
            raise ValueError(f"task distiller borrow must lie in [0, 1], got {self.borrow!r}")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"task distiller holdout must lie in [0, 1), got {self.holdout!r}")

    def distill(self, task, m: int, *, seed: int) -> TrainingSet:
        """Return ``m`` synthetic rows over ``task.columns`` (raw units) with their labels.

        Parameters
        ----------
        task : MergeTask
            Its sources must be the sites' training rows only.
        m : int
            Number of synthetic rows.
        seed : int
            Seeds the initial rows and the early-stopping split.
        """
        init = random_subset(task.sources, m, seed=seed)
        space = _Space.fit(task)
        z0 = torch.as_tensor(space.to_z(init.x))
        if task.kind == "classification":
            lab0 = torch.logit(torch.as_tensor(init.y).clamp(0.05, 0.95))
        else:
            lab0 = torch.as_tensor((init.y - space.y_mu) / space.y_sd)
        n_steps = self.steps
        if self.holdout > 0:
            fit, val = split_sites(task.sources, self.holdout, seed=seed + 7919,
                                   stratify=task.kind == "classification")
            (z, lab), n_steps = self._optimise(task, space, z0, lab0, _pack(task, space, fit, self.borrow),
                                               _pack(task, space, val, 0.0), self.steps)
        if self.holdout == 0 or self.refit:
            (z, lab), _ = self._optimise(task, space, z0, lab0, _pack(task, space, task.sources, self.borrow),
                                            None, n_steps)
        x = space.from_z(z.detach().numpy())
        if task.kind == "classification":
            y = torch.sigmoid(lab).detach().numpy()
        else:
            y = lab.detach().numpy() * space.y_sd + space.y_mu
        return TrainingSet(task.columns, x, y)

    def _optimise(self, task, space, z0, lab0, train, val, n_steps):
        z = z0.clone().requires_grad_(True)
        lab = lab0.clone().requires_grad_(self.learn_labels)
        params = [z, lab] if self.learn_labels else [z]
        opt = torch.optim.Adam(params, lr=self.lr)
        best = (float("inf"), (z0.clone(), lab0.clone()), 0)
        for step in range(n_steps + 1):
            if val is not None and step % self.check_every == 0:
                with torch.no_grad():
                    v = float(_risk(task, space, z, lab, val, self.newton_steps))
                if v < best[0] - 1e-9:
                    best = (v, (z.detach().clone(), lab.detach().clone()), step)
            if step == n_steps:
                break
            opt.zero_grad()
            loss = _risk(task, space, z, lab, train, self.newton_steps)
            loss.backward()
            opt.step()
        if val is None:
            return (z.detach(), lab.detach()), n_steps
        return best[1], best[2]


@dataclass(frozen=True, eq=False)
class _Space:
    """Standardisation of the union's columns by the pooled training rows' observed values."""

    mu: np.ndarray
    sd: np.ndarray
    y_mu: float
    y_sd: float

    @classmethod
    def fit(cls, task):
        x = np.concatenate([s.matrix(task.columns) for s in task.sources])
        y = np.concatenate([s.labels() for s in task.sources])
        sd = np.nanstd(x, axis=0)
        return cls(np.nanmean(x, axis=0), np.where(sd > 0, sd, 1.0), float(y.mean()), float(y.std() or 1.0))

    def to_z(self, x):
        return (x - self.mu) / self.sd

    def from_z(self, z):
        return z * self.sd + self.mu


def _pack(task, space, sources, borrow: float):
    """Per-site tensors: model column indices, then (rows, missing mask, targets, weight) blocks.

    A site's own rows weigh ``1 - borrow``; the pooled rows of all sites, seen
    through the same columns, weigh ``borrow``.
    """
    packs = []
    columns = task.columns
    pooled_x = space.to_z(np.concatenate([s.matrix(columns) for s in sources]))
    pooled_y = np.concatenate([s.labels() for s in sources])
    for s in sources:
        idx = [columns.index(c) for c in task.deploy_columns(s.features)]
        blocks = [_block(task, space, space.to_z(s.matrix(columns))[:, idx], s.labels(), 1.0 - borrow)]
        if borrow > 0:
            blocks.append(_block(task, space, pooled_x[:, idx], pooled_y, borrow))
        packs.append((torch.as_tensor(idx), blocks))
    return packs


def _block(task, space, x, y, weight):
    if task.kind == "regression":
        y = (y - space.y_mu) / space.y_sd
    missing = np.isnan(x)
    return (torch.tensor(np.where(missing, 0.0, x)), torch.tensor(missing), torch.tensor(np.asarray(y, float)),
            weight)


def _risk(task, space, z, lab, packs, newton_steps):
    """Risk over sites of each site's loss under the learner trained on the synthetic table."""
    losses = []
    for idx, blocks in packs:
        xs = z[:, idx]
        mu, sd = _inner.standardise(xs)
        xsn = (xs - mu) / sd
        if task.kind == "classification":
            theta = _inner.logistic_fit(xsn, torch.sigmoid(lab), _penalty(task, "C"), steps=newton_steps)
        else:
            theta = _inner.ridge_fit(xsn, lab, _penalty(task, "alpha"))
        loss = 0.0
        for x, missing, y, weight in blocks:
            out = _inner.predict_logits(theta, torch.where(missing, 0.0, (x - mu) / sd))  # unrecorded -> mean
            if task.kind == "classification":
                loss = loss + weight * torch.nn.functional.binary_cross_entropy_with_logits(out, y)
            else:
                loss = loss + weight * ((out - y) ** 2).mean()
        losses.append(loss)
    return task.risk(torch.stack(losses))


def _penalty(task, key: str) -> float:
    """The learner's own ``C``/``alpha``, or 1.0 when a non-linear learner is stood in for."""
    return float(task.learner.param(key)) if key in dict(_learner_defaults(task)) else 1.0


def _learner_defaults(task):
    from .learners import LEARNERS

    return LEARNERS[task.learner.name][1].items()
