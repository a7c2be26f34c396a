"""Experiments: declarative TOML configs run into a results folder."""

from ._config import DistillerSpec, EvaluationConfig, ExperimentConfig, LearnerConfig, load_config, parse_config
from ._runner import cell_stem, run_experiment

__all__ = [
    "DistillerSpec",
    "EvaluationConfig",
    "ExperimentConfig",
    "LearnerConfig",
    "cell_stem",
    "load_config",
    "parse_config",
    "run_experiment",
]
