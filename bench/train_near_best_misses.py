"""Held-out runs whose published layout is not near-best, grouped by cause.

Reads the "Published layout against the planner's best plan" section of the
committed calibration report (``planner calibrate --report``; this script runs no
model) and groups the runs that are more than 10 % slower than the planner's best
plan under the model:

* **full-recompute ablation baselines**: Korthikanti et al. Table 5 runs every
  model with full recomputation as the baseline its selective recomputation beats;
* **LLM Foundry full activation checkpointing**: Composer's FSDP (2024) offered
  full checkpointing or none, so the runs that needed the memory checkpointed fully,
  by GPU type;
* **production layouts**: layouts a run's engineers chose (Megatron-Bridge recipes,
  Llama 3, DeepSeek-V3, Korthikanti's selective runs).

For each group: runs, the range and median of published / best - 1, and what the best
plans are (no or selective recomputation, TP or PP > 1). A report with the framework
columns (session 13 on) also gives the count near-best against the best plan the run's
framework could launch, and one naming that plan (session 17 on) lists the LLM Foundry runs
that are not near-best even within LLM Foundry / Composer by what Composer's best plan
changes: no checkpointing at a smaller micro-batch, a larger micro-batch, activation offload.

Writes ``bench/results/calibration/near_best_misses.md``.

Usage::

    .venv/bin/python bench/train_near_best_misses.py
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

REPORT = Path("bench/results/calibration/report.md")
OUT = Path("bench/results/calibration/near_best_misses.md")
COMMAND = ".venv/bin/python bench/train_near_best_misses.py"
SECTION = "## Published layout against the planner's best plan"


KEYS = ("run", "published", "best_s", "gap", "status", "plan", "near")
#: The columns of the search kept to the run's framework (reports since session 13; the
#: plan's name since session 17).
FRAMEWORK_KEYS = ("framework", "framework_best_s", "framework_gap", "framework_near")
FRAMEWORK_PLAN_KEYS = (*FRAMEWORK_KEYS, "framework_plan")


def report_rows(text: str) -> list[dict[str, str]]:
    """The section's table rows: run, published s, best s, gap, status, best plan, near, and
    (when the report has them) the framework columns."""
    lines = text.split(SECTION, 1)[1].split("\n## ", 1)[0].splitlines()
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for keys in (KEYS, KEYS + FRAMEWORK_KEYS, KEYS + FRAMEWORK_PLAN_KEYS):
            if len(cells) == len(keys) and "/" in cells[0]:
                rows.append(dict(zip(keys, cells, strict=True)))
    return rows


def group_of(run: str) -> str:
    """The cause group of a run that is not near-best."""
    source = run.split("/", 1)[0]
    if source == "korthikanti2022" and run.endswith("/full"):
        return "full-recompute ablation baselines (Korthikanti Table 5)"
    if source == "llmfoundry2401" and "/full/" in run:
        return f"LLM Foundry full activation checkpointing, {run.split('/')[1]}"
    return "production layouts chosen by the run's engineers"


def plan_change(plan: str) -> tuple[str, bool]:
    """(recomputation of the best plan, whether it has TP or PP > 1)."""
    parts = plan.split()
    recompute = "none" if "norc" in parts else "selective" if "sel" in parts else "full"
    model_parallel = any(p[0] in "tp" and p[1:].isdigit() and int(p[1:]) > 1 for p in parts)
    return recompute, model_parallel


def framework_change(run: str, plan: str) -> str:
    """What the framework's best plan changes in an LLM Foundry run's published layout."""
    parts = plan.split()
    published_mb = int(next(p for p in run.split("/") if p[0] == "b" and p[1:].isdigit())[1:])
    mb = int(next(p for p in parts if p[0] == "b" and p[1:].isdigit())[1:])
    if "offl" in parts:
        return "activation offload"
    if "norc" in parts:
        return "no checkpointing, micro-batch " + (
            "smaller" if mb < published_mb else "not smaller"
        )
    if mb > published_mb:
        return "full checkpointing at a larger micro-batch"
    return "other"


def framework_lines(rows: list[dict[str, str]]) -> list[str]:
    """LLM Foundry runs not near-best within their framework, by what its best plan changes."""
    far = [
        r
        for r in rows
        if r["run"].startswith("llmfoundry2401/") and r.get("framework_near", "yes") == "no"
    ]
    if not far or "framework_plan" not in far[0]:
        return []
    lines = [
        "",
        "## LLM Foundry runs not near-best within LLM Foundry / Composer",
        "",
        f"{len(far)} runs. What Composer's best plan under the model changes:",
        "",
        "| change | runs | published / framework best - 1 | models |",
        "|---|---|---|---|",
    ]
    by: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in far:
        by[framework_change(r["run"], r["framework_plan"])].append(r)
    for name in sorted(by):
        gaps = [float(r["framework_gap"].replace("%", "").replace("+", "")) for r in by[name]]
        models = sorted({"/".join(r["run"].split("/")[1:3]) for r in by[name]})
        lines.append(
            f"| {name} | {len(gaps)} | {min(gaps):+.1f} .. {max(gaps):+.1f} % | "
            f"{', '.join(models)} |"
        )
    lines += ["", "| run | published / framework best - 1 | framework best plan |", "|---|---|---|"]
    lines += [f"| {r['run']} | {r['framework_gap']} | {r['framework_plan']} |" for r in far]
    return lines


def main() -> None:
    rows = report_rows(REPORT.read_text())
    misses = [r for r in rows if r["near"].startswith("no")]
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in misses:
        groups[group_of(r["run"])].append(r)
    lines: list[str] = [
        "# Published layouts that are not near-best, by cause",
        "",
        f"Command: `{COMMAND}` (reads `{REPORT}`; near-best = within 10 % of the best plan).",
        "",
        f"Near-best: {len(rows) - len(misses)} of {len(rows)} held-out runs; "
        f"{len(misses)} are not.",
        "",
    ]
    if rows and "framework_near" in rows[0]:
        held = sum(r["framework_near"] == "yes" for r in rows)
        lines += [
            f"Near-best against the best plan of the run's framework: {held} of {len(rows)} "
            f"(of the {len(misses)} above: "
            f"{sum(r['framework_near'] == 'yes' for r in misses)}).",
            "",
        ]
    lines += [
        "| group | runs | published / best - 1 | median | best plan: no / selective "
        "recomputation | best plan has TP or PP > 1 | published over memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in sorted(groups):
        runs = groups[name]
        gaps = [float(r["gap"].replace("%", "").replace("+", "")) for r in runs]
        changes = [plan_change(r["plan"]) for r in runs]
        lines.append(
            f"| {name} | {len(runs)} | {min(gaps):+.1f} .. {max(gaps):+.1f} % "
            f"| {statistics.median(gaps):+.1f} % "
            f"| {sum(c[0] == 'none' for c in changes)} / "
            f"{sum(c[0] == 'selective' for c in changes)} "
            f"| {sum(c[1] for c in changes)} "
            f"| {sum('over memory' in r['near'] for r in runs)} |"
        )
    lines += ["", "## Runs outside LLM Foundry", "", "| run | published / best - 1 | best plan |"]
    lines.append("|---|---|---|")
    for r in misses:
        if not r["run"].startswith("llmfoundry2401"):
            lines.append(f"| {r['run']} | {r['gap']} | {r['plan']} |")
    lines += framework_lines(rows)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
