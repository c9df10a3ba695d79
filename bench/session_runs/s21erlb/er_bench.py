"""Benchmark of ``energetic_bound`` (not a test: it needs ../shared).

usage:
  er_bench.py j30 OUT.csv   every PSPLIB j30 instance: the bound searched up to the horizon
                            (so it *could* pass the optimum) must stay <= the optimum, and the
                            optimum itself must not be refuted
  er_bench.py j60 OUT.csv   the unproven instances of bench/results/rcpsp/j60_auto_v5.csv: the
                            bound auto reported before and after its energetic stage (lower = the
                            v5 bound, upper = v5 makespan - 1, 1 s: auto's reserve at 60 s)
CPU seconds per instance (process_time), since the machine is shared.
"""

import csv
import sys
import time
from pathlib import Path

from planner.rcpsp.bounds import energetic_bound, energetic_refutes, lower_bound
from planner.rcpsp.network import distances, energy_distances
from planner.rcpsp.readers import read

DATA = Path("/work/shared/data/psplib")
V5 = Path(__file__).resolve().parents[2] / "results" / "rcpsp" / "j60_auto_v5.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        return list(csv.DictReader(f))


def j30(out: str) -> None:
    ref = {r["instance"]: r for r in _rows(DATA / "bounds.csv") if r["set"] == "j30"}
    rows, bad = [], 0
    for name in sorted(ref, key=lambda s: [int(x) for x in s[3:].split("_")]):
        inst = read(DATA / "j30" / f"{name}.sm")[0]
        opt = int(ref[name]["best_ub"])
        assert ref[name]["closed"] == "1"
        t0 = time.process_time()
        er = energetic_bound(inst, upper=inst.horizon, time_limit=30.0)
        cpu = time.process_time() - t0
        dist = energy_distances(inst, distances(inst))
        refuted_opt = energetic_refutes(inst, dist, opt)
        ok = er <= opt and not refuted_opt
        bad += not ok
        rows.append([name, lower_bound(inst), er, opt, ok, round(cpu, 3)])
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instance", "lower_bound", "energetic", "optimum", "valid", "cpu_s"])
        w.writerows(rows)
    n = len(rows)
    print(
        f"j30: {n} instances, {bad} invalid; energetic > lower_bound on "
        f"{sum(r[2] > r[1] for r in rows)}, = optimum on {sum(r[2] == r[3] for r in rows)}; "
        f"CPU s mean {sum(r[5] for r in rows) / n:.3f}, max {max(r[5] for r in rows):.3f}"
    )


def j60(out: str) -> None:
    ref = {r["instance"]: r for r in _rows(DATA / "bounds.csv")}
    v5 = [r for r in _rows(V5) if r["status"] != "OPTIMAL"]
    rows = []
    for r in v5:
        name = r["instance"]
        inst = read(DATA / "j60" / f"{name}.sm")[0]
        ms, before = int(r["objective"]), int(r["bound"])
        t0, w0 = time.process_time(), time.perf_counter()
        er = energetic_bound(inst, lower=before, upper=ms - 1, time_limit=1.0)
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        after = max(before, er)
        assert after <= int(ref[name]["best_ub"]), name
        rows.append(
            [
                name,
                ms,
                before,
                after,
                ref[name]["best_lb"],
                ref[name]["best_ub"],
                round((ms - before) / ms * 100, 3),
                round((ms - after) / ms * 100, 3),
                round(cpu, 3),
                round(wall, 3),
            ]
        )
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "instance",
                "makespan",
                "bound_v5",
                "bound_er",
                "best_lb",
                "best_ub",
                "gap_v5_pct",
                "gap_er_pct",
                "cpu_s",
                "wall_s",
            ]
        )
        w.writerows(rows)
    n = len(rows)
    print(
        f"j60 unproven: {n}; bound raised on {sum(r[3] > r[2] for r in rows)} "
        f"(by {sum(r[3] - r[2] for r in rows)} units in all, max {max(r[3] - r[2] for r in rows)}); "
        f"closed {sum(r[3] >= r[1] for r in rows)}; "
        f"mean certificate gap {sum(r[6] for r in rows) / n:.3f} % -> {sum(r[7] for r in rows) / n:.3f} %; "
        f"CPU s mean {sum(r[8] for r in rows) / n:.3f}, max {max(r[8] for r in rows):.3f}; "
        f"wall s max {max(r[9] for r in rows):.3f}"
    )


if __name__ == "__main__":
    {"j30": j30, "j60": j60}[sys.argv[1]](sys.argv[2])
