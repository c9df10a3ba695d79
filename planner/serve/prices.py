"""The GPU price table: moved to :mod:`planner.perfmodel.prices` (shared with ``plan train``);
re-exported here so that existing imports keep working."""

from planner.perfmodel.prices import (
    TIERS,
    GpuPrice,
    apply_pricing,
    default_prices_path,
    load_prices,
    parse_prices,
    price_cluster,
    pricing_json,
)

__all__ = [
    "TIERS",
    "GpuPrice",
    "apply_pricing",
    "default_prices_path",
    "load_prices",
    "parse_prices",
    "price_cluster",
    "pricing_json",
]
