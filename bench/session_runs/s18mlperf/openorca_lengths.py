"""Prompt lengths of MLPerf's llama2-70b sample set, from its public calibration subset
(helper s18mlperf; the figures :data:`planner.perfmodel.calibration.mlperf.DATASETS` enters).

MLPerf's ``open_orca_gpt4_tokenized_llama.calibration_1000.pkl`` (1,000 samples drawn from the
24,576-sample set, ``processorca.py``) is in the git history of github AI-Hypercomputer/JetStream
(blob cde4330e at 909361b, ``benchmarks/``). This reads that blob from a clone, unpickles it
with only the pandas / numpy constructors a DataFrame needs (any other global is refused: the
file is third-party), and prints the statistics of ``tok_input_length``. Nothing of the file
is kept.

Usage::

    python bench/session_runs/s18mlperf/openorca_lengths.py /path/to/JetStream-clone
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys

import numpy as np

COMMIT, PATH = "909361b", "benchmarks/open_orca_gpt4_tokenized_llama.calibration_1000.pkl"
ALLOWED = {
    ("pandas.core.frame", "DataFrame"),
    ("pandas.core.internals.managers", "BlockManager"),
    ("pandas._libs.internals", "_unpickle_block"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("builtins", "slice"),
    ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.range", "RangeIndex"),
}


class _DataFrameOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refused global {module}.{name}")
        return super().find_class(module, name)


def main() -> None:
    repo = sys.argv[1]
    blob = subprocess.run(
        ["git", "-C", repo, "show", f"{COMMIT}:{PATH}"], capture_output=True, check=True
    ).stdout
    oid = subprocess.run(
        ["git", "-C", repo, "rev-parse", f"{COMMIT}:{PATH}"], capture_output=True, text=True
    ).stdout.strip()
    df = _DataFrameOnly(io.BytesIO(blob)).load()
    x = df["tok_input_length"].to_numpy(dtype=float)
    assert all(len(t) == n for t, n in zip(df["tok_input"], df["tok_input_length"], strict=True))
    appended = sum(int(t[-1]) == 29871 for t in df["tok_input"])
    print(f"source: AI-Hypercomputer/JetStream @{COMMIT} {PATH} (blob {oid}, {len(blob)} bytes)")
    print(
        f"samples: {len(x)}; tok_input ending in 29871 (processorca.py since 94b0cc48): {appended}"
    )
    print("origins:", dict(sorted(df["origin"].value_counts().items())))
    print(
        f"tok_input_length: mean {x.mean():.3f}, std {x.std(ddof=1):.3f}, "
        f"s.e. of the mean {x.std(ddof=1) / np.sqrt(len(x)):.2f}, min {x.min():.0f}, "
        f"p25 {np.percentile(x, 25):.1f}, median {np.median(x):.1f}, p75 {np.percentile(x, 75):.1f}, "
        f"p99 {np.percentile(x, 99):.1f}, max {x.max():.0f}"
    )
    by = df.groupby("origin")["tok_input_length"].mean()
    print("mean by origin:", {k: round(float(v), 2) for k, v in sorted(by.items())})
    print(f"origin-stratified mean (the set holds 6,144 of each): {by.mean():.2f}")


if __name__ == "__main__":
    main()
