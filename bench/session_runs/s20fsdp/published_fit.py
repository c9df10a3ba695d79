"""s20fsdp: every LLM Foundry row's published layout under the memory model: fits, and its
headroom to the capacity (GiB), tightest first. Run with the base and this branch on PYTHONPATH.

Usage: PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s20fsdp/published_fit.py
"""

from __future__ import annotations

from planner.perfmodel.calibration.published import ROWS
from planner.perfmodel.memory import GIB
from planner.train.calibration import row_estimate, row_problem


def main() -> None:
    out = []
    for r in ROWS:
        if r.source != "llmfoundry2401":
            continue
        est = row_estimate(r)
        cap = row_problem(r).cluster.pools[0].gpu.usable_bytes / GIB
        out.append((cap - est.memory.total_gib, r.id, est.fits))
    out.sort()
    print(f"rows {len(out)}, over memory {sum(not f for _, _, f in out)}")
    for left, rid, fits in out[:12]:
        print(f"{rid}: {'fits' if fits else 'OVER'}, {left:+.1f} GiB left (after headroom)")


if __name__ == "__main__":
    main()
