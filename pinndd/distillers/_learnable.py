"""Point sets as differentiable parameters, and the physics loss over a target family.

Used by the distillers that optimise point locations (and weights) by
gradient descent: the task-specified distiller and the classic DD objectives.
"""

from __future__ import annotations

import numpy as np
import torch

from ..learner import PointBatch
from ..learner._batch import functional
from ..pointset import PointSet, condition_normals, condition_parts, condition_targets, make_point_set
from ..sampling import points_from_unit, unit_width

__all__ = ["LearnablePoints", "project_to_region", "target_batch"]


def _logit(p):
    p = p.clamp(1e-4, 1 - 1e-4)
    return torch.log(p) - torch.log1p(-p)


def _straight_through(points: torch.Tensor, projected: np.ndarray) -> torch.Tensor:
    """The projected values, with the gradient of the identity (a straight-through projection)."""
    return torch.as_tensor(projected, dtype=points.dtype, device=points.device) + (points - points.detach())


class LearnablePoints(torch.nn.Module):
    """A point set whose locations and weights are unconstrained tensors.

    Each coordinate is ``lower + (upper - lower) * sigmoid(raw)`` over the
    bounding box of the domain (and of the parameter region); the point is
    then projected onto its set (the geometry for interior and initial
    points, its boundary part for a condition point; the initial slice's time)
    with a straight-through gradient, so points never leave the domain and
    condition points stay on their part, for any geometry. Weights are
    ``softplus(raw)``, normalised to mean one in the loss.

    Parameters
    ----------
    problem : pde_catalog.Problem
    init : PointSet
        Starting point set (its sizes fix the budget split).
    region : pde_catalog.Region
        Parameter distribution the points must stay in.
    learn_weights : bool
        Whether per-point weights are optimised.
    dtype : torch.dtype
    """

    def __init__(self, problem, init: PointSet, region, *, learn_weights: bool = True, dtype=torch.float64):
        super().__init__()
        self.problem, self.region, self.init = problem, region, init
        self.learn_weights = learn_weights
        box = region.bounds
        lower = [lo for lo, _ in problem.domain] + list(box.lower)
        upper = [hi for _, hi in problem.domain] + list(box.upper)
        self.register_buffer("lower", torch.tensor(lower, dtype=dtype))
        self.register_buffer("span", torch.tensor(upper, dtype=dtype) - torch.tensor(lower, dtype=dtype))
        self.raw_interior = torch.nn.Parameter(_logit((torch.tensor(init.interior, dtype=dtype) - self.lower) / self.span))
        self.raw_constraint = torch.nn.Parameter(_logit((torch.tensor(init.constraint, dtype=dtype) - self.lower) / self.span))
        self.parts = condition_parts(problem, init.constraint, init.constraint_condition)
        self.raw_w_interior = torch.nn.Parameter(torch.full((len(init.interior),), 0.5413, dtype=dtype), requires_grad=learn_weights)
        self.raw_w_constraint = torch.nn.Parameter(torch.full((len(init.constraint),), 0.5413, dtype=dtype), requires_grad=learn_weights)

    def points(self):
        """Interior and constraint points, shapes (n_i, D + P) and (n_c, D + P)."""
        interior = self.lower + self.span * torch.sigmoid(self.raw_interior)
        constraint = self.lower + self.span * torch.sigmoid(self.raw_constraint)
        ds = len(self.problem.space)
        with torch.no_grad():
            inner = interior.detach().cpu().numpy().copy()
            inner[:, :ds] = self.problem.geometry.project(inner[:, :ds])
            cons = _project_to_parts(self.problem, constraint.detach().cpu().numpy(), self.parts)
        return _straight_through(interior, inner), _straight_through(constraint, cons)

    def weights(self):
        """Per-point weights (softplus of the raw values; 1 at initialisation)."""
        return torch.nn.functional.softplus(self.raw_w_interior), torch.nn.functional.softplus(self.raw_w_constraint)

    def batch(self, n_models: int, dtype) -> PointBatch:
        """The current set as a differentiable PointBatch repeated for ``n_models`` learners."""
        interior, constraint = self.points()
        w_i, w_c = self.weights()
        condition = self.init.constraint_condition
        cons = constraint.detach().cpu().numpy()
        coef, partner, partner_row = functional(self.problem, cons, condition, condition_normals(self.problem, cons, condition))
        target = condition_targets(self.problem, constraint, condition)

        def rep(t):
            t = torch.as_tensor(t, device=interior.device)
            t = t.to(dtype) if t.is_floating_point() else t
            return t.unsqueeze(0).expand(n_models, *t.shape)

        extra = {}
        if len(partner):
            moved = _straight_through(constraint[torch.as_tensor(partner_row)], partner)
            extra = dict(partner=rep(moved), partner_row=rep(partner_row), partner_coef=rep(-coef[partner_row]))
        return PointBatch(rep(interior), rep(w_i), rep(constraint), rep(target), rep(w_c), rep(condition), rep(coef), **extra)

    def to_point_set(self, attrs: dict) -> PointSet:
        """The optimised set, with parameters projected into the region and targets recomputed."""
        with torch.no_grad():
            interior, constraint = (t.cpu().numpy() for t in self.points())
            w_i, w_c = (t.cpu().numpy() for t in self.weights())
        d = len(self.problem.coords)
        interior[:, d:] = project_to_region(self.region, interior[:, d:])
        constraint[:, d:] = project_to_region(self.region, constraint[:, d:])
        scale = (w_i.sum() + w_c.sum()) / (len(w_i) + len(w_c))
        return make_point_set(
            self.problem, interior, constraint, self.init.constraint_condition,
            interior_weight=w_i / scale, constraint_weight=w_c / scale, attrs=attrs,
        )


def _project_to_parts(problem, constraint: np.ndarray, parts) -> np.ndarray:
    """Condition points moved onto their parts (and the initial slice's time)."""
    out = constraint.copy()
    ds = len(problem.space)
    for part in set(parts.tolist()):
        rows = parts == part
        if part == "initial":
            out[np.ix_(rows, range(ds))] = problem.geometry.project(out[rows, :ds])
            out[rows, ds] = problem.time[0]
        else:
            out[np.ix_(rows, range(ds))] = problem.geometry.project_to_part(part, out[rows, :ds])
    return out


def project_to_region(region, params: np.ndarray) -> np.ndarray:
    """Move each row of ``params`` to the nearest point of the region (a union of boxes)."""
    best = None
    best_dist = None
    for box in region.boxes:
        clipped = np.clip(params, box.lower, box.upper)
        dist = np.sum((clipped - params) ** 2, axis=1)
        if best is None:
            best, best_dist = clipped, dist
        else:
            closer = dist < best_dist
            best[closer], best_dist[closer] = clipped[closer], dist[closer]
    return best


def target_batch(problem, region, n_conditions: int, n_interior: int, n_constraint: int, rng: np.random.Generator, *, dtype, device) -> PointBatch:
    """Fresh physics-loss points for ``n_conditions`` conditions drawn from ``region``.

    Returns a PointBatch of ``n_conditions`` "models" (one per condition):
    each has ``n_interior`` uniform collocation points and ``n_constraint``
    condition points (blocks chosen in proportion to their measure) at that
    condition, with their data. Reference solutions are never used.
    """
    from ..sampling import blocks

    parts = blocks(problem)
    measure = np.array([problem.block_measure(part) for _, part in parts])
    d = len(problem.coords)
    sets = []
    for beta in region.sample(n_conditions, rng):
        interior = points_from_unit(problem, region, rng.random((n_interior, unit_width(problem, region))))
        which = rng.choice(len(parts), size=n_constraint, p=measure / measure.sum())
        constraint = np.empty((n_constraint, d + len(beta)))
        condition = np.empty(n_constraint, dtype=np.int64)
        for j, (k, part) in enumerate(parts):
            rows = which == j
            constraint[rows] = points_from_unit(problem, region, rng.random((int(rows.sum()), unit_width(problem, region, part))), part)
            condition[rows] = k
        interior[:, d:], constraint[:, d:] = beta, beta
        sets.append(make_point_set(problem, interior, constraint, condition))
    return PointBatch.from_point_sets(sets, problem, dtype=dtype, device=device)

