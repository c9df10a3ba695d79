"""Service-level objectives: TTFT and TPOT at a percentile."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.core.errors import InputError, check_table
from planner.serve.units import (
    MAX_TPOT_S,
    MAX_TTFT_S,
    format_duration,
    parse_duration,
    parse_percentile,
    parse_slo,
)


@dataclass(frozen=True)
class SLO:
    """Latency targets a plan must meet.

    Attributes
    ----------
    ttft_s
        Time to first token (queueing + prefill), seconds; ``None``: no target.
    tpot_s
        Time per output token after the first (a request's mean), seconds;
        ``None``: no target.
    percentile
        Fraction of requests that must meet both (0.99 for p99). Also sets the
        KV-cache headroom (the cache must hold the in-flight tokens at this
        quantile, so requests are not preempted).
    """

    ttft_s: float | None = None
    tpot_s: float | None = None
    percentile: float = 0.99

    def __post_init__(self) -> None:
        for key in ("ttft_s", "tpot_s"):
            v = getattr(self, key)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
            ):
                raise InputError(f"slo: {key} must be a positive number of seconds, got {v!r}")
            if v is not None and v <= 0:
                raise InputError(f"slo: {key} must be positive, got {v!r}")
        if not 0 < self.percentile < 1:
            raise InputError(f"slo: percentile must lie in (0, 1), got {self.percentile!r}")

    @property
    def any(self) -> bool:
        """True when at least one latency target is set."""
        return self.ttft_s is not None or self.tpot_s is not None

    @property
    def pct_label(self) -> str:
        """``p99`` / ``p99.9``."""
        return f"p{100 * self.percentile:g}"

    def describe(self) -> str:
        """``TTFT p99 <= 1 s, TPOT p99 <= 50 ms`` or ``no latency targets``."""
        parts = []
        if self.ttft_s is not None:
            parts.append(f"TTFT {self.pct_label} <= {format_duration(self.ttft_s)}")
        if self.tpot_s is not None:
            parts.append(f"TPOT {self.pct_label} <= {format_duration(self.tpot_s)}")
        return ", ".join(parts) if parts else "no latency targets"

    def to_dict(self) -> dict[str, Any]:
        """Seconds and percentile (0-100)."""
        return {"ttft_s": self.ttft_s, "tpot_s": self.tpot_s, "percentile": 100 * self.percentile}

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "slo", allow_slow: bool = False
    ) -> SLO:
        """Accepts ``ttft`` / ``tpot`` (``"1s"``, ``"50ms"``; a bare number is milliseconds),
        ``ttft_s`` / ``tpot_s`` (seconds), ``percentile`` (0-100) and ``allow_slow`` (default
        ``allow_slow``: ``--allow-slow`` reaches the SLO tables of a workloads file)."""
        keys = ("ttft", "ttft_s", "tpot", "tpot_s", "percentile", "allow_slow")
        check_table(data, where, keys)
        slow = data.get("allow_slow", allow_slow)
        if not isinstance(slow, bool):
            raise InputError(f"{where}: allow_slow must be true or false, got {slow!r}")
        targets = []
        for key, limit in (("ttft", MAX_TTFT_S), ("tpot", MAX_TPOT_S)):
            if f"{key}_s" in data:
                value = parse_duration(data[f"{key}_s"], what=f"{where}: {key}_s")
                targets.append(
                    parse_slo(
                        value and f"{value}s",
                        what=f"{where}: {key}_s",
                        limit=limit,
                        allow_slow=slow,
                    )
                )
            else:
                targets.append(
                    parse_slo(data.get(key), what=f"{where}: {key}", limit=limit, allow_slow=slow)
                )
        pct = data.get("percentile", 99)
        return cls(*targets, parse_percentile(pct, what=f"{where}: percentile"))
