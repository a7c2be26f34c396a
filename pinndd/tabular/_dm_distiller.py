"""Distribution matching: synthetic rows whose statistics match every site's observed ones.

For each site ``s`` the synthetic table, restricted to the features ``s``
measured and joined with the label column, should have the same mean and
covariance as ``s``'s training rows over those columns (pairwise-complete
moments, so a sporadically missing value does not bias them). The discrepancy
(squared error of means plus squared Frobenius error of covariances, both in
standardised units) is aggregated over sites by the task's risk measure and
minimised with Adam over the synthetic features. Labels stay those of the
initial rows (``m`` pooled, iteratively imputed training rows): this objective
is task-unaware apart from the sites' feature sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from pinndd.distillers import register_distiller
from pinndd.options import Options, option

from ._distiller import TabularDistiller, positive
from ._task_objective import Space as _Space
from .baselines import random_subset
from .learners import TrainingSet

__all__ = ["DistributionMatching"]


@register_distiller
class DistributionMatching(TabularDistiller):
    """Match per-site means and covariances of observed features and the label (task-unaware).
    """

    name = "distribution_matching"

    @dataclass(frozen=True)
    class Options(Options):
        steps: int = option(300, "Adam steps.", low=1)
        lr: float = option(0.05, "Adam learning rate (standardised units).", check=positive)

    def distill(self, task, budget: int, *, seed: int, progress: bool = False) -> TrainingSet:
        """Return ``budget`` synthetic rows over ``task.columns`` (raw units) with labels.

        Parameters
        ----------
        task : MergeTask
            Its sources must be the sites' training rows only; the target
            family is not read (a task-unaware view will do).
        budget : int
            Number of synthetic rows ``m``.
        seed : int
            Seeds the initial rows.
        progress : bool
            Unused (no progress bar).
        """
        o, sources = self.options, task.training_family()
        init = random_subset(sources, budget, seed=seed)
        space = _Space.fit(task)
        y_syn = torch.tensor((init.y - space.y_mu) / space.y_sd)
        targets = []
        for s in sources:
            idx = [task.columns.index(c) for c in task.deploy_columns(s.features)]
            data = np.column_stack([space.to_z(s.matrix(task.columns))[:, idx],
                                    (s.labels() - space.y_mu) / space.y_sd])
            mean, cov = _moments(data)
            targets.append((idx, torch.tensor(mean), torch.tensor(cov)))
        z = torch.as_tensor(space.to_z(init.x)).clone().requires_grad_(True)
        opt = torch.optim.Adam([z], lr=o.lr)
        for _ in range(o.steps):
            opt.zero_grad()
            losses = []
            for idx, mean, cov in targets:
                joint = torch.cat([z[:, idx], y_syn.unsqueeze(1)], dim=1)
                mu = joint.mean(0)
                centred = joint - mu
                c = centred.T @ centred / (joint.shape[0] - 1)
                losses.append(((mu - mean) ** 2).sum() + ((c - cov) ** 2).sum() / len(mean))
            task.risk_of(torch.stack(losses)).backward()
            opt.step()
        return TrainingSet(task.columns, space.from_z(z.detach().numpy()), init.y.copy())


def _moments(data: np.ndarray):
    """Mean and pairwise-complete covariance of ``data`` (shape ``(n, k)``, NaN allowed)."""
    import pandas as pd

    frame = pd.DataFrame(data)
    return frame.mean().to_numpy(), frame.cov().fillna(0.0).to_numpy()
