"""Dump the ModelSpec of every catalogue, test-data and s24unseen config (one JSON line each).

Run on main and on the branch; the two outputs must be identical (the readers added this
session must leave every existing spec as it was). Usage: ``dump_specs.py OUT.jsonl``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from planner.core.errors import InputError
from planner.perfmodel.readers import load_model

DIRS = ("models/llm", "tests/data/hf_configs", "bench/session_runs/s24unseen/configs")


def main(out: str) -> None:
    """Write ``{path: spec fields}`` lines (or the error) to ``out``."""
    lines = []
    for folder in DIRS:
        for path in sorted(Path(folder).glob("*.json")):
            try:
                spec = dataclasses.asdict(load_model(str(path)))
            except InputError as exc:
                spec = {"error": str(exc)}
            lines.append(json.dumps({"path": str(path), "spec": spec}, sort_keys=True))
    Path(out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
