"""PointSet: lossless netCDF round trip, VTU export, shape validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pde_catalog.heat1d import Heat1D
from pde_catalog.poisson2d import Poisson2D
from pinndd.pointset import PointSet, make_point_set
from pinndd.sampling import sample_point_arrays


@pytest.fixture
def point_set():
    problem = Heat1D()
    interior, constraint, kind = sample_point_arrays(problem, problem.family.region("train"), 40, method="sobol", seed=3)
    rng = np.random.default_rng(0)
    return make_point_set(
        problem,
        interior,
        constraint,
        kind,
        interior_weight=rng.random(len(interior)),
        constraint_weight=rng.random(len(constraint)),
        attrs={"distiller": "sobol", "budget": 40, "seed": 3, "temperature": 0.125, "task_aware": True},
    )


def test_netcdf_round_trip_is_lossless(point_set, tmp_path):
    path = tmp_path / "points" / "set.nc"
    point_set.save(path)
    back = PointSet.load(path)
    for name in ("interior", "interior_weight", "constraint", "constraint_target", "constraint_condition", "constraint_normal", "constraint_weight"):
        assert np.array_equal(getattr(back, name), getattr(point_set, name)), name
        assert getattr(back, name).dtype == getattr(point_set, name).dtype, name
    assert (back.problem, back.coords, back.params) == ("heat1d", ("x", "t"), ("A", "omega"))
    assert back.conditions == ("initial", "ends")
    assert back.attrs["distiller"] == "sobol"
    assert back.attrs["budget"] == 40 and back.attrs["seed"] == 3 and back.attrs["temperature"] == 0.125
    assert back.attrs["task_aware"] == 1  # netCDF has no booleans: stored as 0/1
    assert not list(tmp_path.joinpath("points").glob(".*.tmp"))  # atomic write leaves no temp file


def test_round_trip_of_empty_constraint(tmp_path):
    no_constraint = (np.zeros((0, 4)), ("initial", "ends"), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros((0, 1)), np.zeros(0))
    empty = PointSet("heat1d", ("x", "t"), ("A", "omega"), np.ones((3, 4)), np.ones(3), *no_constraint)
    empty.save(tmp_path / "e.nc")
    back = PointSet.load(tmp_path / "e.nc")
    assert back.constraint.shape == (0, 4) and back.size == 3


def test_targets_are_each_conditions_data_and_normals_point_out(point_set):
    problem = Heat1D()
    c = torch.as_tensor(point_set.constraint)
    x, beta = {"x": c[:, 0], "t": c[:, 1]}, {"A": c[:, 2], "omega": c[:, 3]}
    np.testing.assert_array_equal(point_set.constraint_target, problem.wave(x, beta).numpy())
    assert point_set.size == 40
    ends = point_set.constraint_condition == 1
    np.testing.assert_array_equal(point_set.constraint_normal[ends, 0], np.where(point_set.constraint[ends, 0] == 0, -1.0, 1.0))
    np.testing.assert_array_equal(point_set.constraint_normal[~ends], 0.0)
    np.testing.assert_array_equal(point_set.points_of("ends"), point_set.constraint[ends])
    with pytest.raises(ValueError, match="unknown condition 'walls'; allowed: initial, ends"):
        point_set.points_of("walls")


def test_normals_of_a_two_dimensional_box():
    problem = Poisson2D()
    interior, constraint, condition = sample_point_arrays(problem, problem.family.region("train"), 64, method="halton", seed=0)
    ps = make_point_set(problem, interior, constraint, condition)
    x, y = ps.constraint[:, 0], ps.constraint[:, 1]
    n = ps.constraint_normal
    assert np.all(np.abs(np.linalg.norm(n, axis=1) - 1) < 1e-12)
    assert np.all(n[x == 0] == [-1, 0]) and np.all(n[x == 1] == [1, 0])
    assert np.all(n[(y == 0) & (x > 0) & (x < 1)] == [0, -1]) and np.all(n[(y == 1) & (x > 0) & (x < 1)] == [0, 1])
    assert len(n) == len(x)


def test_vtu_export_reads_back(point_set, tmp_path):
    import meshio

    path = tmp_path / "set.vtu"
    point_set.write_vtu(path)
    mesh = meshio.read(path)
    n_i = len(point_set.interior)
    assert mesh.points.shape == (point_set.size, 3)
    np.testing.assert_allclose(mesh.points[:n_i, :2], point_set.interior[:, :2])
    np.testing.assert_allclose(mesh.points[n_i:, :2], point_set.constraint[:, :2])
    np.testing.assert_array_equal(mesh.points[:, 2], 0.0)
    np.testing.assert_array_equal(mesh.point_data["condition"], np.r_[np.zeros(n_i), 1 + point_set.constraint_condition])
    np.testing.assert_allclose(mesh.point_data["omega"], np.r_[point_set.interior[:, 3], point_set.constraint[:, 3]])
    np.testing.assert_allclose(mesh.point_data["target"][n_i:], point_set.constraint_target)
    assert np.all(np.isnan(mesh.point_data["target"][:n_i]))


def test_with_attrs_copies(point_set):
    tagged = point_set.with_attrs(seed=9, note="x")
    assert tagged.attrs["seed"] == 9 and point_set.attrs["seed"] == 3
    assert tagged.interior is point_set.interior


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("interior", np.zeros((5, 3)), r"interior must have shape \(n, 4\)"),
        ("interior", np.zeros(20), r"interior must have shape \(n, 4\)"),
        ("constraint", np.zeros((2, 5)), r"constraint must have shape \(n, 4\)"),
        ("interior_weight", np.ones(4), r"interior_weight must have shape \(5,\)"),
        ("constraint_target", np.ones((2, 1)), r"constraint_target must have shape \(2,\)"),
        ("constraint_condition", np.zeros(3, dtype=np.int64), r"constraint_condition must have shape \(2,\)"),
        ("constraint_condition", np.array([0, 2]), r"constraint_condition must index the 2 conditions"),
        ("constraint_normal", np.zeros((3, 1)), r"constraint_normal must have shape \(2, D_space\)"),
        ("constraint_weight", np.ones(1), r"constraint_weight must have shape \(2,\)"),
    ],
)
def test_shape_validation(field, value, match):
    good = dict(
        problem="heat1d",
        coords=("x", "t"),
        params=("A", "omega"),
        interior=np.zeros((5, 4)),
        interior_weight=np.ones(5),
        constraint=np.zeros((2, 4)),
        conditions=("initial", "ends"),
        constraint_target=np.zeros(2),
        constraint_condition=np.zeros(2, dtype=np.int64),
        constraint_normal=np.zeros((2, 1)),
        constraint_weight=np.ones(2),
    )
    PointSet(**good)
    with pytest.raises(ValueError, match=match):
        PointSet(**{**good, field: value})



def test_unset_options_in_attrs_do_not_stop_the_save(point_set, tmp_path):
    """A distiller option left at None (e.g. width: the task's learner spec decides) is not written."""
    tagged = point_set.with_attrs(width=None, depth=3)
    tagged.save(tmp_path / "s.nc")
    back = PointSet.load(tmp_path / "s.nc")
    assert "width" not in back.attrs and back.attrs["depth"] == 3
