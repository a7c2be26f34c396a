"""The config schema both kinds share: its checks and their one-line errors."""

import pytest

from pinndd import schema
from pinndd.errors import ConfigError


def test_seeds_as_a_count_or_a_list():
    assert schema.seeds(3) == (0, 1, 2)
    assert schema.seeds([4, 2]) == (4, 2)
    for bad, message in ((0, r"as a count must lie in \[1, 1000\]"), ([1, 1], "duplicate"),
                         ([1000], r"must lie in \[0, 1000\)"), (["1"], "must be of type int")):
        with pytest.raises(ConfigError, match=message):
            schema.seeds(bad)


def test_budgets_bounds():
    assert schema.budgets([8, 16], low=8) == (8, 16)
    with pytest.raises(ConfigError, match="experiment.budgets must be at least 8, got 4"):
        schema.budgets([4], low=8)
    with pytest.raises(ConfigError, match="experiment.budgets must be at most 100, got 200"):
        schema.budgets([200], low=2, high=100)


@pytest.mark.parametrize("kind, label, table, message", [
    ("pde", "sobol_far", {"method": "sobol", "family": "target"}, None),
    ("pde", "sobol_far", {"method": "sobel"}, "unknown pde distiller 'sobel'"),
    ("pde", "uniform", {"n": 3}, r"\[distiller.uniform\] unknown option 'n' for distiller 'uniform'"),
    ("tabular", "dm_long", {"method": "distribution_matching", "steps": 500}, None),
    ("tabular", "task", {"steps": 0}, r"\[distiller.task\] distiller 'task': steps must be at least 1, got 0"),
    ("tabular", "../x", {}, "is not a safe name"),
])
def test_distiller_specs_of_both_kinds(kind, label, table, message):
    if message is None:
        (spec,) = schema.distiller_specs([label], {label: table}, kind)
        assert spec.label == label and spec.method == table["method"]
        return
    with pytest.raises(ConfigError, match=message):
        schema.distiller_specs([label], {label: table}, kind)


def test_a_table_for_an_unlisted_distiller_is_refused():
    with pytest.raises(ConfigError, match=r"\[distiller.kernel\] is not listed in experiment.distillers \['uniform'\]"):
        schema.distiller_specs(["uniform"], {"kernel": {}}, "pde")
