"""The downstream learner ``A``: the same scikit-learn pipeline judges every training table.

A training table (:class:`TrainingSet`) is whatever a method hands over: pooled
and imputed patients, a site's own patients or a distilled synthetic table with
soft labels. The learner is a pipeline ``mean imputation -> standardisation ->
estimator``, so a feature missing at deployment is filled with the training
table's mean in the same way for every method. Soft labels in ``[0, 1]`` are fed
to a classifier as two weighted copies of each row (label 1 with weight ``p``,
label 0 with weight ``1 - p``), which gives exactly the soft cross-entropy.

Estimators (:data:`LEARNERS`): L2 logistic regression, ridge, random forests
and a small torch network (``torch_mlp_classifier`` / ``torch_mlp_regressor``,
:mod:`._torch_mlp`). The task distiller differentiates exactly through
logistic regression and ridge, through the network's training truncated to its
last steps (:func:`._inner.network_fit`), and stands in the linear model of the
same kind for a random forest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LEARNERS", "LearnerSpec", "TrainingSet", "fit_predict"]

# name -> (kind, {parameter: default})
LEARNERS = {
    "logistic": ("classification", {"C": 1.0}),
    "ridge": ("regression", {"alpha": 1.0}),
    "random_forest_classifier": ("classification", {"n_estimators": 100, "min_samples_leaf": 3}),
    "random_forest_regressor": ("regression", {"n_estimators": 100, "min_samples_leaf": 3}),
    "torch_mlp_classifier": ("classification", {"hidden": 32, "epochs": 300, "lr": 0.01, "weight_decay": 1e-3}),
    "torch_mlp_regressor": ("regression", {"hidden": 32, "epochs": 300, "lr": 0.01, "weight_decay": 1e-3}),
}


@dataclass(frozen=True)
class LearnerSpec:
    """Which estimator and its parameters.

    Parameters
    ----------
    name : str
        A key of :data:`LEARNERS`.
    params : tuple of (str, value) pairs, optional
        Overrides of the defaults.
    """

    name: str = "logistic"
    params: tuple = ()

    def __post_init__(self):
        if self.name not in LEARNERS:
            raise ValueError(f"unknown learner {self.name!r}; allowed: {sorted(LEARNERS)}")
        allowed = LEARNERS[self.name][1]
        for key, _ in self.params:
            if key not in allowed:
                raise ValueError(f"learner {self.name!r} has no parameter {key!r}; allowed: {sorted(allowed)}")

    @property
    def kind(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return LEARNERS[self.name][0]

    def param(self, key: str):
        """Value of parameter ``key`` (the override or the default)."""
        return dict(self.params).get(key, LEARNERS[self.name][1][key])

    def estimator(self, seed: int = 0):
        """A fresh, unfitted scikit-learn pipeline."""
        from sklearn import ensemble, linear_model
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        p = {**LEARNERS[self.name][1], **dict(self.params)}
        if self.name == "logistic":
            est = linear_model.LogisticRegression(C=float(p["C"]), max_iter=2000)
        elif self.name == "ridge":
            est = linear_model.Ridge(alpha=float(p["alpha"]))
        elif self.name.startswith("torch_mlp"):
            from ._torch_mlp import TorchMLPClassifier, TorchMLPRegressor

            cls = TorchMLPClassifier if self.kind == "classification" else TorchMLPRegressor
            est = cls(hidden=int(p["hidden"]), epochs=int(p["epochs"]), lr=float(p["lr"]),
                      weight_decay=float(p["weight_decay"]), seed=seed)
        else:
            cls = (ensemble.RandomForestClassifier if self.kind == "classification"
                   else ensemble.RandomForestRegressor)
            est = cls(n_estimators=int(p["n_estimators"]), min_samples_leaf=int(p["min_samples_leaf"]),
                      random_state=seed, n_jobs=1)
        return make_pipeline(SimpleImputer(strategy="mean"), StandardScaler(), est)


@dataclass(frozen=True, eq=False)
class TrainingSet:
    """A training table over named columns.

    Attributes
    ----------
    columns : tuple of str
        Feature names, one per column of ``x``.
    x : numpy.ndarray
        Shape ``(n, len(columns))``, raw units, NaN where not known.
    y : numpy.ndarray
        Shape ``(n,)``; hard or soft labels in ``[0, 1]`` for classification,
        real targets for regression.
    """

    columns: tuple
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)

    def __post_init__(self):
        if self.x.ndim != 2 or self.x.shape != (len(self.y), len(self.columns)):
            raise ValueError(f"x must have shape (len(y), len(columns)) = ({len(self.y)}, {len(self.columns)}), "
                             f"got {self.x.shape}")

    def observed_columns(self, wanted) -> list[str]:
        """Those of ``wanted`` that this table holds with at least one known value."""
        known = {c for j, c in enumerate(self.columns) if np.isfinite(self.x[:, j]).any()}
        return [c for c in wanted if c in known]


def fit_predict(spec: LearnerSpec, train: TrainingSet, columns, x_test: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Fit the learner on ``train[columns]`` and predict ``x_test``.

    Parameters
    ----------
    spec : LearnerSpec
    train : TrainingSet
    columns : sequence of str
        Columns to train on; all must be in ``train.columns``.
    x_test : numpy.ndarray
        Shape ``(n_test, len(columns))``, same column order, NaN allowed.
    seed : int, optional
        Seed of a randomised estimator.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_test,)``: probability of class 1 (classification) or the
        predicted value (regression).
    """
    idx = [train.columns.index(c) for c in columns]
    x = train.x[:, idx]
    y = train.y
    if spec.kind == "regression":
        return spec.estimator(seed).fit(x, y).predict(x_test)
    soft = not np.all((y == 0) | (y == 1))
    weights = np.ones(len(y))
    if soft:
        x = np.concatenate([x, x])
        weights = np.concatenate([y, 1.0 - y])
        y = np.concatenate([np.ones(len(train.y)), np.zeros(len(train.y))])
    if np.unique(y[weights > 0]).size < 2:  # one class only: predict its weighted rate
        return np.full(len(x_test), float(np.average(y, weights=weights)))
    model = spec.estimator(seed)
    last = model.steps[-1][0]
    model.fit(x, y, **{f"{last}__sample_weight": weights})
    return model.predict_proba(x_test)[:, 1]
