"""PointSet: the data a PINN trains on (collocation plus boundary/initial points).

Interior (collocation) points carry space-time coordinates and condition
parameters; constraint points (on the Dirichlet faces) also carry their target
value and a kind (``boundary`` or ``initial``). Every point has a weight.
Round-trips through ``xarray.Dataset``/netCDF losslessly and exports to VTU
for ParaView.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

__all__ = ["PointSet", "KINDS", "make_point_set"]

KINDS = ("boundary", "initial")


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
    constraint_target : numpy.ndarray, shape (n_constraint,)
        Dirichlet data at the constraint points.
    constraint_kind : numpy.ndarray of int, shape (n_constraint,)
        Index into :data:`KINDS`.
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
    constraint_target: np.ndarray
    constraint_kind: np.ndarray
    constraint_weight: np.ndarray
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        width = len(self.coords) + len(self.params)
        for name in ("interior", "constraint"):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[1] != width:
                raise ValueError(f"PointSet.{name} must have shape (n, {width}), got {arr.shape}")
        n_i, n_c = len(self.interior), len(self.constraint)
        for name, n in (("interior_weight", n_i), ("constraint_target", n_c), ("constraint_kind", n_c), ("constraint_weight", n_c)):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"PointSet.{name} must have shape ({n},), got {getattr(self, name).shape}")

    @property
    def size(self) -> int:
        """Total number of points (the budget they use)."""
        return len(self.interior) + len(self.constraint)

    def with_attrs(self, **attrs) -> "PointSet":
        """A copy with provenance attributes added."""
        return PointSet(**{**self.__dict__, "attrs": {**self.attrs, **attrs}})

    def to_dataset(self) -> xr.Dataset:
        """As an ``xarray.Dataset`` with dims ``interior``, ``constraint`` and ``column``."""
        columns = list(self.coords) + list(self.params)
        ds = xr.Dataset(
            {
                "interior_points": (("interior", "column"), self.interior),
                "interior_weight": ("interior", self.interior_weight),
                "constraint_points": (("constraint", "column"), self.constraint),
                "constraint_target": ("constraint", self.constraint_target),
                "constraint_kind": ("constraint", self.constraint_kind.astype(np.int8)),
                "constraint_weight": ("constraint", self.constraint_weight),
            },
            coords={"column": columns},
            attrs={
                **{k: _attr(v) for k, v in self.attrs.items()},
                "problem": self.problem,
                "coords": " ".join(self.coords),
                "params": " ".join(self.params),
                "constraint_kinds": " ".join(KINDS),
            },
        )
        ds["constraint_kind"].attrs["flag_meanings"] = " ".join(KINDS)
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "PointSet":
        """Inverse of :meth:`to_dataset`."""
        reserved = {"problem", "coords", "params", "constraint_kinds"}
        return cls(
            problem=str(ds.attrs["problem"]),
            coords=tuple(str(ds.attrs["coords"]).split()),
            params=tuple(str(ds.attrs["params"]).split()),
            interior=np.asarray(ds["interior_points"].values, dtype=float).reshape(-1, ds.sizes["column"]),
            interior_weight=np.asarray(ds["interior_weight"].values, dtype=float),
            constraint=np.asarray(ds["constraint_points"].values, dtype=float).reshape(-1, ds.sizes["column"]),
            constraint_target=np.asarray(ds["constraint_target"].values, dtype=float),
            constraint_kind=np.asarray(ds["constraint_kind"].values, dtype=np.int64),
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
            "kind": np.concatenate([np.zeros(n_i, dtype=np.int32), 1 + self.constraint_kind.astype(np.int32)]),
            "weight": np.concatenate([self.interior_weight, self.constraint_weight]),
            "target": np.concatenate([np.full(n_i, np.nan), self.constraint_target]),
        }
        data.update({name: pts[:, d + j] for j, name in enumerate(self.params)})
        cells = [("vertex", np.arange(len(pts)).reshape(-1, 1))]
        return meshio.Mesh(xyz, cells, point_data=data)

    def write_vtu(self, path) -> None:
        """Write a VTU file that ParaView opens (kind 0 interior, 1 boundary, 2 initial)."""
        from .io import atomic_path

        with atomic_path(path) as tmp:
            self.to_meshio().write(tmp, file_format="vtu")


def _attr(value):
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value))
    return value


def make_point_set(problem, interior, constraint, constraint_kind, *, interior_weight=None, constraint_weight=None, attrs=None):
    """Build a PointSet, computing the constraint targets from the problem's Dirichlet data.

    Parameters
    ----------
    problem : pde_catalog.Problem
    interior : numpy.ndarray, shape (n_interior, D + P)
    constraint : numpy.ndarray, shape (n_constraint, D + P)
    constraint_kind : numpy.ndarray of int, shape (n_constraint,)
    interior_weight, constraint_weight : numpy.ndarray, optional
        Default to ones.
    attrs : dict, optional

    Returns
    -------
    PointSet
    """
    import torch

    interior = np.asarray(interior, dtype=float)
    constraint = np.asarray(constraint, dtype=float)
    d = len(problem.coords)
    cols = torch.as_tensor(constraint, dtype=torch.float64)
    x = {c: cols[:, j] for j, c in enumerate(problem.coords)}
    beta = {p: cols[:, d + j] for j, p in enumerate(problem.family.names)}
    target = problem.condition(x, beta).numpy() if len(constraint) else np.zeros(0)
    return PointSet(
        problem=problem.name,
        coords=tuple(problem.coords),
        params=tuple(problem.family.names),
        interior=interior,
        interior_weight=np.ones(len(interior)) if interior_weight is None else np.asarray(interior_weight, float),
        constraint=constraint,
        constraint_target=np.asarray(target, dtype=float),
        constraint_kind=np.asarray(constraint_kind, dtype=np.int64),
        constraint_weight=np.ones(len(constraint)) if constraint_weight is None else np.asarray(constraint_weight, float),
        attrs=dict(attrs or {}),
    )
