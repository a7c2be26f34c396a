"""The abstract problem every catalog entry derives from.

A problem is a frozen dataclass whose fields are its physical constants. It
declares, as class variables, its independent variables and box domain, the
faces of the box that carry Dirichlet data (``boundary`` or ``initial``), and
which second derivatives its residual needs. It implements the residual and
the boundary/initial data in torch (so a learner and a distiller can
differentiate through them) and the reference solution in numpy.
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ._family import ConditionFamily

__all__ = ["Face", "Jet", "Problem"]


@dataclass(frozen=True)
class Face:
    """A face of the domain box that carries Dirichlet data.

    Parameters
    ----------
    coord : str
        Independent variable held fixed on the face, e.g. ``"x"`` or ``"t"``.
    side : {"lower", "upper"}
        Which end of that variable's interval.
    kind : {"boundary", "initial"}
        ``"initial"`` for ``t = t0``; ``"boundary"`` for spatial faces.
    """

    coord: str
    side: str
    kind: str


@dataclass(frozen=True)
class Jet:
    """A field and the derivatives a residual may use, at a batch of points.

    Attributes
    ----------
    u : torch.Tensor
        Values, any batch shape.
    d1 : dict of str to torch.Tensor
        First derivatives by independent variable name (same shape as ``u``).
    d2 : dict of str to torch.Tensor
        Pure second derivatives (``u_xx`` under ``"x"``), for the variables the
        problem lists in ``second_derivatives``.
    """

    u: object
    d1: dict
    d2: dict


@dataclass(frozen=True)
class Problem(abc.ABC):
    """Base of every catalog problem; subclasses are frozen dataclasses.

    Subclasses set the class variables and implement :meth:`residual`,
    :meth:`condition`, :meth:`solution` and the ``family`` property.
    """

    name: ClassVar[str]
    coords: ClassVar[tuple[str, ...]]
    domain: ClassVar[tuple[tuple[float, float], ...]]
    faces: ClassVar[tuple[Face, ...]]
    second_derivatives: ClassVar[tuple[str, ...]]
    reference_method: ClassVar[str]
    grid_sizes: ClassVar[tuple[int, ...]]

    @property
    @abc.abstractmethod
    def family(self) -> ConditionFamily:
        """The condition family (parameters of the boundary/initial data)."""

    @abc.abstractmethod
    def residual(self, jet: Jet, x: dict, beta: dict):
        """PDE residual, zero for an exact solution.

        Parameters
        ----------
        jet : Jet
            The field and its derivatives at the points.
        x : dict of str to torch.Tensor
            Independent variables at the points, by name.
        beta : dict of str to torch.Tensor
            Condition parameters at the points, by name (broadcastable).

        Returns
        -------
        torch.Tensor
            Residual, shape of ``jet.u``.
        """

    @abc.abstractmethod
    def condition(self, x: dict, beta: dict):
        """Dirichlet data (boundary or initial value) at points on the constrained faces.

        Same arguments as :meth:`residual` without the jet; returns a torch tensor.
        """

    @abc.abstractmethod
    def solution(self, points: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """Reference solution at scattered points for one member of the family.

        Parameters
        ----------
        points : numpy.ndarray, shape (n, len(coords))
            Points in the domain, columns ordered as ``coords``.
        beta : numpy.ndarray, shape (family.dim,)
            Condition parameters.

        Returns
        -------
        numpy.ndarray, shape (n,)
        """

    # ------------------------------------------------------------------ helpers
    @property
    def default_params(self) -> dict[str, float]:
        """The family's default member as ``{name: value}``."""
        return dict(zip(self.family.names, self.family.default))

    @property
    def constants(self) -> dict[str, float]:
        """The problem's physical constants (its dataclass fields)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def default_grid(self) -> dict[str, np.ndarray]:
        """The grid on which references and evaluations are reported by default."""
        return {c: np.linspace(lo, hi, n) for c, (lo, hi), n in zip(self.coords, self.domain, self.grid_sizes)}

    def face_measure(self, face: Face) -> float:
        """Length/area of a face (product of the other variables' interval lengths)."""
        return float(np.prod([hi - lo for c, (lo, hi) in zip(self.coords, self.domain) if c != face.coord]))

    def face_value(self, face: Face) -> float:
        """The fixed value of ``face.coord`` on the face."""
        lo, hi = self.domain[self.coords.index(face.coord)]
        return lo if face.side == "lower" else hi

    def params_array(self, params=None) -> np.ndarray:
        """Condition parameters as an array in family order; ``None`` means the default member.

        Raises
        ------
        ValueError
            On an unknown parameter name (the message lists the known ones).
        """
        if params is None:
            return np.asarray(self.family.default, dtype=float)
        if isinstance(params, dict):
            unknown = sorted(set(params) - set(self.family.names))
            if unknown:
                raise ValueError(
                    f"unknown parameter {unknown[0]!r} for {self.name}; allowed: {', '.join(self.family.names)}"
                )
            merged = {**self.default_params, **{k: float(v) for k, v in params.items()}}
            return np.array([merged[n] for n in self.family.names])
        arr = np.asarray(params, dtype=float).reshape(-1)
        if arr.size != self.family.dim:
            raise ValueError(f"{self.name} takes {self.family.dim} parameters {self.family.names}, got {arr.size}")
        return arr

    def reference(self, params=None, grid=None):
        """Reference solution on a tensor grid, as an ``xarray.Dataset``.

        Parameters
        ----------
        params : dict or array-like, optional
            Condition parameters (missing names take the default member's values).
        grid : dict of str to array-like, optional
            1-D coordinate arrays by variable name; missing variables use
            :meth:`default_grid`.

        Returns
        -------
        xarray.Dataset
            Variable ``u`` with dims ``coords`` and provenance attributes.
        """
        from ._reference import reference_dataset

        return reference_dataset(self, self.params_array(params), grid)
