"""Figure creation and atomic saving shared by every plot.

matplotlib is imported on the first figure, not with this module, so that
families can import their plot function without slowing down the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.core.io import atomic_target


def pyplot() -> Any:
    """``matplotlib.pyplot`` with the file-only Agg backend (never needs a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_figure(
    *,
    nrows: int = 1,
    height_ratios: list[float] | None = None,
    width: float = 10.0,
    height: float = 4.0,
) -> tuple[Any, Any]:
    """A figure with ``nrows`` stacked axes sharing the x axis."""
    fig, axes = pyplot().subplots(
        nrows,
        1,
        figsize=(width, height),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": height_ratios} if height_ratios else None,
    )
    return fig, [row[0] for row in axes]


def save_figure(fig: Any, path: str | Path, *, dpi: int = 120) -> Path:
    """Save ``fig`` to ``path`` atomically (format from the suffix) and close it."""
    path = Path(path)
    try:
        with atomic_target(path, suffix=path.suffix or ".png") as target:
            fig.savefig(target, dpi=dpi, bbox_inches="tight")
    finally:
        pyplot().close(fig)
    return path
