"""One entry to experiment configs of every kind: read a TOML file, switch on ``experiment.kind``.

``[experiment] kind`` is ``"pde"`` (the default) or ``"tabular"``. Both kinds
share one schema (:mod:`pinndd.schema`: ``[experiment]`` kind, name, seeds,
distillers, budgets; ``[task]``; ``[learner]``; ``[distiller.LABEL]``), to which
each adds its own sections (:func:`pinndd.experiment.parse_config`,
:func:`pinndd.experiment.parse_tabular_config`), under one error contract: a
:class:`~pinndd.errors.ConfigError` of one line naming the key and what is
allowed, raised before any work.
"""

from __future__ import annotations

from .errors import ConfigError
from .experiment._config import load_config

__all__ = ["KINDS", "config_kind", "load_config", "parse"]

KINDS = ("pde", "tabular")
"""The experiment kinds."""


def config_kind(raw: dict) -> str:
    """The ``experiment.kind`` of a parsed TOML dict (``"pde"`` when absent).

    Raises
    ------
    ConfigError
        For a missing ``[experiment]`` table or an unknown kind.
    """
    experiment = raw.get("experiment")
    if not isinstance(experiment, dict):
        raise ConfigError("missing [experiment] table")
    kind = experiment.get("kind", "pde")
    if kind not in KINDS:
        raise ConfigError(f"experiment.kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    return kind


def parse(raw: dict, *, data_dir=None):
    """Parse a config of either kind.

    Parameters
    ----------
    raw : dict
        The whole parsed TOML file.
    data_dir : path-like, optional
        The data folder of a tabular experiment (the CLI's ``--data``);
        refused for a PDE experiment.

    Returns
    -------
    ExperimentConfig or TabularConfig
    """
    kind = config_kind(raw)
    if kind == "tabular":
        from .experiment import parse_tabular_config

        return parse_tabular_config(raw, data_dir=data_dir)
    if data_dir is not None:
        raise ConfigError("--data applies to tabular experiments only")
    from .experiment import parse_config

    return parse_config(raw)
