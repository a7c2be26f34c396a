"""The merge task: sources, learner, metric, target family and risk over sites.

This is the tabular instance of the formal model ``(D, A, T = (Q, l, rho))``
(:class:`pinndd.task.Task`): ``D`` is the sources, ``A`` the learner, ``Q``
each site's patients seen through the features that site measured (and, when
asked, a site that measured every feature), ``l`` each site's loss and ``rho``
the risk measure over sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import torch

from pinndd.risk import RiskMeasure
from pinndd.task import Task

from ._sources import check_sources, union_features
from .learners import LearnerSpec, TrainingSet

__all__ = ["DEPLOY_MODES", "LOSSES", "METRICS", "POPULATIONS", "MergeTask", "TargetSite", "pairwise_loss"]

DEPLOY_MODES = ("site_features", "impute")
POPULATIONS = ("sites", "sites_and_union")
# "likelihood": the learner's own loss (cross-entropy / squared error);
# "pairwise": for classification, the logistic loss of every (positive, negative)
# pair's score difference, a smooth stand-in for 1 - AUROC.
LOSSES = ("likelihood", "pairwise")
# metric -> (learner kind, larger is better)
METRICS = {
    "auroc": ("classification", True),
    "brier": ("classification", False),
    "accuracy": ("classification", True),
    "rmse": ("regression", False),
}


@dataclass(frozen=True)
class TargetSite:
    """One member ``q`` of a merge task's target family ``Q``.

    Attributes
    ----------
    name : str
        The site's name (``"union"`` for the site that measured every feature).
    features : tuple of str
        The features the site measured: what a model for it may use.
    pooled : bool
        The site's patients are stood for by all sources' rows pooled, a value
        a source did not record imputed from the row's other features (the
        union site); otherwise by the named source's own rows.
    """

    name: str
    features: tuple
    pooled: bool = False


@dataclass(frozen=True, eq=False)
class MergeTask(Task):
    """What the merged table is for.

    Parameters
    ----------
    sources : tuple of Source
        The sites (their training rows when handed to a distiller).
    learner : LearnerSpec
        The downstream learner, the same for every method.
    metric : str
        Headline metric, a key of :data:`METRICS`; must fit the learner's kind.
    risk : RiskMeasure
        Risk over sites that a task-aware distiller minimises.
    deploy : {"site_features", "impute"}
        How the model meets a site. ``"site_features"``: for site ``s`` the
        learner is trained on the merged table's columns that ``s`` measured
        (a reduced-feature model, so nothing is imputed at deployment).
        ``"impute"``: one model over all columns; a site's unmeasured features
        are filled with the training table's mean.
    population : {"sites", "sites_and_union"}
        The target family ``Q`` (:meth:`target_family`). ``"sites"``: each
        source's patients through the features it measured.
        ``"sites_and_union"``: also a site not among the sources that measures
        every feature of the union (a new hospital, or the left-out site of
        leave-one-site-out), stood for by all sources' rows pooled, a feature a
        source did not record imputed iteratively from the others (labels
        unseen). Evaluation is unchanged.
    complete : tuple of Source, optional
        The same rows as ``sources`` with every feature, where the data has
        them (the bundled tables): the all-features oracle's table.
    """

    kind: ClassVar[str] = "tabular"
    distilled: ClassVar[str] = "table"

    sources: tuple = field(repr=False)
    learner: LearnerSpec = LearnerSpec()
    metric: str = "auroc"
    risk: RiskMeasure = RiskMeasure("mean")
    deploy: str = "site_features"
    population: str = "sites"
    complete: tuple | None = field(default=None, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "sources", check_sources(self.sources))
        if self.complete is not None:
            object.__setattr__(self, "complete", tuple(self.complete))
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; allowed: {sorted(METRICS)}")
        if METRICS[self.metric][0] != self.learner.kind:
            allowed = sorted(k for k, v in METRICS.items() if v[0] == self.learner.kind)
            raise ValueError(f"metric {self.metric!r} does not fit the {self.learner.kind} learner "
                             f"{self.learner.name!r}; allowed: {allowed}")
        if self.deploy not in DEPLOY_MODES:
            raise ValueError(f"unknown deploy mode {self.deploy!r}; allowed: {list(DEPLOY_MODES)}")
        if self.population not in POPULATIONS:
            raise ValueError(f"unknown population {self.population!r}; allowed: {list(POPULATIONS)}")

    @property
    def columns(self) -> tuple[str, ...]:
        """The union of the sources' features: the merged table's columns."""
        return union_features(self.sources)

    def training_family(self) -> tuple:
        """The full data ``D``: the sources (tuple of :class:`Source`), each seen through what it measured."""
        return self.sources

    def target_family(self) -> tuple[TargetSite, ...]:
        """The target family ``Q``: one :class:`TargetSite` per source, in order, then the union site
        when ``population = "sites_and_union"``; the risk weighs them equally."""
        family = tuple(TargetSite(s.name, s.features) for s in self.sources)
        if self.population == "sites_and_union":
            family += (TargetSite("union", self.columns, pooled=True),)
        return family

    def member_losses(self, model, members, *, loss: str = "likelihood"):
        """Each target member's loss under the model trained for it.

        Parameters
        ----------
        model : iterable of callable
            Per member, the learner trained for it: ``f(x, missing)`` maps
            rows ``x`` (shape ``(n, k)``) and their missing-value mask to
            outputs of shape ``(n,)``: logits (classification) or standardised
            targets (regression).
        members : sequence of list of (x, missing, y, weight)
            Per member, weighted blocks of its rows (e.g.
            :func:`~pinndd.tabular._task_objective.pack`); a block of weight 0
            is skipped.
        loss : {"likelihood", "pairwise"}
            The learner's own loss (cross-entropy, squared error), or for
            classification :func:`pairwise_loss`.

        Returns
        -------
        torch.Tensor, shape (n_members,)
            The weighted sum over each member's blocks; differentiable.
        """
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; allowed: {list(LOSSES)}")
        losses = []
        for predict, blocks in zip(model, members):
            total = 0.0
            for x, missing, y, weight in blocks:
                if weight == 0:
                    continue
                out = predict(x, missing)
                if self.learner.kind == "regression":
                    total = total + weight * ((out - y) ** 2).mean()
                elif loss == "pairwise":
                    total = total + weight * pairwise_loss(out, y)
                else:
                    total = total + weight * torch.nn.functional.binary_cross_entropy_with_logits(out, y)
            losses.append(total)
        return torch.stack(losses)

    def deploy_columns(self, site_features) -> list[str]:
        """Union columns a model for a site measuring ``site_features`` may use, in union order."""
        if self.deploy == "site_features":
            return [c for c in self.columns if c in set(site_features)]
        return list(self.columns)

    def model_columns(self, site_features, train: TrainingSet) -> list[str]:
        """Columns the learner uses for a site measuring ``site_features``, given table ``train``."""
        if self.deploy == "site_features":
            return train.observed_columns(site_features)
        return train.observed_columns(train.columns)

    def with_sources(self, sources, complete=None) -> "MergeTask":
        """The same task over other sources (e.g. the training rows only) and their complete counterparts."""
        return MergeTask(tuple(sources), self.learner, self.metric, self.risk, self.deploy, self.population,
                         complete)


def pairwise_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean logistic loss of ``out[pos] - out[neg]`` over all (positive, negative) pairs; 0 without pairs.

    ``out`` and ``y`` have shape ``(n,)``; a row is positive where ``y > 0.5``.
    """
    pos, neg = out[y > 0.5], out[y <= 0.5]
    if pos.numel() == 0 or neg.numel() == 0:
        return out.sum() * 0.0
    return torch.nn.functional.softplus(neg.unsqueeze(0) - pos.unsqueeze(1)).mean()
