"""Show that _config_bound's `limit` parameter is overwritten by the dp-limit array."""

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import load_model
from planner.train import search as S
from planner.train.instance import Constraints, TrainingProblem, Workload

prob = TrainingProblem(
    "t",
    load_model("gpt-1008b"),
    parse_cluster("3072xA100"),
    Workload(3072, 2048),
    Constraints(),
    meta={"top_k": 5},
)
sp = S.space(prob)
cap = prob.capacity(prob.cluster.pools[0].gpu)
seeds = S.config_seeds(prob, sp, cap)
n_def = n_cfg = 0
for _key, x in seeds[:200]:
    lc = x if isinstance(x, S.LayerConfig) else S.layer_config(prob, *x)
    pending = []
    S._config_bound(prob, lc, sp.zeros, cap, float("inf"), pending)
    n_cfg += 1
    if pending:
        n_def += 1
        if n_def <= 3:
            p = pending[0]
            print("limit=inf but deferred: pps", p.pps, "bounds", p.bound.round(2))
print(f"{n_def} of {n_cfg} configurations deferred sizes with limit=inf (expected 0)")
