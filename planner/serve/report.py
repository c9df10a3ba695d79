"""Output of ``planner plan serve``: the ``--json`` object and the Rich tables."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table

from planner.core.result import Result
from planner.serve.candidates import Candidate, candidates, group_key
from planner.serve.evaluate import plan_metrics, priced_cost_per_hour
from planner.serve.instance import ServingPlan, ServingProblem
from planner.serve.units import format_duration


def _num(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def engine_json(problem: ServingProblem) -> dict[str, Any]:
    """The timing engine in the ``--json`` object: ``engine`` (its JSON form) when one engine
    times every pool searched (the named one, or one vendor's default); otherwise ``engine``
    is null and ``engines`` maps each pool's label to its vendor's default."""
    engines = problem.engines_by_pool()
    distinct = list(dict.fromkeys(engines.values()))
    if len(distinct) == 1:
        return {"engine": distinct[0].to_dict()}
    return {"engine": None, "engines": {label: e.to_dict() for label, e in engines.items()}}


def engine_label(problem: ServingProblem) -> str:
    """``trtllm``, or ``trtllm on H100-SXM, vllm on MI300X`` when pools differ."""
    by_engine: dict[Any, list[str]] = {}
    for label, engine in problem.engines_by_pool().items():
        by_engine.setdefault(engine, []).append(label)
    if len(by_engine) == 1:
        return next(iter(by_engine)).label()
    return ", ".join(f"{e.label()} on {', '.join(pools)}" for e, pools in by_engine.items())


def result_json(problem: ServingProblem, result: Result) -> dict[str, Any]:
    """The ``--json`` object: status, replicas, cost, latencies, capacity, bound, gap, ..."""
    plan = result.solution if isinstance(result.solution, ServingPlan) else None
    metrics = plan_metrics(problem, plan) if plan is not None else {}
    eo = problem.traffic.output.mean
    out: dict[str, Any] = {
        "status": result.status.value,
        "objective_kind": problem.objective,
        "replicas": [g.to_dict() for g in plan.replicas] if plan else [],
        # null when a GPU of the plan has no price (was 0.0; the warning says which)
        "cost_per_hour": priced_cost_per_hour(problem, plan) if plan else None,
        "ttft_s": _num(metrics.get("ttft_s")) if plan else None,
        "tpot_s": _num(metrics.get("tpot_s")) if plan else None,
        # the worst group's percentiles, what the SLO check holds within the targets
        # (docs/serve.md lists them; the --json object left them out, s22walk)
        "worst_ttft_s": _num(metrics.get("worst_ttft_s")) if plan else None,
        "worst_tpot_s": _num(metrics.get("worst_tpot_s")) if plan else None,
        "percentile": 100 * problem.slo.percentile,
        "capacity_qps": metrics.get("capacity_qps"),
        # output tokens/s at capacity; the library's ``metrics["throughput_tokens_per_s"]`` is
        # the served rate, so both are written under names that say which (s25 lead)
        "capacity_tokens_per_s": metrics.get("capacity_tokens_per_s"),
        "served_tokens_per_s": metrics.get("served_tokens_per_s"),
        "throughput_tokens_per_s": metrics.get("capacity_tokens_per_s"),  # = capacity (kept)
        "served_qps": metrics.get("served_qps"),
        "demand_qps": (
            sum(float(w.traffic.qps or 0.0) for w in problem.workloads)
            if problem.shared
            else problem.traffic.qps
        ),
        "gpus": plan.gpus_by_pool() if plan else {},
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "method": result.method,
        "runtime_s": round(result.runtime_s, 6),
        "verified": result.verified,
        "reason": result.reason,
        "model": problem.model.name,
        "precision": problem.precision,
        "kv_precision": problem.kv_precision_name,
        **engine_json(problem),
        "slo": problem.slo.to_dict(),
        "traffic": {
            "qps": problem.traffic.qps,
            "mean_prompt_tokens": problem.traffic.prompt.mean,
            "mean_output_tokens": eo,
            "arrival_scv": problem.traffic.arrival_scv,
            "source": problem.traffic.source,
        },
        "groups": metrics.get("groups", []),
        "stats": {k: v for k, v in result.stats.items() if k not in ("metrics", "explanation")},
    }
    if "pricing" in problem.meta:
        out["pricing"] = problem.meta["pricing"]
    if problem.meta.get("warnings"):  # the lines the table prints as "warning:"
        out["warnings"] = list(problem.meta["warnings"])
    if problem.offload is not None:
        out["offload"] = offload_json(problem)
    if "explanation" in result.stats:
        out["explanation"] = result.stats["explanation"]
    if problem.shared:
        out["workloads"] = _workloads_json(problem, plan, metrics)
    if problem.objective == "throughput" and result.bound is not None:
        out["bound_tokens_per_s"] = -result.bound
    if plan is not None and metrics.get("served_qps") and out["cost_per_hour"] is not None:
        # output tokens served (summed over workloads: the first workload's mean length
        # stood for all of them)
        tokens_per_hour = metrics["throughput_tokens_per_s"] * 3600
        out["usd_per_million_output_tokens"] = out["cost_per_hour"] / tokens_per_hour * 1e6
    return out


def _workloads_json(
    problem: ServingProblem, plan: ServingPlan | None, metrics: dict[str, Any]
) -> dict[str, Any]:
    """Per workload: its traffic, SLO, replicas, cost and predicted latencies."""
    out = {}
    for name, part in problem.parts():
        sub = plan.for_workload(name) if plan is not None else None
        m = metrics.get("workloads", {}).get(name, {})
        out[name] = {
            "demand_qps": part.traffic.qps,
            "mean_prompt_tokens": part.traffic.prompt.mean,
            "mean_output_tokens": part.traffic.output.mean,
            "prefix_hit_rate": part.traffic.prefix_hit_rate,
            "slo": part.slo.to_dict(),
            "replicas": [g.to_dict() for g in sub.replicas] if sub else [],
            "gpus": sub.gpus_by_pool() if sub else {},
            "cost_per_hour": priced_cost_per_hour(problem, sub) if sub else None,
            "ttft_s": _num(m.get("ttft_s")) if sub else None,
            "tpot_s": _num(m.get("tpot_s")) if sub else None,
            "worst_ttft_s": _num(m.get("worst_ttft_s")) if sub else None,
            "worst_tpot_s": _num(m.get("worst_tpot_s")) if sub else None,
            "capacity_qps": m.get("capacity_qps"),
        }
    return out


def _warmup_words(sim: dict) -> str:
    """``", N warm-up"`` when the simulation left its first N requests out, else ``""``."""
    n = sim.get("warmup_requests")
    return f", {n} warm-up" if n else ""


def _fmt(x: float | None, spec: str = ".3g") -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and not math.isfinite(x):
        return "∞"
    return format(x, spec)


def _unpriced_cost(problem: ServingProblem, plan: ServingPlan) -> str:
    """The cost clause of a plan with unpriced GPUs: which they are and what the priced rest
    costs ("cost: no price known for 9 GPUs" read as if none of the nine had a price when
    eight were A10Gs at $0.86; s31user)."""
    unpriced: dict[str, int] = {}
    priced = 0.0
    for g in plan.replicas:
        price = problem.pool(g.gpu).gpu.price_per_gpu_hour
        if price > 0:
            priced += price * g.gpus
        else:
            unpriced[g.gpu] = unpriced.get(g.gpu, 0) + g.gpus
    names = ", ".join(f"{n} {gpu}" for gpu, n in unpriced.items())
    rest = plan.gpus - sum(unpriced.values())
    other = f", the other {rest} GPU{'s' * (rest > 1)} ${priced:.2f}/h" if rest > 0 else ""
    return f"cost: no price known ({names} unpriced{other})"


def _print_fitted(
    out: Console,
    title: str,
    heads: list[tuple[str, str]],
    rows: list[list[str]],
    labels: list[str],
    label_head: str = "group",
) -> None:
    """One table of ``heads`` (name, justify: left for names) and ``rows``; when it does not
    fit the console, multi-word headers go on several lines, names fold at spaces, and the
    columns are split over several tables, each after the first led by the row's label, so
    that no number is cut (Rich cut them to ``5.…`` at 80 columns)."""

    def width(values: list[str], name: bool, wrapped: bool) -> int:
        words = (w for v in values for w in (v.split() if wrapped and name else [v]))
        return max((len(w) for w in words), default=0)

    def col_width(i: int, wrapped: bool) -> int:
        head = heads[i][0].split() if wrapped else [heads[i][0]]
        return max(
            width(head, True, False), width([r[i] for r in rows], heads[i][1] == "left", wrapped)
        )

    n = len(heads)
    wrapped = 1 + sum(col_width(i, False) + 3 for i in range(n)) > out.width
    parts: list[list[int]] = [[]]
    used = 1
    label_width = max(len(label_head), width(labels, True, True)) + 3
    for i in range(n):
        w = col_width(i, wrapped) + 3
        if wrapped and parts[-1] and used + w > out.width:
            parts.append([])
            used = 1 + label_width
        parts[-1].append(i)
        used += w
    for k, cols in enumerate(parts):
        table = Table(title=title if k == 0 else f"{title}, continued")
        if k:
            table.add_column(label_head, justify="left", overflow="fold")
        for i in cols:
            name, justify = heads[i]
            number = justify != "left"  # numbers keep their width; names fold
            table.add_column(
                "\n".join(name.split()) if wrapped else name,
                justify=justify,  # type: ignore[arg-type]
                overflow="fold",
                no_wrap=number,
                min_width=col_width(i, wrapped) if number else None,
            )
        for row, label in zip(rows, labels, strict=True):
            table.add_row(*([label] if k else []), *(row[i] for i in cols))
        out.print(table)


def print_report(
    problem: ServingProblem,
    result: Result,
    *,
    console: Console | None = None,
    top: int = 12,
    simulated: dict[str, Any] | None = None,
) -> None:
    """Rich tables: the plan, the simulated check (if given), the candidates considered, and
    why cheaper layouts fail."""
    out = console or Console()
    data = result_json(problem, result)
    t = problem.traffic
    if problem.shared:
        lines = [
            f"workload {w.name}: {w.traffic.describe()}"
            + (
                f", prefix hit {100 * w.traffic.prefix_hit_rate:.0f}%"
                if w.traffic.prefix_hit_rate
                else ""
            )
            + f"; SLO {w.slo.describe()}"
            for w in problem.workloads
        ]
        head = "\n".join(lines) + "\nprecision " + problem.precision
    else:
        head = (
            f"traffic: {t.describe()}\nSLO: {problem.slo.describe()}; precision {problem.precision}"
        )
    head += f"; timing assumes engine {engine_label(problem)}"
    out.print(
        f"[bold]{problem.model.summary()}[/bold]\n"
        + head
        + (
            f" (KV cache {problem.kv_precision_name})"
            if problem.kv_precision_name != problem.precision
            else ""
        )
        + f"; inventory {problem.inventory.describe()}",
        highlight=False,
    )
    if problem.offload is not None:
        o = offload_json(problem)
        out.print(
            f"expert offload plan {o['file']}: hit rate {o['hit_rate']:.3f}, resident experts "
            f"{o['resident_gib']:.1f} GiB per replica, {o['gib_moved_per_step']:.2f} GiB copied "
            f"per step at {o['h2d_gb_s']:g} GB/s{' (overlapped)' if o['overlap'] else ''}, "
            f"misses on the CPU {problem.offload.cpu_label}",
            highlight=False,
        )
    if "pricing" in problem.meta:
        pr = problem.meta["pricing"]
        out.print(
            f"prices ({pr['tier']}, {pr['file']}): "
            + "; ".join(
                f"{name} ${g['usd_per_gpu_hour']:.2f}/GPU-h ({g['source'] or 'no source given'})"
                for name, g in pr["gpus"].items()
            ),
            highlight=False,
        )
    for w in problem.meta.get("warnings", []):
        out.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    plan = result.solution if isinstance(result.solution, ServingPlan) else None
    if plan is not None:
        heads = []
        for col in (
            *(("workload",) if problem.shared else ()),
            "replicas",
            "GPU",
            "tp",
            "pp",
            "ep",
            "role",
            "chunk",
            "GPUs",
            "$/h",
            "req/s each",
            "capacity each",
            f"TTFT {problem.slo.pct_label}",
            f"TPOT {problem.slo.pct_label}",
            "batch",
            "KV fill",
        ):
            heads.append((col, "left" if col in ("GPU", "role", "workload") else "right"))
        rows = []
        for g, m in zip(plan.replicas, data["groups"], strict=True):
            price = problem.pool(g.gpu).gpu.price_per_gpu_hour * g.gpus  # 0: no price
            rows.append(
                [
                    *((g.workload,) if problem.shared else ()),
                    str(g.count),
                    g.gpu,
                    str(g.tp),
                    str(g.pp),
                    str(g.ep),
                    g.role + (" +spec" if g.speculative else ""),
                    str(g.chunk_tokens or "–"),
                    str(g.gpus),
                    f"{price:.2f}" if price > 0 else "–",
                    _fmt(m["per_replica_qps"]),
                    _fmt(m["capacity_qps"] / g.count),
                    format_duration(m["ttft_s"]) if m["ttft_s"] is not None else "–",
                    format_duration(m["tpot_s"]) if m["tpot_s"] is not None else "–",
                    _fmt(m["batch"], ".1f"),
                    "–" if m["kv_fill"] is None else f"{100 * m['kv_fill']:.0f}%",
                ]
            )
        title = f"serving plan ({result.status.value}, {result.method})"
        _print_fitted(out, title, heads, rows, [g.label() for g in plan.replicas])
        gap = data["gap"]
        gpus = f"{plan.gpus} GPU" + ("" if plan.gpus == 1 else "s")
        cost = data["cost_per_hour"]
        line = (
            (_unpriced_cost(problem, plan) if cost is None else f"cost ${cost:.2f}/h")
            + f" for {gpus}; capacity "
            f"{data['capacity_qps']:.4g} req/s ({data['throughput_tokens_per_s']:,.0f} output "
            f"tokens/s); predicted TTFT {problem.slo.pct_label} {format_duration(data['ttft_s'])}, "
            f"TPOT {problem.slo.pct_label} {format_duration(data['tpot_s'])}"
        )
        if "usd_per_million_output_tokens" in data:
            line += f"; ${data['usd_per_million_output_tokens']:.3g} per million output tokens"
        if problem.objective == "cost":
            line += f"\nbound ${_fmt(data['bound'], '.2f')}/h, gap " + (
                "–" if gap is None else f"{100 * gap:.2f}%"
            )
        else:
            line += (
                f"\nthroughput bound {_fmt(data.get('bound_tokens_per_s'), ',.0f')} tokens/s, gap "
                + ("–" if gap is None else f"{100 * gap:.2f}%")
            )
        out.print(line, highlight=False)
        _breakdown_table(problem, plan, data, out)
        if problem.shared:
            _workload_table(problem, data, out)
        if simulated is not None and problem.shared:
            for name, part in problem.parts():
                sub = {**data, **data["workloads"][name]}
                sub["served_qps"] = part.traffic.qps
                _simulated_table(part, sub, simulated["workloads"][name], out, title=name)
        elif simulated is not None:
            _simulated_table(problem, data, simulated, out)
    if result.reason:
        out.print(f"[bold]{result.status.value}[/bold]: {result.reason}", highlight=False)
    _candidate_tables(problem, plan, out, top)


def offload_json(problem: ServingProblem) -> dict[str, Any]:
    """The ``offload`` key: which plan the replicas run under and what it says."""
    o = problem.offload
    assert o is not None
    gib = 1024.0**3
    return {
        "file": o.source,
        "model": o.model,
        "hit_rate": o.hit_rate,
        "resident_gib": o.resident_bytes_max / gib,
        "gib_moved_per_step": o.bytes_per_step / gib,
        "h2d_gb_s": o.h2d_gb_s,
        "overlap": o.overlap,
        "cpu": None if o.cpu_token_us is not None else o.cpu,
        "cpu_assumed": o.cpu_assumed,  # the plan names no CPU: the default one prices misses
        "cpu_token_us": o.cpu_token_us,
        "cpu_call_us": o.cpu_call_us,
    }


def _breakdown_table(
    problem: ServingProblem, plan: ServingPlan, data: dict[str, Any], out: Console
) -> None:
    """TTFT and TPOT of each group split into the parts of :mod:`planner.serve.breakdown`."""
    from planner.serve.breakdown import TPOT_PARTS, TTFT_PARTS

    pct = problem.slo.pct_label
    names = {
        "queueing": "queueing",
        "prefill": "prefill",
        "kv_transfer": "KV transfer",
        "weights_read": "weights",
        "kv_read": "KV read",
        "communication": "comm",
        "offload": "offload",
        "speculative_gain": "spec gain",
        "interference": "interference",
    }
    heads = [("group", "left"), ("TTFT", "right")]
    heads += [(names[k], "right") for k in TTFT_PARTS]
    heads += [("TPOT", "right")] + [(names[k], "right") for k in TPOT_PARTS]

    def dur(x: float | None) -> str:
        if x is None:
            return "–"
        return ("-" if x < 0 else "") + format_duration(abs(x)) if abs(x) >= 1e-7 else "0"

    rows = []
    for g, m in zip(plan.replicas, data["groups"], strict=True):
        tt, tp = m.get("ttft_breakdown_s"), m.get("tpot_breakdown_s")
        rows.append(
            [
                g.label(),
                dur(m["ttft_s"]) if tt else "–",
                *((dur(tt[k]) for k in TTFT_PARTS) if tt else ["–"] * len(TTFT_PARTS)),
                dur(m["tpot_s"]) if tp else "–",
                *((dur(tp[k]) for k in TPOT_PARTS) if tp else ["–"] * len(TPOT_PARTS)),
            ]
        )
    title = f"latency breakdown ({pct}; the parts add up to the model's TTFT / TPOT)"
    _print_fitted(out, title, heads, rows, [r[0] for r in rows])


def _workload_table(problem: ServingProblem, data: dict[str, Any], out: Console) -> None:
    """One row per workload: its demand, GPUs, cost and predicted latencies vs its SLO."""
    table = Table(title="per workload")
    for col in ("workload", "req/s", "GPUs", "$/h", "TTFT", "SLO", "TPOT", "SLO "):
        table.add_column(col, justify="left" if col == "workload" else "right")

    def dur(x: float | None) -> str:
        return "–" if x is None else format_duration(x)

    for name, part in problem.parts():
        w = data["workloads"][name]
        table.add_row(
            name,
            _fmt(w["demand_qps"], ".4g"),
            ", ".join(f"{n} {k}" for k, n in w["gpus"].items()) or "–",
            _fmt(w["cost_per_hour"], ".2f"),
            dur(w["ttft_s"] or None),
            dur(part.slo.ttft_s),
            dur(w["tpot_s"] or None),
            dur(part.slo.tpot_s),
        )
    out.print(table)


def _simulated_table(
    problem: ServingProblem,
    data: dict[str, Any],
    sim: dict[str, Any],
    out: Console,
    *,
    title: str = "",
) -> None:
    """The model's percentiles beside the simulator's (same plan, generated trace)."""
    pct = problem.slo.pct_label

    def dur(x: float | None) -> str:
        return "–" if x is None else format_duration(x)

    caption = "the model predicts the SLO percentile only"
    if not sim.get("complete", True):
        caption = f"simulation stopped: {sim['reason']} (no percentiles)"
    table = Table(
        title=f"simulated check{' of ' + title if title else ''} ({sim['requests']} requests, "
        f"seed {sim['seed']}{_warmup_words(sim)})",
        caption=caption,
    )
    for col in ("", "model", "simulated p50", "simulated p99"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row(
        f"TTFT {pct}", dur(data["ttft_s"]), dur(sim["ttft_p50_s"]), dur(sim["ttft_p99_s"])
    )
    table.add_row(
        f"TPOT {pct}", dur(data["tpot_s"]), dur(sim["tpot_p50_s"]), dur(sim["tpot_p99_s"])
    )
    served = data["served_qps"] * problem.traffic.output.mean if data.get("served_qps") else None
    table.add_row(
        "output tokens/s",
        _fmt(served if problem.traffic.qps else data["throughput_tokens_per_s"], ",.0f"),
        _fmt(sim["throughput_tokens_per_s"], ",.0f"),
        "",
    )
    out.print(table)


def _candidate_tables(
    problem: ServingProblem, plan: ServingPlan | None, out: Console, top: int
) -> None:
    cands = candidates(problem)
    used = {}
    if plan is not None:
        for g in plan.replicas:
            used[group_key(g)] = g.count
    usable = [c for c in cands if c.usable][:top]
    if usable:
        heads = []
        for col in (
            "layout",
            "role",
            "GPUs",
            "$/h",
            "req/s",
            "$/h per req/s",
            "TTFT @0",
            "TPOT @0",
            "used",
        ):
            heads.append((col, "left" if col in ("layout", "role") else "right"))
        rows = [[*_cand_row(c), str(used.get(c.key, ""))] for c in usable]
        title = "candidates considered (cheapest capacity first)"
        _print_fitted(out, title, heads, rows, [c.label() for c in usable], "layout")
    ceiling = max((c.price for c in cands if c.key in used), default=math.inf)
    failing = [c for c in cands if not c.usable and c.price <= ceiling]
    failing.sort(key=lambda c: (c.price, c.key))
    # one row per layout and reason (a layout that does not fit fails in every role)
    merged: dict[tuple[str, str], list] = {}
    for c in failing:
        merged.setdefault((c.label().rsplit(" (", 1)[0], c.reason), [c, []])[1].append(c.role)
    if merged:
        table = Table(title="why cheaper layouts fail")
        for col in ("layout", "role", "GPUs", "$/h", "reason"):
            table.add_column(col, justify="right" if col in ("GPUs", "$/h") else "left")
        rows = list(merged.values())
        for c, role_list in rows[:top]:
            table.add_row(
                c.label().rsplit(" (", 1)[0],
                ", ".join(role_list),
                str(c.gpus),
                f"{c.price:.2f}" if c.price > 0 else "–",  # 0: no price known (not free)
                c.reason,
            )
        if len(rows) > top:
            table.caption = f"{len(rows) - top} more not shown"
        out.print(table)


def _cand_row(c: Candidate) -> list[str]:
    f = c.floor
    return [
        # the failures table's label: with several workloads a layout is a candidate of each
        # (two "H100-SXM tp8" rows at different rates read as one layout twice)
        c.label().rsplit(" (", 1)[0],
        c.role,
        str(c.gpus),
        f"{c.price:.2f}" if c.price > 0 else "–",  # 0: no price known
        _fmt(c.capacity, ".4g"),
        _fmt(c.cost_per_qps, ".3g") if c.price > 0 else "–",
        format_duration(f.ttft_s) if f is not None and c.role != "decode" else "–",
        format_duration(f.tpot_s) if f is not None and c.role != "prefill" else "–",
    ]


def _export_lines(export: dict[str, Any]) -> list[str]:
    """The notes, then per server its label, TensorRT-LLM's YAML (a here-document) and the
    command: what :func:`print_export` prints under its heading and :func:`export_script`
    writes."""
    lines = [f"# note: {note}" for note in export.get("notes", ())]
    for c in export["commands"]:
        lines.append(f"# {c['label']}, port {c['port']}")
        if "extra_llm_api_options" in c:
            lines.append(f"cat > {c['argv'][-1]} <<'EOF'\n{c['extra_llm_api_options']}EOF")
        lines.append(c["shell"])
    return lines


def _export_heading(export: dict[str, Any]) -> str:
    return f"({export['tool']} {export['version']}, flags as in {export['doc']})"


def export_script(export: dict[str, Any]) -> str:
    """The launch commands of ``--export`` as a shell script (``plan serve --export X -o
    FILE`` writes it, as ``plan train --export X -o FILE`` writes the launch file)."""
    head = [
        "#!/bin/sh",
        f"# launch commands {_export_heading(export)}",
        # run as is, the first server would hold the shell and every server would take the
        # same GPUs: the file lists the servers, it does not place them
        "# one server per command, each in the foreground: start each on its own GPUs (its "
        "own node, or its own CUDA_VISIBLE_DEVICES), not one after another in one shell",
    ]
    return "\n".join(head + _export_lines(export)) + "\n"


def print_export(export: dict[str, Any], *, console: Console | None = None) -> None:
    """The launch commands of ``--export`` (one per server; TensorRT-LLM's YAML first)."""
    out = console or Console()
    out.print(f"[bold]launch commands[/bold] {_export_heading(export)}", highlight=False)
    for line in _export_lines(export):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
