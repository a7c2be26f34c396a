"""The distiller contract, checked on every registered distiller of every kind.

Like scikit-learn's common estimator checks: whatever a distiller does, it is
registered under its kind and name, declares its options once (a frozen,
documented Options dataclass whose defaults are its parameters), refuses a bad
or unknown option in one line naming it, spends exactly its budget (unless it
is a reference that ignores the budget), gives the same result for the same
seed, and sees the target family only if it is task-aware: a task-unaware
distiller runs on the task's unaware view, a task-aware one is refused it.
A distiller added to the registry must be added to ``FAST`` below (options
that make it run in about a second), so that it cannot escape these checks.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pde_catalog import get_problem
from pinndd.distillers import KINDS, distiller_class, distiller_names, get_distiller
from pinndd.errors import ConfigError
from pinndd.learner import LearnerSpec
from pinndd.options import Options
from pinndd.task import PdeTask, Task, TaskAwarenessError

_CLASSIC = {"n_full": 128, "real_batch": 64}
_ADAPTIVE = {"initial_steps": 5, "steps": 3, "rounds": 2}
FAST = {
    "pde": {
        "uniform": {}, "lhs": {}, "halton": {}, "hammersley": {}, "sobol": {},
        "full": {"n": 64},
        "rar_g": {**_ADAPTIVE, "pool": 128}, "rad": {**_ADAPTIVE, "pool": 128}, "rar_d": {**_ADAPTIVE, "pool": 128},
        "r3": _ADAPTIVE,
        "gradient_matching": {**_CLASSIC, "outer_steps": 2, "inner_steps": 1, "horizon": 3},
        "distribution_matching": {**_CLASSIC, "outer_steps": 2, "learners": 2},
        "trajectory_matching": {"n_full": 128, "outer_steps": 2, "expert_steps": 6, "expert_interval": 3, "syn_steps": 2},
        "kernel": {**_CLASSIC, "outer_steps": 2, "real_batch": 32},
        "task": {"outer_steps": 2, "horizon": 10, "learners": 2, "conditions": 2, "target_points": 16},
        "task_implicit": {"outer_steps": 2, "learners": 2, "conditions": 2, "target_points": 16, "train_steps": 20,
                          "train_lbfgs": 10, "refine": 3, "cg_iters": 3},
    },
    "tabular": {
        "site_alone": {}, "pooled_intersection": {}, "pooled_mean": {}, "pooled_knn": {}, "pooled_iterative": {},
        "random_subset": {}, "oracle": {},
        "distribution_matching": {"steps": 3},
        "task": {"steps": 3, "init_steps": 3, "check_every": 1},
    },
}
BUDGET = {"pde": 40, "tabular": 30}
CASES = [(kind, name) for kind in KINDS for name in distiller_names(kind)]
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def tasks():
    from pinndd.tabular import LearnerSpec as TabularLearner
    from pinndd.tabular import MergeTask, load_bundled

    data = load_bundled("diabetes", n_sites=3, seed=0)
    return {
        "pde": PdeTask(get_problem("heat1d"), learner=LearnerSpec(width=6, depth=2)),
        "tabular": MergeTask(data.sources, TabularLearner("ridge"), metric="rmse", complete=data.full),
    }


def _fingerprint(result):
    """Bytes that identify a distilled result of either kind."""
    if isinstance(result, dict):
        return tuple((site, _fingerprint(table)) for site, table in sorted(result.items()))
    if hasattr(result, "digest"):  # a PointSet
        return result.digest()
    return (tuple(result.columns), np.asarray(result.x).tobytes(), np.asarray(result.y).tobytes())


def _size(result) -> int:
    if isinstance(result, dict):
        return sum(_size(table) for table in result.values())
    return result.size if hasattr(result, "digest") else len(result.y)


def test_every_registered_distiller_is_covered():
    assert {(k, n) for k in KINDS for n in FAST[k]} == set(CASES)


@pytest.mark.parametrize("kind, name", CASES)
def test_declaration(kind, name):
    cls = distiller_class(name, kind)
    assert cls.name == name and cls.kind == kind
    assert issubclass(cls.Options, Options) and dataclasses.is_dataclass(cls.Options)
    assert cls.Options.__dataclass_params__.frozen
    for field in dataclasses.fields(cls.Options):
        rule = field.metadata.get("option")
        assert rule is not None and rule.doc.strip(), f"option {field.name} of {kind}/{name} has no rule or documentation"
        assert f"{field.name} :" in cls.__doc__, f"option {field.name} of {kind}/{name} missing from its docstring"
    distiller = get_distiller(name, kind=kind)
    assert distiller.params == cls.Options.defaults()
    with pytest.raises(dataclasses.FrozenInstanceError):
        distiller.options.__setattr__(cls.Options.names()[0] if cls.Options.names() else "x", None)


@pytest.mark.parametrize("kind, name", CASES)
def test_option_errors_are_one_line_naming_the_option(kind, name):
    cls = distiller_class(name, kind)
    with pytest.raises(ConfigError, match=f"unknown option 'no_such_option' for distiller '{name}'") as err:
        get_distiller(name, kind=kind, no_such_option=1)
    assert "\n" not in str(err.value)
    for option_name in cls.Options.names():
        for bad in ("\x00not a value", float("nan"), [[1]]):
            try:
                get_distiller(name, kind=kind, **{option_name: bad})
            except ConfigError as error:
                assert option_name in str(error) and "\n" not in str(error), str(error)
            else:
                pytest.fail(f"{kind}/{name} accepted {option_name} = {bad!r}")


@pytest.mark.parametrize("kind, name", CASES)
def test_budget_determinism_and_task_awareness(kind, name, tasks):
    task = tasks[kind]
    distiller = get_distiller(name, kind=kind, **FAST[kind][name])
    budget = BUDGET[kind]
    first = distiller.distill(distiller.sees(task), budget, seed=5)
    if distiller.budgeted:
        assert _size(first) == budget
    assert _fingerprint(distiller.distill(distiller.sees(task), budget, seed=5)) == _fingerprint(first)
    if distiller.task_aware:
        with pytest.raises(TaskAwarenessError):
            distiller.distill(task.unaware_view(), budget, seed=5)
    else:
        assert distiller.sees(task) is not task
        assert _fingerprint(distiller.distill(task.unaware_view(), budget, seed=5)) == _fingerprint(first)


@pytest.mark.parametrize("name", distiller_names("pde"))
def test_every_pde_distiller_works_with_a_fourier_feature_learner(name):
    """A learner whose first layer reads Fourier features (per-input scales) reaches every distiller's inner networks."""
    spec = LearnerSpec(width=6, depth=2, fourier_features=5, fourier_scale={"x": 2.0, "t": 3.0, "A": 0.5, "omega": 0.5})
    task = PdeTask(get_problem("heat1d"), learner=spec)
    distiller = get_distiller(name, **FAST["pde"][name])
    points = distiller.distill(distiller.sees(task), BUDGET["pde"], seed=5)
    assert points.size == BUDGET["pde"] or not distiller.budgeted


@pytest.mark.parametrize("name", distiller_names("pde"))
def test_every_pde_distiller_works_with_a_hard_constrained_learner(name):
    """A learner whose output meets the conditions by construction reaches every distiller's inner networks."""
    spec = LearnerSpec(width=6, depth=2, hard_constraints=True)
    task = PdeTask(get_problem("allen_cahn1d", n_modes=32, time_step=0.05), learner=spec)
    distiller = get_distiller(name, **FAST["pde"][name])
    points = distiller.distill(distiller.sees(task), BUDGET["pde"], seed=5)
    assert points.size == BUDGET["pde"] or not distiller.budgeted
    assert all(np.isfinite(a).all() for a in (points.interior, points.constraint))


@pytest.mark.parametrize("kind", KINDS)
def test_both_kinds_implement_the_task_protocol(kind, tasks):
    task = tasks[kind]
    assert isinstance(task, Task) and task.kind == kind and task.distilled
    assert task.training_family() is not None and task.target_family() is not None
    view = task.unaware_view()
    assert view.training_family() is not None and view.risk == task.risk
    with pytest.raises(TaskAwarenessError):
        view.target_family()
    if hasattr(task, "with_sources"):  # a task derived from the view stays unaware
        with pytest.raises(TaskAwarenessError):
            view.with_sources(task.training_family()).target_family()
    assert float(task.risk_of(np.array([1.0, 3.0]))) == pytest.approx(float(task.risk(np.array([1.0, 3.0]))))
