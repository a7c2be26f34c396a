"""Every seed scheme of the package, in one place.

A run is reproducible from its config because every random stream derives
from a seed in the config through one of the rules below, and honest because
evaluation seeds never coincide with distillation seeds.

PDE experiments
    Distillation seeds are the config's ``experiment.seeds`` (below
    :data:`DISTILL_SEED_LIMIT`). A distiller's inner learners take seeds below
    :data:`LEARNER_SEED_LIMIT`; fresh evaluation learners take
    :func:`eval_seed`, at or above :data:`EVAL_SEED_OFFSET`, so the two never
    meet. Streams inside a distillation derive from its seed and a fixed
    tag (:func:`stream`), one tag per purpose.
Tabular experiments
    Evaluation learners of seed ``s`` use ``s + TABULAR_EVAL_SEED_OFFSET``;
    the task distiller's validation split of seed ``s`` uses
    ``s + TABULAR_SPLIT_SEED_OFFSET``.
Fixed draws
    :data:`FOURIER_SEED` draws the Fourier-feature matrix (the same for every
    model and run); :data:`CONDITION_TAG` the held-out evaluation conditions.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONDITION_TAG", "DISTILL_SEED_LIMIT", "EVAL_SEED_OFFSET", "FOURIER_SEED", "FULL_DATA_TAG", "LEARNER_SEED_LIMIT",
    "TABULAR_EVAL_SEED_OFFSET", "TABULAR_SPLIT_SEED_OFFSET", "TASK_TAG", "eval_seed", "stream",
]

EVAL_SEED_OFFSET = 1_000_000
"""Evaluation learners' seeds start here."""
LEARNER_SEED_LIMIT = EVAL_SEED_OFFSET
"""Distillers' inner learners take seeds below this."""
DISTILL_SEED_LIMIT = EVAL_SEED_OFFSET // 1000
"""Distillation seeds lie in ``[0, DISTILL_SEED_LIMIT)`` (room for 1000 replicates each)."""
FOURIER_SEED = 20230812
"""Generator seed of the Fourier-feature matrix."""
CONDITION_TAG = 0x5EED
"""Tag of the held-out evaluation conditions' stream."""
FULL_DATA_TAG = 0xD47A
"""Tag of the classic distillers' full-data stream."""
TASK_TAG = 0x7A5C
"""Tag of the task distiller's target-condition stream."""
ADAPTIVE_TAG = 1
"""Tag of the residual-adaptive samplers' stream (candidate pools and learner seed)."""
TABULAR_EVAL_SEED_OFFSET = 10_000
"""Tabular evaluation learners of seed ``s`` use ``s + TABULAR_EVAL_SEED_OFFSET``."""
TABULAR_SPLIT_SEED_OFFSET = 7919
"""The tabular task distiller's validation split of seed ``s`` uses ``s + TABULAR_SPLIT_SEED_OFFSET``."""


def eval_seed(distill_seed: int, replicate: int) -> int:
    """Learner seed for evaluation replicate ``replicate`` of a set distilled with ``distill_seed``.

    Distillation seeds are below :data:`DISTILL_SEED_LIMIT`; evaluation seeds
    are at or above :data:`EVAL_SEED_OFFSET`, so the two never coincide.

    Raises
    ------
    ValueError
        For a distillation seed outside ``[0, DISTILL_SEED_LIMIT)``.
    """
    if not 0 <= distill_seed < DISTILL_SEED_LIMIT:
        raise ValueError(f"distillation seeds must lie in [0, {DISTILL_SEED_LIMIT}), got {distill_seed}")
    return EVAL_SEED_OFFSET + 1000 * distill_seed + replicate


def stream(seed: int, tag: int) -> np.random.Generator:
    """The generator of purpose ``tag`` inside the work seeded by ``seed``."""
    return np.random.default_rng([seed, tag])
