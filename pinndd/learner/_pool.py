"""A pool of learners restarted from fresh initialisations, their ages staggered.

The distillers that differentiate through training (``task``,
``gradient_matching``) judge a point set by a pool of learners at different
points of their training: learner ``k`` starts ``k / n`` of the way to its
first restart, and each restarts from a new random initialisation once it is
``horizon`` steps old, so the pool always holds young and old learners.
"""

from __future__ import annotations

import numpy as np

from ._functional import AdamState, adam_init, replace_model, staggered_ages

__all__ = ["LearnerPool"]


def _detached(params) -> list:
    return [tuple(t.detach() for t in layer) for layer in params]


class LearnerPool:
    """``n`` learners' parameters, their Adam state and their ages.

    Parameters
    ----------
    pinn : ConditionalPINN
        Makes fresh initialisations (``pinn.init``).
    params : list of (W, b)
        The ``n`` learners' starting parameters (detached here).
    horizon : int
        Steps after which a learner restarts.
    ages : numpy.ndarray of int, optional
        Starting ages; :func:`staggered_ages` by default.
    """

    def __init__(self, pinn, params, horizon: int, ages=None):
        self.pinn, self.horizon = pinn, int(horizon)
        self.params = _detached(params)
        self.adam: AdamState = adam_init(self.params)
        n = self.params[0][0].shape[0]
        self.ages = staggered_ages(n, self.horizon) if ages is None else np.asarray(ages).copy()

    @property
    def size(self) -> int:
        """Number of learners."""
        return len(self.ages)

    def update(self, params, adam: AdamState, steps: int) -> None:
        """Take the pool's state after ``steps`` training steps (detached from any graph)."""
        self.params, self.adam = _detached(params), adam.detach()
        self.ages += steps

    def restart_due(self, new_seed, failed=None) -> list[int]:
        """Restart every learner at its horizon (and every ``failed`` one) from a fresh initialisation.

        Parameters
        ----------
        new_seed : callable
            ``new_seed() -> int``: the initialisation seed of the next restart
            (drawn from the caller's stream, in learner order).
        failed : numpy.ndarray of bool, optional
            Learners to restart whatever their age (e.g. a non-finite loss).

        Returns
        -------
        list of int
            The restarted learners.
        """
        due = self.ages >= self.horizon
        if failed is not None:
            due |= np.asarray(failed, dtype=bool)
        restarted = [int(k) for k in np.flatnonzero(due)]
        for k in restarted:
            self.params = replace_model(self.params, k, self.pinn.init([new_seed()]))
            self.adam = self.adam.restart(k)
            self.ages[k] = 0
        return restarted
