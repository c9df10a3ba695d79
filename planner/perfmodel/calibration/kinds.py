"""Layout kinds of the published training rows, for the per-kind accuracy of the report.

The issue's validation rule: a recommendation of a layout kind the model was
never checked on is a guess, so the report lists the held-out error per kind
and the accuracy notes (docs/perfmodel.md) cite it. A row belongs to every kind its layout has
(Llama 3 405B at 128K tokens is TP-heavy, deep-PP and context-parallel).
"""

from __future__ import annotations

from planner.perfmodel.calibration.published import TrainingRow

#: Kinds in report order (a row may have several; ``plain`` when none applies).
KINDS = (
    ("sharded", "sharded data parallel (FSDP / ZeRO-2/3), TP <= 2, no PP"),
    ("tp", "TP-heavy (TP >= 4)"),
    ("pp", "deep or interleaved PP (PP >= 4 or v > 1)"),
    ("cp", "context parallel (CP > 1)"),
    ("ep", "expert parallel (EP > 1)"),
    ("plain", "none of the above (DP, shallow TP/PP)"),
)


def layout_kinds(row: TrainingRow) -> tuple[str, ...]:
    """Keys of :data:`KINDS` that describe ``row``'s published layout."""
    out = []
    if row.zero >= 2 and row.tp <= 2 and row.pp == 1:
        out.append("sharded")
    if row.tp >= 4:
        out.append("tp")
    if row.pp >= 4 or row.interleave > 1:
        out.append("pp")
    if row.cp > 1:
        out.append("cp")
    if row.ep > 1:
        out.append("ep")
    return tuple(out) or ("plain",)


__all__ = ["KINDS", "layout_kinds"]
