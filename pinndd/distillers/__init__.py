"""Distillers: from an inference task and a budget to a PointSet."""

from ._base import Distiller, distiller_names, get_distiller, register_distiller

__all__ = ["Distiller", "distiller_names", "get_distiller", "register_distiller"]
