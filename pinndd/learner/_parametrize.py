"""What the optimiser moves: the weights themselves, or their random weight factorisation.

An optimiser works on a flat list of leaf tensors, each with the model axis
first; :class:`Parametrization` maps between those leaves and the network's
``[(W, b), ...]`` parameters, and between leaves and one ``(M, P)`` matrix
(one row per model) for L-BFGS.
"""

from __future__ import annotations

import math

import torch

__all__ = ["Parametrization", "to_matrix", "from_matrix"]


def to_matrix(tensors) -> torch.Tensor:
    """Leaves with a leading model axis as one ``(M, P)`` matrix."""
    return torch.cat([t.reshape(t.shape[0], -1) for t in tensors], dim=1)


def from_matrix(matrix: torch.Tensor, like) -> list:
    """Inverse of :func:`to_matrix`: one tensor per tensor of ``like``, shaped as it past the model axis.

    The model axis is the matrix's own, so rows of a subset of the models
    unpack against the leaves of the whole batch.
    """
    out, start = [], 0
    for t in like:
        size = math.prod(t.shape[1:])
        out.append(matrix[:, start : start + size].reshape(matrix.shape[0], *t.shape[1:]))
        start += size
    return out


class Parametrization:
    """Leaves of the optimiser and the network parameters they stand for.

    Parameters
    ----------
    params : list of (W, b)
        Initial network parameters, ``W`` of shape ``(M, fan_in, fan_out)``.
    rwf : bool
        Random weight factorisation ``W = exp(s) * V`` with one ``s`` per
        output unit (Wang et al. 2023); leaves are then ``[s, V, b]`` per layer.
    rwf_mean : float
        Initial ``s`` of every unit; ``V = W exp(-s)`` so the initial network
        is unchanged.
    """

    def __init__(self, params, *, rwf: bool = False, rwf_mean: float = 0.5):
        self.rwf = rwf
        leaves = []
        for w, b in params:
            w, b = w.detach(), b.detach()
            if rwf:
                s = torch.full_like(b, float(rwf_mean))
                leaves += [s, w * torch.exp(-s), b.clone()]
            else:
                leaves += [w.clone(), b.clone()]
        self.initial = [t.requires_grad_() for t in leaves]

    @property
    def per_layer(self) -> int:
        """Leaves per layer (2, or 3 with factorisation)."""
        return 3 if self.rwf else 2

    def params(self, leaves) -> list:
        """Network parameters ``[(W, b), ...]`` of ``leaves`` (differentiable)."""
        if not self.rwf:
            return list(zip(leaves[0::2], leaves[1::2]))
        return [(torch.exp(s) * v, b) for s, v, b in zip(leaves[0::3], leaves[1::3], leaves[2::3])]
