"""pinndd: task-specific dataset distillation for PINNs and tabular merging.

The nouns of the formal model (Kungurtsev et al., arXiv 2409.01410):
:class:`Task` (the protocol ``(D, A, T = (Q, l, rho))`` of both kinds), :class:`PdeTask`,
:class:`RiskMeasure`, :class:`PointSet`, the learner
(:mod:`pinndd.learner`), distillers (:func:`get_distiller`) and the evaluator
(:mod:`pinndd.evaluate`). PDE problems live in the sibling package
:mod:`pde_catalog`.
"""

from importlib.metadata import PackageNotFoundError, version

from .distillers import Distiller, distiller_names, get_distiller
from .errors import ConfigError, DataError, DivergenceError, PinnddError
from .pointset import PointSet, make_point_set
from .risk import RiskMeasure, cvar, parse_risk
from .task import PdeTask, Task, TaskAwarenessError

try:
    __version__ = version("pinndd")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "unknown"

__all__ = [
    "ConfigError",
    "DataError",
    "Distiller",
    "DivergenceError",
    "PdeTask",
    "PinnddError",
    "PointSet",
    "RiskMeasure",
    "Task",
    "TaskAwarenessError",
    "cvar",
    "distiller_names",
    "get_distiller",
    "make_point_set",
    "parse_risk",
]
