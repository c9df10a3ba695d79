"""The Mixtral H100 tp2 (both) replica of issue 19's plan at a given rate (scratch helper)."""

from planner.serve.api import make_problem
from planner.serve.capacity import role_model
from planner.serve.instance import ReplicaGroup, ServingPlan


def setup(qps, model="mixtral-8x7b", gpu="H100-SXM", tp=2, prompt="exp:1024", out="exp:256"):
    p = make_problem(
        model,
        "H100:8,A100:8",
        qps=qps,
        prompt_tokens=prompt,
        output_tokens=out,
        ttft="3s",
        tpot="100ms",
        disaggregation="off",
    )
    plan = ServingPlan((ReplicaGroup(gpu, tp, 1, 1, 1, "both", 2048, qps),))
    return p, plan, role_model(p, plan.replicas[0])
