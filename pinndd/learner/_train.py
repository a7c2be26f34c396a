"""Adam training of a batch of conditional PINNs, with divergence detection."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ..errors import DivergenceError

__all__ = ["TrainResult", "train"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    params : list of (torch.Tensor, torch.Tensor)
        Trained parameters of the ``M`` models (detached).
    loss_history : numpy.ndarray, shape (n_records, M)
        Loss every ``record_every`` steps (and at the last step).
    steps_recorded : numpy.ndarray, shape (n_records,)
    diverged : numpy.ndarray of bool, shape (M,)
        Models whose loss became NaN or infinite; their gradients are zeroed
        from that step on (Adam's momentum may still move them a little) and
        their results must not be trusted.
    """

    params: list
    loss_history: np.ndarray
    steps_recorded: np.ndarray
    diverged: np.ndarray


def train(pinn, params, batch, *, steps: int, lr: float, record_every: int = 100, progress: bool = False, desc: str = "train", on_divergence: str = "warn"):
    """Train ``M`` models jointly with Adam on the sum of their physics-informed losses.

    The models are independent: the loss is a sum of per-model terms and Adam
    is elementwise, so this is exactly ``M`` separate Adam runs done at once.

    Parameters
    ----------
    pinn : ConditionalPINN
    params : list of (W, b)
        Initial parameters (from ``pinn.init``); not modified.
    batch : PointBatch
        ``M`` point sets.
    steps : int
        Adam steps.
    lr : float
        Learning rate.
    record_every : int
        Loss recording interval.
    progress : bool
        Show a progress bar.
    desc : str
        Progress bar label.
    on_divergence : {"warn", "raise"}
        On a non-finite loss, ``"warn"`` (RuntimeWarning) freezes the diverged
        models' gradients, flags them in the result and trains the others on;
        ``"raise"`` raises :class:`~pinndd.errors.DivergenceError`.

    Returns
    -------
    TrainResult
    """
    if steps < 0:
        raise ValueError(f"steps must be non-negative, got {steps}")
    if on_divergence not in ("warn", "raise"):
        raise ValueError(f"on_divergence must be 'warn' or 'raise', got {on_divergence!r}")
    leaves = [t.detach().clone().requires_grad_() for layer in params for t in layer]
    opt = torch.optim.Adam(leaves, lr=lr, fused=True)
    n_models = leaves[0].shape[0]
    diverged = torch.zeros(n_models, dtype=torch.bool, device=leaves[0].device)
    history, recorded = [], []
    for step in tqdm(range(steps), desc=desc, disable=not progress, leave=False):
        current = list(zip(leaves[0::2], leaves[1::2]))
        per_model = pinn.loss(current, batch)
        finite = torch.isfinite(per_model)
        opt.zero_grad(set_to_none=False)
        torch.where(finite & ~diverged, per_model, torch.zeros_like(per_model)).sum().backward()
        if not bool(finite.all()) or bool(diverged.any()):
            newly = ~finite & ~diverged
            if bool(newly.any()):
                idx = torch.nonzero(newly).flatten().tolist()
                if on_divergence == "raise":
                    raise DivergenceError(f"training diverged (non-finite loss) at step {step} for models {idx}")
                warnings.warn(f"training diverged (non-finite loss) at step {step} for models {idx}", RuntimeWarning, stacklevel=2)
            diverged |= ~finite
            for leaf in leaves:
                leaf.grad[diverged] = 0.0
        opt.step()
        if step % record_every == 0:
            history.append(per_model.detach().cpu().numpy())
            recorded.append(step)
    final = [t.detach() for t in leaves]
    final_params = list(zip(final[0::2], final[1::2]))
    if steps:
        with torch.no_grad():
            last = pinn.loss(final_params, batch)
        diverged |= ~torch.isfinite(last)
        history.append(last.cpu().numpy())
        recorded.append(steps)
    return TrainResult(
        params=final_params,
        loss_history=np.array(history).reshape(len(history), n_models),
        steps_recorded=np.array(recorded),
        diverged=diverged.cpu().numpy(),
    )
