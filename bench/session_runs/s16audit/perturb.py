"""s16audit: a second, independent check of each family's ``verify``.

Take a verified solution of an instance the tests do not use, perturb it, and check that
``verify`` rejects what breaks a constraint (with a reason naming it) and accepts what does
not. For rcpsp the verdict is cross-checked with a unit-time brute-force checker written here
(independent of the sweep in ``rcpsp/evaluate.py``); for smtt by the permutation definition.

Usage: ``PYTHONPATH=/work/wt/s16audit python perturb.py > perturb.out``
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

from planner import solve
from planner.core.family import get_family
from planner.core.specs import read_file, split_spec

HERE = Path(__file__).resolve().parent
DATA = Path("/work/shared/data")
INST = HERE / "inst"
ROWS: list[tuple[str, str, str, str, str]] = []


def load(family: str, spec: str):
    fam = get_family(family)
    path, sel = split_spec(spec)
    return fam, read_file(fam, Path(path), sel)[0]


def solved(family, specs, method):
    """``(fam, inst, base, name)`` per spec: ``method``'s solution, recorded as accepted."""
    for spec in specs:
        fam, inst = load(family, spec)
        base = solve(inst, method, time_limit=2, threads=1).solution
        name = Path(spec).name
        check(family, name, "as solved", fam, inst, base, "accept")
        yield fam, inst, base, name


def check(family, inst_name, what, fam, inst, sol, expect, brute=None):
    """Record verify's verdict on ``sol``; ``expect`` in {"reject", "accept"}."""
    v = fam.verify(inst, sol)
    got = "reject" if v else "accept"
    if brute is not None:
        b = brute(inst, sol)
        if (b == "reject") != (got == "reject"):
            verdict = f"MISMATCH with brute force ({b})"
        else:
            verdict = "ok" if got == expect else f"UNEXPECTED ({got}, brute {b})"
    else:
        verdict = "ok" if got == expect else f"UNEXPECTED ({got})"
    reason = v[0] if v else "-"
    ROWS.append((family, inst_name, what, f"{got}: {reason}"[:150], verdict))


# ------------------------------------------------------------------------- rcpsp
def rcpsp_brute(inst, sol) -> str:
    """Unit-time check: every constraint re-read from the instance, time step by time step."""
    s = sol.start
    n = inst.num_jobs
    if len(s) != n:
        return "reject"
    d = inst.durations
    for j in range(n):
        if s[j] < inst.release[j]:
            return "reject"
        if inst.deadline[j] is not None and s[j] + d[j] > inst.deadline[j]:
            return "reject"
    for p in inst.precedences:
        lag = d[p.pred] if p.lag is None else p.lag
        if s[p.succ] - s[p.pred] < lag:
            return "reject"
    for a, b in inst.disjunctive:
        if d[a] > 0 and d[b] > 0 and max(s[a], s[b]) < min(s[a] + d[a], s[b] + d[b]):
            return "reject"
    horizon = max((s[j] + d[j] for j in range(n)), default=0)
    lo = min(s, default=0)
    for r in range(inst.num_resources):
        for t in range(lo, horizon):
            use = sum(inst.demands[j][r] for j in range(n) if s[j] <= t < s[j] + d[j])
            cap = inst.capacities[r]
            for w in inst.downtimes:
                if w.resource == r and w.start <= t < w.end:
                    cap = min(cap, w.capacity)
            if use > cap:
                return "reject"
    return "accept"


def rcpsp_cases():
    from planner.rcpsp.instance import Solution

    specs = [
        f"{DATA}/psplib/j30/j3037_6.sm",
        f"{DATA}/rcpsp_max/sm_j10/PSP47.SCH",
        f"{INST}/rc_dc23.json",
    ]
    rng = random.Random(5)
    for spec in specs:
        fam, inst = load("rcpsp", spec)
        res = solve(inst, "sgs-lft" if "SCH" not in spec else "auto", time_limit=2, threads=1)
        base = list(res.solution.start)
        name = Path(spec).name
        check("rcpsp", name, "as solved", fam, inst, Solution(tuple(base)), "accept", rcpsp_brute)
        n = inst.num_jobs
        # shift the last-finishing job by +1: feasible unless a deadline / max lag / downtime bites
        last = max(range(n), key=lambda j: base[j] + inst.durations[j])
        s = base.copy()
        s[last] += 1
        exp = rcpsp_brute(inst, Solution(tuple(s)))
        check(
            "rcpsp",
            name,
            f"job {last} (last to finish) +1",
            fam,
            inst,
            Solution(tuple(s)),
            exp,
            rcpsp_brute,
        )
        # a tight finish-to-start precedence: successor one earlier
        tight = [
            p
            for p in inst.precedences
            if p.lag is None and base[p.succ] == base[p.pred] + inst.durations[p.pred]
        ]
        if tight:
            p = tight[0]
            s = base.copy()
            s[p.succ] -= 1
            check(
                "rcpsp",
                name,
                f"tight precedence {p.pred}->{p.succ}: succ -1",
                fam,
                inst,
                Solution(tuple(s)),
                "reject",
                rcpsp_brute,
            )
        # every job at time 0: resources (and precedences) break
        check(
            "rcpsp",
            name,
            "all starts 0",
            fam,
            inst,
            Solution(tuple([0] * n)),
            "reject",
            rcpsp_brute,
        )
        # swap the starts of two random jobs
        for _ in range(3):
            a, b = rng.sample(range(n), 2)
            s = base.copy()
            s[a], s[b] = s[b], s[a]
            exp = rcpsp_brute(inst, Solution(tuple(s)))
            check(
                "rcpsp",
                name,
                f"swap starts of {a},{b}",
                fam,
                inst,
                Solution(tuple(s)),
                exp,
                rcpsp_brute,
            )
        # drop a job
        check("rcpsp", name, "drop the last start", fam, inst, Solution(tuple(base[:-1])), "reject")
        # random single shifts by +-1, verdict from brute force
        for _ in range(6):
            j = rng.randrange(n)
            s = base.copy()
            s[j] += rng.choice((-1, 1))
            exp = rcpsp_brute(inst, Solution(tuple(s)))
            check(
                "rcpsp",
                name,
                f"job {j} shifted to {s[j]}",
                fam,
                inst,
                Solution(tuple(s)),
                exp,
                rcpsp_brute,
            )
        # downtime: put a demanding job inside a capacity-0 window
        for w in inst.downtimes:
            users = [
                j
                for j in range(n)
                if inst.demands[j][w.resource] > w.capacity and inst.durations[j] > 0
            ]
            if users and w.end > w.start:
                s = base.copy()
                s[users[0]] = w.start
                check(
                    "rcpsp",
                    name,
                    f"job {users[0]} into downtime [{w.start},{w.end})",
                    fam,
                    inst,
                    Solution(tuple(s)),
                    "reject",
                    rcpsp_brute,
                )
                break
        for a, b in inst.disjunctive[:1]:
            s = base.copy()
            s[b] = s[a]
            check(
                "rcpsp",
                name,
                f"disjunctive {a},{b} same start",
                fam,
                inst,
                Solution(tuple(s)),
                "reject" if inst.durations[a] and inst.durations[b] else "accept",
                rcpsp_brute,
            )


# -------------------------------------------------------------------------- smtt
def smtt_cases():
    from planner.smtt.instance import Solution

    for spec in (f"{DATA}/smtt/orlib/wt40.txt#56", f"{DATA}/smtt/llm_paper_n20.jsonl#412"):
        fam, inst = load("smtt", spec)
        res = solve(inst, "mdd", time_limit=2, threads=1)
        base = list(res.solution.order)
        name = spec.split("/")[-1]
        n = len(base)
        check("smtt", name, "as solved", fam, inst, Solution(base), "accept")
        s = base.copy()
        s[0], s[-1] = s[-1], s[0]
        check("smtt", name, "swap first and last", fam, inst, Solution(s), "accept")
        check("smtt", name, "drop a job", fam, inst, Solution(base[:-1]), "reject")
        check("smtt", name, "a job twice", fam, inst, Solution([*base[:-1], base[0]]), "reject")
        check("smtt", name, "index n", fam, inst, Solution([*base[:-1], n]), "reject")
        check("smtt", name, "index -1", fam, inst, Solution([-1, *base[1:]]), "reject")
        check("smtt", name, "extra job", fam, inst, Solution([*base, n]), "reject")
        check(
            "smtt",
            name,
            "True for 1",
            fam,
            inst,
            Solution([True if j == 1 else j for j in base]),
            "reject",
        )
        check(
            "smtt",
            name,
            "1.0 for 1",
            fam,
            inst,
            Solution([1.0 if j == 1 else j for j in base]),
            "reject",
        )


# ------------------------------------------------------------------------ seqpar
def seqpar_cases():
    from planner.seqpar.instance import Group, Solution

    for fam, inst, base, name in solved(
        "seqpar", (f"{INST}/seqpar_b37_g24.json", f"{INST}/seqpar_b5_g8.json"), "greedy"
    ):
        mbs = copy.deepcopy(base.microbatches)
        g = mbs[0][0]
        moved = g.sequences.pop()
        if g.sequences:
            mbs.append([Group(g.degree, [moved], g.strategy)])
            check(
                "seqpar",
                name,
                "move a sequence to a new micro-batch, same degree",
                fam,
                inst,
                Solution(mbs),
                "accept",
            )
        mbs = copy.deepcopy(base.microbatches)
        mbs[0][0].sequences.pop()
        exp = "reject"
        if not mbs[0][0].sequences:
            mbs[0].pop(0)
        check("seqpar", name, "drop a sequence", fam, inst, Solution(mbs), exp)
        mbs = copy.deepcopy(base.microbatches)
        mbs[-1][-1].sequences.append(base.microbatches[0][0].sequences[0])
        check("seqpar", name, "a sequence twice", fam, inst, Solution(mbs), "reject")
        mbs = copy.deepcopy(base.microbatches)
        mbs[0][0].degree = 3
        check("seqpar", name, "degree 3", fam, inst, Solution(mbs), "reject")
        mbs = copy.deepcopy(base.microbatches)
        mbs[0].append(Group(inst.gpus, [], mbs[0][0].strategy))
        check(
            "seqpar",
            name,
            "extra empty group over the GPU count",
            fam,
            inst,
            Solution(mbs),
            "reject",
        )
        mbs = [[Group(1, list(range(inst.n)))]]
        check(
            "seqpar",
            name,
            "everything on one GPU (memory)",
            fam,
            inst,
            Solution(mbs),
            "reject"
            if sum(inst.lengths) * inst.cost.activation_mb_per_token > inst.cluster.memory_mb
            else "accept",
        )
        mbs = copy.deepcopy(base.microbatches)
        mbs[0][0].sequences.append(inst.n)
        check("seqpar", name, "index n", fam, inst, Solution(mbs), "reject")
        check("seqpar", name, "no micro-batch", fam, inst, Solution([]), "reject")


# -------------------------------------------------------------------- pipelining
def pipelining_cases():
    from planner.pipelining.instance import Solution

    for fam, inst, base, name in solved(
        "pipelining", (f"{INST}/pipe_o13_u3.json", f"{INST}/pipe_o5_u2.json"), "ims"
    ):
        shifted = Solution(base.ii, {k: t + 1 for k, t in base.start.items()}, dict(base.warp))
        check(
            "pipelining",
            name,
            "every start +1 (same relative schedule)",
            fam,
            inst,
            shifted,
            "accept",
        )
        shifted = Solution(
            base.ii, {k: t + base.ii for k, t in base.start.items()}, dict(base.warp)
        )
        check("pipelining", name, "every start +ii", fam, inst, shifted, "accept")
        # a tight dependence: destination one earlier
        for e in inst.edges:
            slack = base.start[e.dst] + e.distance * base.ii - base.start[e.src] - e.latency
            if slack == 0 and base.start[e.dst] >= 1 and base.warp[e.src] == base.warp[e.dst]:
                s = dict(base.start)
                s[e.dst] -= 1
                check(
                    "pipelining",
                    name,
                    f"tight edge {e.src}->{e.dst}: dst -1",
                    fam,
                    inst,
                    Solution(base.ii, s, dict(base.warp)),
                    "reject",
                )
                break
        check(
            "pipelining",
            name,
            "ii 1",
            fam,
            inst,
            Solution(1, dict(base.start), dict(base.warp)),
            "reject",
        )
        w = dict(base.warp)
        w[next(iter(w))] = inst.machine.warp_groups
        check(
            "pipelining",
            name,
            "warp = warp_groups",
            fam,
            inst,
            Solution(base.ii, dict(base.start), w),
            "reject",
        )
        s = dict(base.start)
        s.pop(next(iter(s)))
        check(
            "pipelining",
            name,
            "drop an op",
            fam,
            inst,
            Solution(base.ii, s, dict(base.warp)),
            "reject",
        )
        s = dict(base.start)
        s[next(iter(s))] = -1
        check(
            "pipelining",
            name,
            "a start -1",
            fam,
            inst,
            Solution(base.ii, s, dict(base.warp)),
            "reject",
        )


# ----------------------------------------------------------------------- offload
def offload_cases():
    from planner.offload.instance import Solution

    for fam, inst, base, name in solved(
        "offload", (f"{INST}/off_mix_s9_l3_b5.json", f"{INST}/off_llada_s7_l2_gb13.json"), "lru"
    ):
        r = copy.deepcopy(base.resident)
        s, layer = next((s, k) for s in range(len(r)) for k in range(len(r[s])) if r[s][k])
        r[s][layer] = list(r[s][layer])[:-1]
        check("offload", name, "drop a resident expert", fam, inst, Solution(r), "accept")
        r = copy.deepcopy(base.resident)
        r[s][layer] = [*list(r[s][layer]), r[s][layer][0]]
        check("offload", name, "an expert twice", fam, inst, Solution(r), "reject")
        r = copy.deepcopy(base.resident)
        r[s][layer] = list(range(inst.experts))
        check(
            "offload", name, "every expert resident (over budget)", fam, inst, Solution(r), "reject"
        )
        r = copy.deepcopy(base.resident)
        r[s][layer] = [inst.experts]
        check("offload", name, "expert id = experts", fam, inst, Solution(r), "reject")
        r = copy.deepcopy(base.resident)
        r.pop()
        check("offload", name, "drop a step", fam, inst, Solution(r), "reject")
        r = copy.deepcopy(base.resident)
        r[s][layer] = [True]
        check("offload", name, "True as an expert id", fam, inst, Solution(r), "reject")


def main() -> None:
    for f in (smtt_cases, rcpsp_cases, seqpar_cases, pipelining_cases, offload_cases):
        try:
            f()
        except Exception as exc:  # report, keep going
            ROWS.append((f.__name__, "-", "script error", f"{type(exc).__name__}: {exc}", "ERR"))
    print("| family | input | perturbation | verify says | verdict |")
    print("| --- | --- | --- | --- | --- |")
    for row in ROWS:
        print("| " + " | ".join(str(c).replace("|", "/") for c in row) + " |")


if __name__ == "__main__":
    main()
