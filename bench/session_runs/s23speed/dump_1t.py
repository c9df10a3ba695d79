"""Everything the 1T search answers (status, bound, plan, every alternative's label and
objective, the preferred-plan stats), as JSON, to compare two trees' answers.
    PYTHONPATH=TREE python dump_1t.py"""

import json

from planner.train.api import make_problem, solve

problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048)
r = solve(problem, "auto", time_limit=60)
st = r.stats
print(
    json.dumps(
        {
            "status": r.status.value,
            "objective": r.objective,
            "bound": r.bound,
            "plan": r.solution.to_dict(),
            "alternatives": [(a["label"], a["objective"]) for a in st.get("alternatives", [])],
            "evaluated": st.get("evaluated"),
            "configs": st.get("configs"),
            "pruned_configs": st.get("pruned_configs"),
            "preferred": st.get("preferred"),
        },
        sort_keys=True,
        default=str,
    )
)
