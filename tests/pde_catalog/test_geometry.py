"""Geometries: uniform sampling from the unit cube, parts, normals, projections, set operations."""

from __future__ import annotations

import numpy as np
import pytest

from pde_catalog import Difference, Disk, Intersection, Interval, Polygon, Rectangle, Union

L_SHAPE = Polygon(("x", "y"), ((0, 1), (-1, 1), (-1, -1), (1, -1), (1, 0), (0, 0)))
GEOMETRIES = {
    "interval": Interval("x", -1.0, 2.0),
    "rectangle": Rectangle(("x", "y"), (0.0, -1.0), (2.0, 1.0)),
    "box3d": Rectangle(("x", "y", "z"), (0.0, 0.0, 0.0), (1.0, 2.0, 3.0)),
    "lshape": L_SHAPE,
    "disk": Disk(("x", "y"), (0.5, -0.5), 2.0),
}
AREAS = {"interval": 3.0, "rectangle": 4.0, "box3d": 6.0, "lshape": 3.0, "disk": 4 * np.pi}


@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_interior_sampling_is_inside_and_uniform(name):
    g = GEOMETRIES[name]
    assert g.measure == pytest.approx(AREAS[name])
    rng = np.random.default_rng(0)
    points = g.interior_from_unit(rng.random((20000, g.dim)))
    assert np.all(g.contains(points))
    # Uniform: the share of points in the lower half (by the first coordinate's median cut of
    # a rejection sample from the bounding box) matches.
    lo, hi = g.bounds
    box = lo + rng.random((200000, g.dim)) * (hi - lo)
    inside = box[g.contains(box)]
    cut = np.median(inside[:, 0])
    assert np.mean(points[:, 0] < cut) == pytest.approx(0.5, abs=0.015)


@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_boundary_parts_sampling_normals_and_projection(name):
    g = GEOMETRIES[name]
    rng = np.random.default_rng(1)
    for part in g.parts:
        points = g.boundary_from_unit(part, rng.random((500, g.dim - 1)))
        assert np.all(g.on_part(part, points)) and np.all(g.contains(points))
        n = g.normal(part, points)
        np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0)
        span = float(np.max(g.bounds[1] - g.bounds[0]))
        assert not np.any(g.contains(points + 1e-4 * span * n) & ~g.on_part(part, points + 1e-4 * span * n)), part  # outward
        np.testing.assert_allclose(g.project_to_part(part, points), points, atol=1e-12)
    far = g.bounds[1] + 3.0
    assert np.all(g.contains(g.project(np.atleast_2d(far))))


def test_lshape_parts_and_measure():
    assert L_SHAPE.parts == ("boundary",) and L_SHAPE.part_measure("boundary") == pytest.approx(8.0)
    assert not L_SHAPE.contains(np.array([[0.5, 0.5]]))[0] and L_SHAPE.contains(np.array([[-0.5, 0.5], [0.5, -0.5]])).all()
    with pytest.raises(ValueError, match="counter-clockwise"):
        Polygon(("x", "y"), tuple(reversed(L_SHAPE.vertices)))


def test_rectangle_parts_periodic_image_and_errors():
    r = GEOMETRIES["rectangle"]
    assert r.parts == ("x_min", "x_max", "y_min", "y_max") and r.part_measure("x_min") == 2.0
    image = r.periodic_image("x_min", "x_max", np.array([[0.0, 0.3]]))
    np.testing.assert_array_equal(image, [[2.0, 0.3]])
    with pytest.raises(ValueError, match="opposite faces"):
        r.periodic_image("x_min", "y_max", np.array([[0.0, 0.3]]))
    with pytest.raises(ValueError, match="unknown boundary part 'left'; allowed: x_min, x_max, y_min, y_max"):
        r.normal("left", np.zeros((1, 2)))
    with pytest.raises(ValueError, match="single letters"):
        Rectangle(("xx",), (0.0,), (1.0,))
    with pytest.raises(ValueError, match="reserved for time"):
        Interval("t", 0.0, 1.0)


def test_annulus_by_difference():
    outer, inner = Disk(("x", "y"), (0.0, 0.0), 1.0), Disk(("x", "y"), (0.0, 0.0), 0.5)
    with pytest.raises(ValueError, match="share boundary part names"):
        Difference(outer, inner)
    ring = Difference(outer, Disk(("x", "y"), (0.0, 0.0), 0.5, part="hole"))
    assert ring.measure == pytest.approx(np.pi * 0.75, rel=0.01)
    assert ring.part_measure("hole") == pytest.approx(np.pi, rel=0.01)
    rng = np.random.default_rng(3)
    unit = rng.random((4000, 2))
    points = ring.interior_from_unit(unit)
    r = np.linalg.norm(points, axis=1)
    assert np.all((r >= 0.5 - 1e-9) & (r <= 1 + 1e-9))
    # Uniform in area: P(r < 0.75) = (0.75^2 - 0.5^2) / (1 - 0.5^2).
    assert np.mean(r < 0.75) == pytest.approx((0.75**2 - 0.25) / 0.75, abs=0.03)
    np.testing.assert_array_equal(points, ring.interior_from_unit(unit))  # deterministic per row
    hole = ring.boundary_from_unit("hole", rng.random((100, 1)))
    np.testing.assert_allclose(np.linalg.norm(hole, axis=1), 0.5)
    np.testing.assert_allclose(ring.normal("hole", hole), -hole / 0.5)  # outward from the ring: into the hole


def test_union_and_intersection_of_boxes():
    a = Rectangle(("x", "y"), (0.0, 0.0), (2.0, 1.0))
    b = Polygon(("x", "y"), ((1.0, 0.5), (3.0, 0.5), (3.0, 2.0), (1.0, 2.0)), edge_parts=("s", "e", "n", "w"))
    u, i = Union(a, b), Intersection(a, b)
    assert u.measure == pytest.approx(2 + 3 - 0.5, rel=0.02) and i.measure == pytest.approx(0.5, rel=0.02)
    rng = np.random.default_rng(4)
    pts = u.interior_from_unit(rng.random((1000, 2)))
    assert np.all(a.contains(pts) | b.contains(pts))
    x_max = u.boundary_from_unit("x_max", rng.random((200, 1)))  # a's right edge outside b: y < 0.5
    assert np.all(x_max[:, 1] <= 0.5 + 1e-9)
    pts = i.interior_from_unit(rng.random((500, 2)))
    assert np.all(a.contains(pts) & b.contains(pts))
