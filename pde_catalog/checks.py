"""Contract checks every catalog problem must pass.

:func:`run_checks` runs each check on a problem and returns one
:class:`CheckResult` per check; :func:`format_report` renders them. The test
suite (``tests/pde_catalog/test_contract.py``) runs every check over every
registered problem, and ``pinndd catalog check NAME`` prints the report.

The checks (each can fail; a check that raises counts as failed):

``reference_residual``
    The PDE residual of ``problem.solution`` vanishes. Derivatives come from
    fourth-order central finite differences (step ``FD_STEP`` times each
    interval's length) at random interior points, at least ``FD_MARGIN``
    from the faces, and at the steepest points along random coordinate lines
    (so a thin layer, such as Burgers' shock, is sampled), for parameters
    drawn from every split. The measure is pointwise and relative:
    ``max |r| / (s + 0.01 rms(s))``, with ``s = sum_c |dr/dc * c|`` over the
    jet components ``c`` (for a linear residual, the sum of the magnitudes of
    its derivative terms). It must stay below ``RESIDUAL_TOL``.
``conditions``
    On every face in ``problem.faces``, ``problem.condition`` equals
    ``problem.solution`` at random face points, for parameters of each split,
    relative to the field's magnitude, within ``CONDITION_TOL``.
``sampled_points_in_domain``
    For every sequence in :data:`pinndd.sampling.SEQUENCES`, the points of
    :func:`pinndd.sampling.sample_point_arrays` use exactly the budget; the
    interior points lie in the domain, the constraint points on a face of
    their kind, and all parameters in the split's region.
``splits_disjoint``
    Samples of each split lie in its region and in the open interior of no
    other split's region; the default member lies in ``train``.
``reference_dataset``
    ``problem.reference()`` is an ``xarray.Dataset`` whose variable ``u`` has
    dims ``problem.coords`` and finite values, with the provenance attributes
    ``problem``, ``parameters``, ``method`` and ``pinndd_version``; the
    reference of one member of every split (on a coarse grid) is finite too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import Jet, Problem
from ._family import SPLITS

__all__ = ["CHECK_NAMES", "CheckResult", "format_report", "run_checks"]

FD_STEP = 3e-5
"""Finite-difference step, as a fraction of each variable's interval."""
FD_MARGIN = 0.02
"""Distance of residual check points from the faces, as a fraction of each interval."""
RESIDUAL_TOL = 1e-4
"""Largest allowed relative residual (measured: below 1e-5 for the built-in problems)."""
CONDITION_TOL = 1e-10
"""Largest allowed ``max |condition - solution| / max |solution|``."""


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


# ----------------------------------------------------------------- residual
def _fd_jet(problem, points: np.ndarray, beta: np.ndarray, steps: np.ndarray) -> Jet:
    """Jet of ``problem.solution`` from fourth-order central differences (float64 tensors)."""
    import torch

    u = problem.solution(points, beta)
    d1, d2 = {}, {}
    for j, c in enumerate(problem.coords):
        h = steps[j]

        def shifted(k, j=j, h=h):
            p = points.copy()
            p[:, j] += k * h
            return problem.solution(p, beta)

        up, um, up2, um2 = shifted(1), shifted(-1), shifted(2), shifted(-2)
        d1[c] = (8.0 * (up - um) - (up2 - um2)) / (12.0 * h)
        d2[c] = (-up2 + 16.0 * up - 30.0 * u + 16.0 * um - um2) / (12.0 * h * h)
    f64 = torch.float64
    return Jet(
        u=torch.as_tensor(u, dtype=f64),
        d1={c: torch.as_tensor(v, dtype=f64) for c, v in d1.items()},
        d2={c: torch.as_tensor(d2[c], dtype=f64) for c in problem.second_derivatives},
    )


def _residual_and_scale(problem, jet: Jet, x: dict, beta: dict):
    """Residual and its scale ``sum_c |dr/dc * c|`` over the jet components, as numpy."""
    import torch

    values = [jet.u, *jet.d1.values(), *jet.d2.values()]
    leaves = [v.clone().requires_grad_() for v in values]
    k = len(jet.d1)
    live = Jet(u=leaves[0], d1=dict(zip(jet.d1, leaves[1 : 1 + k])), d2=dict(zip(jet.d2, leaves[1 + k :])))
    r = problem.residual(live, x, beta)
    grads = torch.autograd.grad(r.sum(), leaves, allow_unused=True)
    scale = sum((g * v).abs() for g, v in zip(grads, values) if g is not None)
    scale = torch.zeros_like(r) + scale  # a residual independent of the jet has scale 0
    return r.detach().numpy(), scale.detach().numpy()


def _steep_points(problem, beta, rng, lo, hi, n_lines: int, grid: int = 1024) -> np.ndarray:
    """Both ends of the steepest grid cell, and the point before it, on random coordinate lines."""
    found = []
    for _ in range(n_lines):
        j = rng.integers(len(problem.coords))
        base = lo + rng.random(len(lo)) * (hi - lo)
        line = np.repeat(base[None, :], grid, axis=0)
        line[:, j] = np.linspace(lo[j], hi[j], grid)
        slope = np.abs(np.diff(problem.solution(line, beta)))
        i = int(np.argmax(slope))
        found += [line[i], line[min(i + 1, grid - 1)], line[max(i - 1, 0)]]
    return np.array(found)


def check_reference_residual(problem, rng) -> CheckResult:
    """The solution's FD residual is small relative to its terms (see module docstring)."""
    lo = np.array([a for a, _ in problem.domain], dtype=float)
    hi = np.array([b for _, b in problem.domain], dtype=float)
    steps = FD_STEP * (hi - lo)
    lo_in, hi_in = lo + FD_MARGIN * (hi - lo), hi - FD_MARGIN * (hi - lo)
    residuals, scales = [], []
    for _, beta in _split_params(problem, rng, 6):
        pts = lo_in + rng.random((24, len(lo))) * (hi_in - lo_in)
        pts = np.concatenate([pts, _steep_points(problem, beta, rng, lo_in, hi_in, 4)])
        x, b = _torch_columns(problem, pts, beta)
        r, s = _residual_and_scale(problem, _fd_jet(problem, pts, beta, steps), x, b)
        residuals.append(r)
        scales.append(s)
    r, s = np.concatenate(residuals), np.concatenate(scales)
    floor = 0.01 * np.sqrt(np.mean(s**2)) + np.finfo(float).tiny
    value = float(np.max(np.abs(r) / (s + floor)))
    return _result("reference_residual", value, RESIDUAL_TOL, f"max relative FD residual at {len(r)} points")


# --------------------------------------------------------------- conditions
def check_conditions(problem, rng) -> CheckResult:
    """Dirichlet data equal the reference solution on every face."""
    lo = np.array([a for a, _ in problem.domain], dtype=float)
    hi = np.array([b for _, b in problem.domain], dtype=float)
    worst, where = 0.0, ""
    for face in problem.faces:
        if face.coord not in problem.coords or face.side not in ("lower", "upper"):
            return CheckResult("conditions", False, f"bad face {face}; coords are {problem.coords}")
        j = problem.coords.index(face.coord)
        for split, beta in _split_params(problem, rng, 4):
            pts = lo + rng.random((32, len(lo))) * (hi - lo)
            size = np.max(np.abs(problem.solution(pts, beta)))
            pts[:, j] = problem.face_value(face)
            x, b = _torch_columns(problem, pts, beta)
            cond = np.asarray(problem.condition(x, b).detach().numpy(), dtype=float).reshape(-1)
            sol = problem.solution(pts, beta)
            size = max(size, np.max(np.abs(sol)), np.finfo(float).tiny)
            err = float(np.max(np.abs(cond - sol)) / size) if cond.shape == sol.shape else np.inf
            if not err <= worst:  # also catches NaN
                worst, where = err, f" (worst: {face.side} {face.coord} face, {split})"
    return _result("conditions", worst, CONDITION_TOL, "max |condition - solution| / max |u|" + where)


# ------------------------------------------------------------ sampled points
def _on_face(problem, face, rows: np.ndarray) -> np.ndarray:
    return rows[:, problem.coords.index(face.coord)] == problem.face_value(face)


def check_sampled_points(problem, rng, budget: int = 64) -> CheckResult:
    """Every sampler's points lie in the domain, on their faces and in the region."""
    from pinndd.pointset import KINDS
    from pinndd.sampling import SEQUENCES, sample_point_arrays

    d = len(problem.coords)
    lo = np.array([a for a, _ in problem.domain], dtype=float)
    hi = np.array([b for _, b in problem.domain], dtype=float)
    bad = []
    for split in SPLITS:
        region = problem.family.region(split)
        for method in SEQUENCES:
            interior, constraint, kind = sample_point_arrays(problem, region, budget, method=method, seed=int(rng.integers(2**31)))
            everything = np.concatenate([interior, constraint])
            on_face = np.zeros(len(constraint), dtype=bool)
            for face in problem.faces:
                on_face |= _on_face(problem, face, constraint) & (kind == KINDS.index(face.kind))
            problems = {
                "budget": len(everything) != budget or len(kind) != len(constraint),
                "domain": not np.all((everything[:, :d] >= lo) & (everything[:, :d] <= hi)),
                "face": not np.all(on_face),
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


def check_reference_dataset(problem, rng) -> CheckResult:
    """``problem.reference()`` is a labelled, finite ``xarray.Dataset``."""
    import xarray as xr

    ds = problem.reference()
    if not isinstance(ds, xr.Dataset):
        return CheckResult("reference_dataset", False, f"reference() returned {type(ds).__name__}, not xarray.Dataset")
    if "u" not in ds.data_vars:
        return CheckResult("reference_dataset", False, f"no variable 'u'; variables: {list(ds.data_vars)}")
    if tuple(ds["u"].dims) != tuple(problem.coords):
        return CheckResult("reference_dataset", False, f"u has dims {ds['u'].dims}, expected {problem.coords}")
    missing = [a for a in _REQUIRED_ATTRS if a not in ds.attrs]
    if missing:
        return CheckResult("reference_dataset", False, f"missing attrs {missing}")
    coarse = {c: np.linspace(lo, hi, 17) for c, (lo, hi) in zip(problem.coords, problem.domain)}
    fields = [ds["u"].values] + [problem.reference(beta, grid=coarse)["u"].values for _, beta in _split_params(problem, rng, 1)]
    n_bad = sum(int(np.sum(~np.isfinite(f))) for f in fields)
    detail = f"{n_bad} non-finite values in u (default grid {dict(ds['u'].sizes)} and one member per split; tol 0)"
    return CheckResult("reference_dataset", n_bad == 0, detail)


# ------------------------------------------------------------------ runner
_CHECKS = {
    "reference_residual": check_reference_residual,
    "conditions": check_conditions,
    "sampled_points_in_domain": check_sampled_points,
    "splits_disjoint": check_splits_disjoint,
    "reference_dataset": check_reference_dataset,
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
