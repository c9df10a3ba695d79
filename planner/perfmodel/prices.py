"""The GPU price table: on-demand, reserved and spot USD per GPU-hour by GPU type.

The shipped table is ``models/prices/gpu-hour.toml`` (every price with its public source
or marked as an assumption); ``--prices FILE.toml`` replaces it. Layout::

    [gpu.H100-SXM]                    # a GPU name or alias of the hardware catalog
    on_demand = 3.78                  # USD per GPU-hour (required)
    on_demand_source = "..."          # optional: where the price comes from
    reserved = 2.27                   # optional tiers
    reserved_source = "..."
    spot = 1.32
    spot_source = "..."
    spot_preemption_per_hour = 0.05   # share of spot GPUs lost per hour (day profiles)
    spot_preemption_source = "..."

:func:`apply_pricing` sets the price of every pool of an inventory from one tier;
:func:`price_cluster` is the ``--pricing TIER`` / ``--prices FILE`` pair that ``plan serve`` and
``plan train`` share (moved here from ``planner.serve.prices``, which re-exports it, so that
training reads the same table with the same parser).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from planner.core import validate
from planner.core.errors import InputError, check_table
from planner.core.io import read_toml
from planner.core.paths import models_dir
from planner.perfmodel.hardware import ClusterSpec, get_gpu

TIERS = ("on-demand", "reserved", "spot")
_FIELDS = {"on-demand": "on_demand", "reserved": "reserved", "spot": "spot"}


def default_prices_path() -> Path:
    """The shipped table."""
    return models_dir() / "prices" / "gpu-hour.toml"


@dataclass(frozen=True)
class GpuPrice:
    """Prices of one GPU type (USD per GPU-hour; ``None``: tier not priced)."""

    gpu: str
    on_demand: float
    reserved: float | None = None
    spot: float | None = None
    spot_preemption_per_hour: float | None = None
    sources: tuple[tuple[str, str], ...] = ()

    def tier(self, tier: str) -> float | None:
        """The price of ``tier`` (``on-demand``, ``reserved`` or ``spot``)."""
        return getattr(self, _FIELDS[tier])

    def source(self, tier: str) -> str:
        """Where the price of ``tier`` comes from ('' when the file does not say)."""
        return dict(self.sources).get(_FIELDS[tier], "")


def _price(value: Any, where: str, *, fraction: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where} must be a number, got {value!r}")
    if value < 0 or (fraction and value > 1):
        limit = "in [0, 1]" if fraction else ">= 0"
        raise InputError(f"{where} must be {limit}, got {value!r}")
    return float(value)


def parse_prices(data: Mapping[str, Any], where: str) -> dict[str, GpuPrice]:
    """The table of a parsed price file, keyed by catalog GPU name."""
    check_table(data, where, ("gpu",), required=("gpu",))
    gpus = data["gpu"]
    if not isinstance(gpus, Mapping) or not gpus:
        raise InputError(f"{where}: gpu must be a table of GPU types")
    keys = ("on_demand", "reserved", "spot", "spot_preemption_per_hour")
    out: dict[str, GpuPrice] = {}
    for name, row in gpus.items():
        at = f"{where}: gpu.{name}"
        if not isinstance(row, Mapping):
            raise InputError(f"{at} must be a table")
        check_table(
            row,
            at,
            [*keys, "on_demand_source", "reserved_source", "spot_source", "spot_preemption_source"],
            required=("on_demand",),
        )
        try:
            gpu = get_gpu(str(name)).name
        except InputError as exc:
            raise InputError(f"{at}: {exc}") from None
        if gpu in out:
            raise InputError(f"{at}: GPU {gpu} priced twice")
        values = {
            k: _price(row[k], f"{at}.{k}", fraction=k == "spot_preemption_per_hour")
            for k in keys
            if k in row
        }
        sources = []
        for k in keys:
            key = f"{k.removesuffix('_per_hour')}_source"
            if key in row:
                if not isinstance(row[key], str):
                    raise InputError(f"{at}.{key} must be a string")
                sources.append((k, row[key]))
        out[gpu] = GpuPrice(gpu, **values, sources=tuple(sources))
    return out


def load_prices(path: str | Path | None = None) -> dict[str, GpuPrice]:
    """The price table of ``path`` (the shipped one when ``None``)."""
    path = Path(path) if path is not None else default_prices_path()
    return parse_prices(read_toml(path), str(path))


def apply_pricing(
    inventory: ClusterSpec, tier: str, table: Mapping[str, GpuPrice], *, where: str = "--prices"
) -> ClusterSpec:
    """``inventory`` with every pool's GPU priced at ``tier`` from ``table``."""
    if tier not in TIERS:
        raise InputError(f"--pricing must be one of {', '.join(TIERS)}, got {tier!r}")
    pools = []
    for pool in inventory.pools:
        row = table.get(pool.gpu.name)
        price = None if row is None else row.tier(tier)
        if price is None:
            raise InputError(
                f"{where}: no {tier} price for GPU {pool.gpu.name} (gpu.{pool.gpu.name})"
            )
        pools.append(replace(pool, gpu=replace(pool.gpu, price_per_gpu_hour=price)))
    return replace(inventory, pools=tuple(pools))


def pricing_json(inventory: ClusterSpec, tier: str, table: Mapping[str, GpuPrice]) -> dict:
    """``{"tier", "gpus": {name: {"usd_per_gpu_hour", "source"}}}`` for the JSON output."""
    return {
        "tier": tier,
        "gpus": {
            p.gpu.name: {
                "usd_per_gpu_hour": p.gpu.price_per_gpu_hour,
                "source": table[p.gpu.name].source(tier) if p.gpu.name in table else "",
            }
            for p in inventory.pools
        },
    }


def price_cluster(
    cluster: ClusterSpec, pricing: str | None, prices: str | Path | None
) -> tuple[ClusterSpec, dict[str, Any] | None]:
    """``cluster`` priced from the table (``--prices FILE``, default the shipped one) at tier
    ``pricing`` (default ``on-demand``), and its JSON record (:func:`pricing_json` plus
    ``file``); ``cluster`` unchanged and ``None`` when neither is given (the hardware catalog's
    indicative prices stay)."""
    if pricing is None and prices is None:
        return cluster, None
    if pricing is not None and pricing not in TIERS:
        # an empty --pricing was read as on-demand; a library caller was told "--pricing"
        raise InputError(
            f"{validate.arg('pricing')} must be one of {', '.join(TIERS)}, got {pricing!r}"
        )
    table = load_prices(prices)
    tier = pricing or "on-demand"
    priced = apply_pricing(cluster, tier, table)
    record = pricing_json(priced, tier, table)
    record["file"] = str(prices) if prices is not None else "models/prices/gpu-hour.toml"
    return priced, record


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
