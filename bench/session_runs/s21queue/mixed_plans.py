"""The two mixed-replica solver plans of ``bench/serve_simulator.py``: model vs simulator.

Solves the plan cases (``PLAN_CASES`` x ``SLO_LEVELS`` filtered to the two whose plans mix an
A100 and an H100 group: Mixtral 3s/100ms, 8B 500ms/30ms), saves each plan to
``plan_<name>.json`` (reused when present, so before / after runs compare the same plan), and
prints per group the model's p99 TTFT / TPOT, the plan's p99 (``plan_metrics``), and the
simulated p99 of the whole trace and of each group's requests (the router's draw is
recorded by wrapping ``Simulator._pick``).

Usage::

    nice -n 10 .venv/bin/python bench/session_runs/s21queue/mixed_plans.py [--requests 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_simulator as bench

from planner.serve import ServingPlan, solve
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import Simulator, generate_trace

HERE = Path(__file__).resolve().parent
WANTED = {
    ("mixtral-8x7b", "3s", "100ms"): "mixtral_3s",
    ("llama-3.1-8b", "500ms", "30ms"): "8b_500ms",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    result = {}
    for model, gpus, qps, prompt, output in bench.PLAN_CASES:
        for ttft, tpot in bench.SLO_LEVELS:
            name = WANTED.get((model, ttft, tpot))
            if name is None:
                continue
            prob = bench.plan_problem(model, gpus, qps, prompt, output, ttft, tpot)
            path = HERE / f"plan_{name}.json"
            if path.exists():
                plan = ServingPlan.from_dict(json.loads(path.read_text()))
            else:
                res = solve(prob, time_limit=20)
                plan = res.solution
                path.write_text(json.dumps(plan.to_dict(), indent=1))
            m = plan_metrics(prob, plan)
            # simulate, recording which group each request's entry engine belongs to
            sim = Simulator(prob, plan, args.seed)
            owner = {}
            i = 0
            for g in plan.replicas:
                if g.count <= 0 or g.load_qps <= 0:
                    continue
                n = g.count * g.pp * g.ep
                kind = "decode" if g.role == "decode" else "entry"
                for e in sim.engines[kind][i : i + n] if kind == "entry" else []:
                    owner[id(e)] = g.label()
                if kind == "entry":
                    i += n
            picked = {}
            pick = sim._pick

            def recording(kind, _pick=pick, _picked=picked, _sim=sim, _owner=owner):
                e = _pick(kind)
                if kind == "entry":
                    _picked[_sim._trace_index] = _owner[id(e)]
                return e

            submit = sim._submit

            def submitting(i, at, _submit=submit, _sim=sim):
                _sim._trace_index = i
                _submit(i, at)

            sim._pick = recording
            sim._submit = submitting
            trace = generate_trace(
                prob.traffic.with_qps(plan.served_qps()), args.requests, args.seed
            )
            t0 = time.process_time()
            done = sim.run(trace)
            cpu = time.process_time() - t0
            ttft_all = np.array([r.first - r.arrival for r in done])
            labels = [picked[r.rid] for r in done]
            tpot_all = np.array(
                [(r.finish - r.first) / (r.output - 1) if r.output > 1 else np.nan for r in done]
            )
            rows = []
            for gm in m["groups"]:
                mask = np.array([lab == gm["label"] for lab in labels])
                tp = tpot_all[mask]
                tp = tp[np.isfinite(tp)]
                rows.append(
                    {
                        "label": gm["label"],
                        "per_replica_qps": gm["per_replica_qps"],
                        "utilization": gm["utilization"],
                        "model_ttft_p99_ms": 1000 * (gm["ttft_s"] or 0),
                        "model_tpot_p99_ms": 1000 * (gm["tpot_s"] or 0),
                        "sim_requests": int(mask.sum()),
                        "sim_ttft_p99_ms": 1000 * float(np.percentile(ttft_all[mask], 99)),
                        "sim_tpot_p99_ms": 1000 * float(np.percentile(tp, 99)),
                    }
                )
            tp = tpot_all[np.isfinite(tpot_all)]
            result[name] = {
                "plan": "; ".join(g.label() for g in plan.replicas),
                "model_ttft_p99_ms": 1000 * m["ttft_s"],
                "model_tpot_p99_ms": 1000 * m["tpot_s"],
                "sim_ttft_p99_ms": 1000 * float(np.percentile(ttft_all, 99)),
                "sim_tpot_p99_ms": 1000 * float(np.percentile(tp, 99)),
                "sim_cpu_s": round(cpu, 1),
                "groups": rows,
            }
            print(json.dumps({name: result[name]}, indent=1), flush=True)
    (HERE / f"mixed_plans{args.tag}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
