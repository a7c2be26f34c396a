"""Set operations of geometries: union, difference and intersection, by rejection.

A combined geometry samples its interior (and each boundary part) from its
operands' bounding box (or the operand's part) and keeps the points that
belong to it. A rejected row is replaced by further proposals drawn from a
generator seeded by that row's own bits, so that the map from unit-cube rows
to points stays a deterministic function of the rows, every budget is filled
exactly, and accepted rows keep their low-discrepancy spread. Measures (of the
domain and of each part) are Monte-Carlo estimates with a fixed seed, used only
to share a budget among parts.

A boundary part of an operand becomes a part of the result, under its own
name, where it lies on the result's boundary; part names of the two operands
must differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from ._geometry import Geometry

__all__ = ["Union", "Difference", "Intersection"]

_MEASURE_SAMPLES = 200_000
_MAX_PROPOSALS = 10_000


def _row_generator(row: np.ndarray) -> np.random.Generator:
    """A generator seeded by the bytes of one unit-cube row (deterministic per row)."""
    digest = hashlib.blake2b(np.ascontiguousarray(row, dtype=np.float64).tobytes(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def _accept(unit: np.ndarray, propose, keep) -> np.ndarray:
    """Map every row with ``propose`` and replace the rows failing ``keep`` by seeded re-proposals."""
    unit = np.atleast_2d(np.asarray(unit, dtype=float))
    points = propose(unit)
    bad = np.flatnonzero(~keep(points))
    for i in bad:
        rng = _row_generator(unit[i])
        for _ in range(_MAX_PROPOSALS):
            candidate = propose(rng.random((1, unit.shape[1])))
            if keep(candidate)[0]:
                points[i] = candidate[0]
                break
        else:
            raise RuntimeError("set operation leaves (almost) nothing to sample; check the operands")
    return points


@dataclass(frozen=True)
class _Combined(Geometry):
    """Base of the set operations of two geometries with the same coordinates."""

    a: Geometry
    b: Geometry
    _measures: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if tuple(self.a.coords) != tuple(self.b.coords):
            raise ValueError(f"operands must share coordinates, got {self.a.coords} and {self.b.coords}")
        clash = set(self.a.parts) & set(self.b.parts)
        if clash:
            raise ValueError(f"operands share boundary part names {sorted(clash)}; rename one (e.g. edge_parts=...)")
        object.__setattr__(self, "_measures", {})

    @property
    def coords(self):
        return self.a.coords

    @property
    def bounds(self):
        lo = np.minimum(self.a.bounds[0], self.b.bounds[0])
        hi = np.maximum(self.a.bounds[1], self.b.bounds[1])
        return lo, hi

    @property
    def parts(self):
        return tuple(self.a.parts) + tuple(self.b.parts)

    def _operand(self, part):
        self.check_part(part)
        return self.a if part in self.a.parts else self.b

    def _strictly_inside(self, geometry, points):
        """In ``geometry`` and not on its boundary."""
        on = np.zeros(len(points), dtype=bool)
        for p in geometry.parts:
            on |= geometry.on_part(p, points)
        return geometry.contains(points) & ~on

    # -------------------------------------------------------------- sampling
    def _box(self, unit):
        lo, hi = self.bounds
        return lo + unit * (hi - lo)

    def interior_from_unit(self, unit):
        return _accept(unit, self._box, self.contains)

    def boundary_from_unit(self, part, unit):
        operand = self._operand(part)
        return _accept(unit, lambda u: operand.boundary_from_unit(part, u), lambda p: self.on_part(part, p))

    # -------------------------------------------------------------- measures
    def _estimate(self, key, fraction_of, total):
        if key not in self._measures:
            rng = np.random.default_rng(20241202)
            self._measures[key] = float(total * np.mean(fraction_of(rng)))
        return self._measures[key]

    @property
    def measure(self):
        lo, hi = self.bounds
        return self._estimate(
            "domain", lambda rng: self.contains(self._box(rng.random((_MEASURE_SAMPLES, self.dim)))), float(np.prod(hi - lo))
        )

    def part_measure(self, part):
        operand = self._operand(part)
        return self._estimate(
            part,
            lambda rng: self.on_part(part, operand.boundary_from_unit(part, rng.random((_MEASURE_SAMPLES // 10, self.dim - 1)))),
            operand.part_measure(part),
        )

    # ------------------------------------------------------------- geometry
    def normal(self, part, points):
        operand = self._operand(part)
        return self._normal_sign(operand) * operand.normal(part, points)

    def _normal_sign(self, operand) -> float:
        return 1.0

    def project_to_part(self, part, points):
        return self._operand(part).project_to_part(part, points)

    def project(self, points):
        points = np.array(np.atleast_2d(points), dtype=float, copy=True)
        outside = ~self.contains(points)
        if outside.any():
            candidates = np.stack([self.project_to_part(p, points[outside]) for p in self.parts])
            ok = np.stack([self.on_part(p, c) for p, c in zip(self.parts, candidates)])
            dist = np.linalg.norm(candidates - points[outside], axis=2)
            dist[~ok] = np.inf
            best = np.argmin(dist, axis=0)
            points[outside] = candidates[best, np.arange(outside.sum())]
        return points


@dataclass(frozen=True)
class Union(_Combined):
    """Points in ``a`` or in ``b``; a part of either lies outside the other's interior."""

    def contains(self, points):
        return self.a.contains(points) | self.b.contains(points)

    def on_part(self, part, points):
        other = self.b if self._operand(part) is self.a else self.a
        return self._operand(part).on_part(part, points) & ~self._strictly_inside(other, points)


@dataclass(frozen=True)
class Intersection(_Combined):
    """Points in ``a`` and in ``b``; a part of either lies inside the other."""

    def contains(self, points):
        return self.a.contains(points) & self.b.contains(points)

    def on_part(self, part, points):
        other = self.b if self._operand(part) is self.a else self.a
        return self._operand(part).on_part(part, points) & other.contains(points)


@dataclass(frozen=True)
class Difference(_Combined):
    """Points in ``a`` and not inside ``b``; ``b``'s parts face into ``b`` (normals flipped)."""

    def contains(self, points):
        return self.a.contains(points) & ~self._strictly_inside(self.b, points)

    def on_part(self, part, points):
        if self._operand(part) is self.a:
            return self.a.on_part(part, points) & ~self._strictly_inside(self.b, points)
        return self.b.on_part(part, points) & self.a.contains(points)

    def _normal_sign(self, operand) -> float:
        return -1.0 if operand is self.b else 1.0
