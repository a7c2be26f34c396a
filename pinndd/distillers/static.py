"""Static samplers: points drawn once from a (quasi-)random sequence, no training.

Each draws the budget over the domain and a condition family: the task's
training family by default (task-unaware), or its target family with
``family = "target"`` (the task-aware baseline of the benchmark protocol).
The full-data baseline is ``full``: ``n`` uniform points over the training
family regardless of the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..options import Options, option
from ..pointset import make_point_set
from ..sampling import sample_point_arrays
from . import _options
from ._base import PdeDistiller, register_distiller

__all__ = ["SamplerOptions", "StaticSampler", "Uniform", "LatinHypercube", "Halton", "Hammersley", "Sobol", "FullData"]


@dataclass(frozen=True)
class SamplerOptions(Options):
    family: str = _options.family()
    boundary_fraction: float = _options.boundary_fraction()


class StaticSampler(PdeDistiller):
    """Draw the budget from the sequence ``method`` (see :func:`pinndd.sampling.unit_sequence`)."""

    method: str
    Options = SamplerOptions

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
    """

    @dataclass(frozen=True)
    class Options(SamplerOptions):
        n: int = option(8192, "Number of points (16 times a budget of 512).", low=8)

    name = "full"
    method = "uniform"
    budgeted = False

    def distill(self, task, budget, *, seed, progress=False):
        return super().distill(task, self.params["n"], seed=seed, progress=progress).with_attrs(budget=budget)
