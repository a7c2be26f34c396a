"""Typed, frozen config of a tabular experiment, parsed from the TOML dict.

The schema is :mod:`pinndd.schema`'s spine (``[experiment]`` with ``kind =
"tabular"``, ``name``, ``seeds``, ``distillers``, ``budgets``; ``[task]``;
``[learner]``; ``[distiller.LABEL]``) plus ``[data]``. Every method, baselines
included, is a tabular distiller listed in ``experiment.distillers``; one that
ignores the budget (``budgeted = False``) runs once, reported with budget 0.
Every key is checked; an unknown section or key, an unknown name or a bad value
raises :class:`~pinndd.errors.ConfigError` naming the key and what is allowed.
See ``experiments/tabular_quickstart.toml`` for a complete example.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..distillers import get_distiller
from ..errors import ConfigError
from ..risk import RiskMeasure
from ..schema import budgets, check_keys, distiller_specs, names, risk, seeds, table, typed
from ..tabular import BLOCK_DESIGNS, BUNDLED_TABLES, DEPLOY_MODES, HEART_SITES, LEARNERS, METRICS, POPULATIONS, SPLITS, LearnerSpec

__all__ = ["TabularConfig", "parse_tabular_config"]

_SECTIONS = {
    "experiment": ("kind", "name", "seeds", "distillers", "budgets", "splits", "test_fraction", "headline_budget",
                   "evaluate_on"),
    "data": ("source", "folder", "sites", "min_observed", "table", "n_sites", "n_core", "split_seed", "blocks"),
    "task": ("metric", "risk", "report_risks", "deploy", "population"),
}
_DATA_SOURCES = ("uci_heart", "bundled")
EVALUATE_ON = ("test", "development")


@dataclass(frozen=True)
class TabularConfig:
    """A parsed tabular experiment (see the module docstring for the TOML layout)."""

    name: str
    seeds: tuple[int, ...]
    splits: tuple[str, ...]
    test_fraction: float
    data_source: str
    folder: Path | None
    sites: tuple[str, ...]
    min_observed: float
    table: str
    n_sites: int
    n_core: int
    split_seed: int
    learner: LearnerSpec
    metric: str
    risk: RiskMeasure
    report_risks: tuple[RiskMeasure, ...]
    deploy: str
    distillers: tuple = ()  # (label, Distiller) pairs, in the listed order
    budgets: tuple[int, ...] = ()
    headline_budget: int = 0
    blocks: str = "random"
    evaluate_on: str = "test"
    population: str = "sites"

    @property
    def methods(self) -> tuple:
        """Every (label, Distiller) pair to run, in the listed order."""
        return self.distillers


def _get(sec: dict, section: str, key: str, kind, default):
    return typed(sec.get(key, default), kind, f"{section}.{key}")


def _choice(sec: dict, section: str, key: str, allowed, default) -> str:
    value = _get(sec, section, key, str, default)
    if value not in allowed:
        raise ConfigError(f"{section}.{key}: unknown name {value!r}; allowed: {', '.join(allowed)}")
    return value


def _distillers(exp: dict, tables: dict, source: str) -> tuple:
    """``experiment.distillers`` as (label, Distiller) pairs; a method needing the complete table needs bundled data."""
    built = []
    for spec in distiller_specs(exp["distillers"], tables, "tabular"):
        distiller = get_distiller(spec.method, kind="tabular", **spec.options)
        if distiller.needs_complete and source != "bundled":
            raise ConfigError(f"experiment.distillers: {spec.label!r} needs the complete table; only "
                              "data.source = 'bundled' has one")
        built.append((spec.label, distiller))
    return tuple(built)


def _data(data: dict, data_dir) -> dict:
    """The ``[data]`` table's fields of :class:`TabularConfig`, checked; ``data_dir`` overrides ``data.folder``."""
    source = _choice(data, "data", "source", _DATA_SOURCES, "bundled")
    folder = data_dir if data_dir is not None else data.get("folder")
    if source == "uci_heart" and folder is None:
        raise ConfigError("data.folder is required for data.source = 'uci_heart' (or pass --data DIR)")
    if folder is not None and not isinstance(folder, (str, Path)):
        raise ConfigError(f"data.folder must be a path string, got {folder!r}")
    min_observed = _get(data, "data", "min_observed", float, 0.5)
    if not 0.0 < min_observed <= 1.0:
        raise ConfigError(f"data.min_observed must lie in (0, 1], got {min_observed!r}")
    bundled = _choice(data, "data", "table", sorted(BUNDLED_TABLES), "diabetes")
    n_sites = _get(data, "data", "n_sites", int, 4)
    n_core = _get(data, "data", "n_core", int, 2)
    blocks = _choice(data, "data", "blocks", BLOCK_DESIGNS, "random")
    if n_sites < 2 or n_core < 1:
        raise ConfigError(f"data.n_sites must be >= 2 and data.n_core >= 1, got {n_sites!r} and {n_core!r}")
    return dict(data_source=source, folder=Path(folder) if folder is not None else None,
                sites=names(data.get("sites", list(HEART_SITES)), "data.sites", HEART_SITES), min_observed=min_observed,
                table=bundled, n_sites=n_sites, n_core=n_core, split_seed=_get(data, "data", "split_seed", int, 0), blocks=blocks)


def _learner(section: dict, default_name: str) -> LearnerSpec:
    """The ``[learner]`` table as a :class:`~pinndd.tabular.LearnerSpec`: a known name and its positive numeric parameters."""
    params = dict(section)
    name = params.pop("name", default_name)
    if name not in LEARNERS:
        raise ConfigError(f"learner.name: unknown name {name!r}; allowed: {sorted(LEARNERS)}")
    allowed = LEARNERS[name][1]
    for key, value in params.items():
        if key not in allowed:
            raise ConfigError(f"unknown key learner.{key} for learner {name!r}; allowed: {['name', *sorted(allowed)]}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"learner.{key} must be a positive number, got {value!r}")
        if isinstance(allowed[key], int) and not isinstance(value, int):
            raise ConfigError(f"learner.{key} must be a positive integer, got {value!r}")
    return LearnerSpec(name, tuple(sorted(params.items())))


def _task(task: dict, learner: LearnerSpec) -> dict:
    """The ``[task]`` table's fields of :class:`TabularConfig`, checked; the metric must fit ``learner``'s kind."""
    metric = _get(task, "task", "metric", str, "auroc" if learner.kind == "classification" else "rmse")
    fits = sorted(k for k, v in METRICS.items() if v[0] == learner.kind)
    if metric not in fits:
        raise ConfigError(f"task.metric: {metric!r} does not fit the {learner.kind} learner {learner.name!r}; allowed: {fits}")
    report = task.get("report_risks", ["mean", "cvar0.5", "max"])
    if not isinstance(report, list) or not report:
        raise ConfigError(f"task.report_risks must be a non-empty list such as ['mean', 'max'], got {report!r}")
    return dict(metric=metric, risk=risk(task.get("risk", "mean"), "task.risk"),
                report_risks=tuple(risk(r, "task.report_risks") for r in report),
                deploy=_choice(task, "task", "deploy", DEPLOY_MODES, "site_features"),
                population=_choice(task, "task", "population", POPULATIONS, "sites"))


def parse_tabular_config(raw: dict, *, data_dir=None) -> TabularConfig:
    """Check and parse the TOML dict of a tabular experiment.

    Parameters
    ----------
    raw : dict
        The whole parsed TOML file; ``[experiment] kind`` must be ``"tabular"``.
    data_dir : path-like, optional
        Overrides ``data.folder``.

    Returns
    -------
    TabularConfig

    Raises
    ------
    ConfigError
        One line naming the offending key and the allowed values.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"config must be a table of sections, got {type(raw).__name__}")
    check_keys(raw, ("experiment", "task", "learner", "distiller", "data"), "config")
    exp, data, task, learner_sec = (table(raw, n) for n in ("experiment", "data", "task", "learner"))
    for name, sec in (("experiment", exp), ("data", data), ("task", task)):
        check_keys(sec, _SECTIONS[name], name)
    if exp.get("kind") != "tabular":
        raise ConfigError(f"experiment.kind must be 'tabular' for a tabular experiment, got {exp.get('kind')!r}")
    for key in ("name", "seeds", "distillers", "budgets"):
        if key not in exp:
            raise ConfigError(f"missing key experiment.{key}")
    test_fraction = _get(exp, "experiment", "test_fraction", float, 0.3)
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"experiment.test_fraction must lie in (0, 1), got {test_fraction!r}")
    evaluate_on = _choice(exp, "experiment", "evaluate_on", EVALUATE_ON, "test")
    data_fields = _data(data, data_dir)
    classifies = data_fields["data_source"] == "uci_heart" or data_fields["table"] == "breast_cancer"
    learner = _learner(learner_sec, "logistic" if classifies else "ridge")
    task_fields = _task(task, learner)
    distillers = _distillers(exp, table(raw, "distiller"), data_fields["data_source"])
    run_budgets = budgets(exp["budgets"], low=2, high=10**6)
    headline = _get(exp, "experiment", "headline_budget", int, 100 if 100 in run_budgets else max(run_budgets))
    if headline not in run_budgets:
        raise ConfigError(f"experiment.headline_budget {headline!r} must be one of experiment.budgets {list(run_budgets)}")
    return TabularConfig(
        name=typed(exp["name"], str, "experiment.name"), seeds=seeds(exp["seeds"]),
        splits=names(exp.get("splits", ["per_site"]), "experiment.splits", SPLITS), test_fraction=test_fraction,
        learner=learner, distillers=distillers, budgets=run_budgets, headline_budget=headline, evaluate_on=evaluate_on,
        **data_fields, **task_fields)
