"""One learner spec per run: the network every PINN of the run is built as, and its recipe."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._device import resolve_device
from ._pinn import ConditionalPINN, check_architecture
from ._recipe import Recipe

__all__ = ["LearnerSpec"]


@dataclass(frozen=True)
class LearnerSpec:
    """The learner A of the formal model: architecture, precision, device and training recipe.

    Built from a config's ``[learner]``; the evaluator trains every fresh
    learner with it, and every distiller builds its inner learner from it
    unless the distiller's own options name another width, depth or dtype.

    Parameters
    ----------
    width, depth : int
        Hidden width and number of hidden layers.
    bc_weight : float
        Weight of the condition misfit relative to the residual.
    dtype : {"float32", "float64"}
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``; checked against
        this machine when a network is built.
    fourier_features : int
        Fourier features of the inputs (0: none).
    fourier_scale : float or dict or tuple of (str, float)
        Standard deviation of the Fourier frequencies: one for every input,
        or one per input name (coordinates and condition parameters; see
        :func:`~pinndd.learner.fourier_scales`). A dict is stored as a tuple
        of pairs, in its order.
    hard_constraints : bool
        Impose every condition through the output form of the problem's
        :meth:`~pde_catalog.Problem.hard_constraint` (only problems that
        define one).
    recipe : Recipe
        How the evaluator trains.
    """

    width: int = 32
    depth: int = 3
    bc_weight: float = 1.0
    dtype: str = "float32"
    device: str = "cpu"
    fourier_features: int = 0
    fourier_scale: float | tuple = 1.0
    hard_constraints: bool = False
    recipe: Recipe = Recipe()

    def __post_init__(self):
        if isinstance(self.fourier_scale, dict):
            object.__setattr__(self, "fourier_scale", tuple(self.fourier_scale.items()))
        check_architecture(self.width, self.depth, self.dtype, self.fourier_features, self.fourier_scale)
        if not (isinstance(self.bc_weight, (int, float)) and 0 <= self.bc_weight < math.inf):
            raise ValueError(f"bc_weight must be finite and non-negative, got {self.bc_weight!r}")
        if not isinstance(self.hard_constraints, bool):
            raise ValueError(f"hard_constraints must be true or false, got {self.hard_constraints!r}")
        if not isinstance(self.recipe, Recipe):
            raise TypeError(f"recipe must be a Recipe, got {type(self.recipe).__name__}")

    def pinn(self, problem, width: int | None = None, depth: int | None = None, *, dtype: str | None = None) -> ConditionalPINN:
        """The learner of ``problem``; ``width``, ``depth``, ``dtype`` override the spec's where given."""
        return ConditionalPINN(
            problem, width or self.width, depth or self.depth, dtype=dtype or self.dtype, device=resolve_device(self.device),
            bc_weight=self.bc_weight, fourier_features=self.fourier_features, fourier_scale=self.fourier_scale,
            hard_constraints=self.hard_constraints,
        )
