"""s25cert: every method of every family on a bundled instance at -t 1: wall <= limit + 0.5 s?

Usage: nice -n 10 python time_limits.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import sys

from harness import audit, emit

import planner
from planner.core.paths import given_or_bundled

FILES = {
    "smtt": "tkindt_n100_sample.jsonl",
    "rcpsp": "j3013_1.sm",
    "seqpar": "wikipedia512_g64_s13.json",
    "pipelining": "fa3_bwd_hopper.json",
    "offload": "tide_trace.json",
    "serve": "chat-70b.toml",
    "train": "gpt-175b-two-nics.toml",
}


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    with open(out_path, "w") as out:
        for name, file in FILES.items():
            fam = planner.get_family(name)
            insts = fam.read(given_or_bundled(file, name), None)
            inst = insts[0]
            for method in fam.methods:
                emit(audit(name, f"bundled:{file}", inst, method, time_limit=limit), out)


if __name__ == "__main__":
    main()
