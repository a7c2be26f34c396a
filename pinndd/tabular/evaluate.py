"""Evaluation: split each site into training and held-out patients, score a table per site.

Two protocols:

- ``per_site``: every site keeps ``test_fraction`` of its patients (stratified by
  class for classification) as its held-out set; methods see the rest.
- ``loso`` (leave one site out): methods see every other site's patients in full;
  the left-out site is scored on all its patients.
"""

from __future__ import annotations

import numpy as np

from .learners import TrainingSet, fit_predict

__all__ = ["SPLITS", "metric_names", "score", "split_sites", "fold_sites", "evaluate_table"]

SPLITS = ("per_site", "loso")


def split_sites(sources, test_fraction: float, *, seed: int, stratify: bool = True):
    """Split every site's rows into a training and a held-out part.

    Parameters
    ----------
    sources : sequence of Source
    test_fraction : float
        Share of each site's rows held out, in ``(0, 1)``.
    seed : int
        Seeds ``numpy.random.default_rng``.
    stratify : bool, optional
        Keep each class's share in both parts (classification).

    Returns
    -------
    (tuple of Source, tuple of Source)
        Training parts and held-out parts, in the order of ``sources``.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for source in sources:
        y = source.labels()
        groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
        held = []
        for rows in groups:
            k = int(round(test_fraction * len(rows)))
            held.extend(rng.permutation(rows)[:k].tolist())
        held = np.sort(np.asarray(held, dtype=int))
        kept = np.setdiff1d(np.arange(len(y)), held)
        train.append(source.subset(kept))
        test.append(source.subset(held))
    return tuple(train), tuple(test)


def fold_sites(sources, n_folds: int, *, seed: int, stratify: bool = True):
    """Cut every site's rows into ``n_folds`` folds; yield each fold held out once.

    Parameters
    ----------
    sources : sequence of Source
    n_folds : int
        At least 2 and at most the smallest site's number of rows.
    seed : int
        Seeds ``numpy.random.default_rng``.
    stratify : bool, optional
        Deal each class's rows round-robin over the folds (classification).

    Yields
    ------
    (tuple of Source, tuple of Source)
        The other folds' rows and the held-out fold's rows of every site, in
        the order of ``sources``.
    """
    smallest = min(s.n_rows for s in sources)
    if not 2 <= n_folds <= smallest:
        raise ValueError(f"n_folds must lie in [2, {smallest}] (the smallest site's rows), got {n_folds!r}")
    rng = np.random.default_rng(seed)
    fold_of = []
    for source in sources:
        y = source.labels()
        groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
        fold = np.empty(len(y), dtype=int)
        offset = 0
        for rows in groups:  # continue the round-robin across classes so that folds stay balanced
            fold[rng.permutation(rows)] = (offset + np.arange(len(rows))) % n_folds
            offset += len(rows)
        fold_of.append(fold)
    for k in range(n_folds):
        yield (tuple(s.subset(np.flatnonzero(f != k)) for s, f in zip(sources, fold_of)),
               tuple(s.subset(np.flatnonzero(f == k)) for s, f in zip(sources, fold_of)))


def metric_names(kind: str) -> tuple[str, ...]:
    """Metrics reported for a task kind."""
    return ("auroc", "brier", "accuracy") if kind == "classification" else ("rmse",)


def score(y: np.ndarray, pred: np.ndarray, kind: str) -> dict:
    """Metrics of predictions ``pred`` against targets ``y`` (both shape ``(n,)``).

    AUROC is NaN when the held-out rows hold one class only.
    """
    if kind == "regression":
        return {"rmse": float(np.sqrt(np.mean((pred - y) ** 2)))}
    from sklearn.metrics import roc_auc_score

    auroc = float(roc_auc_score(y, pred)) if np.unique(y).size == 2 else float("nan")
    return {"auroc": auroc, "brier": float(np.mean((pred - y) ** 2)),
            "accuracy": float(np.mean((pred >= 0.5) == (y == 1)))}


def evaluate_table(task, training, test_sources, *, seed: int = 0) -> list[dict]:
    """Train the task's learner on ``training`` and score it on each held-out site.

    Parameters
    ----------
    task : MergeTask
    training : TrainingSet or dict of str to TrainingSet
        One table for every site, or one per site name.
    test_sources : sequence of Source
        Held-out patients per site.
    seed : int, optional
        Seed of a randomised learner.

    Returns
    -------
    list of dict
        One dict per site: ``site``, ``n_test`` and the metrics. A site with no
        table (e.g. left out) is skipped.
    """
    rows = []
    for site in test_sources:
        table = training if isinstance(training, TrainingSet) else training.get(site.name)
        if table is None:
            continue
        cols = task.model_columns(site.features, table)
        pred = fit_predict(task.learner, table, cols, site.matrix(cols), seed=seed)
        rows.append({"site": site.name, "n_test": site.n_rows, **score(site.labels(), pred, task.learner.kind)})
    return rows
