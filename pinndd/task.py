"""The inference task of the formal model: what a distilled dataset is optimal for.

Kungurtsev et al. (arXiv 2409.01410) define distillation for a task
``T = (Q, l, rho)``: a learner ``A`` trained on the distilled set ``S`` is
scored by the risk ``rho`` over the target family ``Q`` of the loss
``l(A(S), q)`` of each member ``q``::

    R_T(S) = rho_{q ~ Q} l(A(S), q)

:class:`Task` is that protocol, written once; both kinds of experiment
implement it:

========================  =====================================  ==========================================
part of the model         :class:`PdeTask` (``kind = "pde"``)     :class:`~pinndd.tabular.MergeTask` (``"tabular"``)
========================  =====================================  ==========================================
what is distilled ``S``   a point set (:class:`~pinndd.PointSet`)  a table (:class:`~pinndd.tabular.TrainingSet`)
full data ``D``           :meth:`training_family`: conditions     :meth:`training_family`: the sites' rows
                          of the training split
learner ``A``             ``learner``: a conditional PINN spec    ``learner``: a scikit-learn estimator spec
target family ``Q``       :meth:`target_family`: a weighted       :meth:`target_family`: the sites, each seen
                          mixture of condition splits             through the features it measured
loss ``l``                :meth:`member_losses`: physics loss     :meth:`member_losses`: each site's loss
                          at each target condition
risk ``rho``              ``risk`` (mean, CVaR, max)              ``risk`` over sites
========================  =====================================  ==========================================

A task-unaware distiller sees the task through :meth:`Task.unaware_view`,
which refuses :meth:`target_family`: the rule is enforced, not only stated.
"""

from __future__ import annotations

import abc
import inspect
from dataclasses import dataclass, field
from typing import ClassVar

from pde_catalog import SPLITS

from .errors import PinnddError
from .learner import LearnerSpec
from .risk import RiskMeasure

__all__ = ["Task", "PdeTask", "TaskAwarenessError", "LOSSES"]

LOSSES = ("physics",)


class TaskAwarenessError(PinnddError):
    """A task-unaware distiller asked for the target family."""


class Task(abc.ABC):
    """The protocol of an inference task ``(D, A, T = (Q, l, rho))``.

    Attributes
    ----------
    kind : str
        The kind of experiment (``"pde"`` or ``"tabular"``); distillers are
        registered per kind.
    distilled : str
        What a distiller of this kind returns, in words.
    risk : RiskMeasure
        ``rho``: how the losses over ``Q`` become one number.
    learner : object
        ``A``: the spec of the learner a distilled set is for.
    """

    kind: ClassVar[str]
    distilled: ClassVar[str]
    risk: RiskMeasure
    learner: object

    @abc.abstractmethod
    def training_family(self):
        """What the full data ``D`` covers: all a task-unaware distiller may see."""

    @abc.abstractmethod
    def target_family(self):
        """The target family ``Q`` and its weights."""

    @abc.abstractmethod
    def member_losses(self, model, members):
        """``l(model, q)`` for each member ``q`` of ``members`` (drawn from :meth:`target_family`).

        Returns an array or tensor whose last axis runs over the members
        (differentiable where the distillers need it).
        """

    def risk_of(self, losses):
        """``rho`` over the last axis of ``losses``."""
        return self.risk(losses, axis=-1)

    def unaware_view(self) -> "Task":
        """This task as a task-unaware distiller may see it: :meth:`target_family` raises."""
        return _UnawareView(self)


class _UnawareView:
    """A task whose target family is hidden (see :meth:`Task.unaware_view`)."""

    _hidden = ("target_family", "target_region")

    def __init__(self, task):
        object.__setattr__(self, "_task", task)

    def __getattr__(self, name):
        if name in self._hidden:
            raise TaskAwarenessError(f"a task-unaware distiller may not see the target family ({name})")
        value = getattr(self._task, name)
        if not inspect.ismethod(value):
            return value

        def unaware(*args, **kwargs):  # a task derived from the view (e.g. over other rows) stays unaware
            result = value(*args, **kwargs)
            return result.unaware_view() if isinstance(result, Task) else result

        return unaware

    def __setattr__(self, name, value):
        raise AttributeError("a task view is read-only")

    def unaware_view(self):
        return self


@dataclass(frozen=True)
class PdeTask(Task):
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
        The loss scored on ``Q``: the physics-informed loss (mean squared
        residual plus each condition's mean squared misfit, scaled as the
        learner scales it) of the trained learner.
    risk : RiskMeasure
        How losses over ``Q`` become one number.
    learner : pinndd.learner.LearnerSpec
        The learner A the set is distilled for: distillers build their inner
        learners from it (architecture, precision, device, condition weight)
        unless their own options say otherwise.
    """

    kind: ClassVar[str] = "pde"
    distilled: ClassVar[str] = "point set"

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

    def training_family(self):
        """Distribution of condition parameters of the training family (a :class:`pde_catalog.Region`)."""
        return self.problem.family.region(self.training_split)

    def target_family(self):
        """Distribution of condition parameters of ``Q``: the weighted mixture of the target splits."""
        return self.problem.family.region(*self.target_splits, weights=self.target_weights or None)

    # the names the PDE distillers have always used
    training_region = training_family
    target_region = target_family

    def member_losses(self, model, members, *, terms: bool = False):
        """Physics-informed loss of each model at each target condition.

        Parameters
        ----------
        model : (ConditionalPINN, list of (W, b))
            The learner and the parameters of ``M`` trained models.
        members : pinndd.learner.PointBatch
            ``J`` target conditions, each with its own fresh points
            (:func:`pinndd.distillers._learnable.target_batch`).
        terms : bool
            Keep the loss's terms apart (the residual, then each condition's misfit, scaled as
            in the loss) instead of summing them.

        Returns
        -------
        torch.Tensor, shape (M, J), or (M, J, 1 + n_conditions) with ``terms``
        """
        from .learner import per_condition_loss, per_condition_terms

        pinn, params = model
        return (per_condition_terms if terms else per_condition_loss)(pinn, params, members)
