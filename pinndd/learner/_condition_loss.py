"""The loss of trained models at many conditions at once: the PDE task's member loss ``l(A(S), q)``."""

from __future__ import annotations

import torch

from ._pinn import PointBatch

__all__ = ["per_condition_loss", "per_condition_terms"]


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
        The residual's mean square plus each condition's mean squared misfit
        times its scale (``pinn.term_scale``): :func:`per_condition_terms` summed.
    """
    residual, per_term = _residual_and_misfits(pinn, params, targets)
    return residual + (per_term * pinn.term_scale[1:]).sum(-1)


def per_condition_terms(pinn, params, targets: PointBatch):
    """The terms of :func:`per_condition_loss`, apart.

    Returns
    -------
    torch.Tensor, shape (M, J, 1 + n_conditions)
        The residual's mean square, then each condition's mean squared misfit
        times its scale, in ``pinn.term_names`` order.
    """
    residual, per_term = _residual_and_misfits(pinn, params, targets)
    return torch.cat([residual[..., None], per_term * pinn.term_scale[1:]], dim=-1)


def _residual_and_misfits(pinn, params, targets: PointBatch):
    """Per model and condition: the residual's mean square (M, J) and each condition's unscaled mean squared misfit (M, J, C)."""
    n_models = params[0][0].shape[0]
    j, n_i, width = targets.interior.shape
    n_c = targets.constraint.shape[1]

    def flat(t, offset=None):
        t = t if offset is None else t + offset
        return t.reshape(1, j * t.shape[1], *t.shape[2:]).expand(n_models, *([-1] * (t.dim() - 1)))

    interior = flat(targets.interior)
    residual = (pinn.residual(params, interior) ** 2).sum(-1).reshape(n_models, j, n_i)
    offsets = (torch.arange(j, device=interior.device) * n_c)[:, None]
    flat_batch = PointBatch(
        interior, flat(targets.interior_weight), flat(targets.constraint), flat(targets.constraint_target),
        flat(targets.constraint_weight), flat(targets.constraint_term), flat(targets.constraint_coef),
        *(() if targets.partner is None else (flat(targets.partner), flat(targets.partner_row, offsets), flat(targets.partner_coef))),
    )
    misfit = pinn.condition_misfit(params, flat_batch).reshape(n_models, j, n_c)
    onehot = torch.nn.functional.one_hot(targets.constraint_term, len(pinn.term_names) - 1).to(misfit.dtype)  # (J, n_c, C)
    per_term = (onehot * (misfit * misfit)[..., None]).sum(2) / onehot.sum(1).clamp_min(1)  # (M, J, C)
    return residual.mean(-1), per_term
