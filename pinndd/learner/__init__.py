"""The learner: a conditional PINN trained functionally, many models at once."""

from ._mlp import forward, forward_jet, init_params
from ._pinn import ConditionalPINN, PointBatch
from ._train import TrainResult, train

__all__ = ["ConditionalPINN", "PointBatch", "TrainResult", "forward", "forward_jet", "init_params", "train"]
