"""s17audit: run `plan train` / `plan serve` / `plan compare` / `solve seqpar` / `solve offload`
on inputs no test uses and check each answer.

Usage (from the worktree, PYTHONPATH set to it):
    nice -n 10 python bench/session_runs/s17audit/audit.py CASEFILE OUT.jsonl [--only ID,...]

CASEFILE is a Python file defining CASES: a list of dicts with
    id      short name
    args    planner arguments (list of str; {I} is the inputs folder, {W} a scratch folder)
    expect  "ok" (exit 0, a plan), "infeasible" (exit 0, status INFEASIBLE with a reason),
            "bad" (exit 2, one stderr line, no traceback)
    limit   the -t value (seconds) when the wall time is to be checked
    note    what the case tries

Checks on every JSON answer: valid JSON without NaN / Infinity; train: the breakdown sums to
step_time_s, every stage's memory total <= its capacity (alternatives too); serve: each group's
TTFT / TPOT breakdown sums to its ttft_s / tpot_s, top-level ttft_s / tpot_s = the worst group's;
wall <= T + max(1 s, 10 %) + start-up (3 s allowed).
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
PLANNER = "/work/main/.venv/bin/planner"
STARTUP_S = 3.0


def _no_nan(text: str) -> None:
    def bad(token: str) -> float:
        raise ValueError(f"non-finite JSON constant {token}")

    json.loads(text, parse_constant=bad)


def _close(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def check_train(d: dict) -> list[str]:
    out = []
    if d.get("status") in ("OPTIMAL", "FEASIBLE"):
        for where, plan in [
            ("best", d),
            *((f"alt{i}", a) for i, a in enumerate(d.get("alternatives") or [])),
        ]:
            bd = plan.get("breakdown")
            if bd and plan.get("step_time_s") is not None:
                s = sum(v for v in bd.values() if isinstance(v, (int, float)))
                if not _close(s, plan["step_time_s"], rel=1e-6):
                    out.append(
                        f"{where}: breakdown sums to {s:.6g}, step_time_s {plan['step_time_s']:.6g}"
                    )
        for st in d.get("stages") or []:
            mem = st.get("memory_gib", {}).get("total")
            cap = st.get("capacity_gib")
            if mem is not None and cap is not None and mem > cap + 1e-3:
                out.append(f"stage {st.get('stage')}: memory {mem} GiB > capacity {cap} GiB")
        mem = d.get("memory_gb_per_gpu")
        caps = [st.get("capacity_gib") for st in d.get("stages") or [] if st.get("capacity_gib")]
        if mem is not None and caps and mem > max(caps) + 1e-3:
            out.append(f"memory_gb_per_gpu {mem} > capacity {max(caps)}")
    elif d.get("status") == "INFEASIBLE" and not d.get("reason"):
        out.append("INFEASIBLE without a reason")
    return out


def check_serve(d: dict) -> list[str]:
    out = []
    if d.get("status") not in ("OPTIMAL", "FEASIBLE"):
        if d.get("status") == "INFEASIBLE" and not d.get("reason"):
            out.append("INFEASIBLE without a reason")
        return out
    if d.get("verified") is not True and not d.get("day"):
        out.append(f"verified={d.get('verified')}")
    groups = d.get("groups") or []
    for g in groups:
        if g.get("kv_fill") is not None and not 0 <= g["kv_fill"] <= 1 + 1e-9:
            out.append(f"group {g.get('label')}: kv_fill {g['kv_fill']}")
        if g.get("utilization") is not None and not 0 <= g["utilization"] < 1:
            out.append(f"group {g.get('label')}: utilization {g['utilization']}")
        for key, bkey in (("ttft_s", "ttft_breakdown_s"), ("tpot_s", "tpot_breakdown_s")):
            if g.get(key) is None or not g.get(bkey):
                continue
            s = sum(v for v in g[bkey].values() if isinstance(v, (int, float)))
            if not _close(s, g[key], rel=1e-6):
                out.append(f"group {g.get('label')}: {bkey} sums to {s:.6g}, {key} {g[key]:.6g}")
    if groups and not d.get("workloads") and not d.get("day"):
        for key in ("ttft_s", "tpot_s"):
            vals = [g[key] for g in groups if g.get(key) is not None]
            if vals and d.get(key) is not None and not _close(max(vals), d[key], rel=1e-6):
                out.append(f"{key} {d[key]:.6g} is not the worst group's {max(vals):.6g}")
    return out


def run_case(case: dict, scratch: Path) -> dict:
    args = [a.format(I=INPUTS, W=scratch) for a in case["args"]]
    t0 = time.monotonic()
    r0 = os.times()
    proc = subprocess.run(
        ["nice", "-n", "10", PLANNER, *args], capture_output=True, text=True, timeout=900
    )
    wall = time.monotonic() - t0
    r1 = os.times()
    cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    rec = {
        "id": case["id"],
        "args": args,
        "expect": case["expect"],
        "note": case.get("note", ""),
        "rc": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "stderr": proc.stderr.strip()[-600:],
        "problems": [],
    }
    problems = rec["problems"]
    err_lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    if "Traceback" in proc.stderr:
        problems.append("traceback on stderr")
    exp = case["expect"]
    if exp == "bad":
        if proc.returncode != 2:
            problems.append(f"exit {proc.returncode}, expected 2")
        if len(err_lines) != 1:
            problems.append(f"{len(err_lines)} stderr lines, expected 1")
    else:
        if proc.returncode != 0:
            problems.append(f"exit {proc.returncode}, expected 0")
    data = None
    if proc.returncode == 0 and "--json" in args:
        text = proc.stdout.strip()
        for i, line in enumerate(
            text.splitlines() if text.startswith("{") and "\n{" in text else [text]
        ):
            try:
                _no_nan(line)
                data = json.loads(line)
            except ValueError as exc:
                problems.append(f"stdout line {i}: {exc}"[:200])
        if data is not None:
            rec["status"] = data.get("status")
            rec["reason"] = (data.get("reason") or "")[:300]
            rec["runtime_s"] = data.get("runtime_s")
            cmd = args[:2]
            if cmd == ["plan", "train"]:
                problems.extend(check_train(data))
            elif cmd == ["plan", "serve"]:
                problems.extend(check_serve(data))
            if exp == "infeasible" and data.get("status") != "INFEASIBLE":
                problems.append(f"status {data.get('status')}, expected INFEASIBLE")
            if exp == "ok" and data.get("status") not in ("OPTIMAL", "FEASIBLE", None):
                problems.append(f"status {data.get('status')}, expected a plan")
            rec["summary"] = summarize(cmd, data)
    limit = case.get("limit")
    if limit is not None and wall > limit + max(1.0, 0.1 * limit) + STARTUP_S:
        problems.append(f"wall {wall:.1f} s over -t {limit}")
    for extra in case.get("post", []):
        problems.extend(extra(args, proc, scratch))
    rec["verdict"] = "ok" if not problems else "PROBLEM"
    return rec


def summarize(cmd: list[str], d: dict) -> str:
    if cmd == ["plan", "train"] and d.get("plan"):
        p = d["plan"]
        return (
            f"t{p['tp']} p{p['pp']} d{p['dp']} c{p['cp']} e{p['ep']} b{p['microbatch']} "
            f"v{p['interleave']} {p['recompute']} z{p['zero']}: {d.get('step_time_s', 0):.3f} s, "
            f"{d.get('memory_gb_per_gpu', 0):.1f} GiB, mfu {d.get('mfu', 0):.3f}"
        )
    if cmd == ["plan", "serve"] and d.get("replicas") is not None:
        reps = ", ".join(
            f"{r['count']}x{r['gpu']} t{r['tp']}p{r['pp']}e{r['ep']} {r['role']}"
            for r in d["replicas"]
        )
        return f"{reps}: ${d.get('cost_per_hour') or 0:.2f}/h"
    return ""


def main() -> None:
    casefile, out = sys.argv[1], Path(sys.argv[2])
    only = None
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    cases = runpy.run_path(casefile)["CASES"]
    scratch = Path(tempfile.mkdtemp(prefix="s17audit-"))
    with out.open("a") as fh:
        for case in cases:
            if only and case["id"] not in only:
                continue
            if case.get("setup"):
                case["setup"](scratch)
            rec = run_case(case, scratch)
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            flag = "" if rec["verdict"] == "ok" else "  <-- " + "; ".join(rec["problems"])
            print(
                f"{rec['id']:28s} rc={rec['rc']} {rec['wall_s']:6.1f}s {rec.get('status', '')} "
                f"{rec.get('summary', '') or rec['stderr'][-160:]}{flag}",
                flush=True,
            )


if __name__ == "__main__":
    main()
