"""Error versus shift: conditions on rays from the centre of the training family out to the edge of ``ood_far``.

Three bins (train / near / far) say little about how error grows as the
conditions leave the training range. A scan puts ``n`` conditions on each of
several rays in parameter space, from the centre of the ``train`` box to the
boundary of the ``far`` box, and labels each with its **shift**: the distance
outside the training box, per parameter in units of that box's half-width,
maximised over parameters (0 inside ``train``, 1 one half-width beyond it).

Rays: one along each parameter (towards the upper end of the far box) and the
diagonal towards the far box's upper corner; more with ``directions``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .evaluate import EvaluationSet, _condition_points

__all__ = ["shift_of", "scan_directions", "shift_scan", "shift_dataset"]


def shift_of(family, beta: np.ndarray) -> np.ndarray:
    """Shift of each row of ``beta`` (shape (k, P)) from the family's training box, shape (k,)."""
    lo, hi = np.asarray(family.train.lower), np.asarray(family.train.upper)
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    outside = np.maximum(np.abs(np.atleast_2d(beta) - centre) - half, 0.0) / half
    return outside.max(axis=1)


def scan_directions(family) -> dict[str, np.ndarray]:
    """Default rays, in parameter units: ``+<name>`` per parameter, and ``diagonal``."""
    lo, hi = np.asarray(family.train.lower), np.asarray(family.train.upper)
    centre = (lo + hi) / 2
    far_hi = np.asarray(family.far.upper)
    rays = {}
    for j, name in enumerate(family.names):
        d = np.zeros(family.dim)
        d[j] = far_hi[j] - centre[j]
        rays[f"+{name}"] = d
    if family.dim > 1:
        rays["diagonal"] = far_hi - centre
    return rays


def shift_scan(problem, n: int = 12, *, directions=None, seed: int = 20240901) -> tuple[EvaluationSet, np.ndarray]:
    """An :class:`EvaluationSet` of ``n`` conditions per ray, and the shift of each.

    Parameters
    ----------
    problem : pde_catalog.Problem
    n : int
        Conditions per ray, evenly spaced from the centre of ``train`` to the
        edge of the ``far`` box (both included).
    directions : dict of str to array-like, optional
        Rays by name, in parameter units (default :func:`scan_directions`).
    seed : int
        Seed of the condition points of the misfit metric.

    Returns
    -------
    evaluation : EvaluationSet
        Its ``split`` labels are the ray names.
    shift : numpy.ndarray, shape (n * n_rays,)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"a shift scan needs n >= 2 conditions per ray, got {n!r}")
    family = problem.family
    rays = scan_directions(family) if directions is None else {k: np.asarray(v, float) for k, v in directions.items()}
    lo, hi = np.asarray(family.train.lower), np.asarray(family.train.upper)
    centre = (lo + hi) / 2
    labels, betas = [], []
    for name, ray in rays.items():
        for t in np.linspace(0.0, 1.0, n):
            betas.append(np.clip(centre + t * ray, family.far.lower, family.far.upper))
            labels.append(name)
    beta = np.array(betas)
    grid = problem.default_grid()
    u_ref = np.stack([problem.reference(b, grid).to_array("output").values for b in beta])
    evaluation = EvaluationSet(problem, grid, np.array(labels), beta, u_ref, _condition_points(problem, beta, seed))
    return evaluation, shift_of(family, beta)


def shift_dataset(metrics: np.ndarray, evaluation: EvaluationSet, shift: np.ndarray, models: list[dict], names) -> xr.Dataset:
    """The scan's metrics as a labelled dataset (dims ``model``, ``condition``; coordinates
    ``distance`` (the shift), ``direction``, the parameters, and per model ``distiller``,
    ``budget``, ``seed``, ``eval_seed``, ``arch``).

    Parameters
    ----------
    metrics : numpy.ndarray, shape (M, K, len(names))
        From :meth:`Evaluator.measure` on the scan's evaluation set.
    evaluation : EvaluationSet
    shift : numpy.ndarray, shape (K,)
    models : list of dict
        Per model: ``distiller``, ``budget``, ``seed``, ``eval_seed``, ``arch``.
    names : sequence of str
        The metric of each column.
    """
    coords = {
        "distance": ("condition", shift),
        "direction": ("condition", evaluation.split.astype(str)),
        **{p: ("condition", evaluation.beta[:, j]) for j, p in enumerate(evaluation.problem.family.names)},
        **{key: ("model", np.array([m[key] for m in models])) for key in ("distiller", "budget", "seed", "eval_seed", "arch")},
    }
    data = {name: (("model", "condition"), metrics[:, :, j]) for j, name in enumerate(names)}
    return xr.Dataset(data, coords=coords, attrs={"problem": evaluation.problem.name})
