"""Every config shipped in experiments/ parses, so that its documented command starts."""

from pathlib import Path

import pytest

from pinndd.experiment import load_config
from pinndd.experiment import parse_tabular_config

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "experiments").glob("*.toml"))


def test_there_are_shipped_configs():
    names = {p.name for p in CONFIGS}
    assert {"quickstart.toml", "ood_benchmark.toml", "heart_merge.toml", "tabular_quickstart.toml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_parses(path):
    from pinndd.config import config_kind, parse

    raw, _ = load_config(path)
    config = parse(raw)
    if config_kind(raw) == "pde":
        assert config.problems and config.distillers


def test_one_parser_for_every_kind_with_one_error_contract():
    from pinndd.config import parse
    from pinndd.errors import ConfigError

    for raw, message in (
        ({}, "missing [experiment] table"),
        ({"experiment": {"kind": "images"}}, "experiment.kind must be one of 'pde', 'tabular', got 'images'"),
        ({"experiment": {"kind": "pde", "name": "x"}}, "missing key experiment.problems"),
        ({"experiment": {"kind": "tabular"}, "bogus": {}}, "bogus"),
    ):
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse(raw)


def test_every_development_variant_parses_and_never_evaluates_on_test():
    import importlib.util

    path = CONFIGS[0].parent / "tabular_dev_study.py"
    spec = importlib.util.spec_from_file_location("tabular_dev_study", path)
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    raw, _ = load_config(CONFIGS[0].parent / "heart_merge.toml")
    for name in study.VARIANTS:
        cfg = parse_tabular_config(study.variant_config(raw, name))
        assert cfg.evaluate_on == "development"
        assert [n for n, _ in cfg.distillers] == ["pooled_mean", "pooled_iterative", "task"]
