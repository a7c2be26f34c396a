"""Samplers: exact budgets, points where they belong, seeded determinism, the documented budget split."""

from __future__ import annotations

import numpy as np
import pytest

import pde_catalog
from pde_catalog import SPLITS
from pinndd.sampling import SEQUENCES, blocks, sample_point_arrays, split_budget, unit_sequence

PROBLEMS = [pde_catalog.get_problem(name) for name in ("burgers1d", "heat1d", "poisson2d")]


@pytest.mark.parametrize("method", SEQUENCES)
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
@pytest.mark.parametrize("budget", [7, 50, 129])
def test_points_fill_budget_and_stay_in_place(problem, method, budget):
    d, ds = len(problem.coords), len(problem.space)
    lo, hi = np.array(problem.domain).T
    for split in SPLITS:
        region = problem.family.region(split)
        interior, constraint, condition = sample_point_arrays(problem, region, budget, method=method, seed=11)
        assert len(interior) + len(constraint) == budget and len(condition) == len(constraint)
        n_interior, n_blocks = split_budget(problem, budget, 0.25)
        assert len(interior) == n_interior
        both = np.concatenate([interior, constraint])
        assert both.shape[1] == d + problem.family.dim
        assert np.all((both[:, :d] >= lo) & (both[:, :d] <= hi))
        assert np.all(region.contains(both[:, d:]))
        # Constraint rows come in block order (condition, then part), each exactly on its part.
        start = 0
        for (k, part), n in zip(blocks(problem), n_blocks):
            rows = constraint[start : start + n]
            if part == "initial":
                assert np.all(rows[:, ds] == problem.time[0])
            else:
                assert np.all(problem.geometry.on_part(part, rows[:, :ds]))
                coord, _, end = part.partition("_")
                assert np.all(rows[:, problem.coords.index(coord)] == problem.domain[problem.coords.index(coord)][end == "max"])
            assert np.all(condition[start : start + n] == k)
            start += n


@pytest.mark.parametrize("method", SEQUENCES)
def test_deterministic_per_seed_and_different_across_seeds(method):
    problem = PROBLEMS[1]
    region = problem.family.region("ood_near")
    first = sample_point_arrays(problem, region, 40, method=method, seed=5)
    again = sample_point_arrays(problem, region, 40, method=method, seed=5)
    other = sample_point_arrays(problem, region, 40, method=method, seed=6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1], other[1])


@pytest.mark.parametrize("method", SEQUENCES)
def test_unit_sequence_shape_and_range(method):
    pts = unit_sequence(method, 33, 3, seed=0)
    assert pts.shape == (33, 3) and np.all((pts >= 0) & (pts < 1))
    assert unit_sequence(method, 0, 3, seed=0).shape == (0, 3)


def test_lhs_is_stratified():
    pts = unit_sequence("lhs", 20, 2, seed=1)
    for col in pts.T:
        np.testing.assert_array_equal(np.sort(np.floor(col * 20)), np.arange(20))


def test_split_budget_follows_documented_proportions():
    burgers, heat, poisson = PROBLEMS
    # round(0.25 * 100) = 25 face points, shared by face measure with largest remainders.
    # burgers1d: t=0 has length 2, x=+-1 have length 1 each -> 12.5, 6.25, 6.25 -> 13, 6, 6.
    assert split_budget(burgers, 100, 0.25) == (75, [13, 6, 6])
    # heat1d: three faces of length 1 -> 8.33 each; the one leftover point goes to the first.
    assert split_budget(heat, 100, 0.25) == (75, [9, 8, 8])
    assert split_budget(poisson, 100, 0.4) == (60, [10, 10, 10, 10])
    # At least one point per face, at least one interior point.
    assert split_budget(heat, 4, 0.01) == (1, [1, 1, 1])
    assert split_budget(heat, 10, 0.99) == (1, [3, 3, 3])


@pytest.mark.parametrize("budget", [5, 6, 17, 64, 1000])
@pytest.mark.parametrize("fraction", [0.05, 0.25, 0.5, 0.9])
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_split_budget_sums_to_budget(problem, budget, fraction):
    n_interior, n_faces = split_budget(problem, budget, fraction)
    assert n_interior + sum(n_faces) == budget
    assert n_interior >= 1 and len(n_faces) == len(blocks(problem))
    expected = min(max(len(blocks(problem)), round(fraction * budget)), budget - 1)
    assert sum(n_faces) == expected


@pytest.mark.parametrize("budget", [-1, 0, 3])
def test_bad_budget(budget):
    with pytest.raises(ValueError, match="budget must be at least 4 for heat1d"):
        split_budget(PROBLEMS[1], budget, 0.25)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_bad_boundary_fraction(fraction):
    with pytest.raises(ValueError, match="boundary_fraction must lie in"):
        split_budget(PROBLEMS[1], 100, fraction)


def test_unknown_sequence_lists_allowed():
    with pytest.raises(ValueError, match="unknown sequence 'grid'; allowed: uniform, lhs, halton, hammersley, sobol"):
        unit_sequence("grid", 4, 2, seed=0)
