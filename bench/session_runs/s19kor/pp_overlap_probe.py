"""Probe: the Table 1 / Table 5 rows with Megatron 2021/2022's blocking pipeline sends.

Megatron-LM added ``--overlap-p2p-communication`` on 2023-05-31 (f9283c5a8a); before it the
interleaved schedule's sends and receives block. Prints each row's error with the shipped
software and with ``pp_overlap=False`` (no refit).

Usage: PYTHONPATH=. python bench/session_runs/s19kor/pp_overlap_probe.py
"""

from __future__ import annotations

import dataclasses

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import ROWS
from planner.train.calibration import predict


def main() -> None:
    for row in ROWS:
        if not row.id.startswith(("narayanan2021", "korthikanti2022")):
            continue
        sw = dict(row.software)
        base = predict(row)
        off = predict(dataclasses.replace(row, software=tuple({**sw, "pp_overlap": False}.items())))
        e0 = (base - row.value) / row.value * 100
        e1 = (off - row.value) / row.value * 100
        print(f"{row.id:40s} v{row.interleave} err {e0:+6.1f} % -> {e1:+6.1f} %")


if __name__ == "__main__":
    main()
