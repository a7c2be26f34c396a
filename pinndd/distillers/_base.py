"""The distiller interface and its one registry, keyed by kind of task and name.

A distiller turns an inference task and a budget into the distilled data of
that task's kind: ``get_distiller(name, kind=..., **options).distill(task,
budget, seed=seed)`` gives a :class:`~pinndd.PointSet` for a PDE task and a
:class:`~pinndd.tabular.TrainingSet` (or one per site) for a tabular task. The
constructor only validates its options (scikit-learn style: a frozen
:class:`~pinndd.options.Options` dataclass, declared once per distiller); the
work happens in :meth:`Distiller.distill`.
"""

from __future__ import annotations

import abc
import importlib
from typing import ClassVar

from ..errors import ConfigError
from ..options import Options

__all__ = ["Distiller", "KINDS", "PdeDistiller", "distiller_class", "distiller_names", "get_distiller", "register_distiller"]

KINDS = ("pde", "tabular")
"""The kinds of task a distiller may serve."""

_BUILTINS = {
    "pde": ("static", "adaptive", "classic", "kernel", "task", "task_implicit", "trajectory"),
    "tabular": ("pinndd.tabular.distillers",),
}
_REGISTRY: dict[tuple[str, str], type] = {}


class Distiller(abc.ABC):
    """Base class of every distiller, of every kind.

    Subclasses set ``name``, ``kind`` (a member of :data:`KINDS`) and
    ``Options`` (a frozen :class:`~pinndd.options.Options` dataclass; its
    documentation is appended to the class docstring). ``task_aware`` says
    whether the distiller may see the task's target family; a task-unaware
    one is handed :meth:`pinndd.task.Task.unaware_view`. ``budgeted`` is false
    for a reference that ignores the budget (it uses all the data it is given).
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    task_aware: ClassVar[bool] = False
    budgeted: ClassVar[bool] = True
    Options: ClassVar[type] = Options

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        doc = cls.__dict__.get("__doc__")
        if doc and "\nOptions\n" not in doc:
            section = cls.Options.describe()
            if section:
                cls.__doc__ = doc.rstrip() + "\n\n" + _indent(section, _doc_indent(doc))

    def __init__(self, **options):
        self.options = self.Options.build(f"distiller {self.name!r}", options)
        self.params = self.options.as_dict()

    def sees(self, task):
        """``task`` as this distiller may see it: whole if task-aware, else its unaware view.

        Runners hand a distiller ``distiller.sees(task)``, so that a
        task-unaware one cannot read the target family.
        """
        return task if self.task_aware else task.unaware_view()

    @abc.abstractmethod
    def distill(self, task, budget: int, *, seed: int, progress: bool = False):
        """Distil ``task``'s data within ``budget``.

        Parameters
        ----------
        task : pinndd.task.Task
            A task of this distiller's ``kind``.
        budget : int
            Points (PDE: interior plus condition points) or rows (tabular).
        seed : int
            Seeds every random choice; the same seed gives the same result.
        progress : bool
            Show a progress bar where the method iterates.
        """

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


def _doc_indent(doc: str) -> str:
    lines = [line for line in doc.splitlines()[1:] if line.strip()]
    return min((line[: len(line) - len(line.lstrip())] for line in lines), key=len, default="    ")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def register_distiller(cls):
    """Class decorator adding a distiller class to the registry under ``(cls.kind, cls.name)``."""
    kind = getattr(cls, "kind", None)
    if kind not in KINDS:
        raise ValueError(f"distiller {cls.__name__} must set kind to one of {', '.join(KINDS)}, got {kind!r}")
    key = (kind, cls.name)
    if key in _REGISTRY and _REGISTRY[key] is not cls:
        raise ValueError(f"a {kind} distiller {cls.name!r} is already registered")
    _REGISTRY[key] = cls
    return cls


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown task kind {kind!r}; allowed: {', '.join(KINDS)}")


def _load_builtins(kind: str) -> None:
    for module in _BUILTINS[kind]:  # modules register their classes on import
        importlib.import_module(module if "." in module else f"{__package__}.{module}")


def distiller_names(kind: str = "pde") -> list[str]:
    """Sorted names of the registered distillers of ``kind``."""
    _check_kind(kind)
    _load_builtins(kind)
    return sorted(name for k, name in _REGISTRY if k == kind)


def distiller_class(name: str, kind: str = "pde") -> type:
    """The registered class of the ``kind`` distiller ``name``.

    Raises
    ------
    ConfigError
        Unknown name (the message lists the known ones of that kind).
    """
    _check_kind(kind)
    _load_builtins(kind)
    if (kind, name) not in _REGISTRY:
        raise ConfigError(f"unknown {kind} distiller {name!r}; known: {', '.join(distiller_names(kind))}")
    return _REGISTRY[kind, name]


def get_distiller(name: str, /, *, kind: str = "pde", **options) -> Distiller:
    """Instantiate the ``kind`` distiller ``name`` with ``options``.

    Raises
    ------
    ConfigError
        Unknown name (the message lists the known ones) or bad option.
    """
    return distiller_class(name, kind)(**options)


class PdeDistiller(Distiller):
    """Base of the distillers of PDE tasks: the result is a :class:`~pinndd.PointSet`."""

    kind = "pde"

    def inner_pinn(self, task):
        """The distiller's inner learner: the task's learner spec, except where this distiller's options set
        ``width``, ``depth`` or ``dtype`` (``None`` means the spec's value)."""
        p = self.params
        return task.learner.pinn(task.problem, p.get("width"), p.get("depth"), dtype=p.get("dtype"))
