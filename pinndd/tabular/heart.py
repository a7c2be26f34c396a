"""Loader for the UCI Heart Disease "processed" files (four sites).

Each site is a file ``processed.<site>.data``: comma-separated, no header, the 14
columns of :data:`HEART_COLUMNS`, ``?`` for a missing value. The loader knows the
data's quirks:

- ``chol == 0`` and ``trestbps == 0`` mean "not recorded" and become NaN;
- the target is the usual binary ``num > 0`` (column ``disease``);
- a feature a site recorded for fewer than ``min_observed`` of its patients
  counts as not measured by that site, and its few recorded values are dropped.

The files are read from a folder the caller names; nothing is copied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pinndd.errors import DataError

from ._sources import Source, check_sources

__all__ = ["HEART_COLUMNS", "HEART_FEATURES", "HEART_SITES", "HEART_TARGET", "load_heart_disease", "read_uci_file"]

HEART_COLUMNS = ("age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach",
                 "exang", "oldpeak", "slope", "ca", "thal", "num")
HEART_FEATURES = HEART_COLUMNS[:-1]
HEART_SITES = ("cleveland", "hungarian", "switzerland", "va")
HEART_TARGET = "disease"
_ZERO_MEANS_MISSING = ("chol", "trestbps")


def read_uci_file(path) -> pd.DataFrame:
    """Read one UCI "processed" file into a float table with NaN for ``?``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``processed.<site>.data`` file.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HEART_COLUMNS`, one row per non-blank line, as read
        (quirks such as ``chol == 0`` are not yet undone).

    Raises
    ------
    DataError
        If the file is missing, has a line without exactly 14 fields, or holds
        a value that is neither a number nor ``?`` (the message names the file,
        line and column).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected a UCI 'processed.<site>.data' file)")
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file in the UCI processed format") from None
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != len(HEART_COLUMNS):
            raise DataError(f"{path}: line {lineno} has {len(fields)} fields; the UCI processed format has "
                            f"{len(HEART_COLUMNS)} ({','.join(HEART_COLUMNS)})")
        row = [_parse(v, path, lineno, col) for v, col in zip(fields, HEART_COLUMNS)]
        if np.isnan(row[-1]):
            raise DataError(f"{path}: line {lineno}, column 'num': the target is missing ('?'); every patient needs a diagnosis")
        rows.append(row)
    if not rows:
        raise DataError(f"{path}: the file has no rows")
    return pd.DataFrame(rows, columns=list(HEART_COLUMNS), dtype=float)


def _parse(value: str, path: Path, lineno: int, column: str) -> float:
    if value == "?":
        return np.nan
    try:
        number = float(value)
    except ValueError:
        raise DataError(f"{path}: line {lineno}, column {column!r}: {value!r} is neither a number nor '?'") from None
    if not np.isfinite(number):
        raise DataError(f"{path}: line {lineno}, column {column!r}: {value!r} is not a finite number")
    return number


def load_heart_disease(folder, *, sites=HEART_SITES, min_observed: float = 0.5) -> tuple[Source, ...]:
    """Load the UCI Heart Disease sites as :class:`Source` objects.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder holding ``processed.<site>.data`` for every site in ``sites``.
    sites : sequence of str, optional
        Which sites, among :data:`HEART_SITES`.
    min_observed : float, optional
        A feature counts as measured by a site when it is recorded (after the
        zero-means-missing quirks are undone) for at least this fraction of the
        site's patients; in ``(0, 1]``.

    Returns
    -------
    tuple of Source
        One per site, target ``"disease"`` (1.0 when ``num > 0``), units as in
        the UCI files (years, mm Hg, mg/dl, beats per minute, ...).
    """
    if not 0.0 < min_observed <= 1.0:
        raise ValueError(f"min_observed must lie in (0, 1], got {min_observed!r}")
    unknown = [s for s in sites if s not in HEART_SITES]
    if unknown:
        raise ValueError(f"unknown heart-disease site(s) {unknown}; allowed: {list(HEART_SITES)}")
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: heart-disease data folder does not exist")
    out = []
    for site in sites:
        path = folder / f"processed.{site}.data"
        frame = read_uci_file(path)
        for col in _ZERO_MEANS_MISSING:
            frame.loc[frame[col] == 0, col] = np.nan
        frame[HEART_TARGET] = (frame["num"] > 0).astype(float)
        observed = frame[list(HEART_FEATURES)].notna().mean()
        measured = tuple(f for f in HEART_FEATURES if observed[f] >= min_observed)
        for col in HEART_FEATURES:
            if col not in measured:
                frame[col] = np.nan
        out.append(Source(site, frame, measured, HEART_TARGET, origin=str(path)))
    return check_sources(out)
