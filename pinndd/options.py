"""Typed options: frozen dataclasses whose fields carry their own rule and documentation.

A distiller (of either kind) declares its options once, as the fields of an
:class:`Options` subclass made with :func:`option`::

    @dataclass(frozen=True)
    class SamplerOptions(Options):
        family: str = option("train", "Condition family the points are drawn from.", choices=("train", "target"))
        boundary_fraction: float = option(0.25, "Share of the budget on the conditions.", low=0.01, high=0.99)

The same declaration validates the values (once, when the options are built),
documents them (:meth:`Options.describe`, appended to the distiller's
docstring) and lists them (the CLI, the config errors).
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields

from .errors import ConfigError

__all__ = ["Options", "option"]

_KIND_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True)
class _Rule:
    """What a value of one option may be."""

    doc: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    kind: type | None = None
    optional: bool = False
    check: object = None  # callable(value) -> error text or None
    type_name: str | None = None  # how the documentation names the type, where kind does not

    def error(self, value) -> str | None:
        """Why ``value`` is not allowed (``None`` when it is)."""
        if value is None:
            return None if self.optional else "must be given, got None"
        if self.choices is not None:
            same_type = any(type(value) is type(c) or (isinstance(c, str) and isinstance(value, str)) for c in self.choices)
            if not same_type or value not in self.choices:
                return f"must be one of {', '.join(map(repr, self.choices))}, got {value!r}"
        if self.kind is bool and not isinstance(value, bool):
            return f"must be true or false, got {value!r}"
        if self.kind is str and not isinstance(value, str):
            return f"must be a string, got {value!r}"
        if self.kind in (int, float):
            allowed = (int,) if self.kind is int else (int, float)
            if isinstance(value, bool) or not isinstance(value, allowed):
                return f"must be {_KIND_NAMES[self.kind]}, got {value!r}"
            if not math.isfinite(value):
                return f"must be finite, got {value!r}"
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                if self.high is None:
                    return f"must be at least {self.low}, got {value!r}"
                if self.low is None:
                    return f"must be at most {self.high}, got {value!r}"
                return f"must lie in [{self.low}, {self.high}], got {value!r}"
        if self.check is not None:
            return self.check(value)
        return None

    def type_text(self) -> str:
        if self.type_name is not None:
            return self.type_name
        if self.choices is not None:
            text = "{" + ", ".join(map(repr, self.choices)) + "}"
        elif self.kind is not None:
            text = {bool: "bool", int: "int", float: "float", str: "str"}[self.kind]
        else:
            text = "object"
        return f"{text} or None" if self.optional else text


def option(default, doc: str, *, choices=None, low=None, high=None, kind=None, optional: bool = False, check=None,
           type_name: str | None = None):
    """A dataclass field of an :class:`Options` class, with its rule and its documentation.

    Parameters
    ----------
    default : object
        Default value (immutable: use a tuple for a sequence).
    doc : str
        One or two sentences for the documentation.
    choices : tuple, optional
        The allowed values.
    low, high : float, optional
        Closed bounds of a number.
    kind : {bool, int, float, str}, optional
        Required type; inferred from ``default`` when not given and the
        default is a bool, int, float or str (``int`` defaults of a number
        that may be fractional need ``kind=float``).
    optional : bool
        ``None`` is allowed (it means "the task's learner's value" where the
        documentation says so).
    check : callable, optional
        ``check(value) -> str or None``: further rule; returns why the value
        is refused.
    type_name : str, optional
        The type as the documentation names it, for an option ``kind`` cannot
        describe (e.g. ``"float or list of float"``).
    """
    if isinstance(default, (list, dict, set)):
        raise TypeError("an option's default must be immutable; use a tuple")
    if kind is None and choices is None and type(default) in _KIND_NAMES:
        kind = type(default)
    rule = _Rule(doc, tuple(choices) if choices is not None else None, low, high, kind, optional, check, type_name)
    return field(default=default, metadata={"option": rule})


@dataclass(frozen=True)
class Options:
    """Base of every options class: validates each field by its rule when built.

    Raises
    ------
    ConfigError
        One line naming the option and what is allowed.
    """

    def __post_init__(self):
        for f in fields(self):
            rule = f.metadata.get("option")
            if rule is None:
                continue
            value = getattr(self, f.name)
            if isinstance(value, list):  # TOML arrays arrive as lists; options hold tuples
                value = tuple(value)
                object.__setattr__(self, f.name, value)
            reason = rule.error(value)
            if reason:
                raise ConfigError(f"{f.name} {reason}")

    @classmethod
    def build(cls, owner: str, values: dict) -> "Options":
        """Options from a mapping, refusing unknown keys; errors start with ``owner``.

        Parameters
        ----------
        owner : str
            How the owner is named in an error, e.g. ``"distiller 'task'"``.
        values : dict
            Option name to value; missing options take their defaults.
        """
        names = cls.names()
        unknown = sorted(set(values) - set(names))
        if unknown:
            allowed = ", ".join(sorted(names)) or "none"
            raise ConfigError(f"unknown option {unknown[0]!r} for {owner}; allowed: {allowed}")
        try:
            return cls(**values)
        except ConfigError as err:
            raise ConfigError(f"{owner}: {err}") from None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in declaration order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def defaults(cls) -> dict:
        """Option name to default value."""
        return {f.name: f.default for f in fields(cls) if f.default is not MISSING}

    @classmethod
    def describe(cls) -> str:
        """The numpydoc ``Options`` section of these options."""
        lines = ["Options", "-------"]
        for f in fields(cls):
            rule = f.metadata.get("option")
            if rule is None:
                continue
            lines.append(f"{f.name} : {rule.type_text()}")
            lines.append(f"    {rule.doc} Default {f.default!r}.")
        return "\n".join(lines) if len(lines) > 2 else ""

    def as_dict(self) -> dict:
        """Option name to value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
