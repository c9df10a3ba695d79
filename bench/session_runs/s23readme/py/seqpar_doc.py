# ruff: noqa  (README / docs snippets kept verbatim as they were run)
# docs/seqpar.md's data-loader snippet; lengths / batch / run_sp_group are the user's (defined here)
from planner.core.paths import given_or_bundled

lengths = [int(x) for x in open(given_or_bundled("wikipedia_sample.txt", "seqpar")).read().split()][
    :512
]
batch = [f"seq{i}" for i in range(len(lengths))]
calls = []


def run_sp_group(degree, sequences):
    calls.append((degree, len(sequences)))


from planner.seqpar import assign

plan = assign(lengths, 64, "flexsp-7b", time_limit=0.5, max_len=196608)
for mb in plan.microbatches:  # one after another
    for g in mb:  # side by side
        run_sp_group(degree=g.degree, sequences=[batch[i] for i in g.sequences])
plan.step_time_s, plan.bound_s, plan.result.stats["speedup_adaptive"]
len(calls), sum(n for _, n in calls)
