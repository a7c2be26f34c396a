"""Sources: one site's table, the features it measured and its prediction target.

A :class:`Source` is the tabular ``D`` of the formal model for one site. A
feature the site did not measure is absent from ``features`` and its column, if
present at all, is ignored: a site is only ever seen through what it measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pinndd.errors import DataError

__all__ = ["Source", "check_sources", "union_features", "intersection_features"]


@dataclass(frozen=True, eq=False)
class Source:
    """One site's table.

    Parameters
    ----------
    name : str
        Site name, unique among the sources of a task.
    frame : pandas.DataFrame
        One row per patient; holds at least the columns ``features`` and
        ``target``. Missing values are NaN.
    features : tuple of str
        Features this site measured (in the union's order where possible).
    target : str
        Column holding the prediction target.
    origin : str, optional
        Where the table came from (a file path), quoted in error messages.

    Raises
    ------
    DataError
        If the table has no rows, lacks the target or a feature column, holds a
        non-numeric value in a feature or target column, or a missing target.
    """

    name: str
    frame: pd.DataFrame = field(repr=False)
    features: tuple[str, ...]
    target: str
    origin: str = ""

    def __post_init__(self):
        where = f"source {self.name!r}" + (f" ({self.origin})" if self.origin else "")
        if not isinstance(self.name, str) or not self.name:
            raise DataError(f"source name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "features", tuple(self.features))
        if len(self.frame) == 0:
            raise DataError(f"{where}: the table has no rows")
        if not self.features:
            raise DataError(f"{where}: measured no features")
        if self.target not in self.frame.columns:
            raise DataError(f"{where}: target column {self.target!r} is missing; columns: {list(self.frame.columns)}")
        for col in (*self.features, self.target):
            if col not in self.frame.columns:
                raise DataError(f"{where}: feature column {col!r} is missing; columns: {list(self.frame.columns)}")
            if not pd.api.types.is_numeric_dtype(self.frame[col]) or pd.api.types.is_bool_dtype(self.frame[col]):
                bad = _first_non_numeric(self.frame[col])
                raise DataError(f"{where}: column {col!r} holds the non-numeric value {bad!r}")
        if self.frame[self.target].isna().any():
            row = int(np.flatnonzero(self.frame[self.target].isna().to_numpy())[0])
            raise DataError(f"{where}: target column {self.target!r} is missing in row {row}")

    @property
    def n_rows(self) -> int:
        """Number of patients."""
        return len(self.frame)

    def matrix(self, columns) -> np.ndarray:
        """Values of ``columns`` as floats, shape ``(n_rows, len(columns))``.

        A column this site did not measure comes back as all NaN.
        """
        out = np.full((self.n_rows, len(columns)), np.nan)
        for j, col in enumerate(columns):
            if col in self.features:
                out[:, j] = self.frame[col].to_numpy(dtype=float)
        return out

    def labels(self) -> np.ndarray:
        """Target values as floats, shape ``(n_rows,)``."""
        return self.frame[self.target].to_numpy(dtype=float)

    def subset(self, rows) -> "Source":
        """The same site restricted to the row positions ``rows``."""
        return Source(self.name, self.frame.iloc[np.asarray(rows)].reset_index(drop=True),
                      self.features, self.target, self.origin)


def _first_non_numeric(series: pd.Series):
    for value in series:
        try:
            float(value)
        except (TypeError, ValueError):
            return value
    return series.iloc[0]


def union_features(sources) -> tuple[str, ...]:
    """Features measured by at least one source, in order of first appearance."""
    seen: dict[str, None] = {}
    for source in sources:
        for feat in source.features:
            seen.setdefault(feat, None)
    return tuple(seen)


def intersection_features(sources) -> tuple[str, ...]:
    """Features measured by every source, in the union's order."""
    common = set.intersection(*(set(s.features) for s in sources))
    return tuple(f for f in union_features(sources) if f in common)


def check_sources(sources) -> tuple[Source, ...]:
    """Check that ``sources`` can be merged and return them as a tuple.

    Raises
    ------
    DataError
        If there are none, two share a name, targets differ, or no feature is
        measured by every source.
    """
    sources = tuple(sources)
    if not sources:
        raise DataError("no sources given")
    names = [s.name for s in sources]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"source names must be unique; repeated: {dup}")
    targets = {s.target for s in sources}
    if len(targets) > 1:
        raise DataError(f"sources disagree on the target column: {sorted(targets)}")
    if not intersection_features(sources):
        listing = "; ".join(f"{s.name}: {list(s.features)}" for s in sources)
        raise DataError(f"sources have no feature in common ({listing})")
    return sources
