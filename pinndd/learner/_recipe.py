"""The training recipe: what optimises a PINN, in which phases, with which tricks.

One frozen, validated value object. The evaluator and every distiller's inner
learner take a :class:`Recipe`; the config's ``[learner]`` section builds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Recipe", "SCHEDULES", "BALANCES"]

SCHEDULES = ("constant", "exponential", "cosine")
BALANCES = ("none", "gradnorm", "gradnorm_sum")


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")


def _check_float(name: str, value, low: float, high: float = math.inf, *, open_low: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    ok = math.isfinite(value) and (value > low if open_low else value >= low) and value <= high
    if not ok:
        bound = f"{'>' if open_low else '>='} {low}" + (f" and <= {high}" if high < math.inf else "")
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")


@dataclass(frozen=True)
class Recipe:
    """How a batch of PINNs is trained: Adam with a schedule, then batched L-BFGS.

    Parameters
    ----------
    steps : int
        Adam steps (phase 1).
    lr : float
        Adam's peak learning rate.
    schedule : {"constant", "exponential", "cosine"}
        Learning-rate decay over the Adam steps after warm-up: ``exponential``
        goes geometrically from ``lr`` to ``lr * final_lr_ratio``, ``cosine``
        follows half a cosine to the same end.
    final_lr_ratio : float
        Learning rate at the last Adam step over ``lr`` (in (0, 1]).
    warmup : int
        Steps of linear warm-up from ``lr / warmup`` to ``lr``.
    lbfgs_iters : int
        Iterations of the batched L-BFGS phase (phase 2); 0 skips it.
    lbfgs_history : int
        Curvature pairs L-BFGS keeps per model.
    lbfgs_patience, lbfgs_tol : int, float
        A model's L-BFGS stops when its best loss has not fallen by a relative
        ``lbfgs_tol`` within ``lbfgs_patience`` iterations (and when its line
        search fails or its gradient vanishes).
    balance : {"none", "gradnorm", "gradnorm_sum"}
        Loss balancing across the residual and condition terms: ``gradnorm``
        keeps the residual's weight at 1 and sets each condition term's weight
        to the residual's gradient norm over its own (the gradient-norm
        weights of Wang, Teng and Perdikaris 2021 and of jaxpi, normalised to
        the residual so that the residual's step size is unchanged), per
        model, every ``balance_every`` Adam steps, smoothed with
        ``balance_alpha``; L-BFGS keeps the last weights. ``gradnorm_sum`` is
        jaxpi's form: every term's weight is the sum of all gradient norms
        over its own, so the residual's weight changes too.
    balance_every : int
    balance_alpha : float
        Weight of the old value in the moving average, in [0, 1).
    causal : float
        Causality parameter epsilon of causal weighting (Wang, Sankaran and
        Perdikaris 2022) for time-dependent problems; 0 turns it off. Applies
        to the Adam phase; L-BFGS minimises the plain loss.
    causal_bins : int
        Time slabs of causal weighting.
    rwf : bool
        Random weight factorisation: Adam and L-BFGS optimise
        ``W = exp(s) * V`` (one scale per output unit) instead of ``W``.
        ``s`` starts at ``rwf_mean`` for every unit, so the factorisation
        changes the optimisation path, not the initial network.
    rwf_mean : float
    plateau_patience, plateau_tol : int, float
        A model's Adam phase stops when its best loss has not fallen by a
        relative ``plateau_tol`` within ``plateau_patience`` steps; patience 0
        turns the rule off.
    compile : bool
        Compile the loss and gradient with ``torch.compile`` where it is
        available (falls back to eager execution with a warning otherwise).

    Notes
    -----
    Every rule acts per model, so a batch of models ends where each would end
    if trained alone.
    """

    steps: int = 3000
    lr: float = 1e-3
    schedule: str = "exponential"
    final_lr_ratio: float = 0.1
    warmup: int = 0
    lbfgs_iters: int = 10000
    lbfgs_history: int = 50
    lbfgs_patience: int = 200
    lbfgs_tol: float = 1e-4
    balance: str = "gradnorm"
    balance_every: int = 100
    balance_alpha: float = 0.9
    causal: float = 0.0
    causal_bins: int = 16
    rwf: bool = False
    rwf_mean: float = 0.5
    plateau_patience: int = 0
    plateau_tol: float = 1e-4
    compile: bool = False

    def __post_init__(self):
        _check_int("steps", self.steps, 0)
        _check_float("lr", self.lr, 0.0, open_low=True)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        _check_float("final_lr_ratio", self.final_lr_ratio, 0.0, 1.0, open_low=True)
        for name, low in (("warmup", 0), ("lbfgs_iters", 0), ("lbfgs_history", 1), ("lbfgs_patience", 1),
                          ("balance_every", 1), ("causal_bins", 1), ("plateau_patience", 0)):
            _check_int(name, getattr(self, name), low)
        if self.warmup > self.steps:
            raise ValueError(f"warmup must not exceed steps ({self.steps}), got {self.warmup}")
        if self.balance not in BALANCES:
            raise ValueError(f"balance must be one of {', '.join(BALANCES)}, got {self.balance!r}")
        _check_float("balance_alpha", self.balance_alpha, 0.0, 0.999999)
        for name in ("lbfgs_tol", "plateau_tol", "causal"):
            _check_float(name, getattr(self, name), 0.0)
        _check_float("rwf_mean", self.rwf_mean, -10.0, 10.0)
        for name in ("rwf", "compile"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be true or false, got {getattr(self, name)!r}")

    @classmethod
    def adam(cls, steps: int, lr: float) -> "Recipe":
        """Constant-rate Adam on the plain loss for ``steps`` steps, nothing else (inner loops of distillers)."""
        return cls(steps=steps, lr=lr, schedule="constant", lbfgs_iters=0, balance="none")

    def lr_at(self, step: int) -> float:
        """Adam's learning rate at ``step`` (0-based)."""
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        span = max(self.steps - self.warmup - 1, 1)
        frac = min((step - self.warmup) / span, 1.0)
        if self.schedule == "exponential":
            return self.lr * self.final_lr_ratio**frac
        if self.schedule == "cosine":
            return self.lr * (self.final_lr_ratio + (1 - self.final_lr_ratio) * 0.5 * (1 + math.cos(math.pi * frac)))
        return self.lr
