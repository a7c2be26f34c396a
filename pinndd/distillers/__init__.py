"""Distillers: from an inference task and a budget to distilled data, one registry for every kind of task."""

from ._base import KINDS, Distiller, PdeDistiller, distiller_class, distiller_names, get_distiller, register_distiller

__all__ = ["KINDS", "Distiller", "PdeDistiller", "distiller_class", "distiller_names", "get_distiller", "register_distiller"]
