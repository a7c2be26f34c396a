"""Small batches of heat1d point sets for the learner tests."""

from __future__ import annotations

import pytest

from pde_catalog.heat1d import Heat1D
from pinndd.learner import ConditionalPINN, PointBatch
from pinndd.pointset import make_point_set
from pinndd.sampling import sample_point_arrays


def _small_batch(seeds, budgets, problem=None, *, width=12, depth=2, dtype="float64", **pinn_kwargs):
    """A ConditionalPINN, one initial model per seed and a PointBatch of Halton sets of the given budgets."""
    problem = problem or Heat1D()
    pinn = ConditionalPINN(problem, width=width, depth=depth, dtype=dtype, **pinn_kwargs)
    region = problem.family.region("train")
    sets = []
    for budget, seed in zip(budgets, seeds):
        interior, constraint, kind = sample_point_arrays(problem, region, budget, method="halton", seed=seed)
        sets.append(make_point_set(problem, interior, constraint, kind))
    return pinn, pinn.init(seeds), PointBatch.from_point_sets(sets, pinn.problem, dtype=pinn.dtype, device=pinn.device)


@pytest.fixture
def small_batch():
    """:func:`_small_batch`, for tests that build several batches."""
    return _small_batch
