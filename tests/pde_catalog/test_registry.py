"""The registry: lookup, errors that list the allowed values, run-time and entry-point registration."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint

import numpy as np
import pytest
import torch

import pde_catalog
from pde_catalog import Box, ConditionFamily, Dirichlet, Initial, Interval, Problem, _registry, get_problem, problem_class, problem_names, register
from pde_catalog.checks import run_checks
from pde_catalog.heat1d import Heat1D

BUILTIN = ("burgers1d", "heat1d", "poisson2d")

_ADVECTION_FAMILY = ConditionFamily(
    names=("a", "k"),
    train=Box((0.5, 1.0), (1.0, 2.0)),
    near=Box((0.25, 0.5), (1.25, 3.0)),
    far=Box((0.1, 0.25), (1.5, 4.0)),
    default=(1.0, 1.5),
)


@dataclass(frozen=True)
class Advection(Problem):
    """u_t + c u_x = 0 on [0, 1]^2, u = a sin(k pi (x - c t)) (exact)."""

    c: float = 0.5

    name = "advection_test"
    geometry = Interval("x", 0.0, 1.0)
    time = (0.0, 1.0)
    derivatives = ("u_t", "u_x")
    reference_method = "analytic (characteristics)"
    grid_sizes = (65, 33)

    @property
    def family(self):
        return _ADVECTION_FAMILY

    @property
    def conditions(self):
        return (Initial("initial", value=self.exact), Dirichlet("inflow", "x_min", value=self.exact))

    def residual(self, f, x, beta):
        return f["u_t"] + self.c * f["u_x"]

    def exact(self, x, beta):
        return beta["a"] * torch.sin(beta["k"] * torch.pi * (x["x"] - self.c * x["t"]))

    def solution(self, points, beta):
        a, k = beta
        return a * np.sin(k * np.pi * (points[:, 0] - self.c * points[:, 1]))


@pytest.fixture
def clean_registry(monkeypatch):
    """Run-time registrations made in a test are dropped afterwards."""
    monkeypatch.setattr(_registry, "_REGISTERED", {})


def test_builtin_names_and_classes():
    assert set(BUILTIN) <= set(problem_names())
    assert problem_names() == sorted(problem_names())
    for name in BUILTIN:
        problem = get_problem(name)
        assert isinstance(problem, Problem) and problem.name == name
        assert problem_class(name) is type(problem)


def test_unknown_name_lists_known_ones():
    with pytest.raises(KeyError, match="unknown problem 'burgers2d'; known problems: allen_cahn1d, burgers1d, convection1d, heat1d"):
        get_problem("burgers2d")


def test_unknown_constant_lists_allowed_ones():
    with pytest.raises(TypeError, match="unknown constant 'viscosity'.*allowed: nu, quadrature_nodes"):
        get_problem("burgers1d", viscosity=0.1)
    with pytest.raises(TypeError, match="allowed: none"):
        get_problem("poisson2d", k=1.0)


def test_constants_are_fields_and_validated():
    assert get_problem("burgers1d", nu=0.02).constants == {"nu": 0.02, "quadrature_nodes": 200}
    with pytest.raises(ValueError, match="nu must be positive"):
        get_problem("burgers1d", nu=-1.0)
    with pytest.raises(ValueError, match="kappa must be positive"):
        get_problem("heat1d", kappa=0.0)


def test_register_then_run_checks(clean_registry):
    register("advection_test")(Advection)
    assert "advection_test" in problem_names()
    problem = get_problem("advection_test", c=0.75)
    assert problem.c == 0.75
    results = run_checks(problem)
    assert all(r.passed for r in results), [r for r in results if not r.passed]


def test_register_rejects_clashes_and_bad_input(clean_registry):
    register("advection_test")(Advection)
    register("advection_test")(Advection)  # the same class again is harmless
    with pytest.raises(ValueError, match="already registered"):
        register("advection_test")(Heat1D)
    with pytest.raises(ValueError, match="already registered"):
        register("heat1d")(Advection)
    with pytest.raises(TypeError, match="non-empty string"):
        register("")
    with pytest.raises(TypeError, match="subclass of pde_catalog.Problem"):
        register("not_a_problem")(dict)


def test_registered_subclass_takes_the_registered_name(clean_registry):
    from pde_catalog.heat1d import Heat1D

    @register("warm_rod")
    @dataclass(frozen=True)
    class WarmRod(Heat1D):
        kappa: float = 0.25

    assert get_problem("warm_rod").name == "warm_rod" and Heat1D().name == "heat1d"
    assert get_problem("warm_rod").reference().attrs["problem"] == "warm_rod"
    with pytest.raises(ValueError, match="own name is 'advection_test'"):
        register("other_name")(Advection)


def test_entry_point_group(monkeypatch):
    assert _registry.ENTRY_POINT_GROUP == "pde_catalog.problems"
    seen = []

    def fake_entry_points(*, group):
        seen.append(group)
        return [EntryPoint(name="thermal_waves", value="pde_catalog.heat1d:Heat1D", group=group)]

    monkeypatch.setattr(_registry, "entry_points", fake_entry_points)
    assert "thermal_waves" in problem_names()
    assert problem_class("thermal_waves") is Heat1D
    assert seen and set(seen) == {"pde_catalog.problems"}


def test_entry_point_does_not_shadow_builtin(monkeypatch):
    def fake_entry_points(*, group):
        return [EntryPoint(name="heat1d", value="pde_catalog.poisson2d:Poisson2D", group=group)]

    monkeypatch.setattr(_registry, "entry_points", fake_entry_points)
    with pytest.warns(UserWarning, match="entry point 'heat1d' .* is shadowed by the built-in problem"):
        assert problem_class("heat1d") is Heat1D


def test_public_surface():
    for name in pde_catalog.__all__:
        assert hasattr(pde_catalog, name)
