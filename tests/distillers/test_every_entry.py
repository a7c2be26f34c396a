"""Every distiller on the catalog entries the original three do not cover.

Periodic conditions (convection1d), a polygon (poisson_lshape), a Robin
condition on a disk (poisson_disk), an initial velocity (wave1d) and a
three-output system (kovasznay): each distiller returns exactly the budget,
interior points inside the domain, every condition point on a part of its
condition, parameters in the distiller's region, and finite data.
"""

from __future__ import annotations

import numpy as np
import pytest

from pde_catalog import get_problem
from pinndd.distillers import distiller_names, get_distiller
from pinndd.task import PdeTask

PROBLEMS = ["convection1d", "poisson_lshape", "poisson_disk", "wave1d", "kovasznay"]
CLASSIC = {"n_full": 128, "real_batch": 64, "width": 6, "depth": 2}
OPTIONS = {
    "gradient_matching": {**CLASSIC, "outer_steps": 2, "inner_steps": 1, "horizon": 3},
    "distribution_matching": {**CLASSIC, "outer_steps": 2, "learners": 2},
    "trajectory_matching": {k: v for k, v in CLASSIC.items() if k != "real_batch"} | {"outer_steps": 2, "expert_steps": 6, "expert_interval": 3, "syn_steps": 2},
    "kernel": {**CLASSIC, "outer_steps": 2, "real_batch": 32},
    "task": {"width": 6, "depth": 2, "outer_steps": 2, "horizon": 10, "learners": 2, "conditions": 2, "target_points": 16},
    "task_implicit": {"width": 6, "depth": 2, "outer_steps": 2, "learners": 2, "conditions": 2, "target_points": 16,
                      "train_steps": 20, "train_lbfgs": 10, "refine": 3, "cg_iters": 3},
    "full": {"n": 64},
    **{name: {"width": 6, "depth": 2, "initial_steps": 5, "steps": 3, "rounds": 2, **({} if name == "r3" else {"pool": 128})} for name in ("rar_g", "rad", "rar_d", "r3")},
}


@pytest.mark.parametrize("name", distiller_names())
@pytest.mark.parametrize("problem_name", PROBLEMS)
def test_distiller_on_entry(problem_name, name):
    problem = get_problem(problem_name)
    task = PdeTask(problem)
    distiller = get_distiller(name, **OPTIONS.get(name, {}))
    ps = distiller.distill(task, 40, seed=3)
    assert ps.size == (64 if name == "full" else 40)
    d, ds = len(problem.coords), len(problem.space)
    assert np.all(problem.contains(ps.interior[:, :d]))
    for k, cond in enumerate(problem.conditions):
        rows = ps.constraint[ps.constraint_condition == k]
        on = np.zeros(len(rows), dtype=bool)
        for part in cond.parts:
            on |= (rows[:, ds] == problem.time[0]) if part == "initial" else problem.geometry.on_part(part, rows[:, :ds])
        assert on.all(), (cond.name, rows[~on][:3])
    region = task.target_region() if distiller.task_aware else task.training_region()
    assert np.all(region.bounds.contains(np.concatenate([ps.interior, ps.constraint])[:, d:]))
    assert np.isfinite(ps.constraint_target).all() and np.isfinite(ps.interior_weight).all()


@pytest.mark.parametrize("name", ["gradient_matching", "distribution_matching", "kernel", "trajectory_matching", "task", "task_implicit"])
def test_sets_with_unset_learner_options_save_and_load(name, tmp_path):
    """Width and depth left to the task's learner spec (None) must not stop the runner from saving the set."""
    from pinndd.pointset import PointSet

    options = {k: v for k, v in OPTIONS[name].items() if k not in ("width", "depth")}
    ps = get_distiller(name, **options).distill(PdeTask(get_problem("heat1d")), 24, seed=0)
    ps.save(tmp_path / "set.nc")
    assert PointSet.load(tmp_path / "set.nc").size == 24
