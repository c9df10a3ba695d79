"""s24pools: the sweep's rows as a Markdown table (main and branch side by side).

Usage: python bench/session_runs/s24pools/table.py bench/session_runs/s24pools/sweep.jsonl
"""

from __future__ import annotations

import json
import sys


def cell(r: dict | None) -> str:
    if r is None:
        return "-"
    obj = f"{r['objective']:.2f}" if r["objective"] is not None else "-"
    bound = f"{r['bound']:.2f}" if r["bound"] is not None else "-"
    fb = " (rule)" if r.get("fallback") else ""
    return f"{r['status']} {obj}{fb} / {bound}, {r['cpu']:.1f} s CPU, load {r['load1']:.1f}"


def main() -> None:
    rows: dict[tuple, dict] = {}
    for path in sys.argv[1:]:
        with open(path) as fh:
            lines = fh.read().splitlines()
        for line in lines:
            r = json.loads(line)
            rows[(r["model"].removesuffix(".json"), r["cluster"], r["t"], r["version"])] = r
    keys = sorted({k[:3] for k in rows}, key=lambda k: (k[1], k[0], k[2]))
    print("| model | cluster | -t | main: status step s / bound | branch: status step s / bound |")
    print("| --- | --- | --- | --- | --- |")
    for k in keys:
        print(
            f"| {k[0]} | {k[1]} | {k[2]:g} | {cell(rows.get((*k, 'main')))} | "
            f"{cell(rows.get((*k, 'branch')))} |"
        )


if __name__ == "__main__":
    main()
