"""Every family reader against the file variants a user produces.

Twenty-fifth session (s25formats). For each bundled clean file of each family, writes variants
(CRLF, UTF-8 BOM, tabs, trailing blank lines / none, extension case, gzip, a folder, empty,
truncated, another family's file, selectors out of range, ...) to a scratch folder and reads
each through ``planner.core.specs.load_instances`` (what ``planner solve FAMILY SPEC`` does).

Each outcome is one of

* ``same``: the same instances as the clean file (``to_dict`` without name / meta);
* ``error``: an ``InputError`` of one line naming the file (what bad input must give);
* ``DIFFERENT``: read without error as other instances (a silently wrong instance);
* ``CRASH``: any other exception (a traceback, exit 1 on the command line);
* ``UNNAMED``: an ``InputError`` that does not name the file, or of several lines;
* ``REFUSED``: an ``InputError`` on a variant that holds the clean file's instances.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s25formats/variants.py [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.family import get_family
from planner.core.io import write_atomic
from planner.core.specs import load_instances

ROOT = Path(__file__).resolve().parents[3]
INST = ROOT / "instances"

#: family -> clean files (relative to instances/<family>/).
CLEAN = {
    "rcpsp": ["j301_1.sm", "PSP1.SCH", "example.rcp", "datacenter_migration.json"],
    "smtt": ["example.json", "tkindt_n100_sample.jsonl", "wt40_first3.txt"],
    "seqpar": ["example.json"],
    "pipelining": ["gemm_hopper.json"],
    "offload": ["tide_trace.json"],
    "train": ["toy-8xa100.json", "llama-8b-64xh100.toml"],
    "serve": ["chat-70b.toml", "offline-8b.json"],
}


def _strip(node: Any) -> Any:
    """``node`` without the fields that name where it was read from (``name``, ``meta``,
    ``source``: a copy in another folder has another path, not another instance)."""
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in ("name", "meta", "source")}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def canon(instances: list[Any]) -> list[Any]:
    out = []
    for inst in instances:
        d = inst.to_dict() if hasattr(inst, "to_dict") else repr(inst)
        out.append(json.dumps(_strip(d), sort_keys=True, default=str))
    return out


def outcome(
    family: str, spec: str, clean: list[Any] | None, named: str, bad: list[Any] | None = None
) -> tuple[str, str]:
    fam = get_family(family)
    try:
        got = [x.instance for x in load_instances(fam, [spec])]
    except InputError as exc:
        msg = str(exc)
        if "\n" in msg or named not in msg:
            return "UNNAMED", msg
        return ("REFUSED" if clean is not None else "error"), msg
    except Exception as exc:  # the sweep reports every escape
        return "CRASH", f"{type(exc).__name__}: {exc}"
    if bad is not None and canon(got) == canon(bad):
        return "same", "read as the clean file (the damage lost nothing the format needs)"
    if clean is None:
        return "DIFFERENT", f"read {len(got)} instance(s) from bad input"
    if canon(got) == canon(clean):
        return "same", f"{len(got)} instance(s)"
    return "DIFFERENT", f"{len(got)} instance(s), clean has {len(clean)}"


def _numeric(line: str) -> bool:
    return bool(line.split()) and all(t.strip("[]-").isdigit() for t in line.split())


def text_variants(text: str, name: str) -> dict[str, tuple[str, bytes, bool]]:
    """label -> (file name, bytes, whether it must read as the clean file)."""
    stem, _dot, ext = name.rpartition(".")
    raw = text.encode()
    lines = text.splitlines()
    half = raw[: len(raw) // 2]
    out = {
        "crlf": (name, text.replace("\n", "\r\n").encode(), True),
        "bom": (name, b"\xef\xbb\xbf" + raw, True),
        "bom+crlf": (name, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), True),
        "trailing blank lines": (name, (text.rstrip("\n") + "\n\n\n\n").encode(), True),
        "no final newline": (name, text.rstrip("\n").encode(), True),
        "leading blank lines": (name, ("\n\n" + text).encode(), True),
        "cr only (old Mac)": (name, text.replace("\n", "\r").encode(), True),
        "upper-case ext": (f"{stem}.{ext.upper()}", raw, True),
        "lower-case ext": (f"{stem}.{ext.lower()}", raw, True),
        "empty": (name, b"", False),
        "blank only": (name, b"\n \n\t\n", False),
        "truncated half": (name, half, False),
        "truncated last line": (name, "\n".join(lines[:-1]).encode(), False),
        "latin-1 byte": (name, raw.replace(b"\n", b"\n\xe9", 1), False),
        "nul bytes": (name, b"\x00" * 64, False),
    }
    if ext.lower() not in ("json", "jsonl", "toml"):
        # tab-separated numbers (a spreadsheet export): only lines of numbers change
        tabbed = ["\t".join(ln.split()) if _numeric(ln) else ln for ln in lines]
        out["tabs"] = (name, ("\n".join(tabbed) + "\n").encode(), True)
        out["trailing spaces"] = (name, "\n".join(ln + "  \t" for ln in lines).encode(), True)
    else:
        out["tabs indent"] = (name, text.replace("  ", "\t").encode(), True)
    return out


def run(scratch: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def record(family: str, base: str, label: str, spec: str, clean, named: str, bad=None) -> None:
        kind, msg = outcome(family, spec, clean, named, bad)
        rows.append({"family": family, "file": base, "variant": label, "outcome": kind, "msg": msg})

    all_clean = {f: [INST / f / n for n in names] for f, names in CLEAN.items()}
    for family, paths in all_clean.items():
        for src in paths:
            folder = scratch / family / src.name
            folder.mkdir(parents=True)
            # companions (offload .npy) travel with the file
            for extra in src.parent.glob(src.stem + ".*"):
                shutil.copy(extra, folder / extra.name)
            for extra in ("configs", "clusters", "traces"):
                if (src.parent / extra).is_dir():
                    shutil.copytree(src.parent / extra, folder / extra)
            clean_spec = str(folder / src.name)
            fam = get_family(family)
            clean = [x.instance for x in load_instances(fam, [clean_spec])]
            text = src.read_text()
            for label, (name, data, same) in text_variants(text, src.name).items():
                sub = folder / label.replace(" ", "_").replace("(", "").replace(")", "")
                sub.mkdir()
                for extra in folder.iterdir():
                    if extra.is_file() and extra.name != src.name:
                        shutil.copy(extra, sub / extra.name)
                    elif extra.is_dir() and extra.name in ("configs", "clusters", "traces"):
                        shutil.copytree(extra, sub / extra.name)
                target = sub / name
                target.write_bytes(data)
                record(
                    family,
                    src.name,
                    label,
                    str(target),
                    clean if same else None,
                    str(target),
                    None if same else clean,
                )
            # gzip: same content compressed, as PSPLIB's archives ship
            gz = folder / "gz"
            gz.mkdir()
            for extra in folder.iterdir():  # companions (.npy counts, model configs)
                if extra.is_file() and extra.name != src.name:
                    shutil.copy(extra, gz / extra.name)
                elif extra.is_dir() and extra.name in ("configs", "clusters", "traces"):
                    shutil.copytree(extra, gz / extra.name)
            (gz / (src.name + ".gz")).write_bytes(gzip.compress(src.read_bytes()))
            record(family, src.name, "gzip .gz", str(gz / (src.name + ".gz")), clean, "gz")
            # a folder named like the file
            d = folder / "dir" / src.name
            d.mkdir(parents=True)
            record(family, src.name, "folder named like file", str(d), None, str(d))
            # selectors
            n = len(clean)
            record(family, src.name, f"#{n} out of range", f"{clean_spec}#{n}", None, src.name)
            record(family, src.name, "#-1", f"{clean_spec}#-1", None, src.name)
            record(family, src.name, "#nosuchname", f"{clean_spec}#nosuchname", None, src.name)
            record(family, src.name, "#0", f"{clean_spec}#0", clean[:1], src.name)
    # another family's file given to each family
    for family in CLEAN:
        for other, paths in all_clean.items():
            if other == family:
                continue
            for src in paths:
                copy = scratch / f"cross_{family}" / other / src.name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, copy)
                for extra in src.parent.glob(src.stem + ".*"):
                    shutil.copy(extra, copy.parent / extra.name)
                record(
                    family,
                    f"{other}:{src.name}",
                    "another family's file",
                    str(copy),
                    None,
                    src.name,
                )
    return rows


def _row(family: str, base: str, label: str, spec: str, named: str, clean=None) -> dict[str, str]:
    kind, msg = outcome(family, spec, clean, named)
    return {"family": family, "file": base, "variant": label, "outcome": kind, "msg": msg}


def npy_checks(tmp: Path) -> list[dict[str, str]]:
    """Offload ``.npy`` traces with a wrong dtype / shape / NaN / negative count."""
    import numpy as np

    src = INST / "offload" / "tide_trace.npy"
    arr = np.load(src)
    cases = {
        "float counts (integral)": arr.astype(np.float64),
        "float counts (fractional)": arr.astype(np.float64) + 0.5,
        "NaN count": np.where(np.arange(arr.size).reshape(arr.shape) == 0, np.nan, arr),
        "inf count": np.where(np.arange(arr.size).reshape(arr.shape) == 0, np.inf, arr),
        "negative count": arr.astype(np.int64)
        - (np.arange(arr.size).reshape(arr.shape) == 0) * (int(arr.flat[0]) + 1),
        "2-D shape": arr.reshape(arr.shape[0], -1),
        "4-D shape": arr[..., None],
        "wrong expert count": arr[..., :-1],
        "bool dtype": arr > 0,
        "string dtype": arr.astype(str),
        "complex dtype": arr.astype(np.complex128),
        "uint64 huge": np.full(arr.shape, 2**63 + 5, dtype=np.uint64),
        "empty steps": arr[:0],
        "object dtype": arr.astype(object),
    }
    rows = []
    clean = [x.instance for x in load_instances(get_family("offload"), [str(src)])]
    for label, bad in cases.items():
        folder = tmp / "npy" / label.replace(" ", "_").replace("(", "").replace(")", "")
        folder.mkdir(parents=True)
        shutil.copy(INST / "offload" / "tide_trace.json", folder / "tide_trace.json")
        np.save(folder / "tide_trace.npy", bad, allow_pickle=True)
        same = clean if label == "float counts (integral)" else None
        rows.append(
            _row(
                "offload",
                "tide_trace.npy",
                label,
                str(folder / "tide_trace.npy"),
                "tide_trace",
                same,
            )
        )
    return rows


def json_field_checks(tmp: Path) -> list[dict[str, str]]:
    """JSON instances with an extra field, a missing field, a wrong type; JSON Lines with a bad line."""
    rows = []
    for family, names in CLEAN.items():
        for name in names:
            if not name.endswith(".json"):
                continue
            data = json.loads((INST / family / name).read_text())
            if not isinstance(data, dict):
                continue
            keys = [k for k in data if k not in ("name", "meta")]
            folder = tmp / "fields" / family
            folder.mkdir(parents=True, exist_ok=True)
            for extra in ("configs", "clusters", "traces"):
                if (INST / family / extra).is_dir() and not (folder / extra).exists():
                    shutil.copytree(INST / family / extra, folder / extra)
            for other in (INST / family).glob(Path(name).stem + ".*"):
                shutil.copy(other, folder / other.name)
            variants = {"extra field": {**data, "zzz_unknown": 1}}
            for k in keys:
                variants[f"missing {k}"] = {kk: v for kk, v in data.items() if kk != k}
                variants[f"{k} null"] = {**data, k: None}
                variants[f"{k} string"] = {**data, k: "x"}
            for label, obj in variants.items():
                path = folder / name
                path.write_text(json.dumps(obj))
                row = _row(family, name, label, str(path), name)
                if row["outcome"] == "DIFFERENT":
                    # optional fields and free-form metadata (smtt's ``optimum``, offload's
                    # generator fields) are read by design: listed, judged by hand
                    row["outcome"] = "accepted"
                rows.append(row)
            (folder / name).write_text(json.dumps(data))
            # JSON Lines: three good lines and a bad third
            line = json.dumps(data)
            path = folder / (Path(name).stem + "_bad.jsonl")
            path.write_text(line + "\n" + line + "\n" + line[:-5] + "\n" + line + "\n")
            rows.append(_row(family, name, "JSON Lines, line 3 cut", str(path), ":3"))
            path.write_text(line + "\n" + json.dumps({**data, "zzz": 1}) + "\n")
            row = _row(family, name, "JSON Lines, line 2 extra field", str(path), ":2")
            if row["outcome"] == "DIFFERENT":
                row["outcome"] = "accepted"
            rows.append(row)
    return rows


def psplib_checks(tmp: Path) -> list[dict[str, str]]:
    """PSPLIB multi-mode ``.mm`` files, and a multi-mode file renamed ``.sm``."""
    mm = """************************************************************************
file with basedata            : mm.bas
initial value random generator: 1
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  20
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  2   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      2      0       10        5       10
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        2          1           4
   3        2          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2  N 1  N 2
------------------------------------------------------------------------
  1      1     0       0    0    0    0
  2      1     3       2    0    4    0
         2     5       1    0    0    2
  3      1     4       0    3    3    0
         2     6       0    1    0    1
  4      1     0       0    0    0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2  N 1  N 2
    3    3    8    6
************************************************************************
"""
    rows = []
    folder = tmp / "mm"
    folder.mkdir()
    for name in ("mm.mm", "mm.sm", "MM.MM"):
        (folder / name).write_text(mm)
        rows.append(_row("rcpsp", name, "multi-mode PSPLIB", str(folder / name), name))
    return rows


def lengths_checks(tmp: Path) -> list[dict[str, str]]:
    """seqpar ``--lengths`` files, read by ``read_lengths`` (what ``planner gen seqpar`` calls)."""
    from planner.seqpar.generate import read_lengths

    good = [512, 1024, 7, 40000]
    cases = {
        "clean": ("\n".join(map(str, good)) + "\n", True),
        "crlf": ("\r\n".join(map(str, good)) + "\r\n", True),
        "bom": ("\ufeff" + "\n".join(map(str, good)) + "\n", True),
        "trailing blanks": ("\n".join(map(str, good)) + "\n\n\n", True),
        "no final newline": ("\n".join(map(str, good)), True),
        "spaces/tabs around": ("\n".join(f" \t{v}\t " for v in good), True),
        "zero": ("512\n0\n7\n", False),
        "negative": ("512\n-3\n7\n", False),
        "float 12.5": ("512\n12.5\n", False),
        "float 12.0": ("512\n12.0\n", False),
        "exponent 1e3": ("512\n1e3\n", False),
        "two columns": ("512 3\n7 1\n", False),
        "csv header": ("length\n512\n7\n", False),
        "comma list": ("512,1024,7\n", False),
        "underscore 1_000": ("512\n1_000\n", [512, 1000]),  # int() syntax: correct
        "plus sign": ("512\n+7\n", [512, 7]),
        "huge 10**30": ("512\n" + "1" + "0" * 30 + "\n", False),
        "nan": ("512\nnan\n", False),
        "empty": ("", False),
    }
    rows = []
    for label, (text, same) in cases.items():
        path = tmp / "lengths" / label.replace(" ", "_").replace("/", "_") / "lengths.txt"
        path.parent.mkdir(parents=True)
        path.write_bytes(text.encode())
        try:
            got = read_lengths(path).tolist()
        except InputError as exc:
            kind = "REFUSED" if same else "error"
            rows.append(
                {
                    "family": "seqpar",
                    "file": "--lengths",
                    "variant": label,
                    "outcome": kind,
                    "msg": str(exc),
                }
            )
            continue
        except Exception as exc:  # the sweep reports every escape
            rows.append(
                {
                    "family": "seqpar",
                    "file": "--lengths",
                    "variant": label,
                    "outcome": "CRASH",
                    "msg": f"{type(exc).__name__}: {exc}",
                }
            )
            continue
        want = same if isinstance(same, list) else good
        kind = "same" if same and got == want else "DIFFERENT"
        rows.append(
            {
                "family": "seqpar",
                "file": "--lengths",
                "variant": label,
                "outcome": kind,
                "msg": f"read {got}",
            }
        )
    gz = tmp / "lengths" / "lengths.txt.gz"
    gz.write_bytes(gzip.compress(("\n".join(map(str, good)) + "\n").encode()))
    try:
        got = read_lengths(gz).tolist()
        kind, msg = ("same" if got == good else "DIFFERENT"), f"read {got}"
    except InputError as exc:
        kind, msg = "REFUSED", str(exc)
    rows.append(
        {
            "family": "seqpar",
            "file": "--lengths",
            "variant": "gzip .gz",
            "outcome": kind,
            "msg": msg,
        }
    )
    return rows


EXTRA_CHECKS: list[Callable[[Path], list[dict[str, str]]]] = [
    npy_checks,
    json_field_checks,
    psplib_checks,
    lengths_checks,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s25formats_") as tmp:
        rows = run(Path(tmp))
        for check in EXTRA_CHECKS:
            rows.extend(check(Path(tmp)))
    bad = [r for r in rows if r["outcome"] in ("DIFFERENT", "CRASH", "UNNAMED", "REFUSED")]
    lines = ["| family | file | variant | outcome | message |", "|---|---|---|---|---|"]
    for r in rows:
        msg = r["msg"].replace("|", "/").replace("\n", " // ")
        for tmp_prefix in ("/tmp/",):
            msg = msg.replace(tmp_prefix, "")
        lines.append(
            f"| {r['family']} | {r['file']} | {r['variant']} | {r['outcome']} | {msg[:160]} |"
        )
    summary = f"{len(rows)} cases, {len(bad)} defects (DIFFERENT / CRASH / UNNAMED / REFUSED)\n\n"
    write_atomic(args.out / "variants.md", summary + "\n".join(lines) + "\n")
    print(summary)
    for r in bad:
        print(r["family"], r["file"], r["variant"], r["outcome"], r["msg"][:300], sep=" | ")


if __name__ == "__main__":
    main()
