"""Plots: Gantt charts, pipeline timelines, benchmark charts (matplotlib, Agg backend)."""

from planner.plot.figures import new_figure, save_figure
from planner.plot.gantt import Bar, draw_gantt

__all__ = ["Bar", "draw_gantt", "new_figure", "save_figure"]
