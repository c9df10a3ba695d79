"""s16audit: judge runs.jsonl (written by audit.py) and print the cases table (Markdown).

Checks per call: rc 0; the written solution re-verified and re-evaluated (audit.py's
``recheck``); bound <= reference upper bound (and <= every verified objective of any method on
the instance); objective >= reference lower bound (and >= any OPTIMAL claim's objective);
OPTIMAL only at a known optimum / the best objective found; INFEASIBLE only where known
infeasible (and no method found a verified solution); runtime_s <= T + max(1, 0.1 T).
Usage: ``python analyze.py runs.jsonl > cases_runs.md``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import T, references

EPS = 1e-6
#: Inputs past a documented limit (or empty): one line naming the field, exit 2.
EXPECT_REFUSED = ("_over", "smtt_n0")


def main() -> None:
    rows = [json.loads(x) for x in Path(sys.argv[1]).read_text().splitlines()]
    refs = references()
    by_inst = defaultdict(list)
    for r in rows:
        by_inst[r["input"]].append(r)
    print(
        "| family | input | method | status | objective | bound | runtime_s | wall_s | checks | verdict |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    bad = 0
    for spec, group in by_inst.items():
        ref = refs.get(spec, {})
        solved = [r for r in group if r.get("recheck") == "ok"]
        best = min((r["objective"] for r in solved), default=None)
        opt_claims = [r["objective"] for r in group if r.get("status") == "OPTIMAL"]
        for r in group:
            problems, checks = [], []
            err = r.get("stderr", "")
            if r["rc"] == 2 and any(k in spec for k in EXPECT_REFUSED) and "\n" not in err:
                checks.append("refused: exit 2, one line")
            elif r["rc"] != 0:
                problems.append(f"rc {r['rc']}: {err[:80]}")
            st, obj, bnd = r.get("status"), r.get("objective"), r.get("bound")
            if st in ("OPTIMAL", "FEASIBLE"):
                checks.append("verify+evaluate")
                if r.get("recheck") != "ok":
                    problems.append(f"recheck: {r.get('recheck')} {r.get('violations')}")
            if bnd is not None:
                ub = ref.get("ub")
                if ub is not None:
                    checks.append("bound<=ref_ub")
                    if bnd > ub + EPS * max(1, abs(ub)):
                        problems.append(f"bound {bnd} > reference ub {ub}")
                if best is not None:
                    checks.append("bound<=best")
                    if bnd > best + EPS * max(1, abs(best)):
                        problems.append(f"bound {bnd} > a verified objective {best}")
            if obj is not None and st in ("OPTIMAL", "FEASIBLE"):
                lb = ref.get("lb")
                if lb is not None:
                    checks.append("obj>=ref_lb")
                    if obj < lb - EPS * max(1, abs(lb)):
                        problems.append(f"objective {obj} < reference lb {lb} (record? check)")
                for o in opt_claims:
                    if obj < o - EPS * max(1, abs(o)):
                        problems.append(f"objective {obj} < another method's OPTIMAL {o}")
            if st == "OPTIMAL":
                checks.append("OPTIMAL=opt")
                if ref.get("lb") is not None and ref.get("lb") == ref.get("ub"):
                    if abs(obj - ref["ub"]) > EPS * max(1, abs(ref["ub"])):
                        problems.append(f"OPTIMAL {obj} != known optimum {ref['ub']}")
                elif ref.get("lb") is not None and obj < ref["lb"] - EPS:
                    problems.append(f"OPTIMAL {obj} below the best known lb {ref['lb']}")
                if best is not None and obj > best + EPS * max(1, abs(best)):
                    problems.append(f"OPTIMAL {obj} but another method found {best}")
            if st == "INFEASIBLE":
                checks.append("INFEASIBLE=unsat")
                if ref and not ref.get("unsat"):
                    problems.append("INFEASIBLE on an instance with a known solution")
                if solved:
                    problems.append("INFEASIBLE but another method found a verified solution")
            if ref.get("unsat") and st in ("OPTIMAL", "FEASIBLE"):
                problems.append("a solution on an instance known infeasible")
            rt = r.get("runtime_s")
            if rt is not None:
                checks.append("time")
                if rt > T + max(1.0, 0.1 * T):
                    problems.append(f"runtime {rt:.2f} s > {T + max(1.0, 0.1 * T):.1f} s")
            verdict = "ok" if not problems else "**" + "; ".join(problems) + "**"
            bad += bool(problems)
            name = spec.replace("/work/shared/data/", "data/").replace(
                str(Path(__file__).resolve().parent) + "/", ""
            )
            fmt = lambda x: "" if x is None else (f"{x:.6g}" if isinstance(x, float) else str(x))  # noqa: E731
            print(
                f"| {r['family']} | {name} | {r['method']} | {st or '-'} | {fmt(obj)} | {fmt(bnd)} "
                f"| {fmt(rt)} | {r['wall_s']:.2f} | {', '.join(checks)} | {verdict} |"
            )
    print(f"\n{len(rows)} calls, {bad} with a problem.")


if __name__ == "__main__":
    main()
