"""The learner: a conditional PINN and its training recipe, many models trained at once."""

from ._condition_loss import per_condition_loss, per_condition_terms
from ._device import resolve_device
from ._implicit import ImplicitGradient, implicit_gradient
from ._lbfgs import LbfgsResult, batched_lbfgs
from ._mlp import forward, forward_jet, init_params
from ._pinn import ConditionalPINN, PointBatch, check_hard_constraints, fourier_scales, hard_constraint_problems
from ._pool import LearnerPool
from ._recipe import Recipe
from ._spec import LearnerSpec
from ._train import TrainResult, train

__all__ = [
    "ConditionalPINN", "ImplicitGradient", "LbfgsResult", "LearnerPool", "LearnerSpec", "PointBatch", "Recipe", "TrainResult",
    "batched_lbfgs", "check_hard_constraints", "forward", "forward_jet", "fourier_scales", "hard_constraint_problems", "implicit_gradient", "init_params", "per_condition_loss", "per_condition_terms", "resolve_device", "train",
]
