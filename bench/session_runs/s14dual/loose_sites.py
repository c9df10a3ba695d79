"""Each LP-bound site against a brute-force optimum, with HiGHS's LPs solved loosely.

Every ``new_highs`` of the site's module is patched to set ``dual_feasibility_tolerance``
(``--tol``, default 1e-3) and presolve off, so HiGHS may stop at a vertex whose reduced costs
are slightly wrong and report an LP objective *above* the LP value. Counted per site on
tiny instances drawn with the tests' hypothesis strategies (generate phase only):

* ``lp>opt``: the site's LP bound above the brute-force optimum (an unsound bound).

Sites: offload ``mip.prepare`` (the LP relaxation over all layers, as the monolithic path
builds it), serve ``mip.solve_lp`` (the fleet LP relaxation), rcpsp ``preemptive_bound``.
Run once with PYTHONPATH at main (old: the LP objective) and once at this branch (new).

Usage (from the worktree root)::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s14dual/loose_sites.py --site offload --n 300
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.append(str(ROOT))  # tests.<family>.strategies (after PYTHONPATH: old or new planner)
sys.path.append(str(ROOT / "bench" / "session_runs" / "s13tol"))
from stress_bounds import stress  # noqa: E402  (generate-only hypothesis runs, session 13)


def loosen(module, tol: float) -> None:
    original = module.new_highs

    def loose(**kw):
        h = original(**kw)
        h.setOptionValue("dual_feasibility_tolerance", tol)
        h.setOptionValue("presolve", "off")
        return h

    module.new_highs = loose


def offload(counts: dict, n: int, sd: int, tol: float) -> None:
    from planner.offload import mip
    from tests.offload.strategies import brute_force, tiny_instances

    loosen(mip, tol)

    @stress(n, sd, tiny_instances())
    def run(inst):
        p = mip.prepare(
            inst,
            list(range(inst.layers)),
            capacity=inst.capacity,
            global_budget=not inst.per_layer,
            overlap=inst.hardware.overlap,
            time_limit=10,
            start=None,
        )
        if p.lp_bound is None:
            counts["no_bound"] += 1
            return
        best = brute_force(inst) * mip.US
        counts["tried"] += 1
        counts["lp>opt"] += p.lp_bound > best
        counts["max_excess_rel"] = max(
            counts["max_excess_rel"], (p.lp_bound - best) / max(best, 1e-9)
        )

    run()


def serve(counts: dict, n: int, sd: int, tol: float) -> None:
    from hypothesis import strategies as st

    from planner.serve import mip
    from planner.serve.candidates import candidates
    from tests.serve.test_mip import PROBLEMS, brute_force, tiny

    loosen(mip, tol)

    @stress(n, sd, st.tuples(*PROBLEMS))
    def run(args):
        qps, h100, a100, slo, lengths, mode = args
        problem = tiny(qps, h100, a100 if a100 else 1, slo, lengths, mode)
        best = brute_force(problem)
        usable = [c for c in candidates(problem) if c.usable]
        lp = mip.solve_lp(problem, usable, time_limit=10, threads=1) if usable else None
        if lp is None or best is None:
            counts["no_bound"] += 1
            return
        counts["tried"] += 1
        counts["lp>opt"] += lp > best
        counts["max_excess_rel"] = max(counts["max_excess_rel"], (lp - best) / max(abs(best), 1e-9))

    run()


def rcpsp(counts: dict, n: int, sd: int, tol: float) -> None:
    import planner.core.mip as core_mip
    from planner.rcpsp.bounds import preemptive_bound
    from planner.rcpsp.feasibility import infeasibility_reason
    from tests.rcpsp.helpers import brute_force, tiny_instances

    loosen(core_mip, tol)  # preemptive_bound imports new_highs from core.mip at call time

    @stress(n, sd, tiny_instances(max_jobs=3))
    def run(inst):
        best = brute_force(inst, inst.horizon + 3)
        if best is None or infeasibility_reason(inst) is not None:
            return
        b = preemptive_bound(inst, time_limit=2.0)
        counts["tried"] += 1
        counts["lp>opt"] += b > best

    run()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", choices=["offload", "serve", "rcpsp"], required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tol", type=float, default=1e-3)
    a = ap.parse_args()
    counts = {"tried": 0, "no_bound": 0, "lp>opt": 0, "max_excess_rel": float("-inf")}
    began = time.process_time()
    globals()[a.site](counts, a.n, a.seed, a.tol)
    counts["cpu_s"] = round(time.process_time() - began, 1)
    import planner

    print(
        json.dumps(
            {
                "site": a.site,
                "tol": a.tol,
                "n": a.n,
                "seed": a.seed,
                "planner": str(Path(planner.__file__).parent),
                **counts,
            }
        )
    )


if __name__ == "__main__":
    main()
