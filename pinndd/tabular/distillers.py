"""The tabular distillers, registered under kind ``"tabular"``: the baselines and the optimised tables.

Every method of a tabular experiment is a distiller, judged by one evaluator:
``get_distiller(name, kind="tabular", **options).distill(task, budget,
seed=seed)`` turns the sites' training rows into one
:class:`~pinndd.tabular.TrainingSet` or a dict of site name to
:class:`~pinndd.tabular.TrainingSet`. The references that use every training
row ignore the budget (``budgeted = False``, reported with budget 0);
``oracle`` also needs the complete table (``task.complete``), which only the
bundled data have. Only ``task`` sees the task's target family.
"""

from __future__ import annotations

from typing import ClassVar

from pinndd.distillers import register_distiller

from ._distiller import TabularDistiller
from ._dm_distiller import DistributionMatching
from ._sources import intersection_features
from ._task_distiller import TaskDistiller
from .baselines import pooled, pooled_imputed, random_subset
from .learners import TrainingSet

__all__ = ["DistributionMatching", "Oracle", "PooledIntersection", "PooledIterative", "PooledKnn", "PooledMean",
           "RandomSubset", "SiteAlone", "TaskDistiller"]


@register_distiller
class SiteAlone(TabularDistiller):
    """Each site trains on its own training rows and measured features only (a dict of site to table)."""

    name = "site_alone"
    budgeted = False

    def distill(self, task, budget, *, seed, progress=False):
        return {s.name: TrainingSet(s.features, s.matrix(s.features), s.labels()) for s in task.training_family()}


@register_distiller
class PooledIntersection(TabularDistiller):
    """All sites' training rows, restricted to the features every site measured."""

    name = "pooled_intersection"
    budgeted = False

    def distill(self, task, budget, *, seed, progress=False):
        sources = task.training_family()
        return pooled(sources, intersection_features(sources))


class _PooledImputed(TabularDistiller):
    """All sites' training rows over the union of features, a missing value filled by ``imputer``."""

    budgeted = False
    imputer: ClassVar[str]

    def distill(self, task, budget, *, seed, progress=False):
        return pooled_imputed(task.training_family(), self.imputer, seed=seed)


@register_distiller
class PooledMean(_PooledImputed):
    """All sites' training rows over the union of features, a missing value filled with its column's mean."""

    name, imputer = "pooled_mean", "mean"


@register_distiller
class PooledKnn(_PooledImputed):
    """All sites' training rows over the union of features, a missing value imputed from 5 nearest neighbours."""

    name, imputer = "pooled_knn", "knn"


@register_distiller
class PooledIterative(_PooledImputed):
    """All sites' training rows over the union of features, missing values imputed iteratively (MICE-style)."""

    name, imputer = "pooled_iterative", "iterative"


@register_distiller
class RandomSubset(TabularDistiller):
    """``budget`` rows drawn without replacement from the pooled, iteratively imputed training rows."""

    name = "random_subset"

    def distill(self, task, budget, *, seed, progress=False):
        return random_subset(task.training_family(), budget, seed=seed)


@register_distiller
class Oracle(TabularDistiller):
    """All sites' training rows with every feature (``task.complete``): what merging cannot beat."""

    name = "oracle"
    budgeted = False
    needs_complete = True

    def distill(self, task, budget, *, seed, progress=False):
        if task.complete is None:
            raise ValueError("distiller 'oracle' needs the complete table (MergeTask.complete); "
                             "only the bundled data have one")
        return pooled(task.complete, task.columns)
