"""What the classic dataset-distillation objectives share: the full data, the start set, the loop.

Each classic distiller is task-unaware. It draws the full data ``D`` (``n_full``
i.i.d. uniform points over the domain and the task's *training* family, split
between interior and conditions like every sampler), starts the synthetic set ``S``
from a static sampler over the training family with the budget's split, and
moves ``S`` (locations, and weights where ``learn_weights``) by Adam on an
objective that compares ``S`` with ``D``. Only the objective differs between
methods; it is the :meth:`ClassicDistiller.outer_loss` of a subclass.

Randomness: ``D`` is drawn from a seed derived from ``seed`` (so that it is
independent of the start set drawn with ``seed`` itself), and everything else
(learner initialisations, minibatches of ``D``, random networks) from one
``numpy.random.Generator`` built from ``seed``; learner seeds stay below
:data:`~pinndd.seeds.LEARNER_SEED_LIMIT`.
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
import math
import warnings
from typing import ClassVar

import numpy as np
import torch
from tqdm.auto import tqdm

from ..learner import PointBatch
from ..pointset import PointSet
from ..seeds import FULL_DATA_TAG, LEARNER_SEED_LIMIT
from ..options import Options, option
from . import _options
from ._base import PdeDistiller, get_distiller
from ._learnable import LearnablePoints

__all__ = ["ClassicDistiller", "ClassicOptions", "MatchingOptions", "full_data", "real_batch", "learner_seeds"]

#: Options every classic distiller takes, with their defaults (a subclass may change the defaults).
@dataclass(frozen=True)
class ClassicOptions(Options):
    """The options every classic objective has."""

    n_full: int = option(4096, "Size of the full data D.", low=8)
    init: str = _options.init("uniform")
    outer_steps: int = option(100, "Updates of S.", low=1)
    outer_lr: float = option(0.01, "Adam learning rate of the raw (logit) coordinates and weights.", low=1e-8, high=10.0)
    width: int | None = _options.width()
    depth: int | None = _options.depth()
    learners: int = option(2, "Learners (or random networks, or kernels) per outer step.", low=1)
    dtype: str | None = _options.dtype()
    learn_weights: bool = _options.learn_weights(False, "Optimise per-point weights too (the papers learn only the samples).")
    boundary_fraction: float = _options.boundary_fraction()


@dataclass(frozen=True)
class MatchingOptions(ClassicOptions):
    """The classic options plus a batch of D per outer step."""

    real_batch: int = option(1024, "Points of D per outer step.", low=1)


def full_data(task, n_full: int, seed: int, boundary_fraction: float = 0.25) -> PointSet:
    """The full data ``D`` a classic distiller compresses.

    Parameters
    ----------
    task : pinndd.PdeTask
    n_full : int
        Number of points (interior plus conditions).
    seed : int
        The distill seed; ``D`` is drawn from a stream derived from it.
    boundary_fraction : float

    Returns
    -------
    PointSet
        ``n_full`` i.i.d. uniform points over the domain and ``task.training_region()``.
    """
    from ._base import get_distiller

    stream = int(np.random.SeedSequence([seed, FULL_DATA_TAG]).generate_state(1)[0])
    return get_distiller("full", n=n_full, boundary_fraction=boundary_fraction).distill(task, n_full, seed=stream)


def real_batch(problem, full: PointSet, n: int, rng: np.random.Generator, *, n_models: int, dtype, device="cpu") -> PointBatch:
    """A random subset of ``n`` points of ``D`` (interior and condition points in ``D``'s proportion).

    Returns
    -------
    PointBatch
        The same subset for each of ``n_models`` models; all of ``D`` if ``n >= full.size``.
    """
    if n >= full.size:
        idx_i, idx_c = np.arange(len(full.interior)), np.arange(len(full.constraint))
    else:
        n_c = min(len(full.constraint), max(1, round(n * len(full.constraint) / full.size)))
        idx_i = np.sort(rng.choice(len(full.interior), n - n_c, replace=False))
        idx_c = np.sort(rng.choice(len(full.constraint), n_c, replace=False))

    subset = dataclasses.replace(
        full, interior=full.interior[idx_i], interior_weight=full.interior_weight[idx_i],
        constraint=full.constraint[idx_c], constraint_target=full.constraint_target[idx_c],
        constraint_condition=full.constraint_condition[idx_c], constraint_normal=full.constraint_normal[idx_c],
        constraint_weight=full.constraint_weight[idx_c],
    )
    return PointBatch.from_point_sets([subset], problem, dtype=dtype, device=device).map(lambda t: t.expand(n_models, *t.shape[1:]))


def learner_seeds(rng: np.random.Generator, n: int) -> list[int]:
    """``n`` learner initialisation seeds below the distillation seed limit."""
    return rng.integers(0, LEARNER_SEED_LIMIT, size=n).tolist()


class ClassicDistiller(PdeDistiller):
    """Base of the classic objectives: optimise ``S`` to resemble ``D`` under a method's criterion.

    Subclasses set ``Options`` (:class:`MatchingOptions` or :class:`ClassicOptions` plus their own), a
    ``stream`` tag for their random numbers, and implement :meth:`prepare` and
    :meth:`outer_loss`; :meth:`after_step` is an optional hook.
    """

    stream: ClassVar[int]

    def start(self, task, budget: int, seed: int):
        """The pieces of a run: ``(pinn, points, full, rng)`` (see :meth:`distill`)."""
        p = self.params
        problem, region = task.problem, task.training_region()
        init = get_distiller(p["init"], family="train", boundary_fraction=p["boundary_fraction"]).distill(task, budget, seed=seed)
        points = LearnablePoints(problem, init, region, learn_weights=p["learn_weights"], dtype=torch.float64)
        pinn = self.inner_pinn(task)
        full = full_data(task, p["n_full"], seed, p["boundary_fraction"])
        return pinn, points, full, np.random.default_rng([seed, self.stream])

    def distill(self, task, budget, *, seed, progress=False):
        p = self.params
        pinn, points, full, rng = self.start(task, budget, seed)
        state = self.prepare(pinn, points, full, rng)
        groups = [{"params": [t for t in points.parameters() if t.requires_grad], "lr": p["outer_lr"]}]
        groups += self.extra_parameter_groups(state)
        outer = torch.optim.Adam(groups)
        history, skipped = [], 0
        for _ in tqdm(range(p["outer_steps"]), desc=f"{self.name} m={budget}", disable=not progress, leave=False):
            outer.zero_grad()
            loss = self.outer_loss(pinn, points, full, state, rng)
            if torch.isfinite(loss):
                loss.backward()
                outer.step()
                history.append(float(loss.detach()))
            else:
                skipped += 1
            self.after_step(pinn, points, full, state, rng)
        if skipped:
            message = f"{self.name}: skipped {skipped} of {p['outer_steps']} outer steps with a non-finite objective"
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        attrs = {
            "distiller": self.name, "budget": budget, "seed": seed,
            "final_outer_loss": history[-1] if history else math.nan,
            **self.params,
            **self.result_attrs(state),
        }
        return points.to_point_set(attrs)

    @abc.abstractmethod
    def prepare(self, pinn, points, full, rng):
        """Build the method's state before the first outer step (learner pool, experts, ...)."""

    @abc.abstractmethod
    def outer_loss(self, pinn, points, full, state, rng) -> torch.Tensor:
        """The objective of one outer step, a scalar differentiable w.r.t. ``points``."""

    def after_step(self, pinn, points, full, state, rng) -> None:
        """Hook run after each outer update (default: nothing)."""

    def extra_parameter_groups(self, state) -> list:
        """Further optimiser groups beside the points (default: none)."""
        return []

    def result_attrs(self, state) -> dict:
        """Provenance attributes the method adds to the returned set (default: none)."""
        return {}
