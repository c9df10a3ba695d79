"""Export a Mixtral plan on 8 x MI300X for vLLM 0.8.5 (s17review): the ep > 1 server gets a
V1-only data-parallel command without VLLM_USE_V1=1, though vLLM 0.8.5 runs V0 on ROCm.

Run with PYTHONPATH set to a checkout of branch s17export::

    PYTHONPATH=/path/to/s17export python bench/session_runs/s17review/amd_vllm.py
"""

from planner.serve import make_problem
from planner.serve.api import solve
from planner.serve.export import export_plan, launchable


def main() -> None:
    problem = make_problem(
        "mixtral-8x7b",
        "MI300X:8",
        qps=20.0,
        prompt_tokens="exp:2000",
        output_tokens="exp:300",
        ttft="2s",
        tpot="30ms",
        disaggregation="allow",
    )
    prob = launchable(problem, "vllm")
    res = solve(prob, "auto", time_limit=20, threads=1)
    print(res.status.value, res.objective, [g.label() for g in res.solution.replicas])
    out = export_plan(prob, res.solution, "vllm")
    for note in out["notes"]:
        print(" note:", note)
    for command in out["commands"]:
        print("  ", command["shell"])


if __name__ == "__main__":
    main()
