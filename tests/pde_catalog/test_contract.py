"""The shared contract suite: every registered problem passes every check.

A newly registered equation is picked up by :func:`pde_catalog.problem_names`
and so gets all of these tests without writing any of its own. The second half
shows that each check can fail: deliberately broken problems fail the check
that guards the broken part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

import pde_catalog
from pde_catalog import Box, ConditionFamily, Dirichlet, Initial, Neumann
from pde_catalog.allen_cahn1d import AllenCahn1D
from pde_catalog.burgers1d import Burgers1D
from pde_catalog.checks import CHECK_NAMES, CheckResult, format_report, run_checks
from pde_catalog.heat1d import Heat1D
from pde_catalog.poisson2d import Poisson2D


@pytest.mark.parametrize("check", CHECK_NAMES)
@pytest.mark.parametrize("name", pde_catalog.problem_names())
def test_problem_passes_check(name, check):
    (result,) = run_checks(pde_catalog.get_problem(name), seed=0, only=[check])
    assert result.name == check
    assert result.passed, result.detail


# ------------------------------------------------------- broken problems fail
@dataclass(frozen=True)
class _ViscosityBug(Burgers1D):
    """Reference solved with a viscosity 1% off the one in the residual."""

    def solution(self, points, beta):
        return Burgers1D(nu=self.nu * 1.01).solution(points, beta)


@dataclass(frozen=True)
class _SmallBump(Heat1D):
    """Reference with a smooth error of relative size 1e-3 that vanishes on the faces."""

    def solution(self, points, beta):
        x, t = points[:, 0], points[:, 1]
        return super().solution(points, beta) + 1e-3 * np.sin(np.pi * x) * t


@dataclass(frozen=True)
class _MissingSecondDerivative(Poisson2D):
    """Residual that needs u_yy while ``derivatives`` does not list it."""

    derivatives = ("u_xx",)


@dataclass(frozen=True)
class _ConditionBug(Heat1D):
    """Boundary data with the wave's phase shift forgotten on x = 1."""

    def wave(self, x, beta):
        return beta["A"] * torch.exp(-torch.sqrt(beta["omega"] / (2 * self.kappa)) * x["x"]) * torch.cos(beta["omega"] * x["t"])


@dataclass(frozen=True)
class _NeumannSignBug(Heat1D):
    """A Neumann condition whose data has the wrong sign at x = 0 (inward instead of outward normal)."""

    @property
    def conditions(self):
        return (Initial("initial", value=self.wave), Neumann("flux", ("x_min", "x_max"), value=self.flux))

    def flux(self, x, beta):
        k = torch.sqrt(beta["omega"] / (2 * self.kappa))
        phase = beta["omega"] * x["t"] - k * x["x"]
        du_dx = beta["A"] * torch.exp(-k * x["x"]) * k * (torch.sin(phase) - torch.cos(phase))
        return du_dx  # the outward normal derivative is -du/dx at x = 0


@dataclass(frozen=True)
class _BadPart(Heat1D):
    """A condition on a part the geometry does not have."""

    @property
    def conditions(self):
        return (Initial("initial", value=self.wave), Dirichlet("ends", ("x_min", "y_max"), value=self.wave))


@dataclass(frozen=True)
class _OverlappingSplits(Poisson2D):
    """A family whose ood_near split is the whole near box, so it overlaps train."""

    @property
    def family(self):
        base = super().family
        return _LeakyFamily(base.names, base.train, base.near, base.far, base.default)


@dataclass(frozen=True)
class _LeakyFamily(ConditionFamily):
    def region(self, *splits):
        # ood_near returns the whole near box, which overlaps train.
        if splits == ("ood_near",):
            from pde_catalog import Region

            return Region.uniform([self.near])
        return super().region(*splits)


@dataclass(frozen=True)
class _NaNReference(Heat1D):
    def solution(self, points, beta):
        u = super().solution(points, beta)
        return np.where(points[:, 1] > 0.5, np.nan, u)


@dataclass(frozen=True)
class _FormMissesTheEnds(AllenCahn1D):
    def hard_constraint(self, x, beta):
        g, _ = super().hard_constraint(x, beta)
        return g, x["t"]


@dataclass(frozen=True)
class _FormPinsTheInterior(AllenCahn1D):
    def hard_constraint(self, x, beta):
        g, distance = super().hard_constraint(x, beta)
        return g, distance * (x["x"] > 0)


@pytest.mark.parametrize(
    ("problem", "check"),
    [
        (_FormMissesTheEnds(n_modes=32, time_step=0.05), "hard_constraint"),
        (_FormPinsTheInterior(n_modes=32, time_step=0.05), "hard_constraint"),
        (_ViscosityBug(), "reference_residual"),
        (_SmallBump(), "reference_residual"),
        (_MissingSecondDerivative(), "reference_residual"),
        (_ConditionBug(), "conditions"),
        (_NeumannSignBug(), "conditions"),
        (_BadPart(), "definition"),
        (_OverlappingSplits(), "splits_disjoint"),
        (_NaNReference(), "reference_dataset"),
    ],
    ids=["form_ends", "form_interior", "viscosity", "bump", "missing_d2", "condition", "neumann_sign", "bad_part", "splits", "nan_reference"],
)
def test_broken_problem_fails_its_check(problem, check):
    (result,) = run_checks(problem, only=[check])
    assert not result.passed, result.detail


def test_neumann_condition_with_the_right_sign_passes():
    @dataclass(frozen=True)
    class RightSign(_NeumannSignBug):
        def flux(self, x, beta):
            return torch.where(x["x"] == 0, -1.0, 1.0) * super().flux(x, beta)

    (result,) = run_checks(RightSign(), only=["conditions"])
    assert result.passed, result.detail


def test_catalog_imports_nothing_from_pinndd():
    import subprocess
    import sys

    code = (
        "import sys, pde_catalog; from pde_catalog.checks import run_checks; "
        "[run_checks(pde_catalog.get_problem(n), only=['definition', 'sampled_points_in_domain']) for n in pde_catalog.problem_names()]; "
        "assert all(r.passed for r in run_checks(pde_catalog.get_problem('kovasznay'))); "
        "bad = [m for m in sys.modules if m == 'pinndd' or m.startswith('pinndd.')]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_sampled_points_check_fails_when_sampler_leaves_the_domain(monkeypatch):
    import pde_catalog.checks as checks

    original = checks.sample_point_arrays

    def shifted(*args, **kwargs):
        interior, constraint, kind = original(*args, **kwargs)
        return interior + 1.0, constraint, kind

    monkeypatch.setattr(checks, "sample_point_arrays", shifted)
    (result,) = run_checks(Heat1D(), only=["sampled_points_in_domain"])
    assert not result.passed
    assert "domain" in result.detail


def test_degenerate_family_fails_instead_of_crashing():
    @dataclass(frozen=True)
    class NoOutOfDistribution(Heat1D):
        # near == train == far: the OOD splits are empty, which the checks must report.
        @property
        def family(self):
            box = Box((0.5, 2.0), (1.0, 6.0))
            return ConditionFamily(("A", "omega"), box, box, box, (1.0, 4.0))

    results = run_checks(NoOutOfDistribution())
    assert len(results) == len(CHECK_NAMES)
    assert results[CHECK_NAMES.index("hard_constraint")].detail == "no hard constraint defined"  # reads no family
    for r in results:
        if r.name == "hard_constraint":
            continue
        assert not r.passed
        assert "ood_near" in r.detail and "empty" in r.detail and "\n" not in r.detail


# ------------------------------------------------------------------ reporting
def test_run_checks_is_deterministic_and_ordered():
    first = run_checks(Heat1D(), seed=3)
    assert [r.name for r in first] == list(CHECK_NAMES)
    assert first == run_checks(Heat1D(), seed=3)


def test_unknown_check_lists_known_ones():
    with pytest.raises(ValueError, match="known checks: definition, reference_residual"):
        run_checks(Heat1D(), only=["nope"])


def test_format_report_has_one_line_per_check_and_a_summary():
    results = [CheckResult("a", True, "x = 1 (tol 2)"), CheckResult("bb", False, "y = 3 (tol 2)")]
    lines = format_report(results).splitlines()
    assert lines[0].startswith("PASS  a ")
    assert lines[1].startswith("FAIL  bb")
    assert lines[-1] == "1 of 2 checks passed; failed: bb"
    assert format_report(results[:1]).splitlines()[-1] == "1 of 1 checks passed"


def test_run_checks_argument_errors():
    with pytest.raises(TypeError, match="Problem instance"):
        run_checks("heat1d")
    (result,) = run_checks(Heat1D(), only="splits_disjoint")
    assert result.name == "splits_disjoint"
