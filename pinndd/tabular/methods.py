"""Registry of methods: the distillers and the baselines, all judged by one evaluator.

A method turns the sites' training rows into training tables. Distillers and
``random_subset`` take a budget ``m`` of rows; the other baselines use every
training row (reported with budget 0). ``oracle`` needs the complete table and
exists only for the bundled data.
"""

from __future__ import annotations

from . import baselines
from ._dm_distiller import DistributionMatching
from ._task_distiller import TaskDistiller

__all__ = ["BASELINES", "DISTILLERS", "BUDGETED", "build_tables", "make_distiller"]

DISTILLERS = {"task": TaskDistiller, "distribution_matching": DistributionMatching}
BASELINES = ("site_alone", "pooled_intersection", "pooled_mean", "pooled_knn", "pooled_iterative",
             "random_subset", "oracle")
BUDGETED = ("random_subset", *DISTILLERS)


def make_distiller(name: str, params: dict):
    """Instantiate the distiller ``name`` with keyword ``params`` (ValueError lists what is allowed)."""
    if name not in DISTILLERS:
        raise ValueError(f"unknown distiller {name!r}; allowed: {sorted(DISTILLERS)}")
    import dataclasses

    allowed = [f.name for f in dataclasses.fields(DISTILLERS[name])]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"distiller {name!r} has no parameter(s) {unknown}; allowed: {allowed}")
    return DISTILLERS[name](**params)


def build_tables(method: str, task, m: int, *, seed: int, distiller=None, full_sources=None):
    """Training table(s) of ``method`` from ``task.sources`` (training rows only).

    Parameters
    ----------
    method : str
        A baseline in :data:`BASELINES` or a distiller in :data:`DISTILLERS`.
    task : MergeTask
        Over the training rows.
    m : int
        Budget in rows (budgeted methods only).
    seed : int
        Seeds the method.
    distiller : object, optional
        The configured distiller instance, for a distiller ``method``.
    full_sources : tuple of Source, optional
        Training rows with every feature, for ``oracle``.

    Returns
    -------
    TrainingSet or dict of str to TrainingSet
    """
    sources = task.sources
    if method in DISTILLERS:
        return distiller.distill(task, m, seed=seed)
    if method == "site_alone":
        return baselines.site_alone(sources)
    if method == "pooled_intersection":
        return baselines.pooled_intersection(sources)
    if method.startswith("pooled_"):
        return baselines.pooled_imputed(sources, method.removeprefix("pooled_"), seed=seed)
    if method == "random_subset":
        return baselines.random_subset(sources, m, seed=seed)
    if method == "oracle":
        if full_sources is None:
            raise ValueError("method 'oracle' needs the complete table; only the bundled data has one")
        return baselines.pooled(full_sources, task.columns)
    raise ValueError(f"unknown method {method!r}; allowed: {sorted((*BASELINES, *DISTILLERS))}")
