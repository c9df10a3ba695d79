"""Paths that are not plain files, through every command: directories, garbage bytes, a UTF-8
BOM, unicode names, /dev/null, symlinks (to the input, in a loop), outputs in a missing
directory, on /dev/full, or the input itself reached by another path (symlink, hard link, ./).

One subprocess per case; prints ``| case | rc | stderr lines | last stderr line |``. A finding
is rc not in {0, 2}, more than one stderr line on rc 2, or an input changed (checked by hash).

Run from the worktree: PYTHONPATH=. python bench/session_runs/s15bad/sweep_paths.py
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from tests.cli.corpus import BASE as CORPUS  # noqa: E402

INST = ROOT / "instances"
EXAMPLES = {
    "smtt": "smtt/example.json",
    "serve": "serve/offline-8b.json",
    "seqpar": "seqpar/example.json",
    "train": "train/toy-8xa100.json",
    "offload": "offload/tide_trace.json",
    "pipelining": "pipelining/gemm_hopper.json",
    "rcpsp": "rcpsp/datacenter_migration.json",
}
PLAN_A = (
    '{"plan": {"tp": 1, "pp": 1, "dp": 8}, "step_time_s": 1.0, "breakdown": {"compute": 1.0}'
    ', "memory": {"total": 10.0}, "stages": [{"memory_gib": {"total": 10.0}}]}\n'
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"


def run(label: str, args: list[str], watch: list[Path]) -> None:
    before = [digest(p) for p in watch]
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from planner.launcher import main; main()", *args],
            capture_output=True,
            text=True,
            timeout=180,
        )
        rc, err = proc.returncode, proc.stderr.strip().splitlines()
    except subprocess.TimeoutExpired:
        rc, err = "timeout", []
    changed = [str(p.name) for p, b in zip(watch, before, strict=True) if digest(p) != b]
    flag = ""
    if rc not in (0, 2) or (rc == 2 and len(err) != 1) or changed:
        flag = " **"
    last = err[-1][:170] if err else ""
    note = f" CHANGED {changed}" if changed else ""
    print(f"| {label}{flag} | {rc} | {len(err)} | {last}{note} |", flush=True)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="s15bad-paths-"))
    (tmp / "adir").mkdir()
    (tmp / "garbage.json").write_bytes(bytes(range(256)) * 4)
    (tmp / "loop.json").symlink_to(tmp / "loop.json")
    (tmp / "plan_a.json").write_text(PLAN_A)
    for fam, rel in EXAMPLES.items():
        src = INST / rel
        d = tmp / fam
        d.mkdir()
        inp = d / f"ïnstance-é{src.suffix}"
        shutil.copy(src, inp)
        for extra in src.parent.glob(src.stem + ".*"):  # offload's .npy beside its header
            if extra != src:
                shutil.copy(extra, d / f"ïnstance-é{extra.suffix}")
        bom = d / f"bom{src.suffix}"
        bom.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
        link = d / "link.json"
        link.symlink_to(inp)
        hard = d / "hard.json"
        os.link(inp, hard)
        watch = [inp, hard]
        base = ["solve", fam]
        run(f"solve {fam} unicode name", [*base, str(inp), "-t", "2"], watch)
        run(f"solve {fam} utf-8 BOM", [*base, str(bom), "-t", "2"], watch)
        run(f"solve {fam} directory", [*base, str(tmp / "adir"), "-t", "2"], watch)
        run(f"solve {fam} garbage bytes", [*base, str(tmp / "garbage.json"), "-t", "2"], watch)
        run(f"solve {fam} /dev/null", [*base, "/dev/null", "-t", "2"], watch)
        run(f"solve {fam} symlink loop", [*base, str(tmp / "loop.json"), "-t", "2"], watch)
        for name, out in (
            ("out = input via symlink", link),
            ("out = input via hard link", hard),
            ("out = input via ./", Path(os.path.relpath(inp))),
            ("out in a missing dir", tmp / "missing" / "o.json"),
            ("out on /dev/full", Path("/dev/full")),
        ):
            run(f"solve {fam} {name}", [*base, str(inp), "-t", "2", "--out", str(out)], watch)
        run(
            f"solve {fam} plot in a missing dir",
            [*base, str(inp), "-t", "2", "--plot", str(tmp / "missing" / "p.png")],
            watch,
        )
        run(
            f"bench {fam} csv in a missing dir",
            ["bench", fam, str(inp), "-t", "2", "--csv", str(tmp / "missing" / "b.csv")],
            watch,
        )
        run(
            f"bench {fam} report = input",
            ["bench", fam, str(inp), "-t", "2", "--report", str(hard), "--force"],
            watch,
        )
    for fam in ("smtt", "rcpsp", "seqpar", "offload", "pipelining", "train"):
        run(f"gen {fam} out in a missing dir", ["gen", fam, "--out", str(tmp / "m" / "g.json")], [])
        run(f"gen {fam} out on /dev/full", ["gen", fam, "--out", "/dev/full", "--force"], [])
    plan_a = tmp / "plan_a.json"
    link_a = tmp / "plan_link.json"
    link_a.symlink_to(plan_a)
    run(
        "plan compare out = input via symlink",
        ["plan", "compare", str(plan_a), str(plan_a), "--out", str(link_a)],
        [plan_a],
    )
    run("plan compare directory", ["plan", "compare", str(tmp / "adir"), str(plan_a)], [plan_a])
    run("plan compare garbage", ["plan", "compare", str(tmp / "garbage.json"), str(plan_a)], [])
    train = [*CORPUS["plan train"], "-t", "5"]  # the bad-input corpus's base line
    run("plan train out in a missing dir", [*train, "--out", str(tmp / "m" / "t.json")], [])
    run("plan train out on /dev/full", [*train, "--out", "/dev/full"], [])
    run("plan pipelining directory", ["plan", "pipelining", str(tmp / "adir"), "-t", "2"], [])
    run(
        "plan seqpar lengths directory",
        ["plan", "seqpar", "--lengths", str(tmp / "adir"), "--batch", "16", "--gpus", "16"],
        [],
    )
    run(
        "plan seqpar lengths garbage",
        ["plan", "seqpar", "--lengths", str(tmp / "garbage.json"), "--batch", "16", "--gpus", "16"],
        [],
    )
    run("calibrate report in a missing dir", ["calibrate", "--report", str(tmp / "m" / "r.md")], [])
    run("bench --compare directory", ["bench", "--compare", str(tmp / "adir"), str(plan_a)], [])


if __name__ == "__main__":
    main()
