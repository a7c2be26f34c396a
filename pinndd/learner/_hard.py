"""Hard-constrained outputs: u = g + distance * N, with the problem's g and distance.

The network's jet (values, first and second derivatives in the coordinates)
is carried through the form by the product rule; the jets of ``g`` and
``distance``, which hold no parameters, come from automatic differentiation
in the points, so that a distiller moving the points still differentiates
through them.
"""

from __future__ import annotations

import torch

__all__ = ["constrain_values", "constrain_jet"]


def _form(problem, split_columns, points):
    """``g`` and ``distance`` at ``points`` (M, N, D + P), each broadcast to (M, N)."""
    x, beta = split_columns(points)
    form = problem.hard_constraint(x, beta)
    if form is None:
        raise ValueError(f"{problem.name} defines no hard constraint")
    shape = points.shape[:-1]
    return tuple(torch.broadcast_to(torch.as_tensor(v, dtype=points.dtype, device=points.device), shape) for v in form)


def constrain_values(problem, split_columns, points, values):
    """Outputs ``g + distance * N`` from network outputs ``values`` (M, N, 1) at ``points``."""
    g, distance = _form(problem, split_columns, points)
    return g[..., None] + distance[..., None] * values


def _jet(f, z, first, pairs):
    """First derivatives of ``f`` in the columns ``first`` and second ones in ``pairs``, by autograd."""
    zero = torch.zeros_like(f)
    if not f.requires_grad:
        return {j: zero for j in first}, {p: zero for p in pairs}
    grad = torch.autograd.grad(f.sum(), z, create_graph=True)[0]
    d1 = {j: grad[..., j] for j in first}
    d2 = {}
    for i, j in pairs:
        if d1[i].requires_grad:
            d2[(i, j)] = torch.autograd.grad(d1[i].sum(), z, create_graph=True, materialize_grads=True)[0][..., j]
        else:
            d2[(i, j)] = zero
    return d1, d2


def constrain_jet(problem, split_columns, points, u, d1, d2, first, pairs):
    """The jet of ``g + distance * N`` from the network's jet ``(u, d1, d2)`` at ``points``.

    Parameters
    ----------
    problem : pde_catalog.Problem
        A problem whose :meth:`~pde_catalog.Problem.hard_constraint` gives a form.
    split_columns : callable
        Columns of the points as ``(x, beta)`` dicts by name.
    points : torch.Tensor, shape (M, N, D + P)
    u : torch.Tensor, shape (M, N, 1)
    d1 : dict of int to torch.Tensor, each (M, N, 1)
        First derivatives of the network by coordinate column, for ``first``.
    d2 : dict of (int, int) to torch.Tensor, each (M, N, 1)
        Second derivatives for ``pairs`` (both columns of each are in ``first``).
    first, pairs : sequence

    Returns
    -------
    u, d1, d2
        The same, of the constrained output.
    """
    with torch.enable_grad():
        z = points if points.requires_grad else points.detach().requires_grad_()
        g, distance = _form(problem, split_columns, z)
        g1, g2 = _jet(g, z, first, pairs)
        s1, s2 = _jet(distance, z, first, pairs)
    if not points.requires_grad:  # the form holds no parameters: constants of training
        g, distance = g.detach(), distance.detach()
        g1, g2, s1, s2 = ({k: v.detach() for k, v in d.items()} for d in (g1, g2, s1, s2))

    def col(t):
        return t[..., None]

    out1 = {j: col(g1[j]) + col(s1[j]) * u + col(distance) * d1[j] for j in first}
    out2 = {(i, j): col(g2[(i, j)]) + col(s2[(i, j)]) * u + col(s1[i]) * d1[j] + col(s1[j]) * d1[i] + col(distance) * d2[(i, j)]
            for i, j in pairs}
    return col(g) + col(distance) * u, out1, out2
