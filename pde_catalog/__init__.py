"""A catalog of PDE problems with condition families and verified reference solvers.

Each problem is a frozen dataclass deriving from :class:`Problem`: a
:class:`Geometry` (times an optional time interval), named outputs, the fields
its residual reads and a list of conditions. Look one up by name with
:func:`get_problem`. The package imports nothing from ``pinndd``. See
``pde_catalog/README.md`` for adding an equation.
"""

from ._base import Problem, parse_field
from ._csg import Difference, Intersection, Union
from ._conditions import Condition, Dirichlet, Initial, InitialVelocity, Neumann, Periodic, Robin
from ._family import SPLITS, Box, ConditionFamily, Region
from ._geometry import Geometry, Interval, Rectangle
from ._shapes import Disk, Polygon
from ._registry import get_problem, problem_class, problem_names, register

__all__ = [
    "Box",
    "Condition",
    "ConditionFamily",
    "Difference",
    "Dirichlet",
    "Disk",
    "Geometry",
    "Initial",
    "InitialVelocity",
    "Intersection",
    "Interval",
    "Neumann",
    "Periodic",
    "Polygon",
    "Problem",
    "Rectangle",
    "Region",
    "Robin",
    "SPLITS",
    "Union",
    "get_problem",
    "parse_field",
    "problem_class",
    "problem_names",
    "register",
]
