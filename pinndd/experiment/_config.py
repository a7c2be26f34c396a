"""Typed, frozen experiment configs parsed from TOML, with one-line errors.

Every unknown key, unknown name and bad value raises
:class:`~pinndd.errors.ConfigError` naming the key and the allowed values.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from pde_catalog import SPLITS, problem_class, problem_names

from ..errors import ConfigError
from ..learner import LearnerSpec, Recipe, check_hard_constraints, fourier_scales, resolve_device
from ..schema import DistillerSpec, budgets, check_keys, distiller_specs, names, risk, section, seeds, table, typed
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


def _learner(table, where: str = "learner") -> LearnerSpec:
    """``[learner]``: architecture keys, then the recipe's keys, each validated once."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table, got {table!r}")
    names = {f.name: f for f in fields(LearnerSpec) if f.name != "recipe"}
    recipe_keys = [f.name for f in fields(Recipe)]
    check_keys(table, (*names, *recipe_keys), where)
    arch = {k: v if k == "fourier_scale" and isinstance(v, dict) else typed(v, type(names[k].default), f"{where}.{k}") for k, v in table.items() if k in names}
    try:
        recipe = Recipe(**{k: v for k, v in table.items() if k in recipe_keys})
        learner = LearnerSpec(**arch, recipe=recipe)
        resolve_device(learner.device)
    except (TypeError, ValueError) as err:
        key = str(err).split(" ", 1)[0]
        detail = f"{where}.{err}" if key in names or key in recipe_keys else f"{where}.device: {err}"
        raise ConfigError(detail) from None
    return learner


def _problems(problems, constants) -> tuple[dict, list]:
    """``[problem.NAME]`` tables validated by building each problem.

    Returns
    -------
    constants : dict
        The constants by problem name.
    built : list of pde_catalog.Problem
        Each problem of ``problems``, built with its constants.
    """
    import dataclasses

    from pde_catalog import get_problem

    if not isinstance(constants, dict):
        raise ConfigError(f"[problem] must hold tables of constants, e.g. [problem.heat1d], got {constants!r}")
    for name, values in constants.items():
        if name not in problems:
            raise ConfigError(f"[problem.{name}] is not listed in experiment.problems {list(problems)}")
        if not isinstance(values, dict):
            raise ConfigError(f"[problem.{name}] must be a table of constants, got {values!r}")
        check_keys(values, [f.name for f in dataclasses.fields(problem_class(name))], f"problem.{name}")
        for key, value in values.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"problem.{name}.{key} must be finite, got {value!r}")
    built = []
    for name in problems:
        try:
            built.append(get_problem(name, **constants.get(name, {})))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"[problem.{name}] {err}") from None
    return {k: dict(v) for k, v in constants.items()}, built


def _target_weights(task: dict, n_targets: int) -> tuple:
    """``task.target_weights``: one positive number per target split, or () for equal weights."""
    if "target_weights" not in task:
        return ()
    weights = task["target_weights"]
    ok = isinstance(weights, list) and len(weights) == n_targets
    ok = ok and all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 < w < float("inf") for w in weights)
    if not ok:
        raise ConfigError(f"task.target_weights must be a list of {n_targets} positive numbers, one per target split, got {weights!r}")
    return tuple(float(w) for w in weights)


def parse_config(raw: dict) -> ExperimentConfig:
    """Validate a parsed TOML dict of a PDE experiment and build an :class:`ExperimentConfig`.

    The schema is :mod:`pinndd.schema`'s spine plus ``[evaluation]`` and
    ``[problem.NAME]``: ``[experiment]`` holds ``problems`` and ``splits``
    (the evaluated splits), ``[task]`` holds ``risk``, ``target_splits`` and
    ``target_weights``.
    """
    check_keys(raw, ("experiment", "task", "learner", "evaluation", "distiller", "problem"), "config")
    exp = raw.get("experiment")
    if not isinstance(exp, dict):
        raise ConfigError("missing [experiment] table")
    moved = sorted(set(exp) & {"risk", "target_splits", "target_weights"})
    if moved:
        raise ConfigError(f"experiment.{moved[0]} belongs in [task] (the task's risk and target family), not in [experiment]")
    check_keys(exp, ("name", "kind", "problems", "distillers", "budgets", "seeds", "splits"), "experiment")
    for key in ("name", "problems", "distillers", "budgets", "seeds"):
        if key not in exp:
            raise ConfigError(f"missing key experiment.{key}")
    if exp.get("kind", "pde") != "pde":
        raise ConfigError(f"experiment.kind must be 'pde' or 'tabular', got {exp['kind']!r}")
    task = table(raw, "task")
    check_keys(task, ("risk", "target_splits", "target_weights"), "task")
    risk_text = task.get("risk", "mean")
    risk(risk_text, "task.risk")
    problems = names(exp["problems"], "experiment.problems", problem_names())
    constants, built = _problems(problems, raw.get("problem", {}))
    learner = _learner(raw.get("learner", {}))
    evaluation = section(EvaluationConfig, table(raw, "evaluation"), "evaluation")
    if evaluation.shift_scan == 1 or evaluation.shift_scan < 0:
        raise ConfigError(f"evaluation.shift_scan must be 0 (none) or at least 2 conditions per ray, got {evaluation.shift_scan}")
    if evaluation.conditions_per_split < 1 or evaluation.replicates < 1:
        raise ConfigError("evaluation.conditions_per_split and evaluation.replicates must be at least 1")
    if bool(evaluation.transfer_width) != bool(evaluation.transfer_depth):
        raise ConfigError("evaluation.transfer_width and evaluation.transfer_depth must be given together")
    splits = names(exp.get("splits", list(SPLITS)), "experiment.splits", SPLITS)
    targets = names(task["target_splits"], "task.target_splits", SPLITS) if "target_splits" in task else ()
    config = ExperimentConfig(
        name=typed(exp["name"], str, "experiment.name"),
        problems=problems,
        distillers=distiller_specs(exp["distillers"], raw.get("distiller", {}), "pde"),
        budgets=budgets(exp["budgets"], low=8),
        seeds=seeds(exp["seeds"]),
        splits=splits,
        target_splits=targets,
        target_weights=_target_weights(task, len(targets or splits)),
        risk=risk_text,
        learner=learner,
        evaluation=evaluation,
        problem_constants=constants,
    )
    for problem in built:
        try:
            fourier_scales(problem, learner.fourier_scale)
            check_hard_constraints(problem, learner.hard_constraints)
        except ValueError as err:
            raise ConfigError(f"learner.{err}") from None
    check_resources(config, built)
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
