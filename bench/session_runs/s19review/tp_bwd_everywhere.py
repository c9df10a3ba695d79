"""Rows whose code overlaps the column-parallel backward collectives (TP > 1, no TE user-buffer
overlap) but do not carry ``tp_bwd_overlap``: their error with and without it.

Usage (from a worktree that has ``Software.tp_bwd_overlap``, e.g. s19kor):
PYTHONPATH=. python /work/wt/s19review/bench/session_runs/s19review/tp_bwd_everywhere.py
"""

from __future__ import annotations

import dataclasses

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.published import ROWS
from planner.train.calibration import predict


def main() -> None:
    print(f"{'row':60s} {'split':8s} {'as is':>7s} {'with':>7s}")
    for r in ROWS:
        if not hasattr(r, "software"):  # serving rows
            continue
        sw = dict(r.software)
        if r.tp <= 1 or sw.get("tp_overlap") or "tp_bwd_overlap" in sw:
            continue
        base = predict(r) / r.value - 1
        on = dataclasses.replace(r, software=(*r.software, ("tp_bwd_overlap", True)))
        new = predict(on) / r.value - 1
        print(f"{r.id:60s} {r.split:8s} {base:+7.1%} {new:+7.1%}")


if __name__ == "__main__":
    main()
