"""Source validation: each bad input gets one error naming the source and column."""

import numpy as np
import pandas as pd
import pytest

from pinndd.errors import DataError
from pinndd.tabular import Source, check_sources, intersection_features, union_features


def _frame(n=4):
    return pd.DataFrame({"a": np.arange(n, dtype=float), "b": np.ones(n), "y": np.arange(n) % 2.0})


def test_missing_target_column_is_named():
    with pytest.raises(DataError, match=r"source 'north' \(north.csv\): target column 'outcome' is missing"):
        Source("north", _frame(), ("a",), "outcome", origin="north.csv")


def test_source_without_rows():
    with pytest.raises(DataError, match="source 'empty': the table has no rows"):
        Source("empty", _frame(0), ("a",), "y")


def test_non_numeric_value_names_column():
    frame = _frame().astype({"b": object})
    frame.loc[2, "b"] = "n/a"
    with pytest.raises(DataError, match=r"source 's': column 'b' holds the non-numeric value 'n/a'"):
        Source("s", frame, ("a", "b"), "y")


def test_missing_target_value_names_row():
    frame = _frame()
    frame.loc[1, "y"] = np.nan
    with pytest.raises(DataError, match="target column 'y' is missing in row 1"):
        Source("s", frame, ("a",), "y")


def test_sources_without_common_feature():
    s1 = Source("s1", _frame(), ("a",), "y")
    s2 = Source("s2", _frame(), ("b",), "y")
    with pytest.raises(DataError, match=r"no feature in common \(s1: \['a'\]; s2: \['b'\]\)"):
        check_sources([s1, s2])


def test_union_intersection_and_unmeasured_columns():
    s1 = Source("s1", _frame(), ("a", "b"), "y")
    s2 = Source("s2", _frame(), ("b",), "y")
    assert union_features([s1, s2]) == ("a", "b")
    assert intersection_features([s1, s2]) == ("b",)
    assert np.isnan(s2.matrix(["a"])).all()  # present in the frame, but s2 did not measure it
    with pytest.raises(DataError, match="repeated: \\['s1'\\]"):
        check_sources([s1, s1])
