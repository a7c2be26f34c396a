"""The config schema both kinds of experiment share, and its one error contract.

Every experiment config, PDE or tabular, has the same spine::

    [experiment]            kind, name, seeds, distillers, budgets (+ the kind's own keys)
    [task]                  risk (+ the kind's own keys: target splits, metric, ...)
    [learner]               the kind's learner
    [distiller.LABEL]       method (default LABEL) and the distiller's options

The kind adds its own sections (PDE: ``[evaluation]``, ``[problem.NAME]``;
tabular: ``[data]``). Every check raises :class:`~pinndd.errors.ConfigError`
with one line naming the key and what is allowed, before any work starts.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, fields

from .errors import ConfigError
from .risk import RiskMeasure, parse_risk

__all__ = [
    "DistillerSpec", "check_keys", "typed", "names", "safe_label", "section", "table", "risk", "seeds",
    "budgets", "distiller_specs",
]

MAX_SEEDS = 1000
"""Distillation seeds lie in ``[0, MAX_SEEDS)``: evaluation seeds start above them (:mod:`pinndd.seeds`)."""


@dataclass(frozen=True)
class DistillerSpec:
    """A distiller as an experiment names it: its label (in results), method (registry name) and options."""

    label: str
    method: str
    options: dict = field(default_factory=dict)


def check_keys(table_: dict, allowed, where: str) -> None:
    """Refuse a key of ``table_`` not in ``allowed``."""
    unknown = sorted(set(table_) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown key {where}.{unknown[0]}; allowed: {', '.join(sorted(allowed))}")


def table(raw: dict, name: str) -> dict:
    """The section ``[name]`` of ``raw`` (empty when absent); refuses a non-table."""
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table, got {value!r}")
    return value


def typed(value, kind, key: str):
    """``value`` if it is of ``kind`` (an int is accepted as a float; a bool is not a number)."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise ConfigError(f"{key} must be of type {kind.__name__}, got {value!r}")
    return value


def names(value, key: str, allowed=None, kind=str) -> tuple:
    """A non-empty list of distinct values of ``kind`` (from ``allowed`` when given)."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{key} must be a non-empty list, got {value!r}")
    items = tuple(typed(v, kind, key) for v in value)
    if allowed is not None:
        for item in items:
            if item not in allowed:
                raise ConfigError(f"unknown {key} entry {item!r}; allowed: {', '.join(map(str, allowed))}")
    if len(set(items)) != len(items):
        raise ConfigError(f"{key} has duplicate entries: {list(items)}")
    return items


def section(cls, table_: dict, where: str):
    """A frozen dataclass ``cls`` from a table whose keys are its fields (typed by their defaults)."""
    known = {f.name: f for f in fields(cls)}
    check_keys(table_, known, where)
    return cls(**{k: typed(v, type(known[k].default), f"{where}.{k}") for k, v in table_.items()})


_SAFE_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def safe_label(label, key: str) -> str:
    """A name that becomes part of file names: letters, digits, ``_`` and ``-``, starting with a letter."""
    if not (isinstance(label, str) and _SAFE_LABEL.fullmatch(label)):
        raise ConfigError(
            f"{key} entry {label!r} is not a safe name: use letters, digits, '_' or '-', starting with a letter (at most 64)"
        )
    return label


def risk(text, key: str) -> RiskMeasure:
    """A risk measure from its text (``"mean"``, ``"max"``, ``"cvar0.9"``)."""
    try:
        return parse_risk(text)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{key}: {err}") from None


def seeds(value, key: str = "experiment.seeds") -> tuple[int, ...]:
    """Distillation seeds: a list of distinct integers in ``[0, MAX_SEEDS)``, or a count ``n`` meaning ``0..n-1``."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_SEEDS:
            raise ConfigError(f"{key} as a count must lie in [1, {MAX_SEEDS}], got {value!r}")
        return tuple(range(value))
    items = names(value, key, kind=int)
    if min(items) < 0 or max(items) >= MAX_SEEDS:
        raise ConfigError(f"{key} must lie in [0, {MAX_SEEDS}), got {list(items)}")
    return items


def budgets(value, key: str = "experiment.budgets", *, low: int, high: int | None = None) -> tuple[int, ...]:
    """A list of distinct budgets of at least ``low`` (and at most ``high`` when given)."""
    items = names(value, key, kind=int)
    if min(items) < low:
        raise ConfigError(f"{key} must be at least {low}, got {min(items)}")
    if high is not None and max(items) > high:
        raise ConfigError(f"{key} must be at most {high:,}, got {max(items)}")
    return items


def distiller_specs(labels, tables, kind: str) -> tuple[DistillerSpec, ...]:
    """``experiment.distillers`` and their ``[distiller.LABEL]`` tables, each checked against the registry.

    A label is the distiller's name in results and file names; ``method``
    (default: the label) names the registered distiller of ``kind`` it runs;
    every other key is an option, validated by building the distiller once.
    """
    from .distillers import distiller_names, get_distiller

    known = distiller_names(kind)
    if not isinstance(tables, dict):
        raise ConfigError("[distiller] must be a table of tables, e.g. [distiller.uniform_target]")
    labels = names(labels, "experiment.distillers")
    for label in labels:
        safe_label(label, "experiment.distillers")
    for label in tables:
        if label not in labels:
            raise ConfigError(f"[distiller.{label}] is not listed in experiment.distillers {list(labels)}")
    specs = []
    for label in labels:
        options = tables.get(label, {})
        if not isinstance(options, dict):
            raise ConfigError(f"[distiller.{label}] must be a table of options, got {options!r}")
        options = dict(options)
        method = options.pop("method", label)
        if label in known and method != label:
            warnings.warn(
                f"distiller label {label!r} is also a built-in distiller's name but runs {method!r}; results are labelled {label!r}",
                UserWarning, stacklevel=3,
            )
        if method not in known:
            raise ConfigError(f"unknown {kind} distiller {method!r} (experiment.distillers or distiller.{label}.method); "
                              f"known: {', '.join(known)}")
        try:
            get_distiller(method, kind=kind, **options)
        except ConfigError as err:
            raise ConfigError(f"[distiller.{label}] {err}") from None
        specs.append(DistillerSpec(label, method, options))
    return tuple(specs)
