"""PointSet: the data a PINN trains on (collocation plus condition points).

Interior (collocation) points carry space-time coordinates and condition
parameters; constraint points belong to one of the problem's conditions (by
name) and carry that condition's data (the target) and the outward unit
normal of the boundary there (zeros on the initial slice). Every point has a
weight. Round-trips through ``xarray.Dataset``/netCDF losslessly and exports
to VTU for ParaView.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

__all__ = ["PointSet", "make_point_set", "condition_parts", "condition_normals", "condition_targets"]


@dataclass(frozen=True, eq=False)
class PointSet:
    """Collocation and constraint points in (space, time, condition-parameter) coordinates.

    Parameters
    ----------
    problem : str
        Catalog name of the problem the points belong to.
    coords : tuple of str
        Independent variable names (columns ``0..D-1`` of the point arrays).
    params : tuple of str
        Condition parameter names (columns ``D..D+P-1``).
    interior : numpy.ndarray, shape (n_interior, D + P)
    interior_weight : numpy.ndarray, shape (n_interior,)
    constraint : numpy.ndarray, shape (n_constraint, D + P)
    conditions : tuple of str
        Names of the problem's conditions.
    constraint_target : numpy.ndarray, shape (n_constraint,)
        The condition's data ``g`` at each constraint point.
    constraint_condition : numpy.ndarray of int, shape (n_constraint,)
        Index into ``conditions`` of each constraint point.
    constraint_normal : numpy.ndarray, shape (n_constraint, D_space)
        Outward unit normal at each constraint point (zeros on the initial slice).
    constraint_weight : numpy.ndarray, shape (n_constraint,)
    attrs : dict
        Provenance (distiller, budget, seed, ...), stored as netCDF attributes.
    """

    problem: str
    coords: tuple
    params: tuple
    interior: np.ndarray
    interior_weight: np.ndarray
    constraint: np.ndarray
    conditions: tuple
    constraint_target: np.ndarray
    constraint_condition: np.ndarray
    constraint_normal: np.ndarray
    constraint_weight: np.ndarray
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        width = len(self.coords) + len(self.params)
        for name in ("interior", "constraint"):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[1] != width:
                raise ValueError(f"PointSet.{name} must have shape (n, {width}), got {arr.shape}")
        n_i, n_c = len(self.interior), len(self.constraint)
        for name, n in (("interior_weight", n_i), ("constraint_target", n_c), ("constraint_condition", n_c), ("constraint_weight", n_c)):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"PointSet.{name} must have shape ({n},), got {getattr(self, name).shape}")
        if self.constraint_normal.ndim != 2 or len(self.constraint_normal) != n_c:
            raise ValueError(f"PointSet.constraint_normal must have shape ({n_c}, D_space), got {self.constraint_normal.shape}")
        if n_c and not (0 <= self.constraint_condition.min() and self.constraint_condition.max() < len(self.conditions)):
            raise ValueError(f"PointSet.constraint_condition must index the {len(self.conditions)} conditions {self.conditions}")

    @property
    def size(self) -> int:
        """Total number of points (the budget they use)."""
        return len(self.interior) + len(self.constraint)

    def points_of(self, condition: str) -> np.ndarray:
        """The constraint points of one condition (by name), shape (n, D + P).

        Raises
        ------
        ValueError
            For an unknown name (the message lists the conditions).
        """
        if condition not in self.conditions:
            raise ValueError(f"unknown condition {condition!r}; allowed: {', '.join(self.conditions)}")
        return self.constraint[self.constraint_condition == self.conditions.index(condition)]

    def digest(self) -> str:
        """A fingerprint of the points, weights, conditions and data (not the attributes).

        Two sets with the same digest train a learner identically.
        """
        import hashlib

        h = hashlib.sha256("|".join((self.problem, *self.coords, *self.params, *self.conditions)).encode())
        for array in (self.interior, self.interior_weight, self.constraint, self.constraint_target,
                      self.constraint_condition, self.constraint_normal, self.constraint_weight):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()

    def with_attrs(self, **attrs) -> "PointSet":
        """A copy with provenance attributes added."""
        return PointSet(**{**self.__dict__, "attrs": {**self.attrs, **attrs}})

    def to_dataset(self) -> xr.Dataset:
        """As an ``xarray.Dataset`` with dims ``interior``, ``constraint``, ``column`` and ``space``."""
        columns = list(self.coords) + list(self.params)
        ds = xr.Dataset(
            {
                "interior_points": (("interior", "column"), self.interior),
                "interior_weight": ("interior", self.interior_weight),
                "constraint_points": (("constraint", "column"), self.constraint),
                "constraint_target": ("constraint", self.constraint_target),
                "constraint_condition": ("constraint", self.constraint_condition.astype(np.int16)),
                "constraint_normal": (("constraint", "space"), self.constraint_normal),
                "constraint_weight": ("constraint", self.constraint_weight),
            },
            coords={"column": columns},
            attrs={
                **{k: _attr(v) for k, v in self.attrs.items() if v is not None},  # netCDF has no None
                "problem": self.problem,
                "coords": " ".join(self.coords),
                "params": " ".join(self.params),
                "conditions": " ".join(self.conditions),
            },
        )
        ds["constraint_condition"].attrs["flag_meanings"] = " ".join(self.conditions)
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "PointSet":
        """Inverse of :meth:`to_dataset`."""
        reserved = {"problem", "coords", "params", "conditions"}
        n_c = ds.sizes.get("constraint", 0)
        return cls(
            problem=str(ds.attrs["problem"]),
            coords=tuple(str(ds.attrs["coords"]).split()),
            params=tuple(str(ds.attrs["params"]).split()),
            interior=np.asarray(ds["interior_points"].values, dtype=float).reshape(-1, ds.sizes["column"]),
            interior_weight=np.asarray(ds["interior_weight"].values, dtype=float),
            constraint=np.asarray(ds["constraint_points"].values, dtype=float).reshape(-1, ds.sizes["column"]),
            conditions=tuple(str(ds.attrs["conditions"]).split()),
            constraint_target=np.asarray(ds["constraint_target"].values, dtype=float),
            constraint_condition=np.asarray(ds["constraint_condition"].values, dtype=np.int64),
            constraint_normal=np.asarray(ds["constraint_normal"].values, dtype=float).reshape(n_c, ds.sizes["space"]),
            constraint_weight=np.asarray(ds["constraint_weight"].values, dtype=float),
            attrs={k: v for k, v in ds.attrs.items() if k not in reserved},
        )

    def save(self, path) -> None:
        """Write to netCDF atomically."""
        from .io import write_netcdf

        write_netcdf(self.to_dataset(), path)

    @classmethod
    def load(cls, path) -> "PointSet":
        """Read a PointSet written by :meth:`save`."""
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return cls.from_dataset(ds.load())

    def to_meshio(self):
        """As a ``meshio.Mesh`` of vertex cells (space-time as x, y, z; parameters as point data)."""
        import meshio

        pts = np.concatenate([self.interior, self.constraint])
        d = len(self.coords)
        xyz = np.zeros((len(pts), 3))
        xyz[:, :d] = pts[:, :d]
        n_i = len(self.interior)
        data = {
            "condition": np.concatenate([np.zeros(n_i, dtype=np.int32), 1 + self.constraint_condition.astype(np.int32)]),
            "weight": np.concatenate([self.interior_weight, self.constraint_weight]),
            "target": np.concatenate([np.full(n_i, np.nan), self.constraint_target]),
        }
        data.update({name: pts[:, d + j] for j, name in enumerate(self.params)})
        cells = [("vertex", np.arange(len(pts)).reshape(-1, 1))]
        return meshio.Mesh(xyz, cells, point_data=data)

    def write_vtu(self, path) -> None:
        """Write a VTU file that ParaView opens (``condition`` 0 interior, k + 1 the k-th condition)."""
        from .io import atomic_path

        with atomic_path(path) as tmp:
            self.to_meshio().write(tmp, file_format="vtu")


def _attr(value):
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value))
    return value


def condition_targets(problem, constraint, condition) -> np.ndarray:
    """Each condition's data ``g`` at its points (zero where a condition has no value).

    Parameters
    ----------
    problem : pde_catalog.Problem
    constraint : numpy.ndarray or torch.Tensor, shape (..., n, D + P)
    condition : numpy.ndarray of int, shape (n,)
        Index into ``problem.conditions``.

    Returns
    -------
    Same type as ``constraint``, shape (..., n); differentiable in torch.
    """
    import torch

    is_numpy = isinstance(constraint, np.ndarray)
    cols = torch.as_tensor(constraint, dtype=torch.float64) if is_numpy else constraint
    d = len(problem.coords)
    x = {c: cols[..., j] for j, c in enumerate(problem.coords)}
    beta = {p: cols[..., d + j] for j, p in enumerate(problem.family.names)}
    index = torch.as_tensor(np.asarray(condition), device=cols.device)
    target = torch.zeros(cols.shape[:-1], dtype=cols.dtype, device=cols.device)
    for k, cond in enumerate(problem.conditions):
        if cond.value is not None and bool((index == k).any()):
            target = torch.where(index == k, cond.value(x, beta) + torch.zeros_like(target), target)
    return target.numpy() if is_numpy else target


def condition_parts(problem, constraint: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """The part each condition point lies on (``"initial"`` on the initial slice), shape (n,) of str.

    A point of a condition on several parts takes the part nearest to it (so
    points rounded off their part, e.g. to float32, still get the right one).
    """
    ds = len(problem.space)
    condition = np.asarray(condition)
    parts = np.empty(len(constraint), dtype=object)
    for k, cond in enumerate(problem.conditions):
        rows = np.flatnonzero(condition == k)
        if cond.on == "initial" or not len(rows):
            parts[rows] = cond.parts[0]
            continue
        space = np.asarray(constraint, dtype=float)[rows, :ds]
        distance = np.stack([np.linalg.norm(problem.geometry.project_to_part(p, space) - space, axis=1) for p in cond.parts])
        parts[rows] = np.asarray(cond.parts, dtype=object)[np.argmin(distance, axis=0)]
    return parts


def condition_normals(problem, constraint: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """Outward unit normals at condition points, shape (n, D_space); zeros on the initial slice."""
    ds = len(problem.space)
    space = np.asarray(constraint, dtype=float)[:, :ds]
    parts = condition_parts(problem, constraint, condition)
    normals = np.zeros((len(constraint), ds))
    for part in set(parts.tolist()) - {"initial"}:
        on = parts == part
        normals[on] = problem.geometry.normal(part, space[on])
    return normals


def make_point_set(problem, interior, constraint, constraint_condition, *, interior_weight=None, constraint_weight=None, attrs=None):
    """Build a PointSet, computing each condition's data and normals at its points.

    Parameters
    ----------
    problem : pde_catalog.Problem
    interior : numpy.ndarray, shape (n_interior, D + P)
    constraint : numpy.ndarray, shape (n_constraint, D + P)
    constraint_condition : numpy.ndarray of int, shape (n_constraint,)
        Index into ``problem.conditions``.
    interior_weight, constraint_weight : numpy.ndarray, optional
        Default to ones.
    attrs : dict, optional

    Returns
    -------
    PointSet
    """
    interior = np.asarray(interior, dtype=float)
    constraint = np.asarray(constraint, dtype=float)
    condition = np.asarray(constraint_condition, dtype=np.int64)
    return PointSet(
        problem=problem.name,
        coords=tuple(problem.coords),
        params=tuple(problem.family.names),
        interior=interior,
        interior_weight=np.ones(len(interior)) if interior_weight is None else np.asarray(interior_weight, float),
        constraint=constraint,
        conditions=tuple(c.name for c in problem.conditions),
        constraint_target=np.asarray(condition_targets(problem, constraint, condition), dtype=float),
        constraint_condition=condition,
        constraint_normal=condition_normals(problem, constraint, condition),
        constraint_weight=np.ones(len(constraint)) if constraint_weight is None else np.asarray(constraint_weight, float),
        attrs=dict(attrs or {}),
    )
