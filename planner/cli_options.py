"""Typer options that more than one family's CLI declares, defined once.

``plan serve`` and ``plan train`` both read the GPU price table (:mod:`planner.perfmodel.prices`)
with ``--pricing TIER`` and ``--prices FILE``; each CLI used to spell the two options out, and
their help had already drifted apart. A CLI uses the aliases as parameter annotations::

    Pricing = pricing_option()
    def serve(..., pricing: Pricing = None, prices: Prices = None): ...

``see_also`` appends a pointer to the help text (``plan train`` says ", as plan serve").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

#: Help of ``--pricing`` (without its final period).
PRICING_HELP = (
    "Price tier from the price table: on-demand, reserved or spot "
    "(default: the hardware catalog's indicative price)"
)
#: Help of ``--prices`` (without its final period).
PRICES_HELP = (
    "Price table TOML ([gpu.NAME] on_demand/reserved/spot USD per GPU-hour; "
    "default models/prices/gpu-hour.toml)"
)


def pricing_option(see_also: str = "") -> Any:
    """The ``--pricing TIER`` parameter type (``str | None``; the tier is checked where the
    table is applied, :func:`planner.perfmodel.prices.apply_pricing`).

    Parameters
    ----------
    see_also
        Text appended to the help before its final period (e.g. ``", as plan serve"``).

    Returns
    -------
    Any
        An ``Annotated`` type for a Typer command parameter.
    """
    return Annotated[str | None, typer.Option("--pricing", help=f"{PRICING_HELP}{see_also}.")]


def prices_option(see_also: str = "") -> Any:
    """The ``--prices FILE`` parameter type (``Path | None``; read by
    :func:`planner.perfmodel.prices.load_prices`).

    Parameters
    ----------
    see_also
        Text appended to the help before its final period.

    Returns
    -------
    Any
        An ``Annotated`` type for a Typer command parameter.
    """
    return Annotated[Path | None, typer.Option("--prices", help=f"{PRICES_HELP}{see_also}.")]


__all__ = ["PRICES_HELP", "PRICING_HELP", "prices_option", "pricing_option"]
