"""A batch of tanh MLPs held as stacked weight tensors, with forward-mode jets.

``M`` models of identical shape are stored as one list of ``(W, b)`` pairs with
``W`` of shape ``(M, fan_in, fan_out)``; one ``torch.bmm`` per layer evaluates
all of them, each on its own points. Derivatives with respect to the inputs
are propagated forward through the network (first derivatives and second
derivatives, pure or mixed: the "jet"), which costs one extra stream of rows
per derivative and needs no double backward pass. The last layer may have
several outputs.
"""

from __future__ import annotations

import math

import torch

__all__ = ["init_params", "forward", "forward_jet", "forward_jet_and_values", "fourier_embedding"]


def init_params(sizes, seeds, *, dtype, device):
    """Glorot-normal weights and zero biases for one MLP per seed.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``(4, 32, 32, 32, 1)``.
    seeds : sequence of int
        One seed per model; model ``i`` is the same whatever else is in the batch.
    dtype : torch.dtype
    device : torch.device or str

    Returns
    -------
    list of (torch.Tensor, torch.Tensor)
        ``(W, b)`` per layer, ``W`` of shape ``(M, fan_in, fan_out)`` and ``b`` of
        shape ``(M, 1, fan_out)``, both leaf tensors requiring gradients.
    """
    per_model = []
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed))
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            std = math.sqrt(2.0 / (fan_in + fan_out))
            layers.append(torch.randn(fan_in, fan_out, generator=gen, dtype=torch.float64) * std)
        per_model.append(layers)
    params = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = torch.stack([layers[k] for layers in per_model]).to(dtype=dtype, device=device)
        b = torch.zeros(len(per_model), 1, fan_out, dtype=dtype, device=device)
        params.append((w.requires_grad_(), b.requires_grad_()))
    return params


def fourier_embedding(inputs, frequencies):
    """Fourier features ``[cos(z B), sin(z B)]`` of normalised inputs.

    Parameters
    ----------
    inputs : torch.Tensor, shape (M, N, D)
    frequencies : torch.Tensor, shape (D, F)
        The fixed matrix ``B``.

    Returns
    -------
    torch.Tensor, shape (M, N, 2 F)
    """
    z = inputs @ frequencies
    return torch.cat([torch.cos(z), torch.sin(z)], dim=-1)


def forward(params, inputs, frequencies=None):
    """Evaluate every model on its own inputs.

    Parameters
    ----------
    params : list of (W, b)
    inputs : torch.Tensor, shape (M, N, D)
        Already normalised network inputs.
    frequencies : torch.Tensor, shape (D, F), optional
        Fourier-feature matrix; the first layer then reads ``2 F`` features.

    Returns
    -------
    torch.Tensor, shape (M, N, n_outputs)
    """
    h = inputs if frequencies is None else fourier_embedding(inputs, frequencies)
    for w, b in params[:-1]:
        h = torch.tanh(torch.baddbmm(b, h, w))
    w, b = params[-1]
    return torch.baddbmm(b, h, w)


def forward_jet(params, inputs, inv_scale, first, pairs, frequencies=None):
    """Values and input derivatives of every model up to second order, by forward propagation.

    The value and its derivative streams are stacked as rows of one matrix
    per model, so each layer is one ``bmm`` and a few vectorised elementwise
    operations.

    Parameters
    ----------
    params : list of (W, b)
    inputs : torch.Tensor, shape (M, N, fan_in)
        Normalised inputs ``(z - centre) * inv_scale``.
    inv_scale : sequence of float
        ``d input / d z`` for each input column (the normalisation's slope).
    first : sequence of int
        Input columns whose first derivative is wanted.
    pairs : sequence of (int, int)
        Column pairs ``(i, j)`` whose second derivative ``d^2 / dz_i dz_j`` is
        wanted (``i == j`` for a pure one); both columns must be in ``first``.
    frequencies : torch.Tensor, shape (D, F), optional
        Fourier-feature matrix (see :func:`forward`).

    Returns
    -------
    u : torch.Tensor, shape (M, N, n_outputs)
    d1 : dict of int to torch.Tensor, shape (M, N, n_outputs)
    d2 : dict of (int, int) to torch.Tensor, shape (M, N, n_outputs)
    """
    u, d1, d2, _ = forward_jet_and_values(params, inputs, inv_scale, first, pairs, frequencies)
    return u, d1, d2


def forward_jet_and_values(params, inputs, inv_scale, first, pairs, frequencies=None, extra=None):
    """:func:`forward_jet` at ``inputs`` and plain values at ``extra``, in one pass.

    The values at ``extra`` ride along as further rows of the value stream,
    so a physics-informed loss needs one pass through the network for its
    residual and its condition points.

    Parameters
    ----------
    params, inputs, inv_scale, first, pairs, frequencies
        As :func:`forward_jet`.
    extra : torch.Tensor, shape (M, N_e, fan_in), optional
        Normalised inputs where only values are wanted.

    Returns
    -------
    u, d1, d2
        As :func:`forward_jet`.
    u_extra : torch.Tensor, shape (M, N_e, n_outputs), or None without ``extra``
    """
    first, pairs = list(first), [tuple(p) for p in pairs]
    k1, k2 = len(first), len(pairs)
    m, n, _ = inputs.shape
    n_e = 0 if extra is None else extra.shape[1]
    n_v = n + n_e
    w0, b0 = params[0]
    pa = torch.tensor([first.index(i) for i, _ in pairs], dtype=torch.long, device=w0.device)
    pb = torch.tensor([first.index(j) for _, j in pairs], dtype=torch.long, device=w0.device)
    scale = torch.tensor([inv_scale[c] for c in first], dtype=w0.dtype, device=w0.device)
    values_in = inputs if extra is None else torch.cat([inputs, extra], dim=1)
    if frequencies is None:
        h = torch.tanh(torch.baddbmm(b0, values_in, w0))  # (M, N + N_e, W)
        # Tangents of the first pre-activation are constant over points: W0 rows times slopes.
        dz = (w0[:, first, :] * scale[None, :, None]).unsqueeze(2)  # (M, k1, 1, W)
        hi = h[:, :n].unsqueeze(1)
        s = 1.0 - hi * hi
        t = dz.index_select(1, pa) * dz.index_select(1, pb)
        d1, d2 = s * dz, (-2.0 * hi * s) * t
        hidden = params[1:-1]
    else:
        h, d1, d2 = _embedded_rows(values_in, n, frequencies, scale, first, pa, pb)
        hidden = params[:-1]
    for w, b in hidden:
        stream = torch.cat([h, d1.reshape(m, k1 * n, h.shape[-1]), d2.reshape(m, k2 * n, h.shape[-1])], dim=1)
        zz = torch.bmm(stream, w)
        z, dz, d2z = zz.split([n_v, k1 * n, k2 * n], dim=1)
        h = torch.tanh(z + b)
        hi = h[:, :n].unsqueeze(1)
        s = 1.0 - hi * hi
        dz, d2z = dz.view(m, k1, n, w.shape[-1]), d2z.view(m, k2, n, w.shape[-1])
        t = dz.index_select(1, pa) * dz.index_select(1, pb)
        d1, d2 = s * dz, s * (d2z - 2.0 * hi * t)
    w, b = params[-1]
    stream = torch.cat([h, d1.reshape(m, k1 * n, h.shape[-1]), d2.reshape(m, k2 * n, h.shape[-1])], dim=1)
    out = torch.bmm(stream, w)
    u, d1, d2 = out.split([n_v, k1 * n, k2 * n], dim=1)
    u = u + b
    d1, d2 = d1.view(m, k1, n, w.shape[-1]), d2.view(m, k2, n, w.shape[-1])
    u_extra = u[:, n:] if extra is not None else None
    return u[:, :n], dict(zip(first, d1.unbind(1))), dict(zip(pairs, d2.unbind(1))), u_extra


def _embedded_rows(values_in, n, frequencies, scale, first, pa, pb):
    """Fourier features of every point, and their input derivatives at the first ``n``.

    Returns values (M, N_v, 2F), first derivatives (M, k1, n, 2F) and second
    derivatives (M, k2, n, 2F) for the column pairs ``(pa, pb)``.
    """
    z = values_in @ frequencies  # (M, N_v, F)
    c, s = torch.cos(z), torch.sin(z)
    dz = (frequencies[first, :] * scale[:, None])[None, :, None, :]  # (1, k1, 1, F)
    t = dz.index_select(1, pa) * dz.index_select(1, pb)
    ci, si = c[:, :n].unsqueeze(1), s[:, :n].unsqueeze(1)
    d1 = torch.cat([-si * dz, ci * dz], dim=-1)
    d2 = torch.cat([-ci * t, -si * t], dim=-1)
    return torch.cat([c, s], dim=-1), d1, d2
