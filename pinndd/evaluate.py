"""The evaluator: fresh learners trained on point sets, measured against references.

For each point set, ``replicates`` fresh PINNs (seeds disjoint from any used
while distilling) are trained together as one vectorised batch; each model is
then evaluated on held-out condition parameters of every split, on the
problem's reference grid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import xarray as xr

from .learner import ConditionalPINN, PointBatch, Recipe, train
from .risk import RiskMeasure
from .seeds import CONDITION_TAG, EVAL_SEED_OFFSET, eval_seed, stream

__all__ = ["EvaluationSet", "Evaluator", "METRICS", "EVAL_SEED_OFFSET", "eval_seed", "metric_names"]

METRICS = ("l2re", "rel_l1", "max_err", "residual_rms", "boundary_rms")
"""Metrics of every problem; the error metrics are over all outputs stacked, the
residual RMS over all equations, the condition RMS over all condition points."""
CONDITION_POINTS = 512
"""Condition points per evaluation condition for ``boundary_rms``."""
_AGGREGATES = {"": RiskMeasure("mean"), "_cvar90": RiskMeasure("cvar", 0.9), "_max": RiskMeasure("max")}


def metric_names(problem) -> tuple[str, ...]:
    """:data:`METRICS`, then ``l2re_<output>`` per output for a problem with several outputs."""
    extra = tuple(f"l2re_{o}" for o in problem.outputs) if len(problem.outputs) > 1 else ()
    return METRICS + extra


@dataclass(frozen=True)
class EvaluationSet:
    """Held-out condition parameters of each split and their reference fields.

    Attributes
    ----------
    problem : pde_catalog.Problem
    grid : dict of str to numpy.ndarray
        The reference grid (1-D coordinates by variable).
    split : numpy.ndarray of str, shape (K,)
        Split of each condition.
    beta : numpy.ndarray, shape (K, P)
    u_ref : numpy.ndarray, shape (K, n_outputs, *grid shape)
        NaN at grid points outside the domain.
    condition_points : tuple of PointSet
        Per condition, points of every problem condition at that condition's
        parameters (for the condition-misfit metric).
    """

    problem: object
    grid: dict
    split: np.ndarray
    beta: np.ndarray
    u_ref: np.ndarray
    condition_points: tuple = ()

    @classmethod
    def draw(cls, problem, splits, n_per_split: int, *, seed: int) -> "EvaluationSet":
        """Draw ``n_per_split`` conditions per split with a dedicated seed and compute references."""
        rng = stream(seed, CONDITION_TAG)
        labels, betas = [], []
        for split in splits:
            betas.append(problem.family.region(split).sample(n_per_split, rng))
            labels += [split] * n_per_split
        beta = np.concatenate(betas)
        grid = problem.default_grid()
        u_ref = np.stack([problem.reference(b, grid).to_array("output").values for b in beta])
        return cls(problem, grid, np.array(labels), beta, u_ref, _condition_points(problem, beta, seed))

    def grid_points(self) -> np.ndarray:
        """Grid points, shape (n_grid, D), in C order over ``problem.coords``."""
        mesh = np.meshgrid(*[self.grid[c] for c in self.problem.coords], indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def inside(self) -> np.ndarray:
        """Boolean mask of the grid points inside the domain, in :meth:`grid_points` order."""
        return self.problem.grid_inside(self.grid).ravel()


def _condition_points(problem, beta: np.ndarray, seed: int) -> tuple:
    """Halton points of every condition (half the budget on the conditions) at each member."""
    from .pointset import make_point_set
    from .sampling import sample_point_arrays

    d = len(problem.coords)
    region = problem.family.region("train")
    sets = []
    for k, b in enumerate(beta):
        interior, constraint, condition = sample_point_arrays(
            problem, region, 2 * CONDITION_POINTS, method="halton", seed=seed + k, boundary_fraction=0.5
        )
        interior[:, d:], constraint[:, d:] = b, b
        sets.append(make_point_set(problem, interior[:1], constraint, condition))
    return tuple(sets)


class Evaluator:
    """Train fresh learners on point sets and measure them on an :class:`EvaluationSet`.

    Parameters
    ----------
    pinn : ConditionalPINN
        Architecture, dtype and device of the fresh learners.
    recipe : Recipe
        How they are trained.
    replicates : int
        Fresh learners per point set.
    progress : bool
        Show progress bars.
    desc : str
        Label of the progress bars (what is being trained).
    """

    def __init__(self, pinn: ConditionalPINN, recipe: Recipe, *, replicates: int = 1, progress: bool = False, desc: str = "train"):
        self.pinn, self.recipe = pinn, recipe
        self.replicates, self.progress, self.desc = replicates, progress, desc

    def train(self, point_sets, seeds):
        """Train one model per (point set, replicate); returns the TrainResult and wall seconds.

        ``seeds`` holds one distillation seed per point set; learner seeds come
        from :func:`eval_seed`.
        """
        init_seeds = [eval_seed(s, r) for s in seeds for r in range(self.replicates)]
        batch = PointBatch.from_point_sets(point_sets, self.pinn.problem, dtype=self.pinn.dtype, device=self.pinn.device)
        start = time.perf_counter()
        result = train(self.pinn, self.pinn.init(init_seeds), batch.repeat(self.replicates), self.recipe, progress=self.progress, desc=self.desc)
        return result, init_seeds, time.perf_counter() - start

    def measure(self, params, evaluation: EvaluationSet, diverged):
        """Metrics and fields of every model on every condition.

        Returns
        -------
        metrics : numpy.ndarray, shape (M, K, len(metric_names(problem)))
        u_pred : numpy.ndarray, shape (M, K, n_outputs, *grid shape)
            NaN outside the domain.
        """
        problem = self.pinn.problem
        inside = evaluation.inside()
        pts = evaluation.grid_points()[inside]
        n_models = params[0][0].shape[0]
        names = metric_names(problem)
        u_pred = np.full((n_models, *evaluation.u_ref.shape), np.nan)
        metrics = np.empty((n_models, len(evaluation.beta), len(names)))
        for k, beta in enumerate(evaluation.beta):
            full = np.concatenate([pts, np.broadcast_to(beta, (len(pts), len(beta)))], axis=1)
            tensor = torch.as_tensor(full, dtype=self.pinn.dtype, device=self.pinn.device).unsqueeze(0).expand(n_models, -1, -1)
            with torch.no_grad():
                residual = self.pinn.residual(params, tensor)
                u = self.pinn.predict(params, tensor).cpu().double().numpy()  # (M, n, n_outputs)
                misfit = self._condition_misfit(params, problem, evaluation.condition_points[k]) if evaluation.condition_points else None
            u[diverged] = np.nan
            ref = evaluation.u_ref[k].reshape(len(problem.outputs), -1)[:, inside].T  # (n, n_outputs)
            err = u - ref
            metrics[:, k, 0] = np.linalg.norm(err.reshape(n_models, -1), axis=1) / np.linalg.norm(ref)
            metrics[:, k, 1] = np.abs(err).reshape(n_models, -1).sum(axis=1) / np.abs(ref).sum()
            metrics[:, k, 2] = np.abs(err).reshape(n_models, -1).max(axis=1)
            metrics[:, k, 3] = np.sqrt(np.mean(residual.cpu().double().numpy() ** 2, axis=(1, 2)))
            metrics[:, k, 4] = np.nan if misfit is None else np.sqrt(np.mean(misfit**2, axis=1))
            for j in range(len(names) - len(METRICS)):
                metrics[:, k, len(METRICS) + j] = np.linalg.norm(err[..., j], axis=1) / np.linalg.norm(ref[:, j])
            flat = u_pred[:, k].reshape(n_models, len(problem.outputs), -1)
            flat[:, :, inside] = u.transpose(0, 2, 1)
            u_pred[:, k] = flat.reshape(u_pred[:, k].shape)
        metrics[diverged] = np.nan
        return metrics, u_pred

    def _condition_misfit(self, params, problem, point_set):
        """Every model's condition misfit at one member's condition points, shape (M, N_c)."""
        n_models = params[0][0].shape[0]
        batch = PointBatch.from_point_sets([point_set], problem, dtype=self.pinn.dtype, device=self.pinn.device)
        batch = batch.map(lambda t: t.expand(n_models, *t.shape[1:]))
        return self.pinn.condition_misfit(params, batch).detach().cpu().double().numpy()


def aggregate(metrics: np.ndarray, splits: np.ndarray, split_order, names=METRICS) -> pd.DataFrame:
    """Per-model, per-split aggregates (mean, CVaR_0.9, max over conditions) of every metric.

    Parameters
    ----------
    metrics : numpy.ndarray, shape (M, K, len(names))
    splits : numpy.ndarray of str, shape (K,)
    split_order : sequence of str
    names : sequence of str
        The metric of each column (:func:`metric_names` of the problem).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, split`` and ``<metric><suffix>`` for suffixes ``""``
        (mean), ``"_cvar90"`` and ``"_max"``.
    """
    rows = []
    for m in range(metrics.shape[0]):
        for split in split_order:
            values = metrics[m, splits == split]
            row = {"model": m, "split": split}
            for j, name in enumerate(names):
                for suffix, risk in _AGGREGATES.items():
                    row[name + suffix] = float(risk(values[:, j], axis=0))
            rows.append(row)
    return pd.DataFrame(rows)


def fields_dataset(evaluation: EvaluationSet, u_pred: np.ndarray, attrs: dict) -> xr.Dataset:
    """u_pred, u_ref and error of one model as a labelled dataset (dims condition, output, *coords).

    Values outside a non-box domain are NaN.
    """
    problem = evaluation.problem
    dims = ("condition", "output", *problem.coords)
    coords = {c: (c, evaluation.grid[c]) for c in problem.coords}
    coords["output"] = ("output", list(problem.outputs))
    coords["split"] = ("condition", evaluation.split.astype(str))
    coords.update({p: ("condition", evaluation.beta[:, j]) for j, p in enumerate(problem.family.names)})
    encoding_dtype = np.float32
    return xr.Dataset(
        {
            "u_pred": (dims, u_pred.astype(encoding_dtype)),
            "u_ref": (dims, evaluation.u_ref.astype(encoding_dtype)),
            "error": (dims, (u_pred - evaluation.u_ref).astype(encoding_dtype)),
        },
        coords=coords,
        attrs={k: v for k, v in attrs.items() if v is not None},
    )
