"""Contract checks every catalog problem must pass.

:func:`run_checks` runs each check on a problem and returns one
:class:`CheckResult` per check; :func:`format_report` renders them. The test
suite (``tests/pde_catalog/test_contract.py``) runs every check over every
registered problem, and ``pinndd catalog check NAME`` prints the report. The
checks import nothing from ``pinndd``.

The checks (each can fail; a check that raises counts as failed):

``definition``
    :meth:`Problem.check_definition` passes (field names parse, condition
    names are unique, parts exist, periodic parts pair) and every split of
    the condition family can be sampled.
``reference_residual``
    The PDE residual of ``problem.solution`` vanishes. Every field the
    residual reads comes from fourth-order central finite differences
    (tensor products of 1-D stencils for mixed derivatives; step ``FD_STEP``
    times each interval's length, larger for third and higher orders) at
    random interior points at least ``FD_MARGIN`` from the boundary, and at
    the steepest points along random coordinate lines (so a thin layer, such
    as Burgers' shock, is sampled), for parameters drawn from every split. The
    measure is pointwise and relative: ``max |r| / (s + 0.01 rms(s))``, with
    ``s = sum_c |dr/dc * c|`` over the fields ``c`` (for a linear residual,
    the sum of the magnitudes of its terms). It must stay below ``RESIDUAL_TOL``.
``conditions``
    Every condition holds for ``problem.solution`` at random points of its
    parts, for parameters of each split: the condition's functional (values;
    derivatives by one-sided fourth-order differences into the domain; the
    periodic partner's value subtracted) equals its data, relative to the
    size of its terms, within ``CONDITION_TOL`` for value conditions and
    ``DERIVATIVE_CONDITION_TOL`` for conditions on derivatives.
``sampled_points_in_domain``
    For every sequence in :data:`SEQUENCES`, the points of
    :func:`sample_point_arrays` use exactly the budget; the interior points
    lie in the domain, each condition point on a part of its condition (or
    the initial slice), and all parameters in the split's region.
``splits_disjoint``
    Samples of each split lie in its region and in the open interior of no
    other split's region; the default member lies in ``train``.
``reference_dataset``
    ``problem.reference()`` is an ``xarray.Dataset`` with one variable per
    output, dims ``problem.coords``, finite values inside the domain, and the
    provenance attributes ``problem``, ``parameters``, ``method`` and
    ``pinndd_version``; the reference of one member of every split (on a
    coarse grid) is finite inside the domain too.
``hard_constraint``
    Only for a problem that defines :meth:`Problem.hard_constraint`: at
    random points of every condition's parts, for parameters of each split,
    ``distance`` vanishes and ``g`` meets the condition's data within
    ``CONDITION_TOL`` (so ``g + distance * N`` does for any ``N``); at random
    interior points ``distance`` does not vanish. Value conditions only: a
    form for a condition on derivatives or a periodic one fails the check,
    which cannot verify it. Problems without a form pass it trivially.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import Problem, parse_field
from ._conditions import INITIAL
from ._family import SPLITS
from ._finite_differences import fd_field, interval_lengths, inward_derivative
from ._sampling import SEQUENCES, blocks, points_from_unit, sample_point_arrays, unit_width

__all__ = ["CHECK_NAMES", "CheckResult", "format_report", "run_checks"]

FD_STEP = 3e-5
"""Finite-difference step for first and second derivatives, as a fraction of each variable's interval."""
FD_STEP_HIGH = {3: 1e-3, 4: 3e-3}
"""Steps for derivatives of third and fourth order in one variable (round-off grows as step^-order)."""
FD_MARGIN = 0.02
"""Distance of residual check points from the boundary, as a fraction of each interval."""
RESIDUAL_TOL = 1e-4
"""Largest allowed relative residual (measured: below 1e-5 for the built-in problems)."""
CONDITION_TOL = 1e-10
"""Largest allowed relative misfit of a condition on values."""
DERIVATIVE_CONDITION_TOL = 1e-6
"""Largest allowed relative misfit of a condition on derivatives (one-sided differences)."""

@dataclass(frozen=True)
class CheckResult:
    """Outcome of one contract check.

    Attributes
    ----------
    name : str
        The check, one of :data:`CHECK_NAMES`.
    passed : bool
    detail : str
        One line: the measured quantity and its tolerance.
    """

    name: str
    passed: bool
    detail: str


def _result(name: str, value: float, tol: float, what: str) -> CheckResult:
    ok = bool(np.isfinite(value) and value <= tol)
    return CheckResult(name, ok, f"{what} = {value:.2e} (tol {tol:.0e})")


def _split_params(problem, rng, n: int):
    """``(split, beta)`` pairs: ``n`` members drawn from each split's region."""
    return [(s, beta) for s in SPLITS for beta in problem.family.region(s).sample(n, rng)]


def _torch_columns(problem, points: np.ndarray, beta: np.ndarray):
    import torch

    t = torch.as_tensor(points, dtype=torch.float64)
    x = {c: t[:, j] for j, c in enumerate(problem.coords)}
    b = {p: torch.full((len(points),), float(v), dtype=torch.float64) for p, v in zip(problem.family.names, beta)}
    return x, b


# -------------------------------------------------------------- definition
def check_definition(problem, rng) -> CheckResult:
    """The declaration is consistent (see :meth:`Problem.check_definition`)."""
    problem.check_definition()
    problem.family.region(*SPLITS)  # a family with an empty split fails here
    n = len(problem.conditions)
    return CheckResult("definition", True, f"{len(problem.required_fields())} fields, {n} conditions, outputs {problem.outputs}")


# ----------------------------------------------------------------- residual
def _residual_and_scale(problem, fields: dict, x: dict, beta: dict):
    """Residual(s) and their scale ``sum_c |dr/dc * c|`` over the fields, as numpy (n, n_equations)."""
    import torch

    leaves = {k: torch.as_tensor(v, dtype=torch.float64).clone().requires_grad_() for k, v in fields.items()}
    r = problem.residual(leaves, x, beta)
    parts = list(r) if isinstance(r, (tuple, list)) else [r]
    rs, scales = [], []
    for part in parts:
        part = part + torch.zeros(len(next(iter(fields.values()))), dtype=torch.float64)
        grads = torch.autograd.grad(part.sum(), list(leaves.values()), allow_unused=True, retain_graph=True)
        scale = sum((g * v).abs() for g, v in zip(grads, leaves.values()) if g is not None)
        rs.append(part.detach().numpy())
        scales.append((torch.zeros_like(part) + scale).detach().numpy())
    return np.stack(rs, axis=1), np.stack(scales, axis=1)


def _clear_of_boundary(problem, points: np.ndarray, margin: float) -> np.ndarray:
    """Mask of the points that stay in the domain when moved by ``margin`` of each interval, either way, along each variable."""
    span = interval_lengths(problem)
    ok = np.ones(len(points), dtype=bool)
    for j in range(len(span)):
        for sign in (-1, 1):
            shifted = points.copy()
            shifted[:, j] += sign * margin * span[j]
            ok &= problem.contains(shifted)
    return ok


def _interior_points(problem, rng, n: int, margin: float) -> np.ndarray:
    """Random points whose neighbourhood of relative size ``margin`` lies in the domain."""
    lo = np.array([a for a, _ in problem.domain])
    span = interval_lengths(problem)
    found = np.zeros((0, len(lo)))
    while len(found) < n:
        pts = lo + rng.random((8 * n, len(lo))) * span
        found = np.concatenate([found, pts[_clear_of_boundary(problem, pts, margin)]])
    return found[:n]


def _steep_points(problem, beta, rng, n_lines: int, grid: int = 1024) -> np.ndarray:
    """Both ends of the steepest grid cell, and the point before it, on random coordinate lines inside the domain."""
    found = []
    span = interval_lengths(problem)
    for base in _interior_points(problem, rng, n_lines, FD_MARGIN):
        j = rng.integers(len(base))
        line = np.repeat(base[None, :], grid, axis=0)
        lo, hi = problem.domain[j]
        line[:, j] = np.linspace(lo + FD_MARGIN * span[j], hi - FD_MARGIN * span[j], grid)
        line = line[problem.contains(line) & _clear_of_boundary(problem, line, FD_MARGIN)]
        if len(line) < 3:
            continue
        slope = np.abs(np.diff(problem.solution_matrix(line, beta), axis=0)).sum(1)
        i = int(np.argmax(slope))
        found += [line[i], line[min(i + 1, len(line) - 1)], line[max(i - 1, 0)]]
    return np.array(found).reshape(-1, len(span))


def check_reference_residual(problem, rng) -> CheckResult:
    """The solution's FD residual is small relative to its terms (see module docstring)."""
    names = tuple(dict.fromkeys(tuple(problem.outputs) + tuple(problem.derivatives)))
    residuals, scales = [], []
    for _, beta in _split_params(problem, rng, 6):
        pts = np.concatenate([_interior_points(problem, rng, 24, FD_MARGIN), _steep_points(problem, beta, rng, 4)])
        x, b = _torch_columns(problem, pts, beta)
        fields = {name: fd_field(problem, pts, beta, name, FD_STEP, FD_STEP_HIGH) for name in names}
        r, s = _residual_and_scale(problem, fields, x, b)
        residuals.append(r)
        scales.append(s)
    r, s = np.concatenate(residuals), np.concatenate(scales)
    floor = 0.01 * np.sqrt(np.mean(s**2, axis=0)) + np.finfo(float).tiny
    value = float(np.max(np.abs(r) / (s + floor)))
    return _result("reference_residual", value, RESIDUAL_TOL, f"max relative FD residual at {len(r)} points")


# --------------------------------------------------------------- conditions
def _functional(problem, cond, points, beta, normals):
    """The condition's functional of the solution at its points, and the magnitude of its terms."""
    terms = []
    for name in cond.fields(problem.space):
        output, wrt = parse_field(name, problem.outputs, problem.coords)
        o = problem.outputs.index(output)
        if not wrt:
            terms.append(problem.solution_matrix(points, beta)[:, o])
        else:
            terms.append(inward_derivative(problem, beta, points, problem.coords.index(wrt[0]), o))
    values = np.column_stack(terms) * cond.coefficients(normals)
    return values.sum(1), np.abs(values).max(1)


def check_conditions(problem, rng) -> CheckResult:
    """Every condition holds for the reference solution on its parts (see module docstring)."""
    import torch

    worst, where, ds = 0.0, "", len(problem.space)
    derivative = False
    for k, (cond_index, part) in enumerate(blocks(problem)):
        cond = problem.conditions[cond_index]
        on_values = cond.fields(problem.space) == (cond.output,)
        tol = CONDITION_TOL if on_values else DERIVATIVE_CONDITION_TOL
        derivative |= not on_values
        for split, beta in _split_params(problem, rng, 3):
            region = problem.family.region(split)
            points = points_from_unit(problem, region, rng.random((32, unit_width(problem, region, part))), part)[:, : len(problem.coords)]
            normals = np.zeros((len(points), ds)) if part == INITIAL else problem.geometry.normal(part, points[:, :ds])
            value, size = _functional(problem, cond, points, beta, normals)
            if cond.partner is not None:
                image = points.copy()
                image[:, :ds] = problem.geometry.periodic_image(part, cond.partner, points[:, :ds])
                other, other_size = _functional(problem, cond, image, beta, problem.geometry.normal(cond.partner, image[:, :ds]))
                value, size = value - other, np.maximum(size, other_size)
            target = np.zeros(len(points))
            if cond.value is not None:
                x, b = _torch_columns(problem, points, beta)
                target = (cond.value(x, b) + torch.zeros(len(points), dtype=torch.float64)).detach().numpy()
            field = np.abs(problem.solution_matrix(_interior_points(problem, rng, 32, 0.0), beta)).max()
            scale = max(np.max(size), np.max(np.abs(target)), field, 1e-300)
            err = float(np.max(np.abs(value - target)) / scale) / tol
            if not err <= worst:  # also catches NaN
                worst, where = err, f" (worst: {cond.name} on {part}, {split})"
    return _result("conditions", worst, 1.0, "max relative misfit / its tolerance" + where)


# ------------------------------------------------------------ sampled points
def check_sampled_points(problem, rng, budget: int = 64) -> CheckResult:
    """Every sampler's points lie in the domain, on their parts and in the region."""
    d, ds = len(problem.coords), len(problem.space)
    bad = []
    for split in SPLITS:
        region = problem.family.region(split)
        for method in SEQUENCES:
            interior, constraint, condition = sample_point_arrays(problem, region, budget, method=method, seed=int(rng.integers(2**31)))
            on_part = np.zeros(len(constraint), dtype=bool)
            for k, cond in enumerate(problem.conditions):
                rows = condition == k
                for part in cond.parts:
                    if part == INITIAL:
                        on_part[rows] |= constraint[rows, ds] == problem.time[0]
                    else:
                        on_part[rows] |= problem.geometry.on_part(part, constraint[rows, :ds])
            everything = np.concatenate([interior, constraint])
            problems = {
                "budget": len(everything) != budget or len(condition) != len(constraint),
                "domain": not np.all(problem.contains(everything[:, :d])),
                "part": not np.all(on_part),
                "region": not np.all(region.contains(everything[:, d:])),
            }
            bad += [f"{method}/{split}: {k}" for k, v in problems.items() if v]
    n = len(SEQUENCES) * len(SPLITS)
    detail = f"{len(bad)} of {n} (sequence, split) samples misplaced (tol 0)"
    return CheckResult("sampled_points_in_domain", not bad, detail + (f"; first: {bad[0]}" if bad else ""))


# ------------------------------------------------------------------ splits
def check_splits_disjoint(problem, rng, n: int = 2000) -> CheckResult:
    """Each split's samples lie in its own region and strictly inside no other."""
    family = problem.family
    regions = {s: family.region(s) for s in SPLITS}
    bad = []
    for split, region in regions.items():
        sample = region.sample(n, rng)
        outside = int(np.sum(~region.contains(sample)))
        if outside:
            bad.append(f"{outside} {split} samples outside {split}")
        for other, other_region in regions.items():
            if other != split:
                inside = np.any([b.strictly_contains(sample) for b in other_region.boxes], axis=0)
                if np.any(inside):
                    bad.append(f"{int(np.sum(inside))} {split} samples inside {other}")
    if not regions["train"].contains(np.asarray(family.default, dtype=float))[0]:
        bad.append(f"default {family.default} outside train")
    detail = f"{len(bad)} overlaps or misplaced samples among {n} per split (tol 0)"
    return CheckResult("splits_disjoint", not bad, detail + (f"; first: {bad[0]}" if bad else ""))


# --------------------------------------------------------------- reference
_REQUIRED_ATTRS = ("problem", "parameters", "method", "pinndd_version")


def check_hard_constraint(problem, rng) -> CheckResult:
    """The output form, if any, meets every condition for any network (see module docstring)."""
    if not problem.has_hard_constraint():
        return CheckResult("hard_constraint", True, "no hard constraint defined")
    import torch

    worst, where = 0.0, ""
    for cond_index, part in blocks(problem):
        cond = problem.conditions[cond_index]
        if cond.fields(problem.space) != (cond.output,) or cond.partner is not None:
            return CheckResult("hard_constraint", False, f"{cond.name} constrains {', '.join(cond.fields(problem.space))}: "
                                                          "the check verifies forms for value conditions only")
        for split, beta in _split_params(problem, rng, 3):
            region = problem.family.region(split)
            points = points_from_unit(problem, region, rng.random((32, unit_width(problem, region, part))), part)[:, : len(problem.coords)]
            x, b = _torch_columns(problem, points, beta)
            g, distance = (torch.as_tensor(v, dtype=torch.float64) + torch.zeros(len(points), dtype=torch.float64)
                           for v in problem.hard_constraint(x, b))
            target = torch.zeros(len(points), dtype=torch.float64) if cond.value is None else cond.value(x, b) + 0.0 * g
            scale = max(float(target.abs().max()), float(g.abs().max()), 1.0)
            err = max(float((g - target).abs().max()) / scale, float(distance.abs().max())) / CONDITION_TOL
            if not err <= worst:
                worst, where = err, f" (worst: {cond.name} on {part}, {split})"
    inside = _interior_points(problem, rng, 64, FD_MARGIN)
    for split, beta in _split_params(problem, rng, 1):
        x, b = _torch_columns(problem, inside, beta)
        _, distance = problem.hard_constraint(x, b)
        if not bool((torch.as_tensor(distance) != 0).all()):
            return CheckResult("hard_constraint", False, f"distance vanishes at an interior point ({split}): the form would fix u there")
    return _result("hard_constraint", worst, 1.0, "max misfit of g and |distance| on the parts, relative / CONDITION_TOL" + where)


def check_reference_dataset(problem, rng) -> CheckResult:
    """``problem.reference()`` is a labelled, finite ``xarray.Dataset``."""
    import xarray as xr

    ds = problem.reference()
    if not isinstance(ds, xr.Dataset):
        return CheckResult("reference_dataset", False, f"reference() returned {type(ds).__name__}, not xarray.Dataset")
    missing_vars = [o for o in problem.outputs if o not in ds.data_vars]
    if missing_vars:
        return CheckResult("reference_dataset", False, f"no variable {missing_vars[0]!r}; variables: {list(ds.data_vars)}")
    wrong = [o for o in problem.outputs if tuple(ds[o].dims) != tuple(problem.coords)]
    if wrong:
        return CheckResult("reference_dataset", False, f"{wrong[0]} has dims {ds[wrong[0]].dims}, expected {problem.coords}")
    missing = [a for a in _REQUIRED_ATTRS if a not in ds.attrs]
    if missing:
        return CheckResult("reference_dataset", False, f"missing attrs {missing}")
    coarse = {c: np.linspace(lo, hi, 17) for c, (lo, hi) in zip(problem.coords, problem.domain)}
    sets = [ds] + [problem.reference(beta, grid=coarse) for _, beta in _split_params(problem, rng, 1)]
    n_bad = 0
    for field in sets:
        inside = problem.grid_inside({c: field[c].values for c in problem.coords})
        n_bad += sum(int(np.sum(~np.isfinite(field[o].values[inside]))) for o in problem.outputs)
    detail = f"{n_bad} non-finite values inside the domain (default grid {dict(ds.sizes)} and one member per split; tol 0)"
    return CheckResult("reference_dataset", n_bad == 0, detail)


# ------------------------------------------------------------------ runner
_CHECKS = {
    "definition": check_definition,
    "reference_residual": check_reference_residual,
    "conditions": check_conditions,
    "sampled_points_in_domain": check_sampled_points,
    "splits_disjoint": check_splits_disjoint,
    "reference_dataset": check_reference_dataset,
    "hard_constraint": check_hard_constraint,
}
CHECK_NAMES = tuple(_CHECKS)
"""Names of the contract checks, in the order :func:`run_checks` runs them."""


def run_checks(problem, *, seed: int = 0, only=None) -> list[CheckResult]:
    """Run the contract checks on a problem.

    Parameters
    ----------
    problem : Problem
        A catalog problem instance.
    seed : int, optional
        Seed of the random points and parameters; each check gets its own
        stream derived from it, so ``only`` does not change a check's draws.
    only : str or iterable of str, optional
        Name(s) of the checks to run (default: all of :data:`CHECK_NAMES`).

    Returns
    -------
    list of CheckResult
        One per check run, in :data:`CHECK_NAMES` order. A check that raises
        is reported as failed, with the exception in its detail.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`Problem`.
    ValueError
        If ``only`` names an unknown check (the message lists the known ones).
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"run_checks needs a pde_catalog.Problem instance, got {problem!r}")
    names = CHECK_NAMES if only is None else (only,) if isinstance(only, str) else tuple(only)
    unknown = [n for n in names if n not in _CHECKS]
    if unknown:
        raise ValueError(f"unknown check {unknown[0]!r}; known checks: {', '.join(CHECK_NAMES)}")
    streams = dict(zip(CHECK_NAMES, np.random.SeedSequence(seed).spawn(len(CHECK_NAMES))))
    results = []
    for name in CHECK_NAMES:
        if name not in names:
            continue
        try:
            results.append(_CHECKS[name](problem, np.random.default_rng(streams[name])))
        except Exception as exc:  # a broken problem fails its check; the report goes on
            message = " ".join(str(exc).split())
            results.append(CheckResult(name, False, f"raised {type(exc).__name__}: {message}"))
    return results


def format_report(results) -> str:
    """A readable report: one ``PASS``/``FAIL`` line per check and a summary line.

    Parameters
    ----------
    results : sequence of CheckResult

    Returns
    -------
    str
    """
    results = list(results)
    width = max((len(r.name) for r in results), default=0)
    lines = [f"{'PASS' if r.passed else 'FAIL'}  {r.name:<{width}}  {r.detail}" for r in results]
    failed = [r.name for r in results if not r.passed]
    summary = f"{len(results) - len(failed)} of {len(results)} checks passed"
    lines.append(summary + (f"; failed: {', '.join(failed)}" if failed else ""))
    return "\n".join(lines)
