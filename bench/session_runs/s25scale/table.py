"""Markdown table of rows.jsonl (and side_by_side.jsonl): python table.py > table.md."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: CPU seconds of a trivial `planner solve` (imports, kernels from the cache): 1.2 s, measured
#: here (`solve smtt example.json -t 1`: 1.21 CPU s; `--help`: 0.14 s).
START_UP_CPU_S = 1.2


def rows(name: str) -> list[dict]:
    path = HERE / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def flag(r: dict) -> str:
    out = []
    try:
        limit = float(r["limit"])
    except ValueError:
        limit = None
    if limit is not None and limit < 1e6 and r["cpu_s"] > limit + START_UP_CPU_S + 1.0:
        out.append("CPU over")
    if r["rss_mib"] > 4096:
        out.append("RSS > 4 GiB")
    if r["exit"] not in (0,) or "TRACEBACK" in r["note"] or "signal" in r["note"]:
        out.append("exit/trace")
    return ", ".join(out)


def table(title: str, rs: list[dict]) -> str:
    head = (
        f"\n## {title}\n\n| code | family | method | size | limit (s) | wall (s) | CPU (s) | "
        "RSS (MiB) | load | status | objective | bound | gap | runtime_s | flag | note |\n"
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: "
        "| ---: | --- | --- |\n"
    )
    lines = []
    for r in rs:
        if "no such file" in r["note"]:
            continue  # my own wrong paths while setting up, not findings
        size = r["size"]
        if r["family"] == "offload" and size == "dsv2lite-16k-global" and r["limit"] == "10":
            size += "-npy"  # the JSON instance was replaced by the .npy + header form by then
        lines.append(
            f"| {r.get('code', 'b90e6fce = main')} | {r['family']} | {r['method']} | {size} | {r['limit']} "
            f"| {r['wall_s']} | {r['cpu_s']} | {r['rss_mib']} | {r['load']} | {r['status']} "
            f"| {r.get('objective', '')} | {r.get('bound', '')} | "
            f"{'' if r.get('gap') is None else round(r['gap'], 4)} | {r.get('runtime_s', '')} "
            f"| {flag(r)} | {r['note'][:140].replace('|', '/')} |"
        )
    return head + "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table("Survey (rows.jsonl)", rows("rows.jsonl")))
    print(table("main vs branch, same minutes (side_by_side.jsonl)", rows("side_by_side.jsonl")))
