"""The inference task of the formal model: what a distilled set is optimal for.

``Task = (problem, training family, target family, loss, risk measure, learner)``:
distillers that are task-unaware see only the training family; task-aware ones
also see the target family and the risk measure (and the physics on it, never
reference solutions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pde_catalog import SPLITS

from .learner import LearnerSpec
from .risk import RiskMeasure

__all__ = ["Task", "LOSSES"]

LOSSES = ("physics",)


@dataclass(frozen=True)
class Task:
    """An inference task on a catalog problem.

    Parameters
    ----------
    problem : pde_catalog.Problem
    training_split : str
        The family the full data ``D`` is drawn from (default ``"train"``).
    target_splits : tuple of str
        The splits whose mixture is the target family ``Q``.
    target_weights : tuple of float
        Mass of each target split in ``Q`` (positive, any scale); empty means
        equal weights. Weighting ``train`` up is how a task asks to keep
        in-distribution accuracy while reaching out of distribution.
    loss : {"physics"}
        The loss scored on ``Q``: the physics-informed loss (squared residual
        plus squared Dirichlet misfit) of the trained learner.
    risk : RiskMeasure
        How losses over ``Q`` become one number.
    learner : pinndd.learner.LearnerSpec
        The learner A the set is distilled for: distillers build their inner
        learners from it (architecture, precision, device, condition weight)
        unless their own options say otherwise.
    """

    problem: object
    training_split: str = "train"
    target_splits: tuple = SPLITS
    target_weights: tuple = ()
    loss: str = "physics"
    risk: RiskMeasure = field(default_factory=RiskMeasure)
    learner: LearnerSpec = field(default_factory=LearnerSpec)

    def __post_init__(self):
        for split in (self.training_split, *self.target_splits):
            if split not in SPLITS:
                raise ValueError(f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
        if not self.target_splits:
            raise ValueError("target_splits must name at least one split")
        if self.target_weights and (
            len(self.target_weights) != len(self.target_splits) or not all(w > 0 and w < float("inf") for w in self.target_weights)
        ):
            raise ValueError(f"target_weights must be {len(self.target_splits)} positive numbers, one per target split, got {list(self.target_weights)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; allowed: {', '.join(LOSSES)}")

    def training_region(self):
        """Distribution of condition parameters of the training family."""
        return self.problem.family.region(self.training_split)

    def target_region(self):
        """Distribution of condition parameters of the target family."""
        return self.problem.family.region(*self.target_splits, weights=self.target_weights or None)
