"""The distiller interface and its registry.

A distiller turns an inference task and a budget into a PointSet:
``Distiller(**options).distill(task, budget, seed=seed) -> PointSet``. The
constructor only stores and validates options (scikit-learn style); the work
happens in :meth:`Distiller.distill`.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from ..errors import ConfigError

__all__ = ["Distiller", "register_distiller", "get_distiller", "distiller_names"]

_REGISTRY: dict[str, type] = {}


class Distiller(abc.ABC):
    """Base class of every distiller.

    Subclasses declare ``options``: a mapping from option name to its default,
    and may override :meth:`validate` to check values.
    """

    name: ClassVar[str]
    task_aware: ClassVar[bool] = False
    options: ClassVar[dict] = {}

    def __init__(self, **options):
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            allowed = ", ".join(sorted(self.options)) or "none"
            raise ConfigError(f"unknown option {unknown[0]!r} for distiller {self.name!r}; allowed: {allowed}")
        self.params = {**self.options, **options}
        self.validate()

    def validate(self) -> None:
        """Check option values; raise :class:`~pinndd.errors.ConfigError` naming the option."""

    def _choice(self, key: str, allowed, *, optional: bool = False) -> None:
        if optional and self.params[key] is None:
            return
        if self.params[key] not in allowed:
            raise ConfigError(f"distiller {self.name!r}: {key} must be one of {', '.join(map(repr, allowed))}, got {self.params[key]!r}")

    def _number(self, key: str, low=None, high=None, *, integer=False, optional: bool = False) -> None:
        value = self.params[key]
        if optional and value is None:
            return
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ConfigError(f"distiller {self.name!r}: {key} must be {'an integer' if integer else 'a number'}, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"distiller {self.name!r}: {key} must lie in [{low}, {high}], got {value!r}")

    def inner_pinn(self, task):
        """The distiller's inner learner: the task's learner spec, except where this distiller's options set
        ``width``, ``depth`` or ``dtype`` (``None`` means the spec's value)."""
        p = self.params
        return task.learner.pinn(task.problem, p.get("width"), p.get("depth"), dtype=p.get("dtype"))

    @abc.abstractmethod
    def distill(self, task, budget: int, *, seed: int, progress: bool = False):
        """Build a point set for ``task`` within ``budget`` points.

        Parameters
        ----------
        task : pinndd.Task
        budget : int
            Total number of points (interior plus constraint).
        seed : int
            Seeds every random choice; the same seed gives the same set.
        progress : bool
            Show a progress bar where the method iterates.

        Returns
        -------
        pinndd.PointSet
        """

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


def register_distiller(cls):
    """Class decorator adding a distiller class to the registry under ``cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"distiller {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtins() -> None:
    from . import adaptive, classic, kernel, static, task, trajectory  # noqa: F401  (modules register their classes)


def distiller_names() -> list[str]:
    """Sorted names of the registered distillers."""
    _load_builtins()
    return sorted(_REGISTRY)


def get_distiller(name: str, **options) -> Distiller:
    """Instantiate the distiller ``name`` with ``options``.

    Raises
    ------
    ConfigError
        Unknown name (the message lists the known ones) or bad option.
    """
    _load_builtins()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown distiller {name!r}; known distillers: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](**options)
