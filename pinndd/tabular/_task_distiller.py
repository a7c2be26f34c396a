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

from pinndd.distillers import register_distiller
from pinndd.errors import ConfigError
from pinndd.options import Options, option
from pinndd.seeds import TABULAR_SPLIT_SEED_OFFSET

from ._distiller import TabularDistiller, positive
from ._dm_distiller import DistributionMatching
from ._task import LOSSES
from ._task_objective import BORROW_FILLS, Space, metric_risk, pack, site_predictions, site_risk, site_targets
from .baselines import random_subset
from .evaluate import fold_sites, split_sites
from .learners import TrainingSet

__all__ = ["TaskDistiller", "INITS"]

INITS = ("distribution_matching", "random_subset")
SELECTIONS = ("metric", "loss")
log = logging.getLogger(__name__)


def _below_one(value) -> str | None:
    return None if value < 1.0 else f"must lie in [0, 1), got {value!r}"


def _prox_error(value) -> str | None:
    values = value if isinstance(value, tuple) else (value,)
    numbers = all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in values)
    if values and numbers and all(0 <= p < float("inf") for p in values):
        return None
    return f"must be a number >= 0 or a non-empty list of them, got {value!r}"


@register_distiller
class TaskDistiller(TabularDistiller):
    """Optimise the synthetic table for the task's risk over its target family (task-aware).
    """

    name = "task"
    task_aware = True

    @dataclass(frozen=True)
    class Options(Options):
        steps: int = option(200, "Maximum number of outer Adam steps.", low=1)
        lr: float = option(0.02, "Adam learning rate (standardised units).", check=positive)
        holdout: float = option(0.25, "Share of each site's training rows used to choose prox and the step count, "
                                "in [0, 1); 0 runs all steps with the first prox.", low=0.0, check=_below_one)
        refit: bool = option(True, "After the choice, rerun on all training rows.")
        learn_labels: bool = option(True, "Optimise soft labels (classification) or targets (regression) too.")
        newton_steps: int = option(10, "Unrolled Newton steps of the inner logistic regression.", low=1)
        check_every: int = option(10, "Outer steps between validation checks.", low=1)
        borrow: float = option(0.5, "Weight of the pooled rows of all sites (seen through the site's columns) in a "
                               "site's training loss; 1 - borrow goes to the site's own rows. Borrowing strength "
                               "keeps a small site from over-fitting.", low=0.0, high=1.0)
        init: str = option("distribution_matching", "Starting table.", choices=INITS)
        init_steps: int = option(200, "Steps of the distribution-matching start.", low=1)
        init_lr: float = option(0.05, "Learning rate of the distribution-matching start.", check=positive)
        prox: tuple = option((0.1, 1.0, 10.0), "Candidate weights (>= 0) of the proximal term, a number or a list; "
                             "the hold-out picks one.", check=_prox_error,
                             type_name="float or list of float")
        select_by: str = option("metric", "What the validation scores: the task's headline metric (as a loss, "
                                "under the task's risk over sites) or the differentiable training loss that the "
                                "optimisation itself minimises.", choices=SELECTIONS)
        folds: int = option(1, "1: one hold-out of share holdout chooses. K >= 2: each site's training rows are "
                            "cut into K (stratified) folds, every fold is held out once and the out-of-fold "
                            "predictions are scored together (holdout is then not used, and refit must be true).",
                            low=1)
        outer_loss: str = option("likelihood", "Each site's loss in the objective: the learner's own "
                                 "(cross-entropy, squared error) or, for classification, the logistic loss of the "
                                 "score difference of every (positive, negative) pair of the site's rows, a smooth "
                                 "form of 1 - AUROC.", choices=LOSSES)
        borrow_fill: str = option("mean", "How a value missing from the borrowed pooled rows is filled: with the "
                                  "mean (as the evaluator fills a site's own gaps) or by iterative imputation from "
                                  "the row's other features (labels unseen).", choices=BORROW_FILLS)

        def __post_init__(self):
            super().__post_init__()
            if self.folds >= 2 and not self.refit:
                raise ConfigError("refit = false needs folds = 1 (K folds give no single table to keep)")
            prox = self.prox if isinstance(self.prox, tuple) else (self.prox,)
            object.__setattr__(self, "prox", tuple(float(p) for p in prox))

    def distill(self, task, budget: int, *, seed: int, progress: bool = False) -> TrainingSet:
        """Return ``budget`` synthetic rows over ``task.columns`` (raw units) with their labels.

        Parameters
        ----------
        task : MergeTask
            Its sources must be the sites' training rows only; its target
            family is read (a task-unaware view is refused).
        budget : int
            Number of synthetic rows ``m``.
        seed : int
            Seeds the start and the validation split(s).
        progress : bool
            Unused (no progress bar).

        Raises
        ------
        pinndd.task.TaskAwarenessError
            ``task`` is a task-unaware view.
        """
        o, m = self.options, budget
        task.target_family()  # a task-unaware view refuses here, before any work
        space = Space.fit(task)
        prox, n_steps, state = o.prox[0], o.steps, None
        if o.folds >= 2 or o.holdout > 0:
            prox, n_steps, state = self._choose(task, space, m, seed)
            log.debug("task distiller: validation chose prox=%g, steps=%d", prox, n_steps)
        if o.holdout == 0 or o.refit:
            start = self._start(task, space, m, seed)
            if n_steps == 0:
                return start[2]
            train = pack(task, space, task.sources, o.borrow, o.borrow_fill)
            state = self._optimise(task, start, train, n_steps, prox)[-1][3]
        if isinstance(state, TrainingSet):  # the hold-out chose the start itself
            return state
        z, lab = state
        x = space.from_z(z.numpy())
        if task.learner.kind == "classification":
            y = torch.sigmoid(lab).numpy()
        else:
            y = lab.numpy() * space.y_sd + space.y_mu
        return TrainingSet(task.columns, x, y)

    def _validation_splits(self, task, seed):
        """(fitting sources, validation sources) pairs: K folds, or the single hold-out."""
        o = self.options
        stratify = task.learner.kind == "classification"
        if o.folds >= 2:
            return list(fold_sites(task.sources, o.folds, seed=seed + TABULAR_SPLIT_SEED_OFFSET, stratify=stratify))
        return [split_sites(task.sources, o.holdout, seed=seed + TABULAR_SPLIT_SEED_OFFSET, stratify=stratify)]

    def _choose(self, task, space, m, seed):
        """Pick (prox, step count) by the validation score; also the first split's chosen state.

        The state is ``(z, label parameters)``, or the start's table when the
        choice is step 0; only the single hold-out (``refit = false``) uses it.

        With several folds, each site's out-of-fold predictions at a given
        (prox, step) are pooled over the folds before the metric is taken, so
        a small site is scored on all its training rows rather than one fold.
        """
        o = self.options
        runs = {p: [] for p in o.prox}  # prox -> per fold: [(step, predictions, validation loss, state)]
        targets, starts = [], []
        for fit, val in self._validation_splits(task, seed):
            start = self._start(task.with_sources(fit), space, m, seed)
            starts.append(start[2])
            train, held = pack(task, space, fit, o.borrow, o.borrow_fill), pack(task, space, val, 0.0)
            targets.append(site_targets(held))
            for p in o.prox:
                runs[p].append(self._optimise(task, start, train, o.steps, p, held))
        ys = [np.concatenate(per_site) for per_site in zip(*targets)]
        best = None
        for p in o.prox:
            for k, step in enumerate(r[0] for r in runs[p][0]):
                if o.select_by == "metric":
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
        o = self.options
        z0, lab0, _ = start
        q0 = torch.sigmoid(lab0) if task.learner.kind == "classification" else lab0
        z = z0.clone().requires_grad_(True)
        lab = lab0.clone().requires_grad_(o.learn_labels)
        opt = torch.optim.Adam([z, lab] if o.learn_labels else [z], lr=o.lr)
        record = []
        for step in range(n_steps + 1):
            if step % o.check_every == 0 or step == n_steps:
                preds, loss = None, None
                if val is not None and o.select_by == "metric":
                    preds = site_predictions(task, z, lab, val, o.newton_steps)
                elif val is not None:
                    with torch.no_grad():
                        loss = float(site_risk(task, z, lab, val, o.newton_steps, o.outer_loss))
                record.append((step, preds, loss, (z.detach().clone(), lab.detach().clone())))
            if step == n_steps:
                break
            opt.zero_grad()
            q = torch.sigmoid(lab) if task.learner.kind == "classification" else lab
            near = ((z - z0) ** 2).mean() + ((q - q0) ** 2).mean()
            loss = site_risk(task, z, lab, train, o.newton_steps, o.outer_loss) + prox * near
            loss.backward()
            opt.step()
        return record

    def _start(self, task, space, m, seed):
        """The starting table as (z0, label parameters, TrainingSet)."""
        o = self.options
        if o.init == "distribution_matching":
            table = DistributionMatching(steps=o.init_steps, lr=o.init_lr).distill(
                task, m, seed=seed)
        else:
            table = random_subset(task.sources, m, seed=seed)
        z0 = torch.as_tensor(space.to_z(table.x))
        if task.learner.kind == "classification":
            lab0 = torch.logit(torch.as_tensor(table.y).clamp(0.01, 0.99))
        else:
            lab0 = torch.as_tensor((table.y - space.y_mu) / space.y_sd)
        return z0, lab0, table
