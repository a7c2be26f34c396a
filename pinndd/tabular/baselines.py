"""Training tables built from the sites' rows without optimisation: pooling, imputation, subsets.

The tables are built from the sites' *training* sources as one
:class:`~pinndd.tabular.learners.TrainingSet`; the baseline distillers of
:mod:`.distillers` and the starts of the optimised ones use them.
"""

from __future__ import annotations

import numpy as np

from ._sources import union_features
from .learners import TrainingSet

__all__ = ["IMPUTERS", "impute", "pooled", "pooled_imputed", "random_subset"]

IMPUTERS = ("mean", "knn", "iterative")


def pooled(sources, columns=None) -> TrainingSet:
    """All sources' rows stacked over ``columns`` (the union by default), NaN where not measured."""
    columns = tuple(columns or union_features(sources))
    x = np.concatenate([s.matrix(columns) for s in sources])
    y = np.concatenate([s.labels() for s in sources])
    return TrainingSet(columns, x, y)


def impute(x: np.ndarray, method: str, *, seed: int = 0) -> np.ndarray:
    """Fill NaN in ``x`` (shape ``(n, d)``) by ``method`` in :data:`IMPUTERS`.

    kNN and iterative imputation work on standardised columns (observed mean
    and standard deviation), so that no feature dominates by its units.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    if method not in IMPUTERS:
        raise ValueError(f"unknown imputer {method!r}; allowed: {list(IMPUTERS)}")
    mu = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z = (x - mu) / sd
    if method == "mean":
        filled = SimpleImputer(strategy="mean").fit_transform(z)
    elif method == "knn":
        filled = KNNImputer(n_neighbors=5).fit_transform(z)
    else:
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():  # 10 rounds are the documented budget; not reaching tol is expected
            warnings.simplefilter("ignore", ConvergenceWarning)
            filled = IterativeImputer(max_iter=10, random_state=seed).fit_transform(z)
    return filled * sd + mu


def pooled_imputed(sources, method: str, *, seed: int = 0) -> TrainingSet:
    """All rows over the union of features, missing values imputed by ``method``."""
    table = pooled(sources)
    return TrainingSet(table.columns, impute(table.x, method, seed=seed), table.y)


def random_subset(sources, m: int, *, seed: int = 0, method: str = "iterative") -> TrainingSet:
    """``m`` rows drawn without replacement from the pooled, imputed table."""
    table = pooled_imputed(sources, method, seed=seed)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(table.y), size=min(m, len(table.y)), replace=False)
    return TrainingSet(table.columns, table.x[rows], table.y[rows])
