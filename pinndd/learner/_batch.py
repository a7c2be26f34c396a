"""PointBatch: the point sets of M models as padded tensors, with each condition's functional.

A condition point contributes ``sum_k a_k f_k(x) - g`` to its condition's loss
term (see :mod:`pde_catalog._conditions`): the batch holds the coefficients
``a_k`` over the problem's condition fields, the data ``g``, and for periodic
conditions the partner points, whose contribution is subtracted from the row
they pair with.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Optional

import numpy as np
import torch

__all__ = ["PointBatch", "condition_fields", "functional"]


def condition_fields(problem) -> tuple[str, ...]:
    """The fields any condition of ``problem`` reads, in a fixed order."""
    names = []
    for cond in problem.conditions:
        names += cond.fields(problem.space)
    return tuple(dict.fromkeys(names))


def functional(problem, constraint: np.ndarray, condition: np.ndarray, normal: np.ndarray):
    """Coefficients and periodic partners of condition points.

    Parameters
    ----------
    problem : pde_catalog.Problem
    constraint : numpy.ndarray, shape (n, D + P)
    condition : numpy.ndarray of int, shape (n,)
        Index into ``problem.conditions``.
    normal : numpy.ndarray, shape (n, D_space)

    Returns
    -------
    coef : numpy.ndarray, shape (n, K)
        Over :func:`condition_fields`.
    partner : numpy.ndarray, shape (n_p, D + P)
        Partner points of the periodic rows.
    partner_row : numpy.ndarray of int, shape (n_p,)
        The row each partner belongs to.
    """
    names = condition_fields(problem)
    ds = len(problem.space)
    coef = np.zeros((len(constraint), len(names)))
    partners, rows_of = [], []
    for k, cond in enumerate(problem.conditions):
        rows = np.flatnonzero(condition == k)
        cols = [names.index(f) for f in cond.fields(problem.space)]
        coef[np.ix_(rows, cols)] = cond.coefficients(normal[rows])
        if cond.partner is not None and len(rows):
            image = constraint[rows].copy()
            image[:, :ds] = problem.geometry.periodic_image(cond.on, cond.partner, image[:, :ds])
            partners.append(image)
            rows_of.append(rows)
    width = constraint.shape[1]
    partner = np.concatenate(partners) if partners else np.zeros((0, width))
    partner_row = np.concatenate(rows_of) if rows_of else np.zeros(0, dtype=np.int64)
    return coef, partner, partner_row


@dataclass(frozen=True)
class PointBatch:
    """Point sets of ``M`` models, padded to common sizes (padding repeats a set's last point, with weight 0).

    Attributes
    ----------
    interior : torch.Tensor, shape (M, N_i, D + P)
    interior_weight : torch.Tensor, shape (M, N_i)
    constraint : torch.Tensor, shape (M, N_c, D + P)
    constraint_target : torch.Tensor, shape (M, N_c)
    constraint_weight : torch.Tensor, shape (M, N_c)
    constraint_term : torch.Tensor of int64, shape (M, N_c)
        Index of each row's condition.
    constraint_coef : torch.Tensor, shape (M, N_c, K)
        Coefficients over the problem's condition fields.
    partner : torch.Tensor, shape (M, N_p, D + P), optional
        Periodic partner points (``None`` without periodic conditions).
    partner_row : torch.Tensor of int64, shape (M, N_p), optional
    partner_coef : torch.Tensor, shape (M, N_p, K), optional
        Coefficients of the partner (the negated row's; zero for padding).
    """

    interior: torch.Tensor
    interior_weight: torch.Tensor
    constraint: torch.Tensor
    constraint_target: torch.Tensor
    constraint_weight: torch.Tensor
    constraint_term: torch.Tensor
    constraint_coef: torch.Tensor
    partner: Optional[torch.Tensor] = None
    partner_row: Optional[torch.Tensor] = None
    partner_coef: Optional[torch.Tensor] = None

    @classmethod
    def from_point_sets(cls, point_sets, problem, *, dtype, device) -> "PointBatch":
        """Stack and pad a sequence of :class:`~pinndd.pointset.PointSet` of ``problem``.

        Raises
        ------
        ValueError
            If the sequence is empty or a set belongs to another problem (its
            columns would be read as ``problem``'s and train on nonsense).
        """
        if not point_sets:
            raise ValueError("point_sets is empty: a batch needs at least one point set")
        for k, ps in enumerate(point_sets):
            if ps.problem != problem.name:
                raise ValueError(f"point_sets[{k}] belongs to problem {ps.problem!r}, not {problem.name!r}")
        parts = [functional(problem, ps.constraint, ps.constraint_condition, ps.constraint_normal) for ps in point_sets]
        n_i = max(len(ps.interior) for ps in point_sets)
        n_c = max(len(ps.constraint) for ps in point_sets)
        n_p = max(len(p[1]) for p in parts)
        width = point_sets[0].interior.shape[1]

        def pad(arrays, n, *tail, kind=dtype, edge=False):
            # Points pad with copies of the set's last point (``edge``), not zeros:
            # their weight is 0, but a residual that divides by a parameter (a
            # Reynolds number) is not finite at zero, and 0 * inf is NaN.
            out = np.zeros((len(arrays), n, *tail))
            for k, a in enumerate(arrays):
                out[k, : len(a)] = a
                if edge and 0 < len(a) < n:
                    out[k, len(a):] = a[-1]
            return torch.as_tensor(out, dtype=kind, device=device)

        partner = {}
        if n_p:
            coef_p = [-c[row] for c, _, row in parts]
            partner = dict(
                partner=pad([p for _, p, _ in parts], n_p, width, edge=True),
                partner_row=pad([row for _, _, row in parts], n_p, kind=torch.long),
                partner_coef=pad(coef_p, n_p, coef_p[0].shape[1]),
            )
        return cls(
            interior=pad([ps.interior for ps in point_sets], n_i, width, edge=True),
            interior_weight=pad([ps.interior_weight for ps in point_sets], n_i),
            constraint=pad([ps.constraint for ps in point_sets], n_c, width, edge=True),
            constraint_target=pad([ps.constraint_target for ps in point_sets], n_c),
            constraint_weight=pad([ps.constraint_weight for ps in point_sets], n_c),
            constraint_term=pad([ps.constraint_condition for ps in point_sets], n_c, kind=torch.long),
            constraint_coef=pad([c for c, _, _ in parts], n_c, parts[0][0].shape[1]),
            **partner,
        )

    def tensors(self) -> dict:
        """The batch's tensors by field name (``None`` entries left out)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def map(self, fn) -> "PointBatch":
        """A batch with ``fn`` applied to every tensor."""
        return PointBatch(**{k: fn(v) for k, v in self.tensors().items()})

    def repeat(self, times: int) -> "PointBatch":
        """Each model's points repeated ``times`` in a row (for several seeds per set)."""
        return self.map(lambda t: t.repeat_interleave(times, dim=0))
