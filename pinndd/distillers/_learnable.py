"""Point sets as differentiable parameters, and the physics loss over a target family.

Used by the distillers that optimise point locations (and weights) by
gradient descent: the task-specified distiller and the classic DD objectives.
"""

from __future__ import annotations

import numpy as np
import torch

from ..learner import PointBatch
from ..pointset import PointSet, make_point_set

__all__ = ["LearnablePoints", "per_condition_loss", "project_to_region", "target_batch"]


def _logit(p):
    p = p.clamp(1e-4, 1 - 1e-4)
    return torch.log(p) - torch.log1p(-p)


class LearnablePoints(torch.nn.Module):
    """A point set whose locations and weights are unconstrained tensors.

    Each free coordinate is ``lower + (upper - lower) * sigmoid(raw)``, so points
    never leave the domain (and the bounding box of the parameter region);
    face points keep their face coordinate fixed. Weights are
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
        # Which column each constraint point keeps fixed (its face variable).
        fixed = np.zeros(init.constraint.shape, dtype=bool)
        for k, face in enumerate(problem.faces):
            on_face = np.isclose(init.constraint[:, problem.coords.index(face.coord)], problem.face_value(face))
            fixed[on_face, problem.coords.index(face.coord)] = True
        self.register_buffer("fixed", torch.tensor(fixed))
        self.register_buffer("fixed_values", torch.tensor(init.constraint, dtype=dtype))
        self.raw_w_interior = torch.nn.Parameter(torch.full((len(init.interior),), 0.5413, dtype=dtype), requires_grad=learn_weights)
        self.raw_w_constraint = torch.nn.Parameter(torch.full((len(init.constraint),), 0.5413, dtype=dtype), requires_grad=learn_weights)

    def points(self):
        """Interior and constraint points, shapes (n_i, D + P) and (n_c, D + P)."""
        interior = self.lower + self.span * torch.sigmoid(self.raw_interior)
        free = self.lower + self.span * torch.sigmoid(self.raw_constraint)
        return interior, torch.where(self.fixed, self.fixed_values, free)

    def weights(self):
        """Per-point weights (softplus of the raw values; 1 at initialisation)."""
        return torch.nn.functional.softplus(self.raw_w_interior), torch.nn.functional.softplus(self.raw_w_constraint)

    def batch(self, n_models: int, dtype) -> PointBatch:
        """The current set as a differentiable PointBatch repeated for ``n_models`` learners."""
        interior, constraint = self.points()
        w_i, w_c = self.weights()
        d = len(self.problem.coords)
        x = {c: constraint[:, j] for j, c in enumerate(self.problem.coords)}
        beta = {p: constraint[:, d + j] for j, p in enumerate(self.problem.family.names)}
        target = self.problem.condition(x, beta)

        def rep(t):
            return t.to(dtype).unsqueeze(0).expand(n_models, *t.shape)

        return PointBatch(rep(interior), rep(w_i), rep(constraint), rep(target), rep(w_c))

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
            self.problem, interior, constraint, self.init.constraint_kind,
            interior_weight=w_i / scale, constraint_weight=w_c / scale, attrs=attrs,
        )


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
    face points (faces chosen in proportion to their measure) at that
    condition, with their Dirichlet targets. Reference solutions are never used.
    """
    betas = region.sample(n_conditions, rng)
    d = len(problem.coords)
    measure = np.array([problem.face_measure(f) for f in problem.faces])
    interiors, constraints = [], []
    for beta in betas:
        unit = rng.random((n_interior, d))
        pts = np.empty((n_interior, d + len(beta)))
        for j, (lo, hi) in enumerate(problem.domain):
            pts[:, j] = lo + unit[:, j] * (hi - lo)
        pts[:, d:] = beta
        interiors.append(pts)
        faces = rng.choice(len(problem.faces), size=n_constraint, p=measure / measure.sum())
        cons = np.empty((n_constraint, d + len(beta)))
        for j, (lo, hi) in enumerate(problem.domain):
            cons[:, j] = lo + rng.random(n_constraint) * (hi - lo)
        for k, face in enumerate(problem.faces):
            cons[faces == k, problem.coords.index(face.coord)] = problem.face_value(face)
        cons[:, d:] = beta
        constraints.append(cons)
    interior = torch.as_tensor(np.stack(interiors), dtype=dtype, device=device)
    constraint = torch.as_tensor(np.stack(constraints), dtype=dtype, device=device)
    x = {c: constraint[..., j] for j, c in enumerate(problem.coords)}
    beta = {p: constraint[..., d + j] for j, p in enumerate(problem.family.names)}
    target = problem.condition(x, beta)
    return PointBatch(interior, torch.ones(interior.shape[:2], dtype=dtype, device=device), constraint, target, torch.ones(constraint.shape[:2], dtype=dtype, device=device))


def per_condition_loss(pinn, params, targets: PointBatch):
    """Physics-informed loss of every model on every target condition.

    Parameters
    ----------
    pinn : ConditionalPINN
    params : list of (W, b)
        ``M`` models.
    targets : PointBatch
        ``J`` conditions (from :func:`target_batch`), unweighted.

    Returns
    -------
    torch.Tensor, shape (M, J)
    """
    n_models = params[0][0].shape[0]
    j, n_i, width = targets.interior.shape
    n_c = targets.constraint.shape[1]
    interior = targets.interior.reshape(1, j * n_i, width).expand(n_models, -1, -1)
    constraint = targets.constraint.reshape(1, j * n_c, width).expand(n_models, -1, -1)
    residual = pinn.residual(params, interior).reshape(n_models, j, n_i)
    misfit = pinn.predict(params, constraint).reshape(n_models, j, n_c) - targets.constraint_target.unsqueeze(0)
    return (residual**2).mean(-1) + pinn.bc_weight * (misfit**2).mean(-1)
