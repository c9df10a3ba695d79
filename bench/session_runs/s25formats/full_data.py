"""Parse every file of the shared benchmark data through the public readers; check bounds.

Twenty-fifth session (s25formats). For each set under ``$PLANNER_DATA`` (default
``../shared/data``), every file goes through ``planner.core.specs.read_file`` (what
``planner solve FAMILY FILE`` calls), and for every instance with a published optimum or
bound the family's cheap ``lower_bound`` (no solve) is compared with it:

* a lower bound above a published optimum / best upper bound is a bug;
* PSPLIB: the critical-path length of the parsed precedence graph (computed here, not by
  the planner) must equal ``cpm_lb`` of ``bounds.csv`` and the job count its ``n_jobs``:
  an independent check that the reader read the file, not only that it did not fail.
* seqpar: the length statistics must match the ones the data README states.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s25formats/full_data.py [--out DIR]

Writes ``table.md`` and ``rows.csv`` (one row per instance) to ``--out``
(default ``bench/session_runs/s25formats/out``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner.core.family import get_family
from planner.core.io import write_atomic
from planner.core.paths import data_dir
from planner.core.specs import read_file
from planner.rcpsp.readers import read_reference
from planner.seqpar.generate import read_lengths
from planner.smtt.readers import reference as smtt_reference


@dataclass
class SetResult:
    """Counts of one data set."""

    name: str
    files: int = 0
    instances: int = 0
    parse_errors: list[str] = field(default_factory=list)
    with_reference: int = 0
    bound_above_ref: list[str] = field(default_factory=list)
    bound_equals_ref: int = 0
    structure_mismatch: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cpu_s: float = 0.0


def cpm_length(inst) -> int:
    """Longest finish-to-start path (source to sink) of an RCPSP instance, by topological order."""
    n = inst.num_jobs
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for p in inst.precedences:
        succ[p.pred].append(p.succ)
        indeg[p.succ] += 1
    es = [0] * n
    stack = [j for j in range(n) if indeg[j] == 0]
    seen = 0
    while stack:
        j = stack.pop()
        seen += 1
        for s in succ[j]:
            es[s] = max(es[s], es[j] + inst.durations[j])
            indeg[s] -= 1
            if indeg[s] == 0:
                stack.append(s)
    assert seen == n, "cycle"
    return max(es[j] + inst.durations[j] for j in range(n))


def files(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == suffix)


def run_psplib(root: Path, rows: list[dict]) -> Iterator[SetResult]:
    fam = get_family("rcpsp")
    refs = read_reference(root / "psplib" / "bounds.csv")
    table = {}
    with open(root / "psplib" / "bounds.csv") as fh:
        for row in csv.DictReader(fh):
            table[(row["set"], row["instance"])] = row
    for sub in ("j30", "j60", "j90", "j120"):
        folder = root / "psplib" / sub
        if not folder.is_dir():
            continue
        res = SetResult(f"psplib/{sub}")
        t0 = time.process_time()
        for path in files(folder, ".sm"):
            res.files += 1
            try:
                (inst,) = read_file(fam, path)
            except Exception as exc:  # the table reports any failure
                res.parse_errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
                continue
            res.instances += 1
            row = table.get((sub, inst.name))
            lb = int(fam.lower_bound(inst))
            cpm = cpm_length(inst)
            out = {"set": res.name, "instance": inst.name, "n": inst.num_jobs, "lb": lb, "cpm": cpm}
            if row is None:
                res.notes.append(f"{inst.name}: no bounds.csv row")
            else:
                res.with_reference += 1
                ref = refs[inst.name] if (sub, inst.name) in table else None
                ub = float(row["best_ub"])
                out.update(ref_lb=row["best_lb"], ref_ub=row["best_ub"], ref_cpm=row["cpm_lb"])
                if int(row["n_jobs"]) != inst.num_jobs - 2:
                    res.structure_mismatch.append(
                        f"{inst.name}: n_jobs {row['n_jobs']} vs {inst.num_jobs - 2}"
                    )
                if int(row["cpm_lb"]) != cpm:
                    res.structure_mismatch.append(
                        f"{inst.name}: critical path {cpm} vs cpm_lb {row['cpm_lb']}"
                    )
                if lb > ub:
                    res.bound_above_ref.append(f"{inst.name}: lb {lb} > best_ub {ub:g}")
                if ref is not None and ref.value is not None and lb == ref.value:
                    res.bound_equals_ref += 1
            rows.append(out)
        res.cpu_s = time.process_time() - t0
        yield res


def run_rcpsp_max(root: Path, rows: list[dict]) -> Iterator[SetResult]:
    fam = get_family("rcpsp")
    for sub in ("sm_j10", "sm_j20", "sm_j30", "ubo10", "ubo20"):
        folder = root / "rcpsp_max" / sub
        if not folder.is_dir():
            continue
        res = SetResult(f"rcpsp_max/{sub}")
        refs = read_reference(folder / "optimum" / "optimum.csv")
        t0 = time.process_time()
        unsat = unsat_lb0 = 0
        for path in files(folder, ".sch"):
            res.files += 1
            try:
                (inst,) = read_file(fam, path)
            except Exception as exc:
                res.parse_errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
                continue
            res.instances += 1
            lb = int(fam.lower_bound(inst))
            ref = refs.get(inst.name)
            out = {"set": res.name, "instance": inst.name, "n": inst.num_jobs, "lb": lb}
            if ref is None:
                res.notes.append(f"{inst.name}: no optimum.csv row")
            elif ref.infeasible:
                unsat += 1
                unsat_lb0 += lb == 0  # lower_bound is 0 when it finds a positive cycle
                out["ref"] = "unsat"
            else:
                res.with_reference += 1
                ub = ref.value if ref.value is not None else ref.ub
                out.update(ref_value=ref.value, ref_lb=ref.lb, ref_ub=ref.ub)
                if lb > ub:
                    res.bound_above_ref.append(f"{inst.name}: lb {lb} > {ub:g}")
                if ref.value is not None and lb == ref.value:
                    res.bound_equals_ref += 1
            rows.append(out)
        res.notes.append(
            f"{unsat} unsat in optimum.csv; {unsat_lb0} of them with a positive cycle (bound 0)"
        )
        res.cpu_s = time.process_time() - t0
        yield res


def run_orlib(root: Path, rows: list[dict]) -> Iterator[SetResult]:
    fam = get_family("smtt")
    folder = root / "smtt" / "orlib"
    refs_of = {40: ["wtopt40.txt"], 50: ["wtopt50.txt"], 100: ["wtbest100a.txt", "wtbest100b.txt"]}
    for n, ref_files in refs_of.items():
        path = folder / f"wt{n}.txt"
        if not path.is_file():
            continue
        res = SetResult(f"smtt/orlib/wt{n}")
        res.files = 1
        t0 = time.process_time()
        try:
            insts = read_file(fam, path)
        except Exception as exc:
            res.parse_errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
            yield res
            continue
        res.instances = len(insts)
        if any(i.n != n for i in insts):
            res.structure_mismatch.append("an instance of another size")
        if len(insts) != 125:
            res.structure_mismatch.append(f"{len(insts)} instances, OR-Library has 125")
        refs = [smtt_reference(str(folder / f), insts) for f in ref_files]
        for inst in insts:
            lb = int(fam.lower_bound(inst))
            out = {"set": res.name, "instance": inst.name, "n": inst.n, "lb": lb}
            for f, ref in zip(ref_files, refs, strict=True):
                r = ref.get(inst.name)
                if r is None:
                    continue
                ub = r.value if r.value is not None else r.ub
                out[f] = ub
                if lb > ub:
                    res.bound_above_ref.append(f"{inst.name}: lb {lb} > {f} {ub:g}")
                if r.value is not None and lb == r.value:
                    res.bound_equals_ref += 1
            res.with_reference += any(r.get(inst.name) for r in refs)
            rows.append(out)
        res.cpu_s = time.process_time() - t0
        yield res


def run_jsonl(root: Path, rows: list[dict]) -> Iterator[SetResult]:
    fam = get_family("smtt")
    for path in sorted((root / "smtt").glob("*.jsonl")):
        res = SetResult(f"smtt/{path.name}")
        res.files = 1
        t0 = time.process_time()
        try:
            insts = read_file(fam, path)
        except Exception as exc:
            res.parse_errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
            yield res
            continue
        res.instances = len(insts)
        # Independent check: the raw JSON lines, read with json, against the instances.
        raw = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if len(raw) != len(insts):
            res.structure_mismatch.append(f"{len(raw)} lines, {len(insts)} instances")
        below_ref = 0
        for obj, inst in zip(raw, insts, strict=False):
            if obj["name"] != inst.name or list(inst.p) != obj["p"] or list(inst.d) != obj["d"]:
                res.structure_mismatch.append(f"{obj['name']}: p/d/name differ from the line")
            if obj.get("n") != inst.n:
                res.structure_mismatch.append(f"{obj['name']}: field n {obj.get('n')} vs {inst.n}")
            lb = int(fam.lower_bound(inst))
            out = {"set": res.name, "instance": inst.name, "n": inst.n, "lb": lb}
            for key in ("optimum", "optimum_as_published"):
                if key not in obj:
                    continue
                out[key] = obj[key]
                if lb > obj[key]:
                    msg = f"{inst.name}: lb {lb} > {key} {obj[key]}"
                    if key == "optimum":
                        res.bound_above_ref.append(msg)
                    else:
                        below_ref += 1  # the README says this list is misaligned
            if "optimum" in obj:
                res.with_reference += 1
                res.bound_equals_ref += lb == obj["optimum"]
            rows.append(out)
        if below_ref:
            res.notes.append(f"lb above optimum_as_published on {below_ref} (misaligned list)")
        negative = sum(1 for i in insts if min(i.d) < 0)
        if negative:
            res.notes.append(f"{negative} instances with a negative due date (read as given)")
        res.cpu_s = time.process_time() - t0
        yield res


def run_seqpar(root: Path, rows: list[dict]) -> Iterator[SetResult]:
    path = root / "seqpar" / "wikipedia_lengths.txt"
    if not path.is_file():
        return
    res = SetResult("seqpar/wikipedia_lengths")
    res.files = 1
    t0 = time.process_time()
    try:
        lengths = read_lengths(path)
    except Exception as exc:
        res.parse_errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
        yield res
        return
    res.instances = len(lengths)
    stated = {"count": 1_000_000, "mean": 1014, "median": 347, "p99": 10919, "max": 1_823_777}
    got = {
        "count": len(lengths),
        "mean": round(float(lengths.mean())),
        "median": round(float(np.median(lengths))),
        "p99": round(float(np.percentile(lengths, 99))),
        "max": int(lengths.max()),
    }
    for key, want in stated.items():
        if got[key] != want:
            res.structure_mismatch.append(f"{key} {got[key]} vs README {want}")
    res.notes.append(", ".join(f"{k} {v}" for k, v in got.items()))
    res.cpu_s = time.process_time() - t0
    yield res


def _key(inst) -> str:
    d = inst.to_dict()
    d.pop("meta", None)  # meta names the source file
    return json.dumps(d, sort_keys=True, default=str)


def run_gzip(root: Path, rows: list[dict]) -> Iterator[SetResult]:
    """Every instance file again, gzip-compressed: the same instances, names included."""
    import gzip
    import tempfile

    del rows
    groups = {
        "rcpsp": [p for sub in ("psplib", "rcpsp_max") for p in sorted((root / sub).rglob("*"))],
        "smtt": sorted((root / "smtt").rglob("*")),
    }
    for family, paths in groups.items():
        fam = get_family(family)
        res = SetResult(f"gzip copies ({family})")
        t0 = time.process_time()
        with tempfile.TemporaryDirectory(prefix="s25formats_gz_") as tmp:
            for path in paths:
                if not path.is_file() or path.suffix.lower() not in fam.extensions:
                    continue
                if "opt" in path.stem or "best" in path.stem or "info" in path.stem:
                    continue  # OR-Library reference values, not instances
                res.files += 1
                packed = Path(tmp) / (path.name + ".gz")
                packed.write_bytes(gzip.compress(path.read_bytes()))
                try:
                    plain = read_file(fam, path)
                    got = read_file(fam, packed)
                except Exception as exc:  # the table reports any failure
                    res.parse_errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
                    continue
                res.instances += len(got)
                if [_key(i) for i in got] != [_key(i) for i in plain]:
                    res.structure_mismatch.append(f"{path.name}: the .gz copy reads differently")
                packed.unlink()
        res.cpu_s = time.process_time() - t0
        yield res
    res = SetResult("gzip copies (seqpar lengths)")
    path = root / "seqpar" / "wikipedia_lengths.txt"
    if path.is_file():
        t0 = time.process_time()
        with tempfile.TemporaryDirectory(prefix="s25formats_gz_") as tmp:
            packed = Path(tmp) / (path.name + ".gz")
            packed.write_bytes(gzip.compress(path.read_bytes()))
            res.files = 1
            got = read_lengths(packed)
            res.instances = len(got)
            if not np.array_equal(got, read_lengths(path)):
                res.structure_mismatch.append("the .gz copy reads differently")
        res.cpu_s = time.process_time() - t0
        yield res


def table(results: list[SetResult], load: str) -> str:
    head = (
        "| set | files | instances | parse errors | with reference | lb > reference "
        "| lb = optimum | structure mismatches | CPU s |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r.name} | {r.files} | {r.instances} | {len(r.parse_errors)} | {r.with_reference} "
        f"| {len(r.bound_above_ref)} | {r.bound_equals_ref} | {len(r.structure_mismatch)} "
        f"| {r.cpu_s:.1f} |\n"
        for r in results
    )
    details = ""
    for r in results:
        items = r.parse_errors + r.bound_above_ref + r.structure_mismatch[:20] + r.notes[:10]
        if items:
            details += f"\n{r.name}:\n" + "".join(f"- {x}\n" for x in items)
    return f"Load (uptime) at start: {load}\n\n{head}{body}{details}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    root = args.data or data_dir()
    if root is None:
        raise SystemExit("no benchmark data: set PLANNER_DATA")
    load = Path("/proc/loadavg").read_text().split()[:3]
    rows: list[dict] = []
    results: list[SetResult] = []
    for gen in (run_psplib, run_rcpsp_max, run_orlib, run_jsonl, run_seqpar, run_gzip):
        for res in gen(root, rows):
            print(
                f"{res.name}: {res.instances} instances, {len(res.parse_errors)} errors, "
                f"{len(res.bound_above_ref)} lb>ref, {len(res.structure_mismatch)} mismatches, "
                f"{res.cpu_s:.1f} CPU s",
                flush=True,
            )
            results.append(res)
    text = table(results, " ".join(load))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text += f"\nPeak RSS {peak:.0f} MiB; data folder {root}.\n"
    write_atomic(args.out / "table.md", text)
    keys = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("set", "instance"), k))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys)
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.out / "rows.csv", buf.getvalue())
    print(text)


if __name__ == "__main__":
    main()
