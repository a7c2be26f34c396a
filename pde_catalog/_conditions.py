"""Boundary and initial conditions, each a linear functional of the fields on its own points.

A condition holds on a named part of the boundary (for all times, if the
problem has time) or on the initial slice ``t = t0`` (``on="initial"``). At
each of its points it asks that

.. math:: \\sum_k a_k(x)\\, f_k(x) \\; [- \\sum_k a_k(x)\\, f_k(P x)] = g(x; \\beta),

where the ``f_k`` are fields (values such as ``u`` or derivatives such as
``u_x``), the coefficients ``a_k`` may depend on the outward normal, ``P``
maps a point to its periodic partner (periodic conditions only) and ``g`` is
the condition's data (zero when ``value`` is ``None``). Every condition is its
own loss term, with its own ``weight``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

__all__ = ["Condition", "Dirichlet", "Neumann", "Robin", "Periodic", "Initial", "InitialVelocity"]

INITIAL = "initial"
"""The ``on`` value of conditions at ``t = t0``."""


@dataclass(frozen=True)
class Condition:
    """Base of every condition; see the module docstring for what it asks.

    Parameters
    ----------
    name : str
        Unique within the problem; names the loss term and the points.
    on : str or tuple of str
        A boundary part of the problem's geometry, several parts (one
        condition, one loss term over all of them), or ``"initial"``.
    value : callable, optional
        ``value(x, beta) -> torch.Tensor``: the data ``g``, with ``x`` and
        ``beta`` dicts of tensors by name (as for the residual); ``None`` for zero.
    output : str
        The output the condition constrains (default ``"u"``).
    weight : float
        Weight of this condition's loss term relative to the residual's.
    """

    name: str
    on: object
    value: Optional[Callable] = None
    output: str = "u"
    weight: float = 1.0

    kind = "condition"
    partner = None

    def __post_init__(self):
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"condition name must be an identifier, got {self.name!r}")
        if not (isinstance(self.weight, (int, float)) and self.weight > 0):
            raise ValueError(f"weight of condition {self.name!r} must be positive, got {self.weight!r}")
        parts = (self.on,) if isinstance(self.on, str) else tuple(self.on)
        if not parts or not all(isinstance(p, str) and p for p in parts) or (INITIAL in parts and len(parts) > 1):
            raise ValueError(f"condition {self.name!r}: on must name boundary parts or be 'initial', got {self.on!r}")
        object.__setattr__(self, "on", parts[0] if len(parts) == 1 else parts)

    @property
    def parts(self) -> tuple[str, ...]:
        """The boundary parts the condition holds on (``("initial",)`` for an initial condition)."""
        return (self.on,) if isinstance(self.on, str) else self.on

    def fields(self, space: tuple) -> tuple[str, ...]:
        """Names of the fields the functional reads, for spatial variables ``space``."""
        return (self.output,)

    def coefficients(self, normals: np.ndarray) -> np.ndarray:
        """Coefficients of :meth:`fields` at points with outward ``normals`` (n, d); shape (n, k)."""
        return np.ones((len(normals), 1))


@dataclass(frozen=True)
class Dirichlet(Condition):
    """``u = g`` on a boundary part."""

    kind = "dirichlet"


@dataclass(frozen=True)
class Neumann(Condition):
    """Outward normal derivative ``du/dn = g`` on a boundary part."""

    kind = "neumann"

    def fields(self, space):
        return tuple(f"{self.output}_{c}" for c in space)

    def coefficients(self, normals):
        return np.asarray(normals, dtype=float)


@dataclass(frozen=True)
class Robin(Condition):
    """``du/dn + alpha u = g`` on a boundary part.

    Parameters
    ----------
    alpha : float
        Coefficient of ``u`` (keyword; default 1).
    """

    alpha: float = 1.0
    kind = "robin"

    def fields(self, space):
        return tuple(f"{self.output}_{c}" for c in space) + (self.output,)

    def coefficients(self, normals):
        normals = np.asarray(normals, dtype=float)
        return np.column_stack([normals, np.full(len(normals), float(self.alpha))])


@dataclass(frozen=True)
class Periodic(Condition):
    """``f(x) = f(P x)``: a field on part ``on`` equals it on the paired part.

    Parameters
    ----------
    paired_with : str
        The partner part (keyword), e.g. ``"x_max"`` for ``on="x_min"``.
    field : str
        The matched field, ``"u"`` or a derivative such as ``"u_x"`` (keyword;
        default: the output itself). Periodicity of a second-order equation
        needs a condition on the value and one on the first derivative.
    """

    paired_with: str = ""
    field: str = ""
    kind = "periodic"

    def __post_init__(self):
        super().__post_init__()
        if self.value is not None:
            raise ValueError(f"periodic condition {self.name!r} takes no value")
        if not self.paired_with or len(self.parts) != 1:
            raise ValueError(f"periodic condition {self.name!r} needs one part and paired_with (the partner part)")

    @property
    def partner(self):
        return self.paired_with

    def fields(self, space):
        return (self.field or self.output,)


@dataclass(frozen=True)
class Initial(Condition):
    """``u(x, t0) = g`` on the initial slice (``on`` is ``"initial"``)."""

    on: str = INITIAL
    kind = "initial"


@dataclass(frozen=True)
class InitialVelocity(Condition):
    """``u_t(x, t0) = g`` on the initial slice."""

    on: str = INITIAL
    kind = "initial_velocity"

    def fields(self, space):
        return (f"{self.output}_t",)
