"""Causal weighting of a residual over time slabs (Wang, Sankaran and Perdikaris 2022).

The time interval is cut into slabs; slab ``i`` weighs
``exp(-eps * sum_{k < i} L_k)``, where ``L_k`` is the mean squared residual in
slab ``k`` (weights carry no gradient). A later slab counts only once the
earlier ones are resolved, so the network cannot fit late times first.
"""

from __future__ import annotations

import torch

__all__ = ["causal_mean"]


def causal_mean(r2, weight, t, t_range, *, eps: float, bins: int):
    """Causally weighted mean of squared residuals, per model.

    Parameters
    ----------
    r2 : torch.Tensor, shape (M, N)
        Squared residuals.
    weight : torch.Tensor, shape (M, N)
        Point weights (0 for padding).
    t : torch.Tensor, shape (M, N)
        Time of each point.
    t_range : (float, float)
        The time interval.
    eps : float
        Causality parameter (larger is stricter).
    bins : int
        Number of equal time slabs.

    Returns
    -------
    torch.Tensor, shape (M,)
        ``sum_i w_i L_i`` over the slabs that hold points, divided by their number.
    """
    t0, t1 = float(t_range[0]), float(t_range[1])
    idx = ((t - t0) / (t1 - t0) * bins).floor().clamp(0, bins - 1).long()
    zeros = torch.zeros(r2.shape[0], bins, dtype=r2.dtype, device=r2.device)
    num = zeros.scatter_add(1, idx, weight * r2)
    den = zeros.scatter_add(1, idx, weight)
    slab = num / den.clamp_min(1e-30)
    before = (torch.cumsum(slab, dim=1) - slab).detach()
    w = torch.exp(-eps * before)
    present = (den > 0).to(r2.dtype)
    return (w * slab).sum(1) / present.sum(1).clamp_min(1.0)
