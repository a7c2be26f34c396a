"""The loop every residual-adaptive sampler shares: train, score points by |residual|, update.

Only the interior (collocation) points adapt. The boundary/initial points are
drawn once, uniformly, with the same budget split as the static samplers
(:func:`pinndd.sampling.split_budget`, ``boundary_fraction`` of the budget on
the conditions); they are the very points the ``uniform`` sampler draws with the
same seed and family, and the initial interior is the start of its interior, so
that an adaptive set and a uniform one of the same seed are paired. Interior points live in (space-time, condition parameter) space: new
points and candidate pools are drawn uniformly over the domain and a condition
family, the task's training family by default or its target family with
``family = "target"``.

A distill runs

1. draw the condition points and the initial interior; train a
   :class:`~pinndd.learner.ConditionalPINN` with Adam for ``initial_steps``;
2. for each of ``rounds`` rounds: score points by the learner's |residual| and
   update the interior (the method's rule), then train ``steps`` more Adam
   steps on the new set from the current weights with a fresh Adam state (as
   the published code does by recompiling its model each round).

The set returned is the interior after the last update, i.e. the set the
learner trains on next. Training on it cannot change what is returned, so that
last stretch of training is skipped: a distill costs
``initial_steps + (rounds - 1) * steps`` Adam steps.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
import warnings

import numpy as np
import torch
from tqdm.auto import tqdm

from ..errors import ConfigError
from ..learner import PointBatch, Recipe, train
from ..pointset import make_point_set
from ..sampling import points_from_unit, sample_point_arrays, split_budget, unit_width
from ..seeds import ADAPTIVE_TAG, LEARNER_SEED_LIMIT
from ..options import Options, option
from . import _options
from ._base import PdeDistiller

__all__ = ["AdaptiveOptions", "AdaptiveSampler", "PoolOptions", "LEARNER_SEED_LIMIT", "additions", "check_pool", "residual_density"]

_CHUNK = 16384  # rows per residual evaluation, to bound memory on large pools


def residual_density(abs_residual: np.ndarray, k: float, c: float) -> np.ndarray:
    """Sampling probabilities ``p ∝ |r|^k / mean(|r|^k) + c`` (Wu et al. 2023, eq. 2).

    Parameters
    ----------
    abs_residual : numpy.ndarray, shape (n,)
        |residual| at the candidates.
    k, c : float
        Exponent and floor; ``k = 0`` or ``c -> inf`` is uniform.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Non-negative, sums to one. Every candidate keeps a probability of at
        least ``1e-12`` times the largest, so that draws without replacement
        never run out of candidates when ``c = 0``.
    """
    power = np.power(abs_residual.astype(np.float64), k)
    mean = power.mean()
    density = (power / mean if mean > 0 else np.ones_like(power)) + c
    peak = density.max()
    density = np.maximum(density, 1e-12 * peak) if peak > 0 else np.ones_like(density)
    return density / density.sum()


@dataclass(frozen=True)
class AdaptiveOptions(Options):
    family: str = _options.family("Condition family that new points and candidates are drawn over: the "
                                  "training family, or the target family Q (the task-aware version).")
    boundary_fraction: float = _options.boundary_fraction()
    width: int | None = _options.width()
    depth: int | None = _options.depth()
    rounds: int = option(8, "Number of interior updates.", low=1)
    steps: int = option(250, "Adam steps between updates.", low=0)
    initial_steps: int = option(1000, "Adam steps before the first update.", low=0)
    lr: float = option(1e-3, "Adam learning rate (the published codes' value).", low=1e-12, high=10.0)
    dtype: str | None = _options.dtype()


@dataclass(frozen=True)
class PoolOptions(AdaptiveOptions):
    pool: int = option(8192, "Candidate points drawn per update.", low=1)


class AdaptiveSampler(PdeDistiller):
    """Base of the residual-adaptive samplers (see the module docstring for the loop)."""

    Options = PoolOptions

    @property
    def task_aware(self) -> bool:
        return self.params["family"] == "target"

    def region(self, task):
        """The condition-parameter distribution that points are drawn over."""
        return task.target_region() if self.params["family"] == "target" else task.training_region()

    # ------------------------------------------------------------------ the method's rule
    def initial_size(self, n_interior: int) -> int:
        """Interior points before the first update (all of them unless the method grows the set)."""
        return n_interior

    @abc.abstractmethod
    def update(self, interior: np.ndarray, n_interior: int, round_index: int, ctx) -> np.ndarray:
        """The interior after update ``round_index`` (0-based) of ``rounds``.

        Parameters
        ----------
        interior : numpy.ndarray, shape (n, D + P)
            Current interior points.
        n_interior : int
            Interior size the last update must reach.
        round_index : int
        ctx : _Context
            Gives ``ctx.rng`` (numpy Generator), ``ctx.uniform(n)`` (fresh points)
            and ``ctx.abs_residual(points)`` (|residual| of the current learner).

        Returns
        -------
        numpy.ndarray, shape (n', D + P)
        """

    def check_budget(self, n_interior: int) -> None:
        """Raise :class:`ConfigError` if the options cannot serve ``n_interior`` interior points."""

    # ------------------------------------------------------------------ the loop
    def distill(self, task, budget, *, seed, progress=False):
        problem, opts = task.problem, self.params
        n_interior, _ = split_budget(problem, budget, opts["boundary_fraction"])
        self.check_budget(n_interior)
        rng_seed, learner_seed = np.random.SeedSequence([seed, ADAPTIVE_TAG]).generate_state(2)
        learner_seed = int(learner_seed) % LEARNER_SEED_LIMIT
        region = self.region(task)
        # The uniform sampler's draw with the same seed: its condition points, and its interior to start from.
        start, constraint, kind = sample_point_arrays(
            problem, region, budget, method="uniform", seed=seed, boundary_fraction=opts["boundary_fraction"]
        )
        pinn = self.inner_pinn(task)
        ctx = _Context(pinn, problem, region, np.random.default_rng(int(rng_seed)))
        interior = start[: self.initial_size(n_interior)]
        ctx.fit(pinn.init([learner_seed]), interior, constraint, kind, opts["initial_steps"], opts["lr"])
        for r in tqdm(range(opts["rounds"]), desc=self.name, disable=not progress, leave=False):
            interior = self.update(interior, n_interior, r, ctx)
            if r < opts["rounds"] - 1:
                ctx.fit(ctx.params, interior, constraint, kind, opts["steps"], opts["lr"])
        if len(interior) != n_interior:
            raise RuntimeError(f"{self.name} ended with {len(interior)} interior points, expected {n_interior}")
        resolved = {"width": pinn.width, "depth": pinn.depth, "dtype": str(pinn.dtype).removeprefix("torch.")}
        attrs = {"distiller": self.name, "budget": budget, "seed": seed, "learner_seed": learner_seed, **opts, **resolved}
        return make_point_set(problem, interior, constraint, kind, attrs=attrs)


class _Context:
    """What an update may use: the current learner, fresh uniform points and a numpy Generator."""

    def __init__(self, pinn, problem, region, rng):
        self.pinn, self.problem, self.region, self.rng = pinn, problem, region, rng
        self.params = None

    def fit(self, params, interior, constraint, kind, steps, lr):
        """Adam (fresh state) from ``params`` on the given points; keeps the result in ``self.params``."""
        ps = make_point_set(self.problem, interior, constraint, kind)
        batch = PointBatch.from_point_sets([ps], self.pinn.problem, dtype=self.pinn.dtype, device=self.pinn.device)
        self.params = train(self.pinn, params, batch, Recipe.adam(steps, lr), record_every=max(steps, 1)).params

    def uniform(self, n: int) -> np.ndarray:
        """``n`` i.i.d. uniform interior points over the domain and the region, shape (n, D + P)."""
        return points_from_unit(self.problem, self.region, self.rng.random((n, unit_width(self.problem, self.region))))

    def abs_residual(self, points: np.ndarray) -> np.ndarray:
        """|residual| of the current learner at ``points`` (shape (n, D + P)), shape (n,), float64.

        For a system, the Euclidean norm over its equations.

        Non-finite values (a diverged learner) are replaced by the largest
        finite one, or by ones if there is none, with a warning.
        """
        out = []
        with torch.no_grad():
            for lo in range(0, len(points), _CHUNK):
                chunk = torch.as_tensor(points[lo : lo + _CHUNK][None], dtype=self.pinn.dtype, device=self.pinn.device)
                residual = self.pinn.residual(self.params, chunk)[0]  # (n, n_equations)
                out.append(residual.square().sum(-1).sqrt().cpu().numpy().astype(np.float64))
        r = np.concatenate(out) if out else np.zeros(0)
        finite = np.isfinite(r)
        if not finite.all():
            warnings.warn("non-finite residuals while scoring points; treating them as the largest finite one", RuntimeWarning, stacklevel=2)
            r = np.where(finite, r, r[finite].max()) if finite.any() else np.ones_like(r)
        return r


def check_pool(sampler: AdaptiveSampler, needed: int) -> None:
    """Raise :class:`ConfigError` unless the pool holds at least ``needed`` candidates."""
    if sampler.params["pool"] < needed:
        raise ConfigError(
            f"distiller {sampler.name!r}: pool must be at least {needed} (the points one update draws "
            f"without replacement), got {sampler.params['pool']}"
        )


def additions(total: int, rounds: int, round_index: int) -> int:
    """Points added at update ``round_index`` when ``total`` are spread evenly over ``rounds``."""
    return total * (round_index + 1) // rounds - total * round_index // rounds
