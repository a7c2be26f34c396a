"""Typed, frozen experiment configs parsed from TOML, with one-line errors.

Every unknown key, unknown name and bad value raises
:class:`~pinndd.errors.ConfigError` naming the key and the allowed values.
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path

from pde_catalog import SPLITS, problem_class, problem_names

from ..errors import ConfigError
from ..learner import LearnerSpec, Recipe, resolve_device
from ..risk import parse_risk
from ._resources import check_resources

__all__ = ["ExperimentConfig", "LearnerConfig", "EvaluationConfig", "DistillerSpec", "load_config", "parse_config"]


LearnerConfig = LearnerSpec  # ``[learner]`` parses into the run's one learner spec


@dataclass(frozen=True)
class EvaluationConfig:
    """How point sets are judged (``[evaluation]``).

    ``conditions_per_split`` held-out conditions per split, drawn with
    ``condition_seed``; ``replicates`` fresh learners per point set;
    ``transfer_width``/``transfer_depth`` (both or neither) add a second
    architecture; ``save_fields`` writes the netCDF fields; ``shift_scan``
    (conditions per ray, 0 for none) also measures every learner along rays
    from the centre of the training family to the edge of ``ood_far``
    (:mod:`pinndd.shift`).
    """

    conditions_per_split: int = 8
    condition_seed: int = 20240901
    replicates: int = 1
    save_fields: bool = True
    transfer_width: int = 0
    transfer_depth: int = 0
    shift_scan: int = 0


@dataclass(frozen=True)
class DistillerSpec:
    """A distiller as named in the experiment: its label, method and options."""

    label: str
    method: str
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole experiment: problems x distillers x budgets x seeds x splits."""

    name: str
    problems: tuple
    distillers: tuple
    budgets: tuple
    seeds: tuple
    splits: tuple = SPLITS
    target_splits: tuple = ()
    target_weights: tuple = ()
    risk: str = "mean"
    learner: LearnerConfig = LearnerConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    problem_constants: dict = field(default_factory=dict)

    @property
    def targets(self) -> tuple:
        """The target splits of the task (the evaluated splits unless stated)."""
        return self.target_splits or self.splits


def _check_keys(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown key {where}.{unknown[0]}; allowed: {', '.join(sorted(allowed))}")


def _typed(value, kind, key: str):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise ConfigError(f"{key} must be of type {kind.__name__}, got {value!r}")
    return value


def _section(cls, table: dict, where: str):
    names = {f.name: f for f in fields(cls)}
    _check_keys(table, names, where)
    values = {k: _typed(v, type(names[k].default), f"{where}.{k}") for k, v in table.items()}
    return cls(**values)


def _names(value, key: str, allowed=None, kind=str) -> tuple:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{key} must be a non-empty list, got {value!r}")
    items = tuple(_typed(v, kind, key) for v in value)
    if allowed is not None:
        for item in items:
            if item not in allowed:
                raise ConfigError(f"unknown {key} entry {item!r}; allowed: {', '.join(allowed)}")
    if len(set(items)) != len(items):
        raise ConfigError(f"{key} has duplicate entries: {list(items)}")
    return items


def _learner(table, where: str = "learner") -> LearnerSpec:
    """``[learner]``: architecture keys, then the recipe's keys, each validated once."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table, got {table!r}")
    names = {f.name: f for f in fields(LearnerSpec) if f.name != "recipe"}
    recipe_keys = [f.name for f in fields(Recipe)]
    _check_keys(table, (*names, *recipe_keys), where)
    arch = {k: _typed(v, type(names[k].default), f"{where}.{k}") for k, v in table.items() if k in names}
    try:
        recipe = Recipe(**{k: v for k, v in table.items() if k in recipe_keys})
        learner = LearnerSpec(**arch, recipe=recipe)
        resolve_device(learner.device)
    except (TypeError, ValueError) as err:
        key = str(err).split(" ", 1)[0]
        detail = f"{where}.{err}" if key in names or key in recipe_keys else f"{where}.device: {err}"
        raise ConfigError(detail) from None
    return learner


_SAFE_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _safe_label(label, key: str) -> str:
    """A name that becomes part of file names: letters, digits, ``_`` and ``-``, starting with a letter."""
    if not (isinstance(label, str) and _SAFE_LABEL.fullmatch(label)):
        raise ConfigError(
            f"{key} entry {label!r} is not a safe name: use letters, digits, '_' or '-', starting with a letter (at most 64)"
        )
    return label


def _problems(problems, constants) -> dict:
    """``[problem.NAME]`` tables validated by building each problem; returns the constants by name."""
    import dataclasses

    from pde_catalog import get_problem

    if not isinstance(constants, dict):
        raise ConfigError(f"[problem] must hold tables of constants, e.g. [problem.heat1d], got {constants!r}")
    for name, table in constants.items():
        if name not in problems:
            raise ConfigError(f"[problem.{name}] is not listed in experiment.problems {list(problems)}")
        if not isinstance(table, dict):
            raise ConfigError(f"[problem.{name}] must be a table of constants, got {table!r}")
        _check_keys(table, [f.name for f in dataclasses.fields(problem_class(name))], f"problem.{name}")
        for key, value in table.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"problem.{name}.{key} must be finite, got {value!r}")
    for name in problems:
        try:
            get_problem(name, **constants.get(name, {}))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"[problem.{name}] {err}") from None
    return {k: dict(v) for k, v in constants.items()}


def _distillers(names, tables: dict) -> tuple:
    from ..distillers import distiller_names, get_distiller

    known = distiller_names()
    if not isinstance(tables, dict):
        raise ConfigError("[distiller] must be a table of tables, e.g. [distiller.uniform_target]")
    for label in names:
        _safe_label(label, "experiment.distillers")
    for label in tables:
        if label not in names:
            raise ConfigError(f"[distiller.{label}] is not listed in experiment.distillers {list(names)}")
    specs = []
    for label in names:
        if not isinstance(tables.get(label, {}), dict):
            raise ConfigError(f"[distiller.{label}] must be a table of options, got {tables[label]!r}")
        options = dict(tables.get(label, {}))
        method = options.pop("method", label)
        if label in known and method != label:
            warnings.warn(
                f"distiller label {label!r} is also a built-in distiller's name but runs {method!r}; results are labelled {label!r}",
                UserWarning, stacklevel=2,
            )
        if method not in known:
            raise ConfigError(f"unknown distiller {method!r} (experiment.distillers or distiller.{label}.method); known: {', '.join(known)}")
        try:
            get_distiller(method, **options)
        except ConfigError as err:
            raise ConfigError(f"[distiller.{label}] {err}") from None
        specs.append(DistillerSpec(label, method, options))
    return tuple(specs)


def _target_weights(exp: dict, n_targets: int) -> tuple:
    """``experiment.target_weights``: one positive number per target split, or () for equal weights."""
    if "target_weights" not in exp:
        return ()
    weights = exp["target_weights"]
    ok = isinstance(weights, list) and len(weights) == n_targets
    ok = ok and all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 < w < float("inf") for w in weights)
    if not ok:
        raise ConfigError(f"experiment.target_weights must be a list of {n_targets} positive numbers, one per target split, got {weights!r}")
    return tuple(float(w) for w in weights)


def parse_config(raw: dict) -> ExperimentConfig:
    """Validate a parsed TOML dict and build an :class:`ExperimentConfig`."""
    _check_keys(raw, ("experiment", "learner", "evaluation", "distiller", "problem"), "config")
    exp = raw.get("experiment")
    if not isinstance(exp, dict):
        raise ConfigError("missing [experiment] table")
    allowed = ("name", "kind", "problems", "distillers", "budgets", "seeds", "splits", "target_splits", "target_weights", "risk")
    _check_keys(exp, allowed, "experiment")
    for key in ("name", "problems", "distillers", "budgets", "seeds"):
        if key not in exp:
            raise ConfigError(f"missing key experiment.{key}")
    if exp.get("kind", "pde") != "pde":
        raise ConfigError(f"experiment.kind must be 'pde' or 'tabular', got {exp['kind']!r}")
    budgets = _names(exp["budgets"], "experiment.budgets", kind=int)
    seeds = _names(exp["seeds"], "experiment.seeds", kind=int)
    if min(budgets) < 8:
        raise ConfigError(f"experiment.budgets must be at least 8, got {min(budgets)}")
    if min(seeds) < 0 or max(seeds) >= 1000:
        raise ConfigError(f"experiment.seeds must lie in [0, 1000), got {list(seeds)}")
    try:
        risk = exp.get("risk", "mean")
        parse_risk(risk)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"experiment.risk: {err}") from None
    problems = _names(exp["problems"], "experiment.problems", problem_names())
    constants = _problems(problems, raw.get("problem", {}))
    learner = _learner(raw.get("learner", {}))
    evaluation = _section(EvaluationConfig, raw.get("evaluation", {}), "evaluation")
    if evaluation.shift_scan == 1 or evaluation.shift_scan < 0:
        raise ConfigError(f"evaluation.shift_scan must be 0 (none) or at least 2 conditions per ray, got {evaluation.shift_scan}")
    if evaluation.conditions_per_split < 1 or evaluation.replicates < 1:
        raise ConfigError("evaluation.conditions_per_split and evaluation.replicates must be at least 1")
    if bool(evaluation.transfer_width) != bool(evaluation.transfer_depth):
        raise ConfigError("evaluation.transfer_width and evaluation.transfer_depth must be given together")
    splits = _names(exp.get("splits", list(SPLITS)), "experiment.splits", SPLITS)
    targets = _names(exp["target_splits"], "experiment.target_splits", SPLITS) if "target_splits" in exp else ()
    weights = _target_weights(exp, len(targets or splits))
    config = ExperimentConfig(
        name=_typed(exp["name"], str, "experiment.name"),
        problems=problems,
        distillers=_distillers(_names(exp["distillers"], "experiment.distillers"), raw.get("distiller", {})),
        budgets=budgets,
        seeds=seeds,
        splits=splits,
        target_splits=targets,
        target_weights=weights,
        risk=risk,
        learner=learner,
        evaluation=evaluation,
        problem_constants=constants,
    )
    from pde_catalog import get_problem

    check_resources(config, [get_problem(n, **constants.get(n, {})) for n in problems])
    return config


def load_config(path) -> tuple[dict, str]:
    """Read a TOML file; returns the raw dict and its text.

    Raises
    ------
    ConfigError
        If the file is missing or not valid TOML (the message names the file).
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError(f"cannot read config {path}: {err.strerror}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from None
