"""A catalog of PDE problems with condition families and verified reference solvers.

Each problem is a frozen dataclass deriving from :class:`Problem`; look one up
by name with :func:`get_problem`. See ``pde_catalog/README.md`` for adding an
equation.
"""

from ._base import Face, Jet, Problem
from ._family import SPLITS, Box, ConditionFamily, Region
from ._registry import get_problem, problem_class, problem_names, register

__all__ = [
    "Box",
    "ConditionFamily",
    "Face",
    "Jet",
    "Problem",
    "Region",
    "SPLITS",
    "get_problem",
    "problem_class",
    "problem_names",
    "register",
]
