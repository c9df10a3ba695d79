"""Compare the old / new ``preemptive_bound`` runs of ``rcpsp_old_new.py`` (JSON Lines)."""

import json
import sys


def rows(path: str) -> dict:
    with open(path) as f:
        return {r["instance"]: r for r in map(json.loads, f)}


for name in sys.argv[1:]:
    old, new = rows(f"{name}_old.jsonl"), rows(f"{name}_new.jsonl")
    same = [k for k in old if k in new and old[k]["bound"] == new[k]["bound"]]
    diff = [(k, old[k]["bound"], new[k]["bound"]) for k in old if k in new and k not in same]
    cpu_o = sum(old[k]["cpu_s"] for k in new)
    cpu_n = sum(new[k]["cpu_s"] for k in new)
    loads = [r["load"] for r in (*old.values(), *new.values())]
    print(
        f"{name}: {len(new)} instances, same bound {len(same)}, differing {diff}; "
        f"CPU old {cpu_o:.1f} s new {cpu_n:.1f} s; load {min(loads)}-{max(loads)}"
    )
