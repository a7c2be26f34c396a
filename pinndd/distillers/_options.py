"""Option declarations the PDE distillers share (see :mod:`pinndd.options`)."""

from __future__ import annotations

from ..options import option
from ..sampling import SEQUENCES

__all__ = ["boundary_fraction", "depth", "dtype", "family", "init", "learn_weights", "outer_lr", "target_conditions", "target_points",
           "target_start", "width"]


def family(doc: str = "Condition family the points are drawn from: the task's training family, "
           "or its target family Q (the task-aware version)."):
    return option("train", doc, choices=("train", "target"))


def boundary_fraction():
    return option(0.25, "Share of the budget on the conditions (see pinndd.sampling.split_budget).", low=0.01, high=0.99)


def width(doc: str = "Hidden width of the distiller's learner; None takes the task's learner spec (the run's [learner])."):
    return option(None, doc, kind=int, low=1, optional=True)


def depth(doc: str = "Hidden layers of the distiller's learner; None takes the task's learner spec."):
    return option(None, doc, kind=int, low=1, optional=True)


def dtype(default=None, doc: str = "Precision of the distiller's computation; None takes the task's learner spec."):
    return option(default, doc, choices=("float32", "float64"), optional=True)


def init(default: str, doc: str = "Static sampler whose set over the training family is the start."):
    return option(default, doc, choices=SEQUENCES)


def learn_weights(default: bool, doc: str = "Optimise per-point weights too."):
    return option(default, doc, kind=bool)


def target_start():
    """The start of the task-specified distillers: a static sampler's set over the target family."""
    return init("sobol", "Static sampler whose set over the target family is the start.")


def outer_lr():
    return option(0.02, "Adam learning rate of the raw (logit) point coordinates and weights.", low=1e-8, high=10.0)


def target_conditions():
    return option(8, "Target conditions drawn per outer step.", low=1)


def target_points():
    return option(64, "Collocation points per target condition per outer step (and a quarter as many condition points).", low=1)
