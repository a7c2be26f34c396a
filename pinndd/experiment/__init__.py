"""Experiments of both kinds: declarative TOML configs run into a results folder."""

from ._config import DistillerSpec, EvaluationConfig, ExperimentConfig, LearnerConfig, load_config, parse_config
from ._runner import cell_stem, run_experiment
from ._tabular import aggregate_sites, run_tabular_experiment
from ._tabular_config import TabularConfig, parse_tabular_config

__all__ = [
    "DistillerSpec",
    "EvaluationConfig",
    "ExperimentConfig",
    "LearnerConfig",
    "TabularConfig",
    "aggregate_sites",
    "cell_stem",
    "load_config",
    "parse_config",
    "parse_tabular_config",
    "run_experiment",
    "run_tabular_experiment",
]
