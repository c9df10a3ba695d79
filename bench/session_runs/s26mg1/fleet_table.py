"""CPU seconds per fleet solve from ``out/fleet2_*.log`` (fleet_cpu.py's printed rows).

Usage: python bench/session_runs/s26mg1/fleet_table.py
"""

from __future__ import annotations

import ast
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    runs = sorted(OUT.glob("fleet2_*.log"))
    table: dict[tuple[str, str], dict[str, str]] = {}
    totals: dict[str, float] = {}
    for path in runs:
        name = path.stem.removeprefix("fleet2_")
        for line in path.read_text().splitlines():
            r = ast.literal_eval(line)
            key = (r["model"], r["disaggregation"])
            table.setdefault(key, {})[name] = (
                f"{r['cpu_s']} ({r['status'][:3]}, ${r['cost_per_hour']}, load {r['load_1min']})"
            )
            totals[name] = totals.get(name, 0.0) + r["cpu_s"]
    names = [p.stem.removeprefix("fleet2_") for p in runs]
    print("| model | disagg. | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for (model, mode), cells in table.items():
        print(f"| {model} | {mode} | " + " | ".join(cells.get(n, "-") for n in names) + " |")
    print("| total CPU s | | " + " | ".join(f"{totals.get(n, 0):.2f}" for n in names) + " |")


if __name__ == "__main__":
    main()
