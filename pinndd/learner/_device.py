"""Which torch device a learner runs on."""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(device: str) -> str:
    """A torch device string for ``device``, checked against this machine.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA where present,
        else the CPU).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the name is not one of those, or CUDA (that device index) is not
        available here.
    """
    if not isinstance(device, str):
        raise ValueError(f"must be a string ('cpu', 'cuda', 'cuda:N' or 'auto'), got {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return device
    head, _, index = device.partition(":")
    if head != "cuda" or (index and not index.isdigit()):
        raise ValueError(f"unknown device {device!r}; allowed: 'cpu', 'cuda', 'cuda:N', 'auto'")
    if not torch.cuda.is_available():
        raise ValueError(f"{device!r} requested but CUDA is not available on this machine; use 'cpu' or 'auto'")
    if index and int(index) >= torch.cuda.device_count():
        raise ValueError(f"{device!r} requested but this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device
