"""Why one training plan is slower than another, component by component.

Works on plan summaries: the ``--json`` / ``--out`` objects of ``planner plan
train`` (``planner plan compare A.json B.json``), or two summaries made in one
run (``plan train --against tp=8,pp=16,...``). The step-time breakdowns add up
to each plan's step time, so their differences add up to the difference of the
step times: each component's share of the gap is exact, not an attribution
heuristic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import read_json
from planner.train.instance import TrainingPlan

#: Fields a plan summary must carry to be compared.
REQUIRED = ("plan", "step_time_s", "breakdown", "memory", "stages")
#: Plan decisions listed when they differ (the keys of ``TrainingPlan.to_dict``).
DECISIONS = tuple(k for k in TrainingPlan(tp=1, pp=1, dp=1).to_dict() if k != "stage_pools")
#: Decisions that exist only for MoE models: hidden when neither plan's model is MoE (a dense
#: plan's ``expert_tp`` is its ``tp``, and was listed whenever ``tp`` differed).
MOE_DECISIONS = frozenset({"ep", "expert_tp"})
#: Relative difference allowed between a breakdown's sum and its step time (float rounding).
BREAKDOWN_TOLERANCE = 1e-6
#: Memory components listed first, in this order; any other component of a summary's
#: ``memory`` follows (``reserved`` was left out, so the rows did not add up to the total).
_MEMORY_KEYS = (
    "weights",
    "gradients",
    "optimizer",
    "activations",
    "logits",
    "buffers",
    "reserved",
)


def check_summary(data: Any, where: str) -> dict[str, Any]:
    """``data`` if it is a plan summary with a plan, else :class:`InputError` naming ``where``."""
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected a JSON object written by 'plan train --json/--out'")
    if data.get("plan") is None and data.get("status") in ("INFEASIBLE", "UNKNOWN"):
        # a serving plan (OPTIMAL, no 'plan') was called "has no plan (status OPTIMAL)"
        raise InputError(f"{where}: has no plan (status {data['status']}): nothing to compare")
    for key in REQUIRED:
        if key not in data:
            raise InputError(f"{where}: missing field {key!r} (not a 'plan train' solution)")
    if not isinstance(data["plan"], Mapping):
        raise InputError(f"{where}: field 'plan' must be an object")
    try:  # the decisions are compared and labelled: "tp": "x" was compared by time alone
        TrainingPlan.from_dict(data["plan"])
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if not _numbers(data["breakdown"]):
        raise InputError(f"{where}: field 'breakdown' must map components to seconds")
    if not _finite(data["step_time_s"]) or data["step_time_s"] <= 0:
        raise InputError(f"{where}: field 'step_time_s' must be a positive number")
    total = math.fsum(data["breakdown"].values())
    if abs(total - data["step_time_s"]) > BREAKDOWN_TOLERANCE * data["step_time_s"]:
        # the shares of the gap are exact only when both breakdowns add up to their step
        # times: an edited file was compared as if they did (s17audit)
        raise InputError(
            f"{where}: field 'breakdown' adds up to {total:.6g} s, not step_time_s "
            f"{data['step_time_s']:.6g} s"
        )
    if not _numbers(data["memory"]):
        raise InputError(f"{where}: field 'memory' must map components to GiB")
    if not isinstance(data["stages"], list) or not all(
        isinstance(s, Mapping) and _numbers(s.get("memory_gib")) for s in data["stages"]
    ):
        raise InputError(f"{where}: field 'stages' must list stages with 'memory_gib'")
    return dict(data)


def _finite(value: Any) -> bool:
    """A real number (not a bool), neither NaN nor infinite: JSON reads NaN and Infinity."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(table: Any) -> bool:
    """``table`` maps names to finite numbers."""
    return isinstance(table, Mapping) and all(_finite(v) for v in table.values())


def load_summary(path: str | Path) -> dict[str, Any]:
    """Read a solution file (``plan train --out``, or a ``--json`` line saved to a file)."""
    return check_summary(read_json(path), str(path))


def label(summary: Mapping[str, Any]) -> str:
    """Short label of a summary's plan (``t8 p16 d64 v4 sel zero1 sp``)."""
    try:
        return TrainingPlan.from_dict(summary["plan"]).short()
    except (InputError, TypeError, KeyError):
        return str(summary["plan"])


def _is_moe(summary: Mapping[str, Any]) -> bool:
    """Whether a summary's model is a mixture of experts: its ``model.experts`` (written since
    the twenty-third session); for older files, fewer active than total parameters or an
    expert-parallel plan."""
    model = summary.get("model")
    model = model if isinstance(model, Mapping) else {}
    if _finite(model.get("experts")):
        return model["experts"] > 0
    total, active = model.get("parameters"), model.get("active_parameters")
    if _finite(total) and _finite(active) and active < total:
        return True
    ep = summary["plan"].get("ep", 1)
    return _finite(ep) and ep > 1


def _memory_keys(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Every memory component of either summary but ``total``: :data:`_MEMORY_KEYS` first, so
    the rows add up to the peak stage's total."""
    return [k for k in dict.fromkeys([*_MEMORY_KEYS, *a, *b]) if k != "total"]


def _stage_total(stage: Mapping[str, Any]) -> float:
    return float(stage["memory_gib"].get("total", 0.0))


def compare(
    a: Mapping[str, Any], b: Mapping[str, Any], names: tuple[str, str] = ("A", "B")
) -> dict[str, Any]:
    """Component-by-component comparison of two plan summaries.

    Parameters
    ----------
    a, b
        Plan summaries: a plan's ``result.stats["summary"]`` (:func:`planner.train.plan`), or
        :func:`load_summary` of a ``plan train --out`` file.
    names
        What the sentences call ``a`` and ``b``.

    Returns
    -------
    dict
        ``plans`` (labels), ``step_time_s`` (both, difference ``b - a``, ratio),
        ``slower`` (the name of the slower plan), ``decisions`` (the decisions that
        differ), ``components`` (every breakdown key: both values, the difference,
        its share of the step-time gap; largest first), ``memory`` (the peak stage
        and its components, and every stage's total), ``explanation`` (sentences)
        and ``warnings`` (when the two summaries plan different problems).
    """
    a = check_summary(a, names[0])
    b = check_summary(b, names[1])
    ta, tb = float(a["step_time_s"]), float(b["step_time_s"])
    gap = tb - ta
    keys = list(dict.fromkeys([*a["breakdown"], *b["breakdown"]]))
    components = []
    for key in keys:
        va, vb = float(a["breakdown"].get(key, 0.0)), float(b["breakdown"].get(key, 0.0))
        if va == 0.0 and vb == 0.0:
            continue
        components.append(
            {
                "component": key,
                "a_s": va,
                "b_s": vb,
                "diff_s": vb - va,
                "share_of_gap": (vb - va) / gap if gap else None,
            }
        )
    components.sort(key=lambda c: -abs(c["diff_s"]))
    moe = _is_moe(a) or _is_moe(b)
    decisions = [
        {"decision": k, "a": a["plan"].get(k), "b": b["plan"].get(k)}
        for k in DECISIONS
        if a["plan"].get(k) != b["plan"].get(k) and (moe or k not in MOE_DECISIONS)
    ]
    stages_a = [_stage_total(s) for s in a["stages"]]
    stages_b = [_stage_total(s) for s in b["stages"]]
    mem = {
        "peak_gib": [float(a["memory"].get("total", 0.0)), float(b["memory"].get("total", 0.0))],
        "peak_stage": [a.get("memory_stage"), b.get("memory_stage")],
        "components": [
            {
                "component": k,
                "a_gib": float(a["memory"].get(k, 0.0)),
                "b_gib": float(b["memory"].get(k, 0.0)),
            }
            for k in _memory_keys(a["memory"], b["memory"])
            if a["memory"].get(k) or b["memory"].get(k)
        ],
        "stages_gib": [stages_a, stages_b],
    }
    warnings = [
        f"the plans are for different {what}: {a.get(key)} vs {b.get(key)}"
        for key, what in (
            ("instance", "problems"),
            ("global_batch", "global batches"),
            ("seq_len", "sequence lengths"),
            # the same layout priced at another precision or with other framework settings is
            # another problem: the gap is not the decisions' (files before s25 have no software)
            ("precision", "precisions"),
            ("software", "framework settings (software)"),
        )
        if a.get(key) != b.get(key)
    ]
    out = {
        "names": list(names),
        "plans": [label(a), label(b)],
        "step_time_s": {"a": ta, "b": tb, "diff": gap, "ratio": tb / ta},
        "slower": names[1] if gap > 0 else names[0] if gap < 0 else None,
        "decisions": decisions,
        "components": components,
        "memory": mem,
        "warnings": warnings,
    }
    out["explanation"] = explain(out)
    return out


def explain(cmp: Mapping[str, Any], top: int = 3) -> list[str]:
    """Sentences: which plan is slower, by how much, and the components that make the gap.

    Parameters
    ----------
    cmp
        A :func:`compare` object.
    top
        Components named (the largest shares of the gap).
    """
    na, nb = cmp["names"]
    t = cmp["step_time_s"]
    if cmp["slower"] is None:
        return [f"{na} and {nb} take the same time per step ({t['a']:.4g} s)."]
    slow, fast = (nb, na) if t["diff"] > 0 else (na, nb)
    sign = 1.0 if t["diff"] > 0 else -1.0
    pct = 100 * (max(t["a"], t["b"]) / min(t["a"], t["b"]) - 1)
    lines = [
        f"{slow} is {abs(t['diff']):.4g} s ({pct:.1f} %) slower per step than {fast}.",
    ]
    parts = []
    for c in cmp["components"][:top]:
        d = sign * c["diff_s"]
        share = c["share_of_gap"]
        parts.append(
            f"{c['component']} {'+' if d >= 0 else '-'}{abs(d):.4g} s"
            + (f" ({100 * share:.0f} % of the gap)" if share is not None else "")
        )
    if parts:
        lines.append(f"{slow} versus {fast}: " + ", ".join(parts) + ".")
    if cmp["decisions"]:
        lines.append(
            "Decisions that differ: "
            + ", ".join(f"{d['decision']} {d['a']} vs {d['b']}" for d in cmp["decisions"])
            + "."
        )
    pa, pb = cmp["memory"]["peak_gib"]
    lines.append(f"Peak memory per GPU: {na} {pa:.1f} GiB, {nb} {pb:.1f} GiB.")
    return lines


def render(cmp: Mapping[str, Any], console: Any = None) -> None:
    """Rich tables: step-time components side by side, then memory."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    na, nb = cmp["names"]
    pa, pb = cmp["plans"]
    t = Table(title=f"{na}: {pa}   vs   {nb}: {pb}")
    for col in ("component", f"{na} s", f"{nb} s", f"{nb} - {na} s", "share of gap"):
        t.add_column(col, justify="left" if col == "component" else "right")
    for c in cmp["components"]:
        share = c["share_of_gap"]
        t.add_row(
            c["component"],
            f"{c['a_s']:.4f}",
            f"{c['b_s']:.4f}",
            f"{c['diff_s']:+.4f}",
            "–" if share is None else f"{100 * share:.0f}%",
        )
    st = cmp["step_time_s"]
    t.add_section()
    t.add_row("step time", f"{st['a']:.4f}", f"{st['b']:.4f}", f"{st['diff']:+.4f}", "100%")
    console.print(t)
    m = cmp["memory"]
    mt = Table(title="memory per GPU at the peak stage, GiB")
    for col in ("component", na, nb):
        mt.add_column(col, justify="left" if col == "component" else "right")
    for c in m["components"]:
        mt.add_row(c["component"], f"{c['a_gib']:.1f}", f"{c['b_gib']:.1f}")
    mt.add_section()
    mt.add_row("total", f"{m['peak_gib'][0]:.1f}", f"{m['peak_gib'][1]:.1f}")
    mt.add_row("stage", str(m["peak_stage"][0]), str(m["peak_stage"][1]))
    mt.add_row("every stage", _stages(m["stages_gib"][0]), _stages(m["stages_gib"][1]))
    console.print(mt)
    for line in cmp["explanation"]:
        console.print(line, highlight=False)
    for w in cmp["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


def _stages(values: list[float]) -> str:
    if len(values) <= 6:
        return ", ".join(f"{v:.1f}" for v in values)
    return f"{min(values):.1f} .. {max(values):.1f} ({len(values)} stages)"


__all__ = ["REQUIRED", "check_summary", "compare", "explain", "label", "load_summary", "render"]
