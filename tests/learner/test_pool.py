"""The pool of learners: staggered ages, restarts at the horizon or on failure, Adam state reset with them."""

import numpy as np
import torch

from pde_catalog import get_problem
from pinndd.learner import ConditionalPINN, LearnerPool
from pinndd.learner._functional import adam_step, flatten


def _pool(horizon=10, n=4):
    pinn = ConditionalPINN(get_problem("heat1d"), 5, 1, dtype="float64")
    return pinn, LearnerPool(pinn, pinn.init([1, 2, 3, 4][:n]), horizon)


def test_ages_are_staggered_and_parameters_detached():
    _, pool = _pool(horizon=10)
    assert pool.size == 4 and pool.ages.tolist() == [0, 2, 5, 7]
    assert not any(t.requires_grad for t in flatten(pool.params))


def test_restart_due_replaces_exactly_the_learners_at_their_horizon_or_failed():
    pinn, pool = _pool(horizon=10)
    grads = [torch.ones_like(t) for t in flatten(pool.params)]
    params, adam = adam_step(pool.params, grads, pool.adam, 1e-2)
    pool.update(params, adam, steps=3)
    assert pool.ages.tolist() == [3, 5, 8, 10]
    before = [t.clone() for t in flatten(pool.params)]
    seeds = iter([11, 12])
    restarted = pool.restart_due(lambda: next(seeds), failed=np.array([True, False, False, False]))
    assert restarted == [0, 3] and pool.ages.tolist() == [0, 5, 8, 0]
    fresh = flatten(pinn.init([11, 12]))
    for old, new, ref in zip(before, flatten(pool.params), fresh):
        torch.testing.assert_close(new[[1, 2]], old[[1, 2]], rtol=0, atol=0)  # untouched learners
        torch.testing.assert_close(new[[0, 3]], ref, rtol=0, atol=0)  # fresh initialisations, in learner order
    assert pool.adam.step.tolist() == [0, 1, 1, 0]
    for m in pool.adam.m:
        assert (m[[0, 3]] == 0).all() and (m[[1, 2]] != 0).any()
