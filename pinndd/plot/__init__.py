"""Figures. Functions take ``ax=None``, return the artists and never call ``show``."""

from ._fields import plot_field, plot_points
from ._render import render_figures
from ._shift import plot_error_vs_shift
from ._summary import plot_error_by_split, plot_error_vs_budget
from ._tabular import render_tabular_figures

__all__ = ["plot_error_by_split", "plot_error_vs_budget", "plot_error_vs_shift", "plot_field", "plot_points", "render_figures",
           "render_tabular_figures"]
