"""cases.md rows from audit.py's JSON Lines: command, check, verdict (before -> after)."""

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent


def load(name):
    path = HERE / name
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        r = json.loads(line)
        out[r["id"]] = r  # the last run of an id wins
    return out


def short(args):
    text = " ".join(args)
    text = text.replace(str(HERE / "inputs") + "/", "")
    for tmp in {
        a.split("/")[1] + "/" + a.split("/")[2] for a in args if a.startswith("/tmp/s17audit-")
    }:
        text = text.replace("/" + tmp + "/", "W/")
    return text.replace("--threads 1 ", "").replace("|", "\\|")


def verdict(r):
    if r is None:
        return "-"
    if r["verdict"] == "ok":
        tail = r.get("status") or (r["stderr"].splitlines() or [""])[-1][:110]
        return f"ok: rc {r['rc']} {tail}".replace("|", "\\|")
    text = "PROBLEM: " + "; ".join(r["problems"])
    if any(p.startswith("wall") for p in r["problems"]):
        # the solver's own clock and the CPU the run got: load, or the limit overrun?
        text += f" (solver runtime_s {r.get('runtime_s')}, CPU {r['cpu_s']} s)"
    return text.replace("|", "\\|")[:260]


print("| id | command (planner ...) | check | before (main) | after (this branch) |")
print("| --- | --- | --- | --- | --- |")
for before_name, after_name in [
    (a, b) for a, b in zip(sys.argv[1::2], sys.argv[2::2], strict=True)
]:
    before, after = load(before_name), load(after_name)
    for key in list(dict.fromkeys([*before, *after])):
        b, a = before.get(key), after.get(key)
        r = a or b
        check = f"{r['expect']}: {r['note']}".replace("|", "\\|")
        print(f"| {key} | `{short(r['args'])}` | {check} | {verdict(b)} | {verdict(a)} |")
