"""The plan report: the ``--json`` object of ``planner plan train`` and its Rich rendering."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from planner.core.result import Result
from planner.perfmodel.hardware import vendor_of
from planner.train.error_bands import attach_bands
from planner.train.hetero.search import scope_notes
from planner.train.instance import TrainingProblem, compact
from planner.train.profiles import ACTIVE
from planner.train.robustness import attach_robustness
from planner.train.step_time import estimate, training_step


def summary(problem: TrainingProblem, result: Result) -> dict[str, Any]:
    """One JSON object: status, plan, step time, TFLOPS, MFU, memory, bound, gap, alternatives."""
    out: dict[str, Any] = {
        "status": result.status.value,
        "instance": problem.name,
        "model": {
            "name": problem.model.name,
            "parameters": problem.model.params_total,
            "active_parameters": problem.model.params_active,
            "layers": problem.model.layers,
            "hidden": problem.model.hidden,
            "experts": problem.model.num_experts,  # 0: dense (plan compare hides expert rows)
        },
        "cluster": problem.cluster.describe(),
        "global_batch": problem.workload.global_batch,
        "seq_len": problem.workload.seq_len,
        "precision": problem.workload.precision,
        # the framework settings that priced it, where they differ from the defaults (--software,
        # a --from launch, a framework's profile): plan compare warns when two plans' differ
        "software": problem.software.to_dict(),
        "objective_kind": problem.constraints.objective,
        "method": result.method,
        "plan": None,
        "step_time_s": None,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "runtime_s": round(result.runtime_s, 4),
        "reason": result.reason,
        "profile": ACTIVE.get(),  # the --profile whose constants priced it (None: shipped)
        "framework": problem.constraints.framework,  # plans kept to it (None: any)
    }
    if "pricing" in problem.meta:  # --pricing / --prices: the tier and each GPU's price
        out["pricing"] = problem.meta["pricing"]
    if result.solution is not None and result.status.value in ("OPTIMAL", "FEASIBLE"):
        est = estimate(problem, result.solution)
        priced = est.cost_per_hour > 0  # 0: a pool of the plan has no price (step_time)
        plan = result.solution.to_dict()
        if not plan["stage_pools"]:
            plan["stage_pools"] = [problem.cluster.pools[0].label] * result.solution.pp
        out.update(
            plan=plan,
            step_time_s=est.step_time,
            tokens_per_s=est.tokens_per_s,
            model_tflops_per_gpu=est.model_tflops_per_gpu,
            hardware_tflops_per_gpu=est.hardware_tflops_per_gpu,
            mfu=est.mfu,
            mfu_causal=est.mfu_causal,
            mfu_convention=(
                "mfu: Megatron's model FLOPs (full s x s attention square); mfu_causal: causal "
                "attention counted as half the square (Llama 3, PaLM); both against the dense "
                "bf16 peak (also for fp8 / fp4 runs, whose GEMMs can take it above 1); "
                "*_fp8_peak / *_fp4_peak: the same against the dense fp8 / fp4 peak (null "
                "when a GPU has none); hardware_tflops_per_gpu adds recomputation"
            ),
            breakdown=est.breakdown,
            gpus=est.gpus,
            gpus_by_pool=est.gpus_by_pool,
            microbatches=est.microbatches,
            bubble_time_s=est.bubble_time,
            tail_time_s=est.tail_time,
            # null when a GPU the plan uses has no price (was 0.0, read as free; the table
            # says "no price known")
            cost_per_hour=est.cost_per_hour if priced else None,
            cost_per_step=est.cost_per_step if priced else None,
            usd_per_million_tokens=est.usd_per_million_tokens if priced else None,
            memory_gib_per_gpu=est.memory.total_gib,
            # deprecated alias of memory_gib_per_gpu (it always held GiB); kept for one release
            memory_gb_per_gpu=est.memory.total_gib,
            memory=est.memory.to_dict(),
            memory_stage=est.worst_stage.index,
            stages=[s.to_dict() for s in est.stages],
            schedule=(step := training_step(problem, result.solution)).schedule,
        )
        if step.schedule_note:  # the dualpipe setting on a plan that cannot run DualPipe
            out.setdefault("notes", []).append(step.schedule_note)
        if problem.software.zero_hpz and result.solution.zero < 3:
            # ZeRO++'s secondary weight shard and quantized gathers act on ZeRO-3's weight
            # all-gathers: a plan of a lower stage was priced without them, silently
            out.setdefault("notes", []).append(
                f"zero_hpz (ZeRO++) acts under ZeRO-3 only: this ZeRO-{result.solution.zero} "
                "plan is priced without it (--zero 3 keeps it)"
            )
        for low in LOW_PRECISION_PEAKS:
            peak = peak_flops_of(problem, est.gpus_by_pool, low)
            ratio = None if peak is None else est.peak_flops / peak
            out[f"mfu_{low}_peak"] = None if ratio is None else est.mfu * ratio
            out[f"mfu_causal_{low}_peak"] = None if ratio is None else est.mfu_causal * ratio
    out["alternatives"] = result.stats.get("alternatives", [])
    for key in (
        "min_memory_gb",
        "dominated_by",
        "min_memory_plan",
        "failed_constraint",
        "preferred",
        "near_best_complete",
    ):
        if key in result.stats:
            out[key] = result.stats[key]
    if problem.meta.get("warnings"):
        out["warnings"] = problem.meta["warnings"]
    notes = out.pop("notes", []) + scope_notes(problem)
    if notes:
        out["notes"] = notes
    vendors = {vendor_of(pool.gpu.architecture) for pool in problem.cluster.pools}
    attach_bands(out, gpu_vendor=vendors.pop() if len(vendors) == 1 else None)
    attach_robustness(out)
    return out


#: Precisions besides bf16 that MFU is also quoted against (``mfu_<p>_peak`` in the JSON).
LOW_PRECISION_PEAKS = ("fp8", "fp4")


def peak_flops_of(
    problem: TrainingProblem, gpus_by_pool: dict[str, int], precision: str
) -> float | None:
    """Dense ``precision`` tensor-core peak (FLOP/s) of the GPUs a plan uses.

    Parameters
    ----------
    problem
        The training problem (its cluster's pools).
    gpus_by_pool
        GPUs the plan uses per pool label.
    precision
        ``fp8`` or ``fp4``.

    Returns
    -------
    float or None
        The summed peak; ``None`` when one of the GPUs has no such tensor cores.
    """
    pools = {p.label: p for p in problem.cluster.pools}
    total = 0.0
    for label, n in gpus_by_pool.items():
        gpu = pools[label].gpu
        if not gpu.supports(precision):
            return None
        total += n * gpu.peak_flops(precision)
    return total or None


def attach_summary(problem: TrainingProblem, result: Result) -> Result:
    """Store :func:`summary` in ``result.stats["summary"]``."""
    result.stats["summary"] = summary(problem, result)
    return result


def _gib(x: float) -> str:
    return f"{x:.1f}"


def render(
    problem: TrainingProblem,
    result: Result,
    console: Console | None = None,
    *,
    mfu_peak: str = "bf16",
) -> None:
    """Rich tables: the plan, the alternatives, the memory breakdown."""
    console = console or Console()
    s = result.stats.get("summary") or summary(problem, result)
    head = (
        f"[bold]{problem.model.display_name or problem.model.name}[/bold] on "
        f"{problem.cluster.describe()} — batch {problem.workload.global_batch} x "
        f"{problem.workload.seq_len} tokens, {problem.workload.precision}"
    )
    if s.get("profile"):
        head += f" — constants of profile {s['profile']}"
    if s.get("framework"):
        from planner.train.frameworks import PROFILES

        head += f" — plans {PROFILES[s['framework']].title} can launch"
    console.print(head)
    status = s["status"]
    if s["plan"] is None:
        console.print(f"[red]{status}[/red]: {s['reason']}", highlight=False)
        return
    gap = s["gap"]
    t = Table(title=f"best plan ({status}, gap {0 if gap is None else 100 * gap:.2f}%)")
    t.add_column("decision")
    t.add_column("value", justify="right")
    p = s["plan"]
    for key in (
        "tp",
        "pp",
        "dp",
        "cp",
        "ep",
        "microbatch",
        "interleave",
        "recompute",
        "zero",
        "sequence_parallel",
    ):
        value = str(p[key])
        if key == "recompute" and value == "full" and p.get("recompute_layers"):
            value += f" ({p['recompute_layers']} layers per stage)"
        t.add_row(key, value)
        if key == "ep" and (p["ep"] > 1 or p["expert_tp"] != p["tp"]):
            t.add_row("expert_tp", str(p["expert_tp"]))
        if key == "zero" and p.get("shard_group"):
            t.add_row("shard_group", f"{p['shard_group']} (hybrid sharding)")
    layers = p["stage_layers"]
    t.add_row("stage_layers", compact(layers))
    if len(set(p["stage_pools"])) > 1:
        t.add_row("stage_pools", compact(p["stage_pools"]))
    t.add_section()
    t.add_row("step time", f"{s['step_time_s']:.3f} s")
    if s.get("error_band"):
        t.add_row("held-out error band", _band(s["error_band"]))
    t.add_row("throughput", f"{s['tokens_per_s']:,.0f} tokens/s")
    t.add_row("model TFLOP/s per GPU", f"{s['model_tflops_per_gpu']:.1f}")
    t.add_row("hardware TFLOP/s per GPU", f"{s['hardware_tflops_per_gpu']:.1f}")
    t.add_row("MFU (causal / Megatron)", f"{100 * s['mfu_causal']:.1f}% / {100 * s['mfu']:.1f}%")
    if mfu_peak in LOW_PRECISION_PEAKS:
        low = s.get(f"mfu_{mfu_peak}_peak")
        t.add_row(
            f"MFU vs {mfu_peak} peak",
            f"– (a GPU has no {mfu_peak} peak)"
            if low is None
            else f"{100 * s[f'mfu_causal_{mfu_peak}_peak']:.1f}% / {100 * low:.1f}%",
        )
    t.add_row("GPUs used", f"{s['gpus']}")
    t.add_row("bubble / tail", f"{s['bubble_time_s']:.3f} s / {s['tail_time_s']:.3f} s")
    if s["cost_per_hour"] is not None:
        # cents: "$2/h" was shown for three L4s at $2.40/h (s31user)
        cost = f"${s['cost_per_hour']:,.2f}/h, ${s['usd_per_million_tokens']:.3f}/M tokens"
    else:  # a GPU of the catalog without a public price (time_to_train says the same)
        cost = "no price known (price_per_gpu_hour in a cluster TOML)"
    t.add_row("cost", cost)
    cost_objective = s.get("objective_kind") == "cost"
    if s["bound"] is None:
        bound = "–"
    elif cost_objective:  # the bound of the objective, not of the step time shown above it
        bound = f"${s['bound']:.4g} per step (cost objective; this plan ${s['objective']:.4g})"
    else:
        bound = f"{s['bound']:.4g} s"
    t.add_row("bound", bound)
    console.print(t)
    rob = s.get("robustness")
    if rob and rob["plans"] > 1:
        verdict = "stays" if rob["robust"] else "does NOT stay"
        by = " in cost per step" if rob.get("measure") == "cost_per_step" else ""
        console.print(
            f"with every term of the step time perturbed by +/-{100 * rob['delta']:g}% "
            f"({rob['corners']} corners), the plan {verdict} within {100 * rob['within']:g}% of "
            f"the best of these {rob['plans']} plans{by} (worst: "
            f"{100 * (rob['worst_ratio'] - 1):.1f}% behind; the best in "
            f"{100 * rob['best_share']:.0f}% of the corners)",
            highlight=False,
        )
    pref = s.get("preferred")
    if pref:
        console.print(
            f"recommended over the {'cheapest' if cost_objective else 'fastest'} plan "
            f"{pref['fastest_label']} "
            f"(+{100 * pref['slower_by']:.2f}%, within {100 * pref['tolerance']:g}%): "
            + "; ".join(pref["reasons"])
            + ("" if pref.get("candidates_complete", True) else " (near-best plans cut by time)"),
            highlight=False,
        )

    parts = {k: v for k, v in (s.get("breakdown") or {}).items() if v > 0}
    if parts:
        bt = Table(title="step time by component, s (they add up to the step time)")
        for key in parts:
            bt.add_column(key, justify="right")
        bt.add_row(*[f"{v:.3f}" for v in parts.values()])
        console.print(bt)

    console.print(_memory_table(s))

    alts = s["alternatives"]
    if alts:
        # one MFU per plan here: Megatron's, as "MFU (causal / Megatron)" above names it (the
        # bare "MFU" column read as the causal figure's rival, 48.0 % against 45.8 %; s22walk)
        at = Table(title="alternatives (MFU: Megatron's convention)")
        for col in ("plan", "step s", "band s", "MFU", "HW TF/GPU", "mem GiB", "GPUs"):
            at.add_column(col, justify="left" if col == "plan" else "right")
        for a in alts:
            at.add_row(
                a["label"],
                f"{a['step_time_s']:.3f}",
                _band_range(a.get("error_band")),
                f"{100 * a['mfu']:.1f}%",
                f"{a['hardware_tflops_per_gpu']:.1f}",
                f"{a['memory_gib_per_gpu']:.1f}",
                str(a["gpus"]),
            )
        console.print(at)
    for w in s.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    for note in s.get("notes", []):
        console.print(f"note: {note}", highlight=False)


#: Memory components (keys of the plan's ``memory``) and their column headers: short enough
#: that the per-stage table (stage column + 8 values) fits 80 columns.
_MEMORY_COLUMNS = {
    "weights": "weights",
    "gradients": "grads",
    "optimizer": "optim",
    "activations": "activ",
    "logits": "logits",
    "buffers": "bufs",
    "reserved": "rsvd",
}
#: The abbreviated headers spelled out under the table.
_MEMORY_LEGEND = {
    "grads": "gradients",
    "optim": "optimizer states",
    "activ": "activations",
    "bufs": "communication buffers",
    "rsvd": "reserved headroom",
}


def _memory_table(s: dict) -> Table:
    """Memory per component: of every stage (runs of equal stages merged) when the plan has
    several, else of its one stage."""
    keys = tuple(_MEMORY_COLUMNS)
    stages = s.get("stages") or []
    # Short headers and a legend: the full names cut the table at 80 columns ("gradien…").
    legend = {
        "caption": "; ".join(f"{h} = {name}" for h, name in _MEMORY_LEGEND.items()),
        "caption_justify": "left",
    }
    if len(stages) <= 1:
        mt = Table(title=f"memory per GPU (stage {s['memory_stage']}), GiB", **legend)
        rows = [("", s["memory"])]
    else:
        mt = Table(
            title=f"memory per GPU by stage, GiB (peak: stage {s['memory_stage']})",
            **legend,
        )
        mt.add_column("stage", justify="right")
        rows = [(str(st["stage"]), st["memory_gib"]) for st in stages]
    for key in (*keys, "total"):
        mt.add_column(_MEMORY_COLUMNS.get(key, key), justify="right", no_wrap=True)
    merged: list[tuple[str, str, list[str]]] = []  # (first stage, last stage, cells)
    for name, mem in rows:
        cells = [_gib(mem.get(k, 0.0)) for k in (*keys, "total")]
        if merged and merged[-1][2] == cells:
            merged[-1] = (merged[-1][0], name, cells)
        else:
            merged.append((name, name, cells))
    for first, last, cells in merged:
        label = [first if first == last else f"{first}-{last}"] if len(rows) > 1 else []
        mt.add_row(*label, *cells)
    return mt


def _band_range(b: dict | None) -> str:
    if not b or b.get("low_s") is None:
        return "–"
    high = "?" if b["high_s"] is None else f"{b['high_s']:.3g}"
    return f"{b['low_s']:.3g}–{high}"


def _band(b: dict) -> str:
    """``11.9–13.1 s (interleaved-pp: 7 held-out rows, mean |error| 3.7%)``."""
    if b.get("low_s") is None:
        return "no held-out rows"
    where = b["kind"] if b["source"] == b["kind"] else f"{b['kind']}, none held out: all rows"
    return (
        f"{_band_range(b)} s ({where}: {b['held_out_rows']} rows, mean |error| "
        f"{100 * b['mean_abs_error']:.1f}%)"
    )
