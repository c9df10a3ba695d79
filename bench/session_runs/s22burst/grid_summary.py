"""Summaries of two ``grid_model_side.py`` outputs (model side of the simulator grid against
the committed simulations): p90 / p99 below 80 % utilisation, TTFT and TPOT within 15 %, mean
and largest |TTFT error|, and the rows whose model TTFT moved.

Usage::

    .venv/bin/python bench/session_runs/s22burst/grid_summary.py BEFORE.json AFTER.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = 0.15


def summary(rows: list[dict], tag: str, pct: int) -> str:
    below = [r for r in rows if r["utilisation"] < 0.8 and r["percentile"] == pct]
    ttft = [abs(r["new_ttft_err"]) for r in below]
    both = ttft + [abs(r["new_tpot_err"]) for r in below]
    return (
        f"p{pct} below 80 %, {tag}: mean |TTFT err| {100 * sum(ttft) / len(ttft):.2f} %, "
        f"TTFT within 15 % {sum(e <= TARGET for e in ttft)}/{len(ttft)}, TTFT+TPOT within "
        f"15 % {sum(e <= TARGET for e in both)}/{len(both)}, largest TTFT {100 * max(ttft):.1f} %"
    )


def main() -> None:
    before, after = (json.loads(Path(p).read_text()) for p in sys.argv[1:3])
    for pct in (90, 99):
        print(summary(before, "before", pct))
        print(summary(after, "after ", pct))
    print("\nrows whose model TTFT moved (below 80 %: *):")
    for b, a in zip(before, after, strict=True):
        assert (b["case"], b["utilisation"], b["percentile"]) == (
            a["case"],
            a["utilisation"],
            a["percentile"],
        )
        if abs(a["new_ttft_s"] / b["new_ttft_s"] - 1) > 1e-6:
            mark = "*" if a["utilisation"] < 0.8 else " "
            print(
                f"{mark} {a['case']:46s} {a['utilisation']:4.0%} p{a['percentile']}: TTFT "
                f"{1000 * b['new_ttft_s']:7.1f} -> {1000 * a['new_ttft_s']:7.1f} ms (sim "
                f"{1000 * a['sim_ttft_s']:7.1f}): {100 * b['new_ttft_err']:+6.1f} -> "
                f"{100 * a['new_ttft_err']:+6.1f} %"
            )


if __name__ == "__main__":
    main()
