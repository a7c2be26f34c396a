import numpy as np
import pytest

from pde_catalog import get_problem
from pinndd.distillers import distiller_names, get_distiller
from pinndd.errors import ConfigError
from pinndd.task import PdeTask

STATIC = ["uniform", "lhs", "halton", "hammersley", "sobol"]


@pytest.fixture(params=["burgers1d", "heat1d", "poisson2d"])
def task(request):
    return PdeTask(get_problem(request.param))


@pytest.mark.parametrize("name", STATIC)
@pytest.mark.parametrize("family", ["train", "target"])
def test_budget_domain_family_determinism(task, name, family):
    distiller = get_distiller(name, family=family)
    ps = distiller.distill(task, 100, seed=3)
    assert ps.size == 100
    problem = task.problem
    d = len(problem.coords)
    for pts in (ps.interior, ps.constraint):
        for j, (lo, hi) in enumerate(problem.domain):
            assert np.all((pts[:, j] >= lo) & (pts[:, j] <= hi))
    region = task.training_region() if family == "train" else task.target_region()
    assert region.contains(ps.interior[:, d:]).all() and region.contains(ps.constraint[:, d:]).all()
    again = distiller.distill(task, 100, seed=3)
    np.testing.assert_array_equal(ps.interior, again.interior)
    np.testing.assert_array_equal(ps.constraint, again.constraint)
    other = distiller.distill(task, 100, seed=4)
    assert not np.array_equal(ps.interior, other.interior)


def test_target_family_reaches_out_of_distribution():
    task = PdeTask(get_problem("heat1d"))
    ps = get_distiller("uniform", family="target").distill(task, 600, seed=0)
    train = task.problem.family.region("train")
    share = 1 - train.contains(ps.interior[:, 2:]).mean()
    assert 0.5 < share < 0.8  # two of the three equally weighted splits lie outside train


def test_full_data_ignores_budget():
    task = PdeTask(get_problem("heat1d"))
    ps = get_distiller("full", n=256).distill(task, 32, seed=0)
    assert ps.size == 256 and ps.attrs["budget"] == 32


def test_registry_errors():
    assert set(STATIC) <= set(distiller_names())
    with pytest.raises(ConfigError, match="unknown pde distiller 'sobel'; known: .*sobol"):
        get_distiller("sobel")
    with pytest.raises(ConfigError, match="boundary_fraction must lie in"):
        get_distiller("uniform", boundary_fraction=1.5)
    with pytest.raises(ConfigError, match="unknown option 'n' for distiller 'uniform'"):
        get_distiller("uniform", n=3)
