"""Risk measures: how a distribution of losses over a target family becomes one number.

The inference task of the formal model is scored by a risk measure ``rho`` over
the target distribution ``Q``; pinndd supports the mean, the conditional value
at risk (CVaR) at level ``alpha`` and the maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["RiskMeasure", "cvar", "parse_risk"]

_KINDS = ("mean", "cvar", "max")


def cvar(losses, alpha: float, *, axis: int = -1):
    """Conditional value at risk of equally weighted losses at level ``alpha``.

    CVaR_alpha is the mean of the worst ``1 - alpha`` fraction of the losses
    (Rockafellar-Uryasev), with the boundary sample counted fractionally, so
    that ``cvar(l, 0) == mean(l)`` and ``cvar(l, alpha) -> max(l)`` as
    ``alpha -> 1``.

    Parameters
    ----------
    losses : numpy.ndarray or torch.Tensor
        Losses, any shape; the measure is taken along ``axis``.
    alpha : float
        Level in ``[0, 1)``.
    axis : int, optional
        Axis holding the equally weighted samples.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        ``losses`` with ``axis`` reduced. Differentiable for torch input.
    """
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must lie in [0, 1), got {alpha!r}")
    n = losses.shape[axis]
    tail = (1.0 - alpha) * n  # number of samples in the tail, fractional
    whole = min(int(math.floor(tail + 1e-9)), n)
    frac = max(tail - whole, 0.0)
    if _is_torch(losses):
        import torch

        ordered = torch.sort(losses, dim=axis, descending=True).values
        weights = torch.zeros(n, dtype=losses.dtype, device=losses.device)
    else:
        ordered = -np.sort(-np.asarray(losses, dtype=float), axis=axis)
        weights = np.zeros(n)
    weights[:whole] = 1.0
    if whole < n:
        weights[whole] = frac
    weights = weights / weights.sum()
    shape = [1] * ordered.ndim
    shape[axis] = n
    return (ordered * weights.reshape(shape)).sum(axis)


def _is_torch(value) -> bool:
    return type(value).__module__.startswith("torch")


@dataclass(frozen=True)
class RiskMeasure:
    """A risk measure over equally weighted losses.

    Parameters
    ----------
    kind : {"mean", "cvar", "max"}
        Which measure.
    alpha : float, optional
        Level of CVaR in ``[0, 1)``; only for ``kind="cvar"``.
    """

    kind: str = "mean"
    alpha: float = 0.9

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"risk kind must be one of {', '.join(_KINDS)}; got {self.kind!r}")
        if not 0.0 <= self.alpha < 1.0:
            raise ValueError(f"risk alpha must lie in [0, 1), got {self.alpha!r}")

    def __call__(self, losses, *, axis: int = -1):
        """Reduce ``losses`` along ``axis`` (numpy or torch; torch stays differentiable)."""
        if self.kind == "mean":
            return losses.mean(axis)
        if self.kind == "max":
            if _is_torch(losses):
                return losses.amax(axis)
            return np.max(losses, axis=axis)
        return cvar(losses, self.alpha, axis=axis)

    @property
    def label(self) -> str:
        """Short name, e.g. ``"mean"``, ``"cvar0.9"`` or ``"max"``."""
        return f"cvar{self.alpha:g}" if self.kind == "cvar" else self.kind


def parse_risk(text: str) -> RiskMeasure:
    """Parse ``"mean"``, ``"max"`` or ``"cvar"``/``"cvar0.9"`` into a :class:`RiskMeasure`."""
    if not isinstance(text, str):
        raise TypeError(f"risk must be a string such as 'mean', 'max' or 'cvar0.9'; got {text!r}")
    if text in ("mean", "max"):
        return RiskMeasure(text)
    if text.startswith("cvar"):
        rest = text[4:] or "0.9"
        try:
            alpha = float(rest)
        except ValueError:
            raise ValueError(f"risk {text!r}: expected 'cvar' followed by a level such as 'cvar0.9'") from None
        return RiskMeasure("cvar", alpha)
    raise ValueError(f"unknown risk {text!r}; allowed: 'mean', 'max', 'cvar<alpha>' (e.g. 'cvar0.9')")
