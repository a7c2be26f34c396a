"""The base of the tabular distillers: a merge task and a budget in, training table(s) out."""

from __future__ import annotations

from typing import ClassVar

from pinndd.distillers import Distiller

__all__ = ["TabularDistiller", "positive"]


class TabularDistiller(Distiller):
    """Base of the distillers of merge tasks (:class:`~pinndd.tabular.MergeTask`).

    :meth:`distill` sees the sites' training rows only and returns one
    :class:`~pinndd.tabular.TrainingSet` over the task's columns, or a dict of
    site name to :class:`~pinndd.tabular.TrainingSet`. ``needs_complete``
    marks a reference that reads ``task.complete`` (the rows with every
    feature), which only some data have.
    """

    kind = "tabular"
    needs_complete: ClassVar[bool] = False


def positive(value) -> str | None:
    """Option check (:func:`pinndd.options.option`): why ``value`` is not a positive number, or ``None``."""
    return None if value > 0 else f"must be positive, got {value!r}"
