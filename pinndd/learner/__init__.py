"""The learner: a conditional PINN and its training recipe, many models trained at once."""

from ._device import resolve_device
from ._lbfgs import LbfgsResult, batched_lbfgs
from ._mlp import forward, forward_jet, init_params
from ._pinn import ConditionalPINN, PointBatch
from ._recipe import Recipe
from ._spec import LearnerSpec
from ._train import TrainResult, train

__all__ = [
    "ConditionalPINN", "LbfgsResult", "LearnerSpec", "PointBatch", "Recipe", "TrainResult",
    "batched_lbfgs", "forward", "forward_jet", "init_params", "resolve_device", "train",
]
