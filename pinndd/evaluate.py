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

__all__ = ["EvaluationSet", "Evaluator", "METRICS", "EVAL_SEED_OFFSET", "eval_seed"]

METRICS = ("l2re", "rel_l1", "max_err", "residual_rms", "boundary_rms")
EVAL_SEED_OFFSET = 1_000_000
_AGGREGATES = {"": RiskMeasure("mean"), "_cvar90": RiskMeasure("cvar", 0.9), "_max": RiskMeasure("max")}


def eval_seed(distill_seed: int, replicate: int) -> int:
    """Learner seed for evaluation replicate ``replicate`` of a set distilled with ``distill_seed``.

    Distillation seeds are below :data:`EVAL_SEED_OFFSET`; evaluation seeds are
    at or above it, so the two never coincide.
    """
    if not 0 <= distill_seed < EVAL_SEED_OFFSET // 1000:
        raise ValueError(f"distillation seeds must lie in [0, {EVAL_SEED_OFFSET // 1000}), got {distill_seed}")
    return EVAL_SEED_OFFSET + 1000 * distill_seed + replicate


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
    u_ref : numpy.ndarray, shape (K, *grid shape)
    """

    problem: object
    grid: dict
    split: np.ndarray
    beta: np.ndarray
    u_ref: np.ndarray

    @classmethod
    def draw(cls, problem, splits, n_per_split: int, *, seed: int) -> "EvaluationSet":
        """Draw ``n_per_split`` conditions per split with a dedicated seed and compute references."""
        rng = np.random.default_rng([seed, 0x5EED])
        labels, betas = [], []
        for split in splits:
            betas.append(problem.family.region(split).sample(n_per_split, rng))
            labels += [split] * n_per_split
        beta = np.concatenate(betas)
        grid = problem.default_grid()
        u_ref = np.stack([problem.reference(b, grid).u.values for b in beta])
        return cls(problem, grid, np.array(labels), beta, u_ref)

    def grid_points(self) -> np.ndarray:
        """Grid points, shape (n_grid, D), in C order over ``problem.coords``."""
        mesh = np.meshgrid(*[self.grid[c] for c in self.problem.coords], indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def face_mask(self) -> np.ndarray:
        """Boolean mask of grid points lying on a constrained face."""
        pts = self.grid_points()
        mask = np.zeros(len(pts), dtype=bool)
        for face in self.problem.faces:
            mask |= np.isclose(pts[:, self.problem.coords.index(face.coord)], self.problem.face_value(face))
        return mask


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
    """

    def __init__(self, pinn: ConditionalPINN, recipe: Recipe, *, replicates: int = 1, progress: bool = False):
        self.pinn, self.recipe = pinn, recipe
        self.replicates, self.progress = replicates, progress

    def train(self, point_sets, seeds):
        """Train one model per (point set, replicate); returns the TrainResult and wall seconds.

        ``seeds`` holds one distillation seed per point set; learner seeds come
        from :func:`eval_seed`.
        """
        init_seeds = [eval_seed(s, r) for s in seeds for r in range(self.replicates)]
        batch = PointBatch.from_point_sets(point_sets, dtype=self.pinn.dtype, device=self.pinn.device)
        start = time.perf_counter()
        result = train(self.pinn, self.pinn.init(init_seeds), batch.repeat(self.replicates), self.recipe, progress=self.progress)
        return result, init_seeds, time.perf_counter() - start

    def measure(self, params, evaluation: EvaluationSet, diverged):
        """Metrics and fields of every model on every condition.

        Returns
        -------
        metrics : numpy.ndarray, shape (M, K, len(METRICS))
        u_pred : numpy.ndarray, shape (M, K, *grid shape)
        """
        pts = evaluation.grid_points()
        faces = evaluation.face_mask()
        n_models = params[0][0].shape[0]
        shape = evaluation.u_ref.shape[1:]
        u_pred = np.empty((n_models, len(evaluation.beta), *shape))
        metrics = np.empty((n_models, len(evaluation.beta), len(METRICS)))
        for k, beta in enumerate(evaluation.beta):
            full = np.concatenate([pts, np.broadcast_to(beta, (len(pts), len(beta)))], axis=1)
            tensor = torch.as_tensor(full, dtype=self.pinn.dtype, device=self.pinn.device)
            tensor = tensor.unsqueeze(0).expand(n_models, -1, -1)
            with torch.no_grad():
                jet, x, b = self.pinn.jet(params, tensor)
                residual = self.pinn.problem.residual(jet, x, b).cpu().double().numpy()
                target = self.pinn.problem.condition({c: v[:, faces] for c, v in x.items()}, {p: v[:, faces] for p, v in b.items()})
            u = jet.u.cpu().double().numpy()
            u[diverged] = np.nan
            ref = evaluation.u_ref[k].ravel()
            err = u - ref
            metrics[:, k, 0] = np.linalg.norm(err, axis=1) / np.linalg.norm(ref)
            metrics[:, k, 1] = np.abs(err).sum(axis=1) / np.abs(ref).sum()
            metrics[:, k, 2] = np.abs(err).max(axis=1)
            metrics[:, k, 3] = np.sqrt(np.mean(residual**2, axis=1))
            metrics[:, k, 4] = np.sqrt(np.mean((u[:, faces] - target.cpu().double().numpy()) ** 2, axis=1))
            u_pred[:, k] = u.reshape(n_models, *shape)
        metrics[diverged] = np.nan
        return metrics, u_pred


def aggregate(metrics: np.ndarray, splits: np.ndarray, split_order) -> pd.DataFrame:
    """Per-model, per-split aggregates (mean, CVaR_0.9, max over conditions) of every metric.

    Parameters
    ----------
    metrics : numpy.ndarray, shape (M, K, len(METRICS))
    splits : numpy.ndarray of str, shape (K,)
    split_order : sequence of str

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
            for j, name in enumerate(METRICS):
                for suffix, risk in _AGGREGATES.items():
                    row[name + suffix] = float(risk(values[:, j], axis=0))
            rows.append(row)
    return pd.DataFrame(rows)


def fields_dataset(evaluation: EvaluationSet, u_pred: np.ndarray, attrs: dict) -> xr.Dataset:
    """u_pred, u_ref and error of one model as a labelled dataset (dims condition, *coords)."""
    problem = evaluation.problem
    dims = ("condition", *problem.coords)
    coords = {c: (c, evaluation.grid[c]) for c in problem.coords}
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
