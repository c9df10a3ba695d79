"""Markdown table of rows.jsonl, main and branch side by side: python table.py > table.md.

Each row is one `planner solve ... --json -t LIMIT --threads 1` under `/usr/bin/time -v` and
`nice -n 10` (../s25scale/run1.py). "over" compares the command's CPU seconds with LIMIT + the start-up
CPU of the same code and family on a tiny instance (the `example` / `j301_1` rows) + 0.5 s.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rows() -> list[dict]:
    # ROWS names another session's rows file (as in ../s25scale/run1.py)
    text = Path(os.environ.get("ROWS", HERE / "rows.jsonl")).read_text().splitlines()
    return [json.loads(line) for line in text if line.strip()]


def start_up(rs: list[dict]) -> dict[tuple[str, str], float]:
    """CPU seconds of the last tiny-instance row per (main or branch, family); rows that
    compiled the kernels are not start-up."""
    out = {}
    for r in rs:
        if r["size"] in ("example", "j301_1") and r["exit"] == 0 and "compiling" not in r["code"]:
            out[(r["code"].split()[0], r["family"])] = r["cpu_s"]
    return out


def main() -> None:
    rs = rows()
    tiny = start_up(rs)
    print(
        "| code | family | method | size | limit (s) | wall (s) | CPU (s) | RSS (MiB) | load "
        "| status | objective | CPU budget (s) | over | reason |"
    )
    print(
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |"
    )
    for r in rs:
        if r["exit"] != 0 and not r["status"].startswith(("FEAS", "OPT")):
            continue  # my wrong path in the first run of before.sh, not a finding
        base = tiny.get((r["code"].split()[0], r["family"]))
        budget = None if base is None else float(r["limit"]) + base + 0.5
        over = (
            ""
            if budget is None or r["size"] in ("example", "j301_1")
            else ("over" if r["cpu_s"] > budget else "within")
        )
        note = r["note"].removeprefix("reason: ")[:90].replace("|", "/")
        print(
            f"| {r['code']} | {r['family']} | {r['method']} | {r['size']} | {r['limit']} "
            f"| {r['wall_s']} | {r['cpu_s']} | {r['rss_mib']} | {r['load']} | {r['status']} "
            f"| {r.get('objective', '')} | {'' if budget is None else round(budget, 2)} | {over} "
            f"| {note} |"
        )


if __name__ == "__main__":
    main()
