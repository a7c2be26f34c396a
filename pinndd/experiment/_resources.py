"""What a run would allocate, checked against the machine before any work starts.

The estimate is a lower bound of the largest single allocations of an
experiment: the point arrays of its largest set, the training batch of its
largest evaluation group (sets of one size train together; activations and their derivative streams, kept for
the backward pass), the learner's parameters with their optimiser states, and
the reference and predicted fields of the evaluation. A run whose estimate
exceeds the machine's memory is refused with the key that drives it.
"""

from __future__ import annotations

import os

from ..errors import ConfigError

__all__ = ["PeakMemory", "check_resources", "estimate_bytes", "machine_bytes", "resident_bytes"]

_FLOAT = 8  # bytes; float64 bounds float32 runs from above, which is what a refusal needs
_LBFGS_COPIES = 2  # curvature pairs (s, y) per history entry


def machine_bytes() -> int:
    """Physical memory of this machine in bytes (0 if it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def _grid_points(problem) -> int:
    n = 1
    for size in problem.grid_sizes:
        n *= int(size)
    return n


def estimate_bytes(config, problems) -> dict:
    """Estimated bytes of the run's largest allocations, by the config key that drives each.

    Parameters
    ----------
    config : ExperimentConfig
    problems : sequence of pde_catalog.Problem
        The built problems of the run.

    Returns
    -------
    dict of str to float
        Keyed by ``experiment.budgets`` (or ``distiller.LABEL.n`` when a full-data
        size is the largest), ``learner.width`` and ``evaluation.conditions_per_split``.
    """
    learner, evaluation = config.learner, config.evaluation
    sizes = {"experiment.budgets": max(config.budgets)}
    sizes.update({f"distiller.{d.label}.n": int(d.options.get("n", 0)) for d in config.distillers})
    size_key = max(sizes, key=sizes.get)
    largest = sizes[size_key]
    width = max(learner.width, evaluation.transfer_width or 0)
    depth = max(learner.depth, evaluation.transfer_depth or 0)
    # Sets of one size train as one batch: every distiller's set at a budget, or one full-data set.
    models = len(config.distillers) * len(config.seeds) * evaluation.replicates
    batch_rows = max(models * max(config.budgets), evaluation.replicates * len(config.seeds) * largest)
    out = {size_key: 0.0, "learner.width": 0.0, "evaluation.conditions_per_split": 0.0}
    for problem in problems:
        columns = len(problem.coords) + problem.family.dim
        streams = 1 + 2 * len(problem.coords) + len(problem.coords) ** 2  # values, first, second derivatives
        points = largest * columns * _FLOAT * 4  # unit rows, points, a padded batch, a copy
        activations = batch_rows * streams * width * depth * _FLOAT * 3
        params = models * width * (width * depth + columns + len(problem.outputs)) * _FLOAT
        params *= 4 + _LBFGS_COPIES * learner.recipe.lbfgs_history
        k = evaluation.conditions_per_split * len(config.splits)
        fields = k * len(problem.outputs) * _grid_points(problem) * _FLOAT * (2 + models)
        out[size_key] = max(out[size_key], points + activations)
        out["learner.width"] = max(out["learner.width"], params)
        out["evaluation.conditions_per_split"] = max(out["evaluation.conditions_per_split"], fields)
    return out


def check_resources(config, problems, *, available: int | None = None) -> None:
    """Raise :class:`ConfigError` if the run's estimated memory exceeds the machine's.

    The message names the key driving the largest allocation, the estimate
    and the machine's memory.
    """
    available = machine_bytes() if available is None else available
    if not available:
        return
    estimates = estimate_bytes(config, problems)
    key = max(estimates, key=estimates.get)
    total = sum(estimates.values())
    if total > available:
        raise ConfigError(
            f"{key}: the run would need at least {total / 2**30:.3g} GiB of memory "
            f"({estimates[key] / 2**30:.3g} GiB from {key}) but this machine has {available / 2**30:.3g} GiB; "
            "reduce it (budgets, [distiller.X] n, width, replicates, conditions_per_split)"
        )


def resident_bytes() -> int:
    """Resident memory of this process now, in bytes (0 where ``/proc`` is not there)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class PeakMemory:
    """Peak resident memory of this process while a block runs, sampled every ``interval`` seconds.

    A cell runs alone in its worker process (one cell per worker at a time),
    so the peak is the cell's own plus the worker's baseline.

    Examples
    --------
    >>> with PeakMemory() as peak:
    ...     work()
    >>> peak.megabytes
    """

    def __init__(self, interval: float = 0.01):
        import threading

        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, resident_bytes())
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "PeakMemory":
        self.peak = resident_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_bytes())

    @property
    def megabytes(self) -> float:
        """The peak in MiB."""
        return self.peak / 2**20
