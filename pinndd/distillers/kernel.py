"""Kernel inducing points (KIP) with the PINN's empirical neural tangent kernel: ``kernel``.

Nguyen, Chen, Lee, "Dataset meta-learning from kernel ridge-regression",
ICLR 2021. The learner is kernel ridge regression; KIP moves the support set
``S`` so that the regressor fitted on ``S`` does well on the full data ``D``.

Adapted to PINNs with the empirical NTK at a random initialisation
``theta_0``: the network is linearised, ``u(x) ~ u_0(x) + J(x) delta``, so
the physics-informed loss of ``theta_0 + delta`` on a point set is a linear
least-squares problem in ``delta`` (exact for linear PDEs, the Gauss-Newton
linearisation for nonlinear ones such as Burgers). Its rows are

- collocation points: ``J_r(x) = d r / d theta`` at ``theta_0``, right-hand side ``-r_0(x)``;
- condition points: ``J_l(x) = d l / d theta`` of the condition's functional
  ``l`` (the value for Dirichlet data, the normal derivative for Neumann, ...),
  right-hand side ``g(x) - l_0(x)``;

each scaled by the square root of its weight in the physics loss
(``w / sum(w)`` within its group, each condition its own group times its scale), so that
``|A delta - b|^2`` is the linearised physics loss. KIP fits ``delta_S`` by
ridge regression on ``S`` in closed form, ``delta_S = A_S^T (A_S A_S^T +
lambda I)^{-1} b_S`` (``K_SS = A_S A_S^T`` is the weighted eNTK Gram matrix of
the operator rows), and minimises the linearised physics loss of
``delta_S`` on a random subset of ``D``, differentiated w.r.t. the points and
weights of ``S``. See :mod:`pinndd.distillers._classic` for ``D``, the start
set and the shared options.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..learner import PointBatch
from ..learner._functional import flatten
from ..options import option
from . import _options
from ._base import register_distiller
from ._classic import ClassicDistiller, MatchingOptions, learner_seeds, real_batch

__all__ = ["KernelInducingPoints", "linearised_system", "krr_solution", "jacobian_rows"]


def jacobian_rows(pinn, params, batch, operator: str, *, create_graph: bool):
    """Values and parameter Jacobians of the residuals or of the condition misfits at each point.

    Parameters
    ----------
    pinn : ConditionalPINN
    params : list of (W, b)
        One model (``M = 1``).
    batch : PointBatch
        Model 0's interior points (``"residual"``) or condition rows
        (``"condition"``) are used.
    operator : {"residual", "condition"}
    create_graph : bool
        Keep the Jacobian differentiable w.r.t. the points.

    Returns
    -------
    values : torch.Tensor, shape (N * n_equations,) or (N_c,)
        Residuals (point-major), or misfits ``l(u) - g``.
    jacobian : torch.Tensor, shape (len(values), n_params)
        Columns in :func:`~pinndd.distillers.trajectory.to_vector` order.
    """
    rows = _rows(batch) if operator == "condition" else batch.interior[0].unsqueeze(1)
    n = rows.shape[0] if operator != "condition" else rows.constraint.shape[0]
    # One copy of the model per point: the gradient w.r.t. copy i is row i of the Jacobian.
    copies = [[t.detach().expand(n, *t.shape[1:]).clone().requires_grad_() for t in layer] for layer in params]
    if operator == "condition":
        values = pinn.condition_misfit(copies, rows)[:, 0]
    else:
        values = pinn.residual(copies, rows)[:, 0]  # (N, n_equations)
    columns = [values] if values.dim() == 1 else list(values.unbind(1))
    jac = []
    for v in columns:
        grads = torch.autograd.grad(v.sum(), flatten(copies), create_graph=create_graph, materialize_grads=True, retain_graph=True)
        jac.append(torch.cat([g.reshape(n, -1) for g in grads], dim=1))
    return values.reshape(-1), torch.stack(jac, dim=1).reshape(len(values.reshape(-1)), -1)


def _rows(batch):
    """Model 0's condition rows as ``N_c`` one-row models (periodic partners made dense)."""
    cons, coef = batch.constraint[0], batch.constraint_coef[0]
    extra = {}
    if batch.partner is not None:
        dense = cons.clone().index_copy(0, batch.partner_row[0], batch.partner[0])
        dense_coef = torch.zeros_like(coef).index_copy(0, batch.partner_row[0], batch.partner_coef[0])
        rows = torch.zeros(len(cons), 1, dtype=torch.long, device=cons.device)
        extra = dict(partner=dense[:, None], partner_row=rows, partner_coef=dense_coef[:, None])
    return PointBatch(
        batch.interior[0, :1].expand(len(cons), 1, -1), batch.interior_weight[0, :1].expand(len(cons), 1),
        cons[:, None], batch.constraint_target[0][:, None], batch.constraint_weight[0][:, None],
        batch.constraint_term[0][:, None], coef[:, None], **extra,
    )


def linearised_system(pinn, params, batch, *, create_graph: bool):
    """The linearised physics loss on a point set as ``|A delta - b|^2``.

    Parameters
    ----------
    pinn : ConditionalPINN
    params : list of (W, b)
        The linearisation point ``theta_0`` (one model).
    batch : PointBatch
        Model 0's points, targets and weights are used.
    create_graph : bool
        Keep ``A`` and ``b`` differentiable w.r.t. the batch.

    Returns
    -------
    A : torch.Tensor, shape (N_i + N_c, n_params)
    b : torch.Tensor, shape (N_i + N_c,)
    """
    r0, j_r = jacobian_rows(pinn, params, batch, "residual", create_graph=create_graph)
    m0, j_m = jacobian_rows(pinn, params, batch, "condition", create_graph=create_graph)
    w_i, w_c = batch.interior_weight[0], batch.constraint_weight[0]
    s_i = torch.sqrt(w_i / w_i.sum().clamp_min(1e-30)).repeat_interleave(len(r0) // len(w_i))
    # Each condition's rows weighted within their own term, times the term's scale.
    term = batch.constraint_term[0]
    per_term = torch.zeros(len(pinn.term_names) - 1, dtype=w_c.dtype, device=w_c.device).index_add(0, term, w_c)
    s_c = torch.sqrt(pinn.term_scale[1:][term] * w_c / per_term[term].clamp_min(1e-30))
    a = torch.cat([s_i.unsqueeze(1) * j_r, s_c.unsqueeze(1) * j_m])
    b = torch.cat([-s_i * r0, -s_c * m0])
    return a, b


def krr_solution(a, b, ridge: float):
    """Kernel ridge regression in closed form, ``delta = A^T (A A^T + lambda I)^{-1} b``.

    Parameters
    ----------
    a : torch.Tensor, shape (N, n_params)
    b : torch.Tensor, shape (N,)
    ridge : float
        Relative regularisation: ``lambda = ridge * trace(K) / N`` with ``K = A A^T``.

    Returns
    -------
    delta : torch.Tensor, shape (n_params,)
    lam : torch.Tensor, scalar
        The absolute ``lambda`` used; ``delta`` also solves ``(A^T A + lambda I) delta = A^T b``.
    """
    k = a @ a.T
    lam = ridge * torch.diagonal(k).mean()
    alpha = torch.linalg.solve(k + lam * torch.eye(len(k), dtype=k.dtype, device=k.device), b)
    return a.T @ alpha, lam


@register_distiller
class KernelInducingPoints(ClassicDistiller):
    """KIP: the ridge regressor in the PINN's eNTK, fitted on ``S``, scored on ``D``.

    Each outer step draws ``learners`` fresh initialisations; for each it
    builds the linearised system on ``S`` (differentiable) and on
    ``real_batch`` points of ``D``, solves the ridge problem on ``S``
    (:func:`krr_solution`) and adds ``|A_D delta_S - b_D|^2``, the linearised
    physics loss on ``D``; the mean over the initialisations is minimised.
    """

    name = "kernel"
    stream = 0x4B19

    @dataclass(frozen=True)
    class Options(MatchingOptions):
        real_batch: int = option(512, "Points of D per outer step.", low=1)
        outer_steps: int = option(80, "Updates of S.", low=1)
        learners: int = option(1, "Random initialisations (kernels) per outer step; width and depth set the "
                               "network whose empirical NTK is the kernel.", low=1)
        dtype: str | None = _options.dtype("float64", "Precision (float64: the ridge solve needs it).")
        learn_weights: bool = _options.learn_weights(True, "Optimise per-point weights, which scale the rows of the "
                                                     "ridge problem (the analogue of KIP's learnable labels).")
        ridge: float = option(1e-6, "Relative ridge lambda / mean(diag K_SS) (KIP's 1e-6 trace(K) / n; larger "
                              "values make the regressor underfit even on all of D).", low=1e-12, high=1e6)

    def prepare(self, pinn, points, full, rng):
        return {}

    def outer_loss(self, pinn, points, full, state, rng):
        p = self.params
        support = points.batch(1, pinn.dtype)
        total = 0.0
        for seed in learner_seeds(rng, p["learners"]):
            theta0 = [tuple(t.detach() for t in layer) for layer in pinn.init([seed])]
            a_s, b_s = linearised_system(pinn, theta0, support, create_graph=True)
            delta, _ = krr_solution(a_s, b_s, p["ridge"])
            real = real_batch(pinn.problem, full, p["real_batch"], rng, n_models=1, dtype=pinn.dtype)
            a_d, b_d = (t.detach() for t in linearised_system(pinn, theta0, real, create_graph=False))
            total = total + ((a_d @ delta - b_d) ** 2).sum()
        return total / p["learners"]
