"""Curved and polygonal domains: :class:`Disk` and :class:`Polygon` (see :mod:`pde_catalog._geometry`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._geometry import TOL, Geometry, check_coords

__all__ = ["Disk", "Polygon"]


@dataclass(frozen=True)
class Disk(Geometry):
    """The disk of ``radius`` around ``centre``; its boundary is one part, named ``part`` (default ``"circle"``)."""

    coords: tuple
    centre: tuple
    radius: float
    part: str = "circle"

    def __post_init__(self):
        object.__setattr__(self, "coords", check_coords(self.coords))
        if self.dim != 2 or len(self.centre) != 2:
            raise ValueError(f"Disk is two-dimensional; got coords {self.coords} and centre {self.centre}")
        if not (isinstance(self.radius, (int, float)) and self.radius > 0):
            raise ValueError(f"Disk radius must be positive, got {self.radius!r}")

    @property
    def bounds(self):
        c = np.array(self.centre, dtype=float)
        return c - self.radius, c + self.radius

    @property
    def measure(self):
        return float(np.pi * self.radius**2)

    @property
    def parts(self):
        return (self.part,)

    def part_measure(self, part):
        self.check_part(part)
        return float(2 * np.pi * self.radius)

    def _radius_of(self, points):
        return np.linalg.norm(np.atleast_2d(points) - np.array(self.centre), axis=1)

    def contains(self, points):
        return self._radius_of(points) <= self.radius + TOL

    def interior_from_unit(self, unit):
        unit = np.atleast_2d(unit)
        r, theta = self.radius * np.sqrt(unit[:, 0]), 2 * np.pi * unit[:, 1]
        return np.array(self.centre) + np.column_stack([r * np.cos(theta), r * np.sin(theta)])

    def boundary_from_unit(self, part, unit):
        self.check_part(part)
        theta = 2 * np.pi * np.asarray(unit, dtype=float).reshape(-1)
        return np.array(self.centre) + self.radius * np.column_stack([np.cos(theta), np.sin(theta)])

    def on_part(self, part, points):
        self.check_part(part)
        return np.abs(self._radius_of(points) - self.radius) <= TOL

    def normal(self, part, points):
        self.check_part(part)
        d = np.atleast_2d(points) - np.array(self.centre)
        return d / np.linalg.norm(d, axis=1, keepdims=True).clip(1e-300)

    def project(self, points):
        d = np.atleast_2d(points) - np.array(self.centre)
        r = np.linalg.norm(d, axis=1, keepdims=True)
        return np.array(self.centre) + d * np.minimum(1.0, self.radius / r.clip(1e-300))

    def project_to_part(self, part, points):
        self.check_part(part)
        return np.array(self.centre) + self.radius * self.normal(part, points)


@dataclass(frozen=True)
class Polygon(Geometry):
    """A simple polygon, vertices counter-clockwise; each edge belongs to a named part.

    Parameters
    ----------
    coords : tuple of str
        The two variable names.
    vertices : tuple of (float, float)
        Counter-clockwise; edge ``k`` runs from vertex ``k`` to vertex ``k + 1``.
    edge_parts : tuple of str, optional
        The part of each edge (edges sharing a name form one part); by default
        one part ``"boundary"``.
    """

    coords: tuple
    vertices: tuple
    edge_parts: tuple = None
    _triangles: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "coords", check_coords(self.coords))
        v = np.asarray(self.vertices, dtype=float)
        if self.dim != 2 or v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
            raise ValueError(f"Polygon needs two coords and at least 3 vertices (x, y), got {self.vertices!r}")
        area = 0.5 * np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
        if not area > 0:
            raise ValueError("Polygon vertices must be counter-clockwise (positive signed area)")
        names = ("boundary",) * len(v) if self.edge_parts is None else tuple(self.edge_parts)
        if len(names) != len(v):
            raise ValueError(f"edge_parts needs one name per edge ({len(v)}), got {len(names)}")
        object.__setattr__(self, "vertices", tuple(map(tuple, v.tolist())))
        object.__setattr__(self, "edge_parts", names)
        object.__setattr__(self, "_triangles", _ear_clip(v))

    @property
    def _v(self):
        return np.asarray(self.vertices)

    @property
    def bounds(self):
        return self._v.min(axis=0), self._v.max(axis=0)

    @property
    def measure(self):
        return float(_triangle_areas(self._triangles).sum())

    @property
    def parts(self):
        return tuple(dict.fromkeys(self.edge_parts))

    def _edges(self, part=None):
        """Start points, vectors and lengths of the edges (of one part)."""
        a = self._v
        b = np.roll(a, -1, axis=0)
        keep = np.ones(len(a), dtype=bool) if part is None else np.array([p == part for p in self.edge_parts])
        vec = (b - a)[keep]
        return a[keep], vec, np.linalg.norm(vec, axis=1)

    def part_measure(self, part):
        self.check_part(part)
        return float(self._edges(part)[2].sum())

    def _distance(self, points, part=None):
        """Distance to the nearest edge (of ``part``), that edge's index, and the nearest point."""
        start, vec, length = self._edges(part)
        p = np.atleast_2d(points)[:, None, :]
        s = np.clip(np.sum((p - start) * vec, axis=2) / length**2, 0.0, 1.0)
        nearest = start + s[..., None] * vec
        dist = np.linalg.norm(p - nearest, axis=2)
        k = np.argmin(dist, axis=1)
        return dist[np.arange(len(k)), k], k, nearest[np.arange(len(k)), k]

    def contains(self, points):
        points = np.atleast_2d(points)
        start, vec, _ = self._edges()
        x, y = points[:, :1], points[:, 1:]
        ya, yb = start[:, 1], start[:, 1] + vec[:, 1]
        crosses = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = start[:, 0] + (y - ya) * vec[:, 0] / vec[:, 1]
        inside = np.sum(crosses & (x < x_cross), axis=1) % 2 == 1
        return inside | (self._distance(points)[0] <= TOL)

    def interior_from_unit(self, unit):
        unit = np.atleast_2d(unit)
        tri = self._triangles
        areas = _triangle_areas(tri)
        edges = np.concatenate([[0.0], np.cumsum(areas) / areas.sum()])
        k = np.clip(np.searchsorted(edges, unit[:, 0], side="right") - 1, 0, len(tri) - 1)
        s = np.clip((unit[:, 0] - edges[k]) / np.diff(edges)[k], 0.0, 1.0)
        r = np.sqrt(s)[:, None]
        a, b, c = tri[k, 0], tri[k, 1], tri[k, 2]
        return (1 - r) * a + r * (1 - unit[:, 1:2]) * b + r * unit[:, 1:2] * c

    def boundary_from_unit(self, part, unit):
        self.check_part(part)
        start, vec, length = self._edges(part)
        arc = np.asarray(unit, dtype=float).reshape(-1) * length.sum()
        ends = np.cumsum(length)
        k = np.clip(np.searchsorted(ends, arc, side="right"), 0, len(length) - 1)
        s = (arc - (ends[k] - length[k])) / length[k]
        return start[k] + s[:, None] * vec[k]

    def on_part(self, part, points):
        self.check_part(part)
        return self._distance(points, part)[0] <= TOL

    def normal(self, part, points):
        self.check_part(part)
        _, vec, length = self._edges(part)
        k = self._distance(points, part)[1]
        return np.column_stack([vec[k, 1], -vec[k, 0]]) / length[k, None]

    def project(self, points):
        points = np.array(np.atleast_2d(points), dtype=float, copy=True)
        outside = ~self.contains(points)
        points[outside] = self._distance(points[outside])[2]
        return points

    def project_to_part(self, part, points):
        self.check_part(part)
        return self._distance(points, part)[2]


def _triangle_areas(tri: np.ndarray) -> np.ndarray:
    ab, ac = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return 0.5 * np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])


def _ear_clip(v: np.ndarray) -> np.ndarray:
    """Triangles (k, 3, 2) of a simple counter-clockwise polygon, by ear clipping."""
    idx = list(range(len(v)))
    triangles = []
    while len(idx) > 3:
        for j in range(len(idx)):
            a, b, c = v[idx[j - 1]], v[idx[j]], v[idx[(j + 1) % len(idx)]]
            cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
            if cross <= 1e-14:
                continue  # reflex or degenerate corner: not an ear
            others = [v[i] for i in idx if i not in (idx[j - 1], idx[j], idx[(j + 1) % len(idx)])]
            if not any(_in_triangle(p, a, b, c) for p in others):
                triangles.append((a, b, c))
                del idx[j]
                break
        else:
            raise ValueError("Polygon is not simple (no ear found); check the vertex order")
    triangles.append(tuple(v[i] for i in idx))
    return np.array(triangles, dtype=float)


def _in_triangle(p, a, b, c) -> bool:
    def side(p1, p2, p3):
        return (p1[0] - p3[0]) * (p2[1] - p3[1]) - (p2[0] - p3[0]) * (p1[1] - p3[1])

    d1, d2, d3 = side(p, a, b), side(p, b, c), side(p, c, a)
    return not ((min(d1, d2, d3) < 0) and (max(d1, d2, d3) > 0))
