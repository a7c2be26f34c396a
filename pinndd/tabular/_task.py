"""The merge task: sources, learner, metric, target population and risk over sites.

This is the tabular instance of the formal model ``(D, A, T = (Q, l, rho))``:
``D`` is the sources, ``A`` the learner, ``Q`` each site's held-out patients with
the features that site measured, ``l`` the per-site loss/metric and ``rho`` the
risk measure over sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pinndd.risk import RiskMeasure

from ._sources import check_sources, union_features
from .learners import LearnerSpec, TrainingSet

__all__ = ["DEPLOY_MODES", "METRICS", "POPULATIONS", "MergeTask"]

DEPLOY_MODES = ("site_features", "impute")
POPULATIONS = ("sites", "sites_and_union")
# metric -> (task kind, larger is better)
METRICS = {
    "auroc": ("classification", True),
    "brier": ("classification", False),
    "accuracy": ("classification", True),
    "rmse": ("regression", False),
}


@dataclass(frozen=True, eq=False)
class MergeTask:
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
        The target population ``Q`` a task-aware distiller serves. ``"sites"``:
        each source's patients through the features it measured.
        ``"sites_and_union"``: also a site not among the sources that measures
        every feature of the union (a new hospital, or the left-out site of
        leave-one-site-out), stood for by all sources' rows pooled, a feature a
        source did not record imputed iteratively from the others (labels
        unseen). Evaluation is unchanged.
    """

    sources: tuple = field(repr=False)
    learner: LearnerSpec = LearnerSpec()
    metric: str = "auroc"
    risk: RiskMeasure = RiskMeasure("mean")
    deploy: str = "site_features"
    population: str = "sites"

    def __post_init__(self):
        object.__setattr__(self, "sources", check_sources(self.sources))
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
    def kind(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return self.learner.kind

    @property
    def columns(self) -> tuple[str, ...]:
        """The union of the sources' features: the merged table's columns."""
        return union_features(self.sources)

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

    def with_sources(self, sources) -> "MergeTask":
        """The same task over other sources (e.g. the training rows only)."""
        return MergeTask(tuple(sources), self.learner, self.metric, self.risk, self.deploy, self.population)
