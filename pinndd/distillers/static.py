"""Static samplers: points drawn once from a (quasi-)random sequence, no training.

Each draws the budget over the domain and a condition family: the task's
training family by default (task-unaware), or its target family with
``family = "target"`` (the task-aware baseline of the benchmark protocol).
The full-data baseline is ``full``: ``n`` uniform points over the training
family regardless of the budget.
"""

from __future__ import annotations

from ..pointset import make_point_set
from ..sampling import sample_point_arrays
from ._base import Distiller, register_distiller

__all__ = ["StaticSampler", "Uniform", "LatinHypercube", "Halton", "Hammersley", "Sobol", "FullData"]


class StaticSampler(Distiller):
    """Draw the budget from the sequence ``method`` (see :func:`pinndd.sampling.unit_sequence`).

    Options
    -------
    family : {"train", "target"}
        Condition family to draw parameters from (default ``"train"``).
    boundary_fraction : float
        Share of the budget on the conditions (default 0.25); see
        :func:`pinndd.sampling.split_budget`.
    """

    method: str
    options = {"family": "train", "boundary_fraction": 0.25}

    def validate(self):
        self._choice("family", ("train", "target"))
        self._number("boundary_fraction", 0.01, 0.99)

    @property
    def task_aware(self) -> bool:
        return self.params["family"] == "target"

    def region(self, task):
        """The parameter distribution points are drawn from."""
        return task.target_region() if self.params["family"] == "target" else task.training_region()

    def distill(self, task, budget, *, seed, progress=False):
        arrays = sample_point_arrays(
            task.problem,
            self.region(task),
            budget,
            method=self.method,
            seed=seed,
            boundary_fraction=self.params["boundary_fraction"],
        )
        return make_point_set(task.problem, *arrays, attrs={"distiller": self.name, "budget": budget, "seed": seed, **self.params})


@register_distiller
class Uniform(StaticSampler):
    """I.i.d. uniform points."""

    name = method = "uniform"


@register_distiller
class LatinHypercube(StaticSampler):
    """Latin hypercube sample."""

    name, method = "lhs", "lhs"


@register_distiller
class Halton(StaticSampler):
    """Scrambled Halton sequence."""

    name = method = "halton"


@register_distiller
class Hammersley(StaticSampler):
    """Hammersley set (with a seeded shift)."""

    name = method = "hammersley"


@register_distiller
class Sobol(StaticSampler):
    """Scrambled Sobol sequence."""

    name = method = "sobol"


@register_distiller
class FullData(StaticSampler):
    """The full data D: ``n`` uniform points over the training family, whatever the budget.

    With ``family = "target"`` it is the full data over the task's target
    family Q instead: what one would use with an unlimited budget and
    knowledge of Q (a task-aware reference, not a distiller).

    Options
    -------
    n : int
        Number of points (default 8192, i.e. 16 times a budget of 512).
    family : {"train", "target"}
        Condition family the points cover (default ``"train"``).
    boundary_fraction : float
        As for the other samplers.
    """

    name = "full"
    method = "uniform"
    options = {"n": 8192, "family": "train", "boundary_fraction": 0.25}

    def validate(self):
        self._number("n", 8, None, integer=True)
        self._choice("family", ("train", "target"))
        self._number("boundary_fraction", 0.01, 0.99)

    def distill(self, task, budget, *, seed, progress=False):
        return super().distill(task, self.params["n"], seed=seed, progress=progress).with_attrs(budget=budget)
