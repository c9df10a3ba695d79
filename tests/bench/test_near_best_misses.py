"""``bench/train_near_best_misses.py``: the report's near-best table, old and new forms, and
the LLM Foundry runs not near-best within Composer by what Composer's best plan changes."""

from __future__ import annotations

import pytest

from .conftest import load_script


@pytest.fixture(scope="module")
def misses():
    return load_script("bench/train_near_best_misses.py", "train_near_best_misses")


def _report(rows: list[str], plan_column: bool) -> str:
    head = (
        "| run | published (model) s | best s | published / best - 1 | status | best plan | "
        "near-best | framework | framework best s | published / framework best - 1 | "
        "near-best in framework |" + (" framework best plan |" if plan_column else "")
    )
    section = "## Published layout against the planner's best plan (x)"
    return "\n".join(["# r", "", section, "", head, *rows, "", "## Next", ""])


ROWS = (
    (
        "llmfoundry2401/H100/mpt-7b/4096/8/bf16/zero3/full/b16/B256",
        "+15.3 %",
        "no",
        "t1 p1 d8 b2 norc zero2",
    ),
    (
        "llmfoundry2401/H100/mpt-70b/2048/32/bf16/zero3/full/b2/B1024",
        "+17.1 %",
        "no",
        "t1 p1 d32 b8 full zero3",
    ),
    (
        "llmfoundry2401/A100/mpt-7b/65536/8/bf16/zero3/full/b1/B16",
        "+21.1 %",
        "no",
        "t1 p1 d8 b2 offl zero3",
    ),
    (
        "llmfoundry2401/H100/mpt-30b/2048/8/bf16/zero3/full/b3/B504",
        "+0.0 %",
        "yes",
        "t1 p1 d8 b3 full zero3",
    ),
    ("bridge2511/H100/llama-3.1-70b/64", "+11.3 %", "no", "t2 p8 d1 cp4 b1 v5 norc zero1 sp"),
)


def _lines(plan_column: bool) -> list[str]:
    out = []
    for run, gap, near, plan in ROWS:
        cells = [
            run,
            "1",
            "0.8",
            "+25.0 %",
            "OPTIMAL",
            "t2 p2 d2 b1 norc zero1",
            "no",
            "x",
            "1",
            gap,
            near,
        ] + ([plan] if plan_column else [])
        out.append("| " + " | ".join(cells) + " |")
    return out


def test_reads_both_report_forms(misses):
    old = misses.report_rows(_report(_lines(False), False))
    new = misses.report_rows(_report(_lines(True), True))
    assert len(old) == len(new) == len(ROWS)
    assert "framework_plan" not in old[0] and new[0]["framework_plan"] == ROWS[0][3]
    assert misses.framework_lines(old) == []  # no plan column: nothing to group


def test_llmfoundry_runs_grouped_by_what_composer_changes(misses):
    change = misses.framework_change
    assert change(ROWS[0][0], ROWS[0][3]) == "no checkpointing, micro-batch smaller"
    assert change(ROWS[1][0], ROWS[1][3]) == "full checkpointing at a larger micro-batch"
    assert change(ROWS[2][0], ROWS[2][3]) == "activation offload"
    lines = misses.framework_lines(misses.report_rows(_report(_lines(True), True)))
    assert "3 runs. What Composer's best plan under the model changes:" in lines
    listed = [line for line in lines if line.startswith("| llmfoundry2401/")]
    assert len(listed) == 3  # near-best in the framework and other sources left out
    assert not any("bridge2511" in line or "mpt-30b" in line for line in lines)
