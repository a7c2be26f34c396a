"""The task distiller's objective: each target site's loss under the learner trained on the synthetic table.

For each member ``q`` of the task's target family (:meth:`MergeTask.target_family`)
the inner learner (:mod:`._inner`) is trained on the synthetic table *as the
evaluator will train it for that site* (the columns ``q`` measured, or all
columns under ``deploy = "impute"``) and its loss
(:meth:`MergeTask.member_losses`) is measured on rows seen only through the
features ``q`` measured (a value the site did not record is filled with the
synthetic table's mean, as the evaluator's imputer will do). The task's risk
measure aggregates over the members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import _inner
from ._task import METRICS
from .baselines import impute
from .evaluate import score

__all__ = ["BORROW_FILLS", "Space", "pack", "site_losses", "site_risk", "site_metric_risk", "site_predictions",
           "site_targets", "metric_risk"]

# how a missing value in the pooled rows a site borrows is filled (see :func:`pack`)
BORROW_FILLS = ("mean", "iterative")


@dataclass(frozen=True, eq=False)
class Space:
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


def pack(task, space, sources, borrow: float, borrow_fill: str = "mean"):
    """Per target member: model column indices, then (rows, missing mask, targets, weight) blocks.

    The members are ``task.target_family()``, in order; a site's rows come from
    the source of the same name in ``sources``. A site's own rows weigh
    ``1 - borrow``; the pooled rows of all ``sources``, seen through the same
    columns, weigh ``borrow``. A value missing from a site's own rows is
    filled with the mean, as the evaluator's pipeline fills it; in the
    borrowed pooled rows it is filled with the mean too (``borrow_fill =
    "mean"``) or imputed iteratively from the row's other features
    (``"iterative"``, MICE-style, labels unseen), a closer stand-in for the
    site's patients. The union site (``task.population = "sites_and_union"``)
    is stood for by the pooled rows with iterative imputation, weight 1.
    """
    if borrow_fill not in BORROW_FILLS:
        raise ValueError(f"unknown borrow_fill {borrow_fill!r}; allowed: {list(BORROW_FILLS)}")
    family = task.target_family()
    columns = task.columns
    pooled_x = space.to_z(np.concatenate([s.matrix(columns) for s in sources]))
    pooled_y = np.concatenate([s.labels() for s in sources])
    imputed = None
    if any(q.pooled for q in family) or (borrow > 0 and borrow_fill == "iterative"):
        imputed = impute(pooled_x, "iterative", seed=0)
    borrowed = imputed if borrow_fill == "iterative" else pooled_x
    by_name = {s.name: s for s in sources}
    packs = []
    for q in family:
        idx = [columns.index(c) for c in task.deploy_columns(q.features)]
        if q.pooled:
            blocks = [_block(task, space, imputed[:, idx], pooled_y, 1.0)]
        else:
            s = by_name[q.name]
            blocks = [_block(task, space, space.to_z(s.matrix(columns))[:, idx], s.labels(), 1.0 - borrow)]
            if borrow > 0:
                blocks.append(_block(task, space, borrowed[:, idx], pooled_y, borrow))
        packs.append((torch.as_tensor(idx), blocks))
    return packs


def _block(task, space, x, y, weight):
    if task.learner.kind == "regression":
        y = (y - space.y_mu) / space.y_sd
    missing = np.isnan(x)
    return (torch.tensor(np.where(missing, 0.0, x)), torch.tensor(missing), torch.tensor(np.asarray(y, float)),
            weight)


def _site_models(task, z, lab, packs, newton_steps):
    """Yield, per site, a function from a block's (rows, missing mask) to the learner's outputs, and the blocks."""
    for idx, blocks in packs:
        xs = z[:, idx]
        mu, sd = _inner.standardise(xs)
        xsn = (xs - mu) / sd
        if task.learner.name.startswith("torch_mlp"):
            yield _network_model(task, xsn, lab, mu, sd), blocks
            continue
        if task.learner.kind == "classification":
            theta = _inner.logistic_fit_implicit(xsn, torch.sigmoid(lab), _penalty(task, "C"), steps=newton_steps)
        else:
            theta = _inner.ridge_fit(xsn, lab, _penalty(task, "alpha"))
        yield (lambda x, missing, theta=theta, mu=mu, sd=sd:
               _inner.predict_logits(theta, torch.where(missing, 0.0, (x - mu) / sd))), blocks  # unrecorded -> mean


def _network_model(task, xsn, lab, mu, sd):
    """The torch network trained on the standardised synthetic rows ``xsn``, as a function of (rows, mask)."""
    classify = task.learner.kind == "classification"
    params, y_mu, y_sd = _inner.network_fit(
        xsn, torch.sigmoid(lab) if classify else lab, classify=classify, hidden=int(task.learner.param("hidden")),
        steps=int(task.learner.param("epochs")), lr=float(task.learner.param("lr")),
        weight_decay=float(task.learner.param("weight_decay")))
    return lambda x, missing: _inner.network_predict(params, torch.where(missing, 0.0, (x - mu) / sd)) * y_sd + y_mu


def site_losses(task, z, lab, packs, newton_steps, outer_loss: str = "likelihood"):
    """Each target member's loss (shape ``(n_members,)``) under the learner trained on ``(z, lab)``.

    ``z`` is the synthetic table (``(m, d)``, standardised units); ``lab`` holds
    label logits (classification) or standardised targets (regression).
    ``outer_loss`` is one of :data:`~pinndd.tabular._task.LOSSES`; ``"pairwise"`` applies to
    classification only (regression always uses the squared error).
    """
    models = (model for model, _ in _site_models(task, z, lab, packs, newton_steps))
    return task.member_losses(models, [blocks for _, blocks in packs], loss=outer_loss)


def site_risk(task, z, lab, packs, newton_steps, outer_loss: str = "likelihood"):
    """Risk over the target members (the task's measure) of :func:`site_losses`."""
    return task.risk_of(site_losses(task, z, lab, packs, newton_steps, outer_loss))


def site_predictions(task, z, lab, packs, newton_steps) -> list:
    """Per site, the learner's predictions for the rows of its first weighted block in ``packs``.

    Probabilities (classification) or standardised values (regression), as
    numpy arrays; used to score tables, never for gradients.
    """
    preds = []
    with torch.no_grad():
        for model, blocks in _site_models(task, z, lab, packs, newton_steps):
            x, missing, _, _ = next(b for b in blocks if b[3] > 0)
            out = model(x, missing)
            preds.append(torch.sigmoid(out).numpy() if task.learner.kind == "classification" else out.numpy())
    return preds


def site_targets(packs) -> list:
    """Per site, the targets of its first weighted block in ``packs`` (as :func:`site_predictions`)."""
    return [next(b for b in blocks if b[3] > 0)[2].numpy() for _, blocks in packs]


def metric_risk(task, targets, predictions) -> float:
    """Risk over sites of the task's own metric, as a loss, from per-site targets and predictions.

    The metric (AUROC, Brier, accuracy or RMSE, the task's headline) is turned
    into a loss (``1 - value`` where larger is better) so that the task's risk
    measure applies as to :func:`site_losses`. A site whose rows make the
    metric undefined (one class only, for AUROC) contributes 0 whatever the
    table, so it cannot sway a comparison of tables. Regression targets and
    predictions may be in standardised units: RMSE ranks tables the same in
    any fixed units.
    """
    larger_is_better = METRICS[task.metric][1]
    values = []
    for y, pred in zip(targets, predictions):
        value = score(y, pred, task.learner.kind)[task.metric]
        values.append(0.0 if np.isnan(value) else (1.0 - value if larger_is_better else value))
    return float(task.risk_of(torch.tensor(values, dtype=torch.float64)))


def site_metric_risk(task, z, lab, packs, newton_steps) -> float:
    """:func:`metric_risk` of the learner trained on ``(z, lab)``, on each site's rows of ``packs``."""
    return metric_risk(task, site_targets(packs), site_predictions(task, z, lab, packs, newton_steps))


def _penalty(task, key: str) -> float:
    """The learner's own ``C``/``alpha``, or 1.0 when a random forest is stood in for by a linear model."""
    from .learners import LEARNERS

    return float(task.learner.param(key)) if key in LEARNERS[task.learner.name][1] else 1.0
