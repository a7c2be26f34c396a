"""Every config shipped in experiments/ parses, so that its documented command starts."""

from pathlib import Path

import pytest

from pinndd.experiment import load_config, parse_config
from pinndd.tabular import parse_tabular_config

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "experiments").glob("*.toml"))


def test_there_are_shipped_configs():
    names = {p.name for p in CONFIGS}
    assert {"quickstart.toml", "ood_benchmark.toml", "heart_merge.toml", "tabular_quickstart.toml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_parses(path):
    raw, _ = load_config(path)
    if raw.get("experiment", {}).get("kind", "pde") == "tabular":
        parse_tabular_config(raw)
    else:
        config = parse_config(raw)
        assert config.problems and config.distillers
