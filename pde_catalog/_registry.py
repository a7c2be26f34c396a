"""The problem registry: names to problem classes.

Built-in problems are listed explicitly below. Third-party packages add
problems through the ``pde_catalog.problems`` entry point group (value
``"module:Class"``), or at run time with :func:`register`.
"""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from importlib.metadata import entry_points

from ._base import Problem

__all__ = ["register", "get_problem", "problem_names", "problem_class"]

ENTRY_POINT_GROUP = "pde_catalog.problems"

_BUILTIN = {
    "allen_cahn1d": "pde_catalog.allen_cahn1d:AllenCahn1D",
    "burgers1d": "pde_catalog.burgers1d:Burgers1D",
    "convection1d": "pde_catalog.convection1d:Convection1D",
    "heat1d": "pde_catalog.heat1d:Heat1D",
    "helmholtz2d": "pde_catalog.helmholtz2d:Helmholtz2D",
    "klein_gordon1d": "pde_catalog.klein_gordon1d:KleinGordon1D",
    "kovasznay": "pde_catalog.kovasznay:Kovasznay",
    "poisson2d": "pde_catalog.poisson2d:Poisson2D",
    "poisson_disk": "pde_catalog.poisson_disk:PoissonDisk",
    "poisson_lshape": "pde_catalog.poisson_lshape:PoissonLShape",
    "wave1d": "pde_catalog.wave1d:Wave1D",
}
_REGISTERED: dict[str, type] = {}


def register(name: str):
    """Class decorator registering a problem class under ``name``.

    The class's ``name`` becomes ``name`` (so results are labelled with the
    registered name even for a subclass of a built-in problem); a class that
    itself sets a different ``name`` is refused.

    Examples
    --------
    >>> @register("my_wave")                       # doctest: +SKIP
    ... @dataclass(frozen=True)
    ... class MyWave(Problem): ...
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"problem name must be a non-empty string, got {name!r}")

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, Problem)):
            raise TypeError(f"register({name!r}) needs a subclass of pde_catalog.Problem, got {cls!r}")
        if name in _all_specs() and _REGISTERED.get(name) is not cls:
            raise ValueError(f"problem {name!r} is already registered")
        own = cls.__dict__.get("name")
        if isinstance(own, str) and own != name:
            raise ValueError(f"register({name!r}) on class {cls.__name__} whose own name is {own!r}; use one name")
        cls.name = name
        _REGISTERED[name] = cls
        return cls

    return decorate


def _all_specs() -> dict:
    specs: dict = dict(_BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _BUILTIN and ep.value != _BUILTIN[ep.name]:
            warnings.warn(
                f"entry point {ep.name!r} ({ep.value}) is shadowed by the built-in problem of that name; rename it",
                UserWarning, stacklevel=3,
            )
        specs.setdefault(ep.name, ep.value)
    specs.update(_REGISTERED)
    return specs


def problem_names() -> list[str]:
    """Sorted names of every known problem (built-in, entry points, registered)."""
    return sorted(_all_specs())


def problem_class(name: str) -> type:
    """The class registered under ``name``.

    Raises
    ------
    KeyError
        For an unknown name; the message lists the known names.
    """
    specs = _all_specs()
    if name not in specs:
        raise KeyError(f"unknown problem {name!r}; known problems: {', '.join(sorted(specs))}")
    spec = specs[name]
    if isinstance(spec, str):
        module, _, attr = spec.partition(":")
        return getattr(importlib.import_module(module), attr)
    return spec


def get_problem(name: str, **params):
    """Build the problem ``name`` with physical constants ``params``.

    Parameters
    ----------
    name : str
        A registered name, e.g. ``"burgers1d"``.
    **params
        Values of the problem's dataclass fields (e.g. ``nu=0.02``).

    Raises
    ------
    KeyError
        Unknown problem name.
    TypeError
        Unknown constant; the message lists the problem's constants.
    """
    cls = problem_class(name)
    fields = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(params) - set(fields))
    if unknown:
        allowed = ", ".join(fields) or "none"
        raise TypeError(f"unknown constant {unknown[0]!r} for problem {name!r}; allowed: {allowed}")
    return cls(**params)
