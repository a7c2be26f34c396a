"""File output: the TOML writer round-trips what a config holds."""

import tomllib

from pinndd import io


def test_dump_toml_round_trips_nested_tables_of_scalars_and_lists():
    raw = {
        "experiment": {"kind": "tabular", "seeds": 3, "splits": ["per_site", "loso"], "test_fraction": 0.3},
        "experiment2": {"distillers": ["site_alone"], "budgets": [20, 50]},
        "distiller": {"task": {"prox": [0.1, 1.0], "refit": True, "init": 'say "hi" \\ there'},
                       "distribution_matching": {}},
    }
    assert tomllib.loads(io.dump_toml(raw)) == raw
