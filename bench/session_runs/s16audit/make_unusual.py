"""s16audit: unusually shaped but valid instances (and a few just past the documented limits).
Usage: ``python make_unusual.py`` writes inst/unusual/*.json."""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "inst" / "unusual"
OUT.mkdir(parents=True, exist_ok=True)
BIG = 2**31 - 1


def dump(name, obj):
    (OUT / name).write_text(json.dumps(obj) + "\n")


# smtt
dump("smtt_n1.json", {"name": "n1", "p": [5], "d": [3], "w": [2]})
dump("smtt_n0.json", {"name": "n0", "p": [], "d": []})
dump(
    "smtt_zero_p.json", {"name": "zero_p", "p": [0, 0, 0, 0], "d": [0, -1, 2, 0], "w": [1, 2, 3, 4]}
)
dump("smtt_ties.json", {"name": "ties", "p": [3] * 9, "d": [5] * 9})
dump("smtt_neg_d.json", {"name": "neg_d", "p": [3, 4, 5, 1], "d": [-100, -50, -10, -7]})
w = (2**63 - 1) // 9  # worst total tardiness exactly at the int64 limit the check allows
dump("smtt_huge_w.json", {"name": "huge_w", "p": [1, 1, 1], "d": [0, 0, 0], "w": [w, w - 1, w - 2]})
dump(
    "smtt_huge_w_over.json",
    {"name": "huge_w_over", "p": [1, 1, 1], "d": [0, 0, 0], "w": [w + 1] * 3},
)
dump("smtt_huge_p.json", {"name": "huge_p", "p": [2**40, 2**40 + 1, 3], "d": [2**40, 5, 2**41]})


# rcpsp
def rc(name, jobs, resources, precedences=(), downtimes=(), disjunctive=()):
    dump(
        name,
        {
            "name": name.removesuffix(".json"),
            "resources": resources,
            "jobs": jobs,
            "precedences": list(precedences),
            "downtimes": list(downtimes),
            "disjunctive": list(disjunctive),
        },
    )


team = [{"name": "r", "capacity": 1}]
rc("rc_n1.json", [{"name": "a", "duration": 4, "demands": {"r": 1}}], team)
rc(
    "rc_zero_dur.json",
    [{"name": f"j{i}", "duration": 0, "demands": {"r": 1}} for i in range(5)],
    team,
    [[f"j{i}", f"j{i + 1}"] for i in range(4)],
)
rc(
    "rc_cap0.json",
    [{"name": f"j{i}", "duration": i + 1, "demands": {"r": 0}} for i in range(5)],
    [{"name": "r", "capacity": 0}],
    [["j0", "j3"], ["j1", "j4"]],
)
rc(
    "rc_ties.json",
    [{"name": f"j{i}", "duration": 2, "demands": {"r": 1}} for i in range(8)],
    [{"name": "r", "capacity": 2}],
)
rc(
    "rc_demand_over_cap.json",
    [
        {"name": "a", "duration": 2, "demands": {"r": 2}},
        {"name": "b", "duration": 1, "demands": {"r": 1}},
    ],
    team,
)
rc(
    "rc_downtime_blocks.json",
    [{"name": "a", "duration": 3, "demands": {"r": 1}, "deadline": 10}],
    team,
    downtimes=[{"resource": "r", "start": 0, "end": 20, "capacity": 0}],
)
rc(
    "rc_big_numbers.json",
    [
        {"name": f"j{i}", "duration": BIG, "demands": {"r": 1}, "release": BIG if i == 0 else 0}
        for i in range(3)
    ],
    [{"name": "r", "capacity": BIG}],
    [["j0", "j1", BIG], ["j1", "j2", BIG]],
)
n = 200  # lags of 2**31 - 1 chained: horizon ~2**38.6, under the documented 2**40
rc(
    "rc_long_chain.json",
    [{"name": f"j{i}", "duration": 1, "demands": {"r": 1}} for i in range(n)],
    team,
    [[f"j{i}", f"j{i + 1}", BIG] for i in range(n - 1)],
)
n = 520  # ~2**40.02: past the documented horizon limit, must be refused (exit 2)
rc(
    "rc_chain_over_limit.json",
    [{"name": f"j{i}", "duration": 1, "demands": {"r": 1}} for i in range(n)],
    team,
    [[f"j{i}", f"j{i + 1}", BIG] for i in range(n - 1)],
)

# seqpar: from a generated instance, change the lengths
base = json.loads((HERE / "inst" / "seqpar_b5_g8.json").read_text())
for name, lengths in (
    ("seqpar_n1.json", [1]),
    ("seqpar_ties.json", [1000] * 8),
    ("seqpar_maxlen.json", [base["max_len"], 1]),
):
    dump(name, {**base, "name": name.removesuffix(".json"), "n": len(lengths), "lengths": lengths})

# pipelining: one op, no edges
pipe = json.loads((HERE / "inst" / "pipe_o5_u2.json").read_text())
dump("pipe_one_op.json", {**pipe, "name": "one_op", "ops": pipe["ops"][1:2], "edges": []})

# offload: one step; zero budget
off = json.loads((HERE / "inst" / "off_mix_s9_l3_b5.json").read_text())
dump("off_one_step.json", {**off, "name": "one_step", "steps": 1, "counts": off["counts"][:1]})
dump("off_budget0.json", {**off, "name": "budget0", "hardware": {**off["hardware"], "budget": 0}})
