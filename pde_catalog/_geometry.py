"""Spatial domains: sampling from the unit cube, named boundary parts, outward normals.

Every geometry maps points of the unit cube onto its interior and onto each
named part of its boundary, measure-preservingly (uniform input gives uniform
points; a low-discrepancy input stays well spread), so that every sampler of
the package draws from any shape the same way. Time, where a problem has it,
is not part of the geometry (see :attr:`pde_catalog.Problem.time`).

Shapes: :class:`Rectangle` (an interval in 1-D, a box in any dimension) here;
:class:`~pde_catalog._shapes.Polygon` (simple, e.g. the L-shape) and
:class:`~pde_catalog._shapes.Disk` in :mod:`pde_catalog._shapes`; set
operations in :mod:`pde_catalog._csg`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

__all__ = ["Geometry", "Rectangle", "Interval"]

TOL = 1e-9
"""Distance within which a point counts as on a boundary part."""


class Geometry(abc.ABC):
    """A bounded spatial domain with named boundary parts.

    Subclasses are frozen dataclasses with a ``coords`` field naming the
    spatial variables (single letters).
    """

    coords: tuple

    @property
    def dim(self) -> int:
        """Number of spatial variables."""
        return len(self.coords)

    @property
    @abc.abstractmethod
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners of the bounding box, each of shape (dim,)."""

    @property
    @abc.abstractmethod
    def measure(self) -> float:
        """Length, area or volume of the domain."""

    @property
    @abc.abstractmethod
    def parts(self) -> tuple[str, ...]:
        """Names of the boundary parts, in a fixed order."""

    @abc.abstractmethod
    def part_measure(self, part: str) -> float:
        """Length (area) of a boundary part; 1 for an end point of an interval."""

    @abc.abstractmethod
    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``points`` (shape (n, dim)) in the closed domain."""

    @abc.abstractmethod
    def interior_from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Map points of ``[0, 1)^dim`` (shape (n, dim)) into the domain, uniformly."""

    @abc.abstractmethod
    def boundary_from_unit(self, part: str, unit: np.ndarray) -> np.ndarray:
        """Map points of ``[0, 1)^(dim - 1)`` (shape (n, dim - 1)) onto a boundary part, uniformly."""

    @abc.abstractmethod
    def on_part(self, part: str, points: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``points`` lying on ``part`` (within :data:`TOL`)."""

    @abc.abstractmethod
    def normal(self, part: str, points: np.ndarray) -> np.ndarray:
        """Outward unit normals, shape (n, dim), at points on ``part``."""

    @abc.abstractmethod
    def project(self, points: np.ndarray) -> np.ndarray:
        """The nearest point of the closed domain to each row of ``points``."""

    @abc.abstractmethod
    def project_to_part(self, part: str, points: np.ndarray) -> np.ndarray:
        """The nearest point of ``part`` to each row of ``points``."""

    def periodic_image(self, part: str, partner: str, points: np.ndarray) -> np.ndarray:
        """The points of ``partner`` paired with ``points`` on ``part`` (periodic conditions).

        Raises
        ------
        ValueError
            When the geometry does not pair these parts.
        """
        raise ValueError(f"{type(self).__name__} has no periodic pairing of {part!r} with {partner!r}")

    def check_part(self, part: str) -> None:
        """Raise ``ValueError`` for an unknown part name (the message lists the parts)."""
        if part not in self.parts:
            raise ValueError(f"unknown boundary part {part!r}; allowed: {', '.join(self.parts)}")


def check_coords(coords) -> tuple:
    coords = tuple(coords)
    if not coords or any(not (isinstance(c, str) and len(c) == 1 and c.isalpha()) for c in coords):
        raise ValueError(f"coords must be single letters, got {coords!r}")
    if "t" in coords:
        raise ValueError("'t' is reserved for time; name the spatial variables otherwise")
    return coords


@dataclass(frozen=True)
class Rectangle(Geometry):
    """The box ``[lower_1, upper_1] x ... x [lower_d, upper_d]``.

    Parameters
    ----------
    coords : tuple of str
        Variable names, e.g. ``("x", "y")``.
    lower, upper : tuple of float
        Corners, one entry per variable, in ``coords`` order.

    Notes
    -----
    Its parts are ``"<c>_min"`` and ``"<c>_max"`` for each variable ``c``
    (e.g. ``"x_min"`` is the face ``x = lower_x``).
    """

    coords: tuple
    lower: tuple
    upper: tuple

    def __post_init__(self):
        object.__setattr__(self, "coords", check_coords(self.coords))
        lo, hi = np.asarray(self.lower, dtype=float), np.asarray(self.upper, dtype=float)
        if lo.shape != (self.dim,) or hi.shape != (self.dim,) or not np.all(hi > lo):
            raise ValueError(f"Rectangle needs lower < upper with one entry per coordinate {self.coords}, got {self.lower}, {self.upper}")
        object.__setattr__(self, "lower", tuple(map(float, lo)))
        object.__setattr__(self, "upper", tuple(map(float, hi)))

    @property
    def bounds(self):
        return np.array(self.lower), np.array(self.upper)

    @property
    def measure(self) -> float:
        return float(np.prod(np.subtract(self.upper, self.lower)))

    @property
    def parts(self):
        return tuple(f"{c}_{end}" for c in self.coords for end in ("min", "max"))

    def _face(self, part):
        self.check_part(part)
        coord, _, end = part.partition("_")
        j = self.coords.index(coord)
        return j, (self.lower[j] if end == "min" else self.upper[j]), (-1.0 if end == "min" else 1.0)

    def part_measure(self, part):
        j, _, _ = self._face(part)
        return float(np.prod([h - l for k, (l, h) in enumerate(zip(self.lower, self.upper)) if k != j]))

    def contains(self, points):
        points = np.atleast_2d(points)
        return np.all((points >= np.subtract(self.lower, TOL)) & (points <= np.add(self.upper, TOL)), axis=1)

    def interior_from_unit(self, unit):
        lo, hi = self.bounds
        return lo + np.atleast_2d(unit) * (hi - lo)

    def boundary_from_unit(self, part, unit):
        j, value, _ = self._face(part)
        unit = np.asarray(unit, dtype=float).reshape(len(unit), self.dim - 1)
        full = np.insert(unit, j, 0.0, axis=1)
        points = self.interior_from_unit(full)
        points[:, j] = value
        return points

    def on_part(self, part, points):
        j, value, _ = self._face(part)
        points = np.atleast_2d(points)
        return (np.abs(points[:, j] - value) <= TOL) & self.contains(points)

    def normal(self, part, points):
        j, _, sign = self._face(part)
        out = np.zeros((len(points), self.dim))
        out[:, j] = sign
        return out

    def project(self, points):
        return np.clip(points, self.lower, self.upper)

    def project_to_part(self, part, points):
        j, value, _ = self._face(part)
        out = self.project(points)
        out[:, j] = value
        return out

    def periodic_image(self, part, partner, points):
        j, _, _ = self._face(part)
        k, value, _ = self._face(partner)
        if j != k or part == partner:
            raise ValueError(f"periodic parts must be opposite faces of one variable, got {part!r} and {partner!r}")
        out = np.array(points, dtype=float, copy=True)
        out[:, j] = value
        return out


def Interval(coord: str, lower: float, upper: float) -> Rectangle:
    """The interval ``[lower, upper]`` of one variable: a one-dimensional :class:`Rectangle`."""
    return Rectangle((coord,), (lower,), (upper,))
