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
training rows; with ``refit`` the start
and the optimisation are then rerun on all training rows with that choice.
When no step improves on the start, the start itself is returned. Held-out
evaluation patients are never seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch

from ._task_objective import Space, pack, site_metric_risk, site_risk
from .baselines import random_subset
from .evaluate import split_sites
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
    init : {"distribution_matching", "random_subset"}
        Starting table.
    init_steps, init_lr : int, float
        Steps and learning rate of the distribution-matching start.
    prox : float or tuple of float
        Candidate weights (>= 0) of the proximal term; the hold-out picks one.
    select_by : {"metric", "loss"}
        What the hold-out scores: the task's headline metric (as a loss, under
        the task's risk over sites) or the differentiable training loss that
        the optimisation itself minimises.
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

    def __post_init__(self):
        for key in ("steps", "newton_steps", "check_every", "init_steps"):
            if int(getattr(self, key)) < 1:
                raise ValueError(f"task distiller {key} must be a positive integer, got {getattr(self, key)!r}")
        if not (self.lr > 0 and self.init_lr > 0):
            raise ValueError(f"task distiller lr and init_lr must be positive, got {self.lr!r}, {self.init_lr!r}")
        if not 0.0 <= self.borrow <= 1.0:
            raise ValueError(f"task distiller borrow must lie in [0, 1], got {self.borrow!r}")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"task distiller holdout must lie in [0, 1), got {self.holdout!r}")
        if self.init not in INITS:
            raise ValueError(f"task distiller init: unknown name {self.init!r}; allowed: {list(INITS)}")
        if self.select_by not in SELECTIONS:
            raise ValueError(f"task distiller select_by: unknown name {self.select_by!r}; allowed: {list(SELECTIONS)}")
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
            Seeds the start and the hold-out split.
        """
        space = Space.fit(task)
        prox, n_steps = self.prox[0], self.steps
        if self.holdout > 0:
            fit, val = split_sites(task.sources, self.holdout, seed=seed + 7919,
                                   stratify=task.kind == "classification")
            start = self._start(task.with_sources(fit), space, m, seed)
            train, held = pack(task, space, fit, self.borrow), pack(task, space, val, 0.0)
            best = None
            for p in self.prox:
                score, steps, state = self._optimise(task, start, train, held, self.steps, p)
                if best is None or score < best[0] - 1e-9:
                    best = (score, p, steps, state)
            _, prox, n_steps, state = best
            log.debug("task distiller: hold-out chose prox=%g, steps=%d", prox, n_steps)
        if self.holdout == 0 or self.refit:
            start = self._start(task, space, m, seed)
            if n_steps == 0:
                return start[2]
            _, _, state = self._optimise(task, start, pack(task, space, task.sources, self.borrow), None,
                                         n_steps, prox)
        elif n_steps == 0:
            return start[2]
        z, lab = state
        x = space.from_z(z.numpy())
        y = torch.sigmoid(lab).numpy() if task.kind == "classification" else lab.numpy() * space.y_sd + space.y_mu
        return TrainingSet(task.columns, x, y)

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

    def _optimise(self, task, start, train, val, n_steps, prox):
        """Adam on the outer objective; returns (best validation risk, its step, its state)."""
        z0, lab0, _ = start
        q0 = torch.sigmoid(lab0) if task.kind == "classification" else lab0
        z = z0.clone().requires_grad_(True)
        lab = lab0.clone().requires_grad_(self.learn_labels)
        opt = torch.optim.Adam([z, lab] if self.learn_labels else [z], lr=self.lr)
        best = (float("inf"), 0, (z0.clone(), lab0.clone()))
        for step in range(n_steps + 1):
            if val is not None and step % self.check_every == 0:
                with torch.no_grad():
                    if self.select_by == "metric":
                        v = site_metric_risk(task, z, lab, val, self.newton_steps)
                    else:
                        v = float(site_risk(task, z, lab, val, self.newton_steps))
                if v < best[0] - 1e-9:
                    best = (v, step, (z.detach().clone(), lab.detach().clone()))
            if step == n_steps:
                break
            opt.zero_grad()
            q = torch.sigmoid(lab) if task.kind == "classification" else lab
            near = ((z - z0) ** 2).mean() + ((q - q0) ** 2).mean()
            loss = site_risk(task, z, lab, train, self.newton_steps) + prox * near
            loss.backward()
            opt.step()
        if val is None:
            return float("nan"), n_steps, (z.detach(), lab.detach())
        return best
