"""The task distiller: synthetic rows that make the learner good on every site.

Parameters are the ``m x d`` synthetic table over the union of features (in a
standardised space) and, for classification, one soft-label logit per row. The
outer objective (:mod:`._task_objective`) is the task's risk measure over the
sites' losses under the learner trained on the synthetic table, plus a
proximal term ``prox * mean|z - z0|^2`` (and the same on soft labels, in
probability units) that keeps the table near its start; it is minimised with
Adam, differentiating through training.

The table starts from the :class:`DistributionMatching` solution (or, with
``init = "random_subset"``, from ``m`` pooled, iteratively imputed rows). A
stratified ``holdout`` share of each site's *training* rows chooses the
proximal weight (from the grid ``prox``) and the number of outer steps by the
task's risk over sites of the task's own metric (``select_by = "metric"``,
e.g. AUROC) or of the training loss (``"loss"``) on the sites' own held-out
training rows; with ``folds = K`` each site's training rows are cut into K
folds instead and the out-of-fold predictions are scored together. With
``refit`` the start and the optimisation are then rerun on all training rows
with that choice.
When no step improves on the start, the start itself is returned. Held-out
evaluation patients are never seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from ._task_objective import (BORROW_FILLS, OUTER_LOSSES, Space, metric_risk, pack, site_predictions, site_risk,
                              site_targets)
from ..seeds import TABULAR_SPLIT_SEED_OFFSET
from .baselines import random_subset
from .evaluate import fold_sites, split_sites
from .learners import TrainingSet

__all__ = ["TaskDistiller", "INITS"]

INITS = ("distribution_matching", "random_subset")
SELECTIONS = ("metric", "loss")
log = logging.getLogger(__name__)


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
        Share of each site's training rows used to choose ``prox`` and the step
        count, in ``[0, 1)``; 0 runs all ``steps`` with the first ``prox``.
    refit : bool
        After the choice, rerun on all training rows.
    learn_labels : bool
        Optimise soft labels (classification) or targets (regression) too.
    newton_steps : int
        Unrolled Newton steps of the inner logistic regression.
    check_every : int
        Outer steps between validation checks.
    borrow : float
        In ``[0, 1]``: weight of the pooled rows of all sites (seen through the
        site's columns) in a site's training loss; ``1 - borrow`` goes to the
        site's own rows. Borrowing strength keeps a small site from over-fitting.
    borrow_fill : {"mean", "iterative"}
        How a value missing from the borrowed pooled rows is filled: with the
        mean (as the evaluator fills a site's own gaps) or by iterative
        imputation from the row's other features (labels unseen).
    init : {"distribution_matching", "random_subset"}
        Starting table.
    init_steps, init_lr : int, float
        Steps and learning rate of the distribution-matching start.
    prox : float or tuple of float
        Candidate weights (>= 0) of the proximal term; the hold-out picks one.
    select_by : {"metric", "loss"}
        What the validation scores: the task's headline metric (as a loss, under
        the task's risk over sites) or the differentiable training loss that
        the optimisation itself minimises.
    folds : int
        1: one hold-out of share ``holdout`` chooses. ``K >= 2``: each site's
        training rows are cut into K (stratified) folds, every fold is held
        out once and the out-of-fold predictions are scored together
        (``holdout`` is then not used, and ``refit`` must be true).
    outer_loss : {"likelihood", "pairwise"}
        Each site's loss in the objective: the learner's own (cross-entropy,
        squared error) or, for classification, the logistic loss of the score
        difference of every (positive, negative) pair of the site's rows, a
        smooth form of ``1 - AUROC``.
    """

    steps: int = 200
    lr: float = 0.02
    holdout: float = 0.25
    refit: bool = True
    learn_labels: bool = True
    newton_steps: int = 10
    check_every: int = 10
    borrow: float = 0.5
    init: str = "distribution_matching"
    init_steps: int = 200
    init_lr: float = 0.05
    prox: tuple = (0.1, 1.0, 10.0)
    select_by: str = "metric"
    folds: int = 1
    outer_loss: str = "likelihood"
    borrow_fill: str = "mean"

    def __post_init__(self):
        for key in ("steps", "newton_steps", "check_every", "init_steps"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"task distiller {key} must be a positive integer, got {value!r}")
        if not (self.lr > 0 and self.init_lr > 0 and np.isfinite(self.lr) and np.isfinite(self.init_lr)):
            raise ValueError(f"task distiller lr and init_lr must be positive and finite, got {self.lr!r}, {self.init_lr!r}")
        if not 0.0 <= self.borrow <= 1.0:
            raise ValueError(f"task distiller borrow must lie in [0, 1], got {self.borrow!r}")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"task distiller holdout must lie in [0, 1), got {self.holdout!r}")
        if self.init not in INITS:
            raise ValueError(f"task distiller init: unknown name {self.init!r}; allowed: {list(INITS)}")
        if self.select_by not in SELECTIONS:
            raise ValueError(f"task distiller select_by: unknown name {self.select_by!r}; allowed: {list(SELECTIONS)}")
        if self.outer_loss not in OUTER_LOSSES:
            raise ValueError(f"task distiller outer_loss: unknown name {self.outer_loss!r}; "
                             f"allowed: {list(OUTER_LOSSES)}")
        if self.borrow_fill not in BORROW_FILLS:
            raise ValueError(f"task distiller borrow_fill: unknown name {self.borrow_fill!r}; "
                             f"allowed: {list(BORROW_FILLS)}")
        if isinstance(self.folds, bool) or not isinstance(self.folds, int):
            raise TypeError(f"task distiller folds must be a positive integer, got {self.folds!r}")
        if self.folds < 1:
            raise ValueError(f"task distiller folds must be a positive integer, got {self.folds!r}")
        if self.folds >= 2 and not self.refit:
            raise ValueError("task distiller refit = false needs folds = 1 (K folds give no single table to keep)")
        prox = (self.prox,) if isinstance(self.prox, (int, float)) else tuple(self.prox)
        if not prox or not all(isinstance(p, (int, float)) and not isinstance(p, bool) and p >= 0 for p in prox):
            raise ValueError(f"task distiller prox must be a number >= 0 or a non-empty list of them, got {self.prox!r}")
        object.__setattr__(self, "prox", tuple(float(p) for p in prox))

    def distill(self, task, m: int, *, seed: int) -> TrainingSet:
        """Return ``m`` synthetic rows over ``task.columns`` (raw units) with their labels.

        Parameters
        ----------
        task : MergeTask
            Its sources must be the sites' training rows only.
        m : int
            Number of synthetic rows.
        seed : int
            Seeds the start and the validation split(s).
        """
        space = Space.fit(task)
        prox, n_steps, state = self.prox[0], self.steps, None
        if self.folds >= 2 or self.holdout > 0:
            prox, n_steps, state = self._choose(task, space, m, seed)
            log.debug("task distiller: validation chose prox=%g, steps=%d", prox, n_steps)
        if self.holdout == 0 or self.refit:
            start = self._start(task, space, m, seed)
            if n_steps == 0:
                return start[2]
            train = pack(task, space, task.sources, self.borrow, self.borrow_fill)
            state = self._optimise(task, start, train, n_steps, prox)[-1][3]
        if isinstance(state, TrainingSet):  # the hold-out chose the start itself
            return state
        z, lab = state
        x = space.from_z(z.numpy())
        y = torch.sigmoid(lab).numpy() if task.kind == "classification" else lab.numpy() * space.y_sd + space.y_mu
        return TrainingSet(task.columns, x, y)

    def _validation_splits(self, task, seed):
        """(fitting sources, validation sources) pairs: K folds, or the single hold-out."""
        stratify = task.kind == "classification"
        if self.folds >= 2:
            return list(fold_sites(task.sources, self.folds, seed=seed + TABULAR_SPLIT_SEED_OFFSET, stratify=stratify))
        return [split_sites(task.sources, self.holdout, seed=seed + TABULAR_SPLIT_SEED_OFFSET, stratify=stratify)]

    def _choose(self, task, space, m, seed):
        """Pick (prox, step count) by the validation score; also the first split's chosen state.

        The state is ``(z, label parameters)``, or the start's table when the
        choice is step 0; only the single hold-out (``refit = false``) uses it.

        With several folds, each site's out-of-fold predictions at a given
        (prox, step) are pooled over the folds before the metric is taken, so
        a small site is scored on all its training rows rather than one fold.
        """
        runs = {p: [] for p in self.prox}  # prox -> per fold: [(step, predictions, validation loss, state)]
        targets, starts = [], []
        for fit, val in self._validation_splits(task, seed):
            start = self._start(task.with_sources(fit), space, m, seed)
            starts.append(start[2])
            train, held = pack(task, space, fit, self.borrow, self.borrow_fill), pack(task, space, val, 0.0)
            targets.append(site_targets(held))
            for p in self.prox:
                runs[p].append(self._optimise(task, start, train, self.steps, p, held))
        ys = [np.concatenate(per_site) for per_site in zip(*targets)]
        best = None
        for p in self.prox:
            for k, step in enumerate(r[0] for r in runs[p][0]):
                if self.select_by == "metric":
                    preds = [np.concatenate(per_site) for per_site in zip(*(fold[k][1] for fold in runs[p]))]
                    score = metric_risk(task, ys, preds)
                else:
                    score = float(np.mean([fold[k][2] for fold in runs[p]]))
                if best is None or score < best[0] - 1e-9:
                    best = (score, p, step, starts[0] if step == 0 else runs[p][0][k][3])
        return best[1], best[2], best[3]

    def _optimise(self, task, start, train, n_steps, prox, val=None):
        """Adam on the outer objective.

        Returns
        -------
        list of (int, list, float, tuple)
            At every ``check_every``-th step (and the last): the step, the
            per-site predictions on ``val`` (``select_by = "metric"``) or its
            loss (``"loss"``), None otherwise, and the state ``(z, label parameters)``.
        """
        z0, lab0, _ = start
        q0 = torch.sigmoid(lab0) if task.kind == "classification" else lab0
        z = z0.clone().requires_grad_(True)
        lab = lab0.clone().requires_grad_(self.learn_labels)
        opt = torch.optim.Adam([z, lab] if self.learn_labels else [z], lr=self.lr)
        record = []
        for step in range(n_steps + 1):
            if step % self.check_every == 0 or step == n_steps:
                preds, loss = None, None
                if val is not None and self.select_by == "metric":
                    preds = site_predictions(task, z, lab, val, self.newton_steps)
                elif val is not None:
                    with torch.no_grad():
                        loss = float(site_risk(task, z, lab, val, self.newton_steps, self.outer_loss))
                record.append((step, preds, loss, (z.detach().clone(), lab.detach().clone())))
            if step == n_steps:
                break
            opt.zero_grad()
            q = torch.sigmoid(lab) if task.kind == "classification" else lab
            near = ((z - z0) ** 2).mean() + ((q - q0) ** 2).mean()
            loss = site_risk(task, z, lab, train, self.newton_steps, self.outer_loss) + prox * near
            loss.backward()
            opt.step()
        return record

    def _start(self, task, space, m, seed):
        """The starting table as (z0, label parameters, TrainingSet)."""
        if self.init == "distribution_matching":
            from ._dm_distiller import DistributionMatching

            table = DistributionMatching(self.init_steps, self.init_lr).distill(task, m, seed=seed)
        else:
            table = random_subset(task.sources, m, seed=seed)
        z0 = torch.as_tensor(space.to_z(table.x))
        if task.kind == "classification":
            lab0 = torch.logit(torch.as_tensor(table.y).clamp(0.01, 0.99))
        else:
            lab0 = torch.as_tensor((table.y - space.y_mu) / space.y_sd)
        return z0, lab0, table
