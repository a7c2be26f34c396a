"""One learner spec: the task's learner reaches every distiller's inner learner unless its options say otherwise."""

from __future__ import annotations

import pytest
import torch

from pde_catalog.heat1d import Heat1D
from pinndd.distillers import get_distiller
from pinndd.learner import LearnerSpec
from pinndd.task import PdeTask

TASK = PdeTask(Heat1D(), learner=LearnerSpec(width=7, depth=2, dtype="float64", bc_weight=3.0, fourier_features=4))


@pytest.mark.parametrize("name", ["rad", "gradient_matching", "distribution_matching", "trajectory_matching", "task"])
def test_inner_learner_follows_the_spec(name):
    pinn = get_distiller(name).inner_pinn(TASK)
    assert (pinn.width, pinn.depth, pinn.dtype, pinn.bc_weight) == (7, 2, torch.float64, 3.0)
    assert pinn.sizes[0] == 8  # four Fourier features as cos and sin


def test_options_override_the_spec():
    pinn = get_distiller("rad", width=5, dtype="float32").inner_pinn(TASK)
    assert (pinn.width, pinn.depth, pinn.dtype) == (5, 2, torch.float32)
    assert get_distiller("kernel").inner_pinn(TASK).dtype == torch.float64  # kernel's own default


def test_adaptive_sets_record_the_learner_they_used():
    task = PdeTask(Heat1D(), learner=LearnerSpec(width=6, depth=1))
    points = get_distiller("rad", rounds=1, steps=2, initial_steps=2, pool=64).distill(task, 32, seed=0)
    assert (points.attrs["width"], points.attrs["depth"], points.attrs["dtype"]) == (6, 1, "float32")
