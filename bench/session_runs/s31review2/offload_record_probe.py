"""Read every offload trace in the repo and shared data; list those the generator-field check refuses."""

import glob

from planner.core.errors import InputError
from planner.offload.readers import read

PATTERNS = (
    "instances/offload/**/*.*",
    "tests/data/**/*offload*",
    "tests/data/offload/**/*.*",
    "bench/**/off*.json*",
    "/work/shared/data/**/*.json*",
    "planner/offload/**/*.json*",
)
GENERATOR_FIELDS = (
    "seed",
    "tokens",
    "prefix",
    "stability",
    "reroute",
    "zipf",
    "drift",
    "generator",
    "preset",
)

files = sorted({f for p in PATTERNS for f in glob.glob(p, recursive=True)})
ok = bad = 0
for f in files:
    if not f.endswith((".json", ".jsonl", ".npy")):
        continue
    try:
        read(f)
        ok += 1
    except InputError as e:
        if any(k in str(e) for k in GENERATOR_FIELDS):
            print("REFUSED", f, str(e)[:200])
            bad += 1
    except Exception:  # other families' files: not offload traces
        pass
print(ok, bad)
