"""The abstract problem every catalog entry derives from.

A problem is a frozen dataclass whose fields are its physical constants. As
class variables it declares a spatial :class:`~pde_catalog.Geometry`, an
optional time interval, its named outputs and the fields its residual reads
(``"u"``, ``"u_x"``, ``"u_xy"``, ``"u_xxx"``: an output, an underscore, then
one letter per differentiation, any order, mixed allowed). It implements the
residual and the conditions' data in torch (so a learner and a distiller can
differentiate through them), its conditions (:mod:`pde_catalog._conditions`),
its condition family and the reference solution in numpy.
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from typing import ClassVar, Optional

import numpy as np

from ._conditions import INITIAL, Condition
from ._family import ConditionFamily
from ._geometry import Geometry

__all__ = ["Problem", "parse_field"]


def parse_field(name: str, outputs, coords) -> tuple[str, tuple[str, ...]]:
    """Split a field name into its output and the variables it is differentiated by.

    Parameters
    ----------
    name : str
        ``"u"`` (a value) or ``"u_xy"`` (``d^2 u / dx dy``).
    outputs, coords : sequence of str

    Returns
    -------
    output : str
    wrt : tuple of str
        In ``coords`` order (``"u_yx"`` and ``"u_xy"`` give the same).

    Raises
    ------
    ValueError
        Unknown output or variable; the message lists the allowed ones.
    """
    output, _, letters = name.partition("_")
    if output not in outputs:
        raise ValueError(f"field {name!r}: unknown output {output!r}; allowed: {', '.join(outputs)}")
    if "_" in name and not letters:
        raise ValueError(f"field {name!r} names no variable after '_'")
    bad = [c for c in letters if c not in coords]
    if bad:
        raise ValueError(f"field {name!r}: unknown variable {bad[0]!r}; allowed: {', '.join(coords)}")
    return output, tuple(sorted(letters, key=list(coords).index))


@dataclass(frozen=True)
class Problem(abc.ABC):
    """Base of every catalog problem; subclasses are frozen dataclasses.

    Subclasses set the class variables ``name``, ``geometry``, ``time``
    (``None`` for a steady problem), ``outputs``, ``derivatives``,
    ``reference_method`` and ``grid_sizes``, and implement the ``family`` and
    ``conditions`` properties, :meth:`residual` and :meth:`solution`.
    """

    name: ClassVar[str]
    geometry: ClassVar[Geometry]
    time: ClassVar[Optional[tuple[float, float]]] = None
    outputs: ClassVar[tuple[str, ...]] = ("u",)
    derivatives: ClassVar[tuple[str, ...]]
    reference_method: ClassVar[str]
    grid_sizes: ClassVar[tuple[int, ...]]

    @property
    @abc.abstractmethod
    def family(self) -> ConditionFamily:
        """The condition family (parameters of the boundary/initial data)."""

    @property
    @abc.abstractmethod
    def conditions(self) -> tuple[Condition, ...]:
        """The boundary and initial conditions, each its own loss term."""

    @abc.abstractmethod
    def residual(self, f: dict, x: dict, beta: dict):
        """PDE residual(s), zero for an exact solution.

        Parameters
        ----------
        f : dict of str to torch.Tensor
            The outputs and the fields in ``derivatives``, by name.
        x : dict of str to torch.Tensor
            Independent variables at the points, by name.
        beta : dict of str to torch.Tensor
            Condition parameters at the points, by name (broadcastable).

        Returns
        -------
        torch.Tensor or tuple of torch.Tensor
            One residual per equation, each of the points' shape.
        """

    def hard_constraint(self, x: dict, beta: dict):
        """An output form that meets every condition exactly, or ``None`` (the default: none known).

        A problem that defines it lets a learner write its output as
        ``u = g + distance * N`` for any network ``N``, so that the initial and
        boundary data hold by construction (Lagaris et al. 1998; DeepXDE's
        ``apply_output_transform``) instead of as loss terms.

        Parameters
        ----------
        x, beta : dict of str to torch.Tensor
            As in :meth:`residual`.

        Returns
        -------
        tuple of torch.Tensor ``(g, distance)``, or None
            ``g`` meets every condition, ``distance`` vanishes wherever a
            condition holds and nowhere inside the domain; both broadcast to
            the points' shape and are twice differentiable in ``x``. Single-output
            problems only.
        """
        return None

    @classmethod
    def has_hard_constraint(cls) -> bool:
        """Whether the problem class overrides :meth:`hard_constraint` with an output form."""
        return cls.hard_constraint is not Problem.hard_constraint

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
        numpy.ndarray, shape (n,) for one output, (n, len(outputs)) otherwise
        """

    # ------------------------------------------------------------ structure
    @property
    def coords(self) -> tuple[str, ...]:
        """Independent variables: the geometry's, then ``"t"`` for a time-dependent problem."""
        return tuple(self.geometry.coords) + (("t",) if self.time is not None else ())

    @property
    def space(self) -> tuple[str, ...]:
        """The spatial variables."""
        return tuple(self.geometry.coords)

    @property
    def domain(self) -> tuple[tuple[float, float], ...]:
        """Bounding interval of every independent variable (the geometry's box, then time)."""
        lo, hi = self.geometry.bounds
        box = tuple((float(a), float(b)) for a, b in zip(lo, hi))
        return box + ((tuple(map(float, self.time)),) if self.time is not None else ())

    def condition(self, name: str) -> Condition:
        """The condition called ``name`` (``ValueError`` listing the names otherwise)."""
        for cond in self.conditions:
            if cond.name == name:
                return cond
        raise ValueError(f"unknown condition {name!r} for {self.name}; allowed: {', '.join(c.name for c in self.conditions)}")

    def block_measure(self, part: str) -> float:
        """Measure of one part's condition points: the geometry's on the initial slice, else the part's times the time span."""
        if part == INITIAL:
            return self.geometry.measure
        span = 1.0 if self.time is None else self.time[1] - self.time[0]
        return self.geometry.part_measure(part) * span

    def condition_measure(self, cond: Condition) -> float:
        """Measure of the set a condition holds on (its share of the boundary budget)."""
        return sum(self.block_measure(p) for p in cond.parts)

    def required_fields(self) -> tuple[str, ...]:
        """Every field the residual and the conditions read, outputs first."""
        names = list(self.outputs) + list(self.derivatives)
        for cond in self.conditions:
            names += cond.fields(self.space)
        return tuple(dict.fromkeys(names))

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``points`` (shape (n, len(coords))) in the space-time domain."""
        points = np.atleast_2d(points)
        inside = self.geometry.contains(points[:, : len(self.space)])
        if self.time is not None:
            t = points[:, -1]
            inside &= (t >= self.time[0] - 1e-12) & (t <= self.time[1] + 1e-12)
        return inside

    def grid_inside(self, grid: dict) -> np.ndarray:
        """Boolean mask, of the grid's shape, of the points of a tensor grid inside the domain.

        ``grid`` maps every coordinate to its 1-D values.
        """
        mesh = np.meshgrid(*[np.asarray(grid[c]) for c in self.coords], indexing="ij")
        return self.contains(np.stack([m.ravel() for m in mesh], axis=1)).reshape(mesh[0].shape)

    def check_definition(self) -> None:
        """Raise ``ValueError`` naming the first inconsistency of the declaration.

        Checks that field names parse, condition names are unique, every
        condition's part exists (``"initial"`` only with time) and periodic
        partners pair.
        """
        for name in self.required_fields():
            parse_field(name, self.outputs, self.coords)
        names = [c.name for c in self.conditions]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: condition names must be unique, got {names}")
        for cond in self.conditions:
            if cond.output not in self.outputs:
                raise ValueError(f"condition {cond.name!r}: unknown output {cond.output!r}; allowed: {', '.join(self.outputs)}")
            if cond.on == INITIAL:
                if self.time is None:
                    raise ValueError(f"condition {cond.name!r} is initial but {self.name} has no time")
                continue
            for part in cond.parts:
                self.geometry.check_part(part)
            if cond.partner is not None:
                self.geometry.check_part(cond.partner)
                probe = self.geometry.boundary_from_unit(cond.on, np.full((1, self.geometry.dim - 1), 0.5))
                self.geometry.periodic_image(cond.on, cond.partner, probe)

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

    def solution_matrix(self, points: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """:meth:`solution` as shape (n, len(outputs)) whatever the number of outputs."""
        return np.asarray(self.solution(points, beta), dtype=float).reshape(len(points), len(self.outputs))

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
            One variable per output with dims ``coords`` (NaN at grid points
            outside a non-box geometry) and provenance attributes.
        """
        from ._reference import reference_dataset

        return reference_dataset(self, self.params_array(params), grid)
