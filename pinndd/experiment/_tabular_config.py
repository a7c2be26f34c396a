"""Typed, frozen config of a tabular experiment, parsed from the TOML dict.

Every key is checked; an unknown section or key, an unknown name or a bad value
raises :class:`~pinndd.errors.ConfigError` naming the key and what is allowed.
See ``experiments/tabular_quickstart.toml`` for a complete example.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pinndd.distillers import distiller_names, get_distiller
from pinndd.errors import ConfigError
from pinndd.risk import RiskMeasure, parse_risk

from ..tabular import BLOCK_DESIGNS, BUNDLED_TABLES, DEPLOY_MODES, HEART_SITES, LEARNERS, METRICS, POPULATIONS, SPLITS, LearnerSpec

__all__ = ["TabularConfig", "parse_tabular_config"]

_SECTIONS = {
    "experiment": {"kind", "name", "seeds", "splits", "test_fraction", "headline_budget", "evaluate_on"},
    "data": {"source", "folder", "sites", "min_observed", "table", "n_sites", "n_core", "split_seed",
             "blocks"},
    "task": {"metric", "risk", "report_risks", "deploy", "population"},
    "learner": {"name"},  # plus the learner's own parameters
    "methods": {"baselines", "distillers", "budgets"},
    "distillers": set(),  # one table of options per listed method, checked by its Options
}
# the methods run when [methods] does not list them (oracle needs data.source = "bundled")
_DEFAULT_BASELINES = ("site_alone", "pooled_intersection", "pooled_mean", "pooled_knn", "pooled_iterative",
                      "random_subset")
_DEFAULT_DISTILLERS = ("task", "distribution_matching")
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
    baselines: tuple = ()  # (name, Distiller) pairs, run first
    distillers: tuple = ()  # (name, Distiller) pairs
    budgets: tuple[int, ...] = ()
    headline_budget: int = 0
    blocks: str = "random"
    evaluate_on: str = "test"
    population: str = "sites"

    @property
    def methods(self) -> tuple:
        """Every (name, Distiller) pair to run: the baselines, then the distillers."""
        return self.baselines + self.distillers


def _section(raw: dict, name: str) -> dict:
    sec = raw.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(f"[{name}] must be a table, got {type(sec).__name__}")
    if name != "learner" and name != "distillers":
        bad = sorted(set(sec) - _SECTIONS[name])
        if bad:
            raise ConfigError(f"unknown key {name}.{bad[0]}; allowed in [{name}]: {sorted(_SECTIONS[name])}")
    return sec


def _get(sec: dict, section: str, key: str, kind, default):
    value = sec.get(key, default)
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise ConfigError(f"{section}.{key} must be a {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _names(sec: dict, section: str, key: str, allowed, default) -> tuple[str, ...]:
    value = sec.get(key, default)
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"{section}.{key} must be a non-empty list of names from {sorted(allowed)}; got {value!r}")
    for item in value:
        if item not in allowed:
            raise ConfigError(f"{section}.{key}: unknown name {item!r}; allowed: {sorted(allowed)}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{section}.{key} has duplicate entries: {list(value)}")
    return tuple(value)


def _risk(section_key: str, text) -> RiskMeasure:
    try:
        return parse_risk(text)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{section_key}: {err}") from None


def _methods(methods: dict, tables: dict, source: str):
    """``methods.baselines`` and ``methods.distillers`` as (name, Distiller) pairs, built from ``[distillers.X]``.

    Both lists name registered tabular distillers (:func:`pinndd.distillers.distiller_names`);
    the split only orders the runs and the report.
    """
    known = distiller_names("tabular")
    lists = {key: _names(methods, "methods", key, known, list(default))
             for key, default in (("baselines", _DEFAULT_BASELINES), ("distillers", _DEFAULT_DISTILLERS))}
    both = sorted(set(lists["baselines"]) & set(lists["distillers"]))
    if both:
        raise ConfigError(f"methods.distillers: {both[0]!r} is also listed in methods.baselines")
    listed = lists["baselines"] + lists["distillers"]
    extra = sorted(set(tables) - set(listed))
    if extra:
        raise ConfigError(f"[distillers.{extra[0]}] configures a method not listed in methods.baselines or "
                          f"methods.distillers {list(listed)}")
    built = {}
    for key, names in lists.items():
        built[key] = []
        for name in names:
            options = tables.get(name, {})
            if not isinstance(options, dict):
                raise ConfigError(f"[distillers.{name}] must be a table, got {options!r}")
            try:
                distiller = get_distiller(name, kind="tabular", **options)
            except ConfigError as err:
                raise ConfigError(f"distillers.{name}: {err}") from None
            if distiller.needs_complete and source != "bundled":
                raise ConfigError(f"methods.{key}: {name!r} needs the complete table; only data.source = 'bundled' "
                                  "has one")
            built[key].append((name, distiller))
    return tuple(built["baselines"]), tuple(built["distillers"])


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
    bad = sorted(set(raw) - set(_SECTIONS))
    if bad:
        raise ConfigError(f"unknown section [{bad[0]}]; allowed: {sorted(_SECTIONS)}")
    exp, data, task = _section(raw, "experiment"), _section(raw, "data"), _section(raw, "task")
    learner_sec, methods, dist = _section(raw, "learner"), _section(raw, "methods"), _section(raw, "distillers")
    if exp.get("kind") != "tabular":
        raise ConfigError(f"experiment.kind must be 'tabular' for a tabular experiment, got {exp.get('kind')!r}")
    seeds = exp.get("seeds", 5)
    if isinstance(seeds, int) and not isinstance(seeds, bool) and seeds >= 1:
        seeds = tuple(range(seeds))
    elif isinstance(seeds, list) and seeds and all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        seeds = tuple(seeds)
    else:
        raise ConfigError(f"experiment.seeds must be a positive integer or a list of integers, got {seeds!r}")
    if len(set(seeds)) != len(seeds) or min(seeds) < 0 or len(seeds) > 1000:
        raise ConfigError(f"experiment.seeds must be distinct non-negative integers (at most 1000 of them), got {exp.get('seeds')!r}")
    test_fraction = _get(exp, "experiment", "test_fraction", float, 0.3)
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"experiment.test_fraction must lie in (0, 1), got {test_fraction!r}")

    evaluate_on = _get(exp, "experiment", "evaluate_on", str, "test")
    if evaluate_on not in EVALUATE_ON:
        raise ConfigError(f"experiment.evaluate_on: unknown name {evaluate_on!r}; allowed: {list(EVALUATE_ON)}")

    source = _get(data, "data", "source", str, "bundled")
    if source not in _DATA_SOURCES:
        raise ConfigError(f"data.source: unknown name {source!r}; allowed: {list(_DATA_SOURCES)}")
    folder = data_dir if data_dir is not None else data.get("folder")
    if source == "uci_heart" and folder is None:
        raise ConfigError("data.folder is required for data.source = 'uci_heart' (or pass --data DIR)")
    if folder is not None and not isinstance(folder, (str, Path)):
        raise ConfigError(f"data.folder must be a path string, got {folder!r}")
    min_observed = _get(data, "data", "min_observed", float, 0.5)
    if not 0.0 < min_observed <= 1.0:
        raise ConfigError(f"data.min_observed must lie in (0, 1], got {min_observed!r}")
    table = _get(data, "data", "table", str, "diabetes")
    if table not in BUNDLED_TABLES:
        raise ConfigError(f"data.table: unknown name {table!r}; allowed: {sorted(BUNDLED_TABLES)}")
    n_sites = _get(data, "data", "n_sites", int, 4)
    n_core = _get(data, "data", "n_core", int, 2)
    blocks = _get(data, "data", "blocks", str, "random")
    if blocks not in BLOCK_DESIGNS:
        raise ConfigError(f"data.blocks: unknown name {blocks!r}; allowed: {list(BLOCK_DESIGNS)}")
    if n_sites < 2 or n_core < 1:
        raise ConfigError(f"data.n_sites must be >= 2 and data.n_core >= 1, got {n_sites!r} and {n_core!r}")

    lparams = dict(learner_sec)
    lname = lparams.pop("name", "logistic" if source == "uci_heart" or table == "breast_cancer" else "ridge")
    if lname not in LEARNERS:
        raise ConfigError(f"learner.name: unknown name {lname!r}; allowed: {sorted(LEARNERS)}")
    for key, value in lparams.items():
        if key not in LEARNERS[lname][1]:
            raise ConfigError(f"unknown key learner.{key} for learner {lname!r}; allowed: "
                              f"{['name', *sorted(LEARNERS[lname][1])]}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"learner.{key} must be a positive number, got {value!r}")
        if isinstance(LEARNERS[lname][1][key], int) and not isinstance(value, int):
            raise ConfigError(f"learner.{key} must be a positive integer, got {value!r}")
    learner = LearnerSpec(lname, tuple(sorted(lparams.items())))
    default_metric = "auroc" if learner.kind == "classification" else "rmse"
    metric = _get(task, "task", "metric", str, default_metric)
    fits = sorted(k for k, v in METRICS.items() if v[0] == learner.kind)
    if metric not in fits:
        raise ConfigError(f"task.metric: {metric!r} does not fit the {learner.kind} learner {lname!r}; allowed: {fits}")
    deploy = _get(task, "task", "deploy", str, "site_features")
    if deploy not in DEPLOY_MODES:
        raise ConfigError(f"task.deploy: unknown name {deploy!r}; allowed: {list(DEPLOY_MODES)}")
    population = _get(task, "task", "population", str, "sites")
    if population not in POPULATIONS:
        raise ConfigError(f"task.population: unknown name {population!r}; allowed: {list(POPULATIONS)}")
    report = task.get("report_risks", ["mean", "cvar0.5", "max"])
    if not isinstance(report, list) or not report:
        raise ConfigError(f"task.report_risks must be a non-empty list such as ['mean', 'max'], got {report!r}")

    baselines, distillers = _methods(methods, dist, source)
    budgets = methods.get("budgets", [100])
    if not isinstance(budgets, list) or not budgets or not all(
            isinstance(b, int) and not isinstance(b, bool) and b >= 2 for b in budgets):
        raise ConfigError(f"methods.budgets must be a non-empty list of integers >= 2, got {budgets!r}")
    if len(set(budgets)) != len(budgets) or max(budgets) > 10**6:
        raise ConfigError(f"methods.budgets must be distinct and at most 1,000,000 rows, got {budgets!r}")
    headline = _get(exp, "experiment", "headline_budget", int, 100 if 100 in budgets else max(budgets))
    if headline not in budgets:
        raise ConfigError(f"experiment.headline_budget {headline!r} must be one of methods.budgets {budgets}")
    sites = _names(data, "data", "sites", HEART_SITES, list(HEART_SITES))
    return TabularConfig(
        name=_get(exp, "experiment", "name", str, "tabular"), seeds=seeds,
        splits=_names(exp, "experiment", "splits", SPLITS, ["per_site"]), test_fraction=test_fraction,
        data_source=source, folder=Path(folder) if folder is not None else None, sites=sites,
        min_observed=min_observed, table=table, n_sites=n_sites, n_core=n_core,
        split_seed=_get(data, "data", "split_seed", int, 0), learner=learner, metric=metric,
        risk=_risk("task.risk", task.get("risk", "mean")),
        report_risks=tuple(_risk("task.report_risks", r) for r in report), deploy=deploy,
        baselines=baselines, distillers=distillers, budgets=tuple(budgets), headline_budget=headline,
        blocks=blocks, evaluate_on=evaluate_on, population=population)
