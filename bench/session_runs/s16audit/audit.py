"""s16audit: certificates and bounds of every method on benchmark data the tests do not use.

Runs ``planner solve FAMILY FILE --method M -t T --threads 1 --json --out F`` in a subprocess
(under ``nice -n 10``), then checks the written certificate independently of the solve:

- the written solution re-read with the family's ``solution_from_dict`` passes ``verify``,
  and ``evaluate`` gives the reported objective;
- bound <= known optimum / best known upper bound; objective >= known optimum / best known
  lower bound; OPTIMAL only when the objective equals a known optimum (or, with no
  reference, the smallest objective any method found); INFEASIBLE only on instances known
  infeasible (or, with no reference, when no method found a verified solution);
- the in-process ``runtime_s`` <= T + max(1 s, 10 %); wall - runtime_s is reported
  (start-up: imports, numba cache, reading, writing).

Usage: ``PYTHONPATH=/work/wt/s16audit python audit.py PLAN OUT.jsonl`` where PLAN is one of the
sample names below. Writes one JSON line per call to OUT.jsonl (appends; reruns skip done calls).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path("/work/shared/data")
PLANNER = "/work/main/.venv/bin/planner"
T = 2.0


def all_methods(family: str) -> list[str]:
    """Every registered method of ``family`` (``planner families``)."""
    from planner.core.family import get_family

    return list(get_family(family).methods)


SMTT_ALL = all_methods("smtt")
SMTT_EXACT = ["ils", "mip", "cpsat", "exact", "auto"]
RCPSP_ALL = all_methods("rcpsp")
RCPSP_MAIN = ["auto", "cpsat", "lns", "ga", "sgs-lft"]
SEQPAR_ALL = all_methods("seqpar")
PIPE_ALL = all_methods("pipelining")
OFF_ALL = all_methods("offload")

INST = HERE / "inst"


def plan() -> list[tuple[str, str, list[str]]]:
    """(family, input spec, methods); inputs the tests do not read (tests use instances/)."""
    orlib = DATA / "smtt" / "orlib"
    smtt = DATA / "smtt"
    psp = DATA / "psplib"
    mx = DATA / "rcpsp_max"
    return [
        # smtt: wt40 #57 (optimum known), wt50 #98, tkindt n100 #137, LLM paper n=20 #413
        # (negative due dates), tkindt n200 #61
        ("smtt", f"{orlib}/wt40.txt#56", SMTT_ALL),
        ("smtt", f"{orlib}/wt50.txt#97", SMTT_EXACT),
        ("smtt", f"{smtt}/tkindt_n100.jsonl#136", SMTT_EXACT),
        ("smtt", f"{smtt}/llm_paper_n20.jsonl#412", SMTT_EXACT),
        ("smtt", f"{smtt}/tkindt_n200.jsonl#60", ["exact", "auto"]),
        # rcpsp: PSPLIB j30 / j60 / j120 (open and closed), RCPSP/max feasible + unsat, variants
        ("rcpsp", f"{psp}/j30/j3037_6.sm", RCPSP_ALL),
        ("rcpsp", f"{psp}/j60/j6013_4.sm", RCPSP_MAIN),
        ("rcpsp", f"{psp}/j120/j12041_3.sm", RCPSP_MAIN),
        ("rcpsp", f"{mx}/sm_j10/PSP47.SCH", ["auto", "cpsat", "sgs-lft", "ga"]),
        ("rcpsp", f"{mx}/sm_j20/PSP120.SCH", ["auto", "cpsat", "lns", "sampling"]),
        ("rcpsp", f"{mx}/sm_j20/PSP34.SCH", ["auto", "cpsat"]),
        ("rcpsp", f"{mx}/sm_j10/PSP71.SCH", ["auto", "cpsat", "cpsat-plain", "sgs-lft", "ga"]),
        ("rcpsp", f"{mx}/sm_j20/PSP99.SCH", ["auto", "cpsat", "lns"]),
        ("rcpsp", f"{INST}/rc_dc23.json", RCPSP_MAIN),
        ("rcpsp", f"{INST}/rc_any11.json", ["auto", "cpsat", "sgs-lft", "ga"]),
        ("rcpsp", f"{INST}/rc_any11b.json", ["auto", "cpsat", "sgs-lft", "ga"]),
        ("seqpar", f"{INST}/seqpar_b37_g24.json", SEQPAR_ALL),
        ("seqpar", f"{INST}/seqpar_b5_g8.json", SEQPAR_ALL),
        ("pipelining", f"{INST}/pipe_o13_u3.json", PIPE_ALL),
        ("pipelining", f"{INST}/pipe_o5_u2.json", PIPE_ALL),
        ("offload", f"{INST}/off_mix_s9_l3_b5.json", OFF_ALL),
        ("offload", f"{INST}/off_llada_s7_l2_gb13.json", OFF_ALL),
    ]


def plan_unusual() -> list[tuple[str, str, list[str]]]:
    """Unusual shapes (make_unusual.py); over-the-limit files once (they must exit 2)."""
    u = INST / "unusual"
    out = []
    for f in sorted(u.glob("*.json")):
        family = {
            "smtt": "smtt",
            "rc": "rcpsp",
            "seqpar": "seqpar",
            "pipe": "pipelining",
            "off": "offload",
        }[f.name.split("_")[0]]
        methods = {
            "smtt": ["edd", "ils", "mip", "cpsat", "exact", "auto"],
            "rcpsp": ["auto", "cpsat", "sgs-lft", "ga", "lns"],
            "seqpar": SEQPAR_ALL,
            "pipelining": PIPE_ALL,
            "offload": OFF_ALL,
        }[family]
        if "over" in f.name:
            methods = ["auto"]
        out.append((family, str(f), methods))
    return out


def references() -> dict[str, dict]:
    """Known values by input spec: ``{"lb", "ub", "unsat"}`` (lb == ub: proven optimum)."""
    refs: dict[str, dict] = {}
    orlib = DATA / "smtt" / "orlib"
    for n, open_ in (("40", {18}), ("50", None)):
        vals = [int(x) for x in (orlib / f"wtopt{n}.txt").read_text().split()]
        for i, v in enumerate(vals):
            # wt50: ten values are best known only (README) and the file does not say which
            closed = n == "40" and i not in open_
            refs[f"{orlib}/wt{n}.txt#{i}"] = {"lb": v if closed else None, "ub": v}
    for name in ("tkindt_n100", "tkindt_n200", "llm_paper_n20"):
        for i, line in enumerate((DATA / "smtt" / f"{name}.jsonl").read_text().splitlines()):
            v = json.loads(line)["optimum"]
            refs[f"{DATA}/smtt/{name}.jsonl#{i}"] = {"lb": v, "ub": v}
    with open(DATA / "psplib" / "bounds.csv") as fh:
        for r in csv.DictReader(fh):
            spec = f"{DATA}/psplib/{r['set']}/{r['instance']}.sm"
            refs[spec] = {"lb": int(r["best_lb"]), "ub": int(r["best_ub"])}
    for s in ("sm_j10", "sm_j20"):
        with open(DATA / "rcpsp_max" / s / "optimum" / "optimum.csv") as fh:
            for r in csv.DictReader(fh):
                spec = f"{DATA}/rcpsp_max/{s}/{r['problem']}"
                v = r["optimum"].strip()
                if v == "unsat":
                    refs[spec] = {"unsat": True}
                elif ".." in v:
                    lo, hi = v.split("..")
                    refs[spec] = {"lb": int(lo), "ub": int(hi)}
                else:
                    refs[spec] = {"lb": int(v), "ub": int(v)}
    return refs


def run_one(family: str, spec: str, method: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        cmd = ["nice", "-n", "10", PLANNER, "solve", family, spec, "--method", method]
        cmd += ["-t", str(T), "--threads", "1", "--json", "--out", str(out)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        row = {"family": family, "input": spec, "method": method, "rc": proc.returncode}
        row.update(wall_s=round(wall, 3), cpu_s=round(cpu, 3), load=os.getloadavg()[0])
        if proc.returncode != 0 or not out.exists():
            row["stderr"] = proc.stderr.strip()[-500:]
            return row
        res = json.loads(out.read_text())
        for k in ("status", "objective", "bound", "gap", "runtime_s", "verified", "reason"):
            row[k] = res.get(k)
        row["warmup_s"] = (res.get("stats") or {}).get("warmup_s")
        row["over_limit"] = (res.get("stats") or {}).get("time_limit_exceeded_s")
        row.update(recheck(family, spec, res))
        return row


def recheck(family: str, spec: str, res: dict) -> dict:
    """verify + evaluate of the written solution, in this process (independent of the solve)."""
    from planner.core.family import get_family
    from planner.core.specs import read_file, split_spec

    fam = get_family(family)
    path, sel = split_spec(spec)
    inst = read_file(fam, Path(path), sel)[0]
    out: dict = {}
    if res.get("solution") is None:
        out["recheck"] = "no solution"
        return out
    sol = fam.solution_from_dict(res["solution"])
    violations = fam.verify(inst, sol)
    out["violations"] = violations[:3]
    value = fam.evaluate(inst, sol)
    obj = res.get("objective")
    ok = obj is not None and abs(float(value) - float(obj)) <= 1e-6 * max(1.0, abs(float(obj)))
    out["recheck"] = "ok" if not violations and ok else f"evaluate={value} objective={obj}"
    lb = fam.lower_bound(inst)
    out["family_lb"] = float(lb) if lb is not None else None
    return out


def main() -> None:
    which, dest = sys.argv[1], Path(sys.argv[2])
    done = set()
    if dest.exists():
        for line in dest.read_text().splitlines():
            r = json.loads(line)
            done.add((r["family"], r["input"], r["method"]))
    for family, spec, methods in plan_unusual() if which == "unusual" else plan():
        if which not in ("all", "unusual") and family != which:
            continue
        for m in methods:
            if (family, spec, m) in done:
                continue
            row = run_one(family, spec, m)
            with open(dest, "a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(
                family,
                Path(spec).name,
                m,
                row.get("status"),
                row.get("objective"),
                row.get("bound"),
                row.get("runtime_s"),
                row.get("recheck"),
                flush=True,
            )


if __name__ == "__main__":
    main()
