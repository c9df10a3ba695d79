"""Library calls of ``planner.serve.sweep`` (and ``planner.solve`` on rcpsp / smtt) with bad
arguments that s28bad's list did not hold: each must raise ``InputError`` (a ``ValueError``)
with one line naming the argument.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s31bad/library.py [rows.jsonl]
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from planner.core.errors import InputError
from planner.serve.sweep import sweep

BASE = dict(prompt_tokens=600, output_tokens=150, tpot="50ms", time_limit=2)


def sw(**kw):
    args = {"model": "llama-3.1-8b", "gpu_types": ["H100"], "rates": [1.0], **BASE, **kw}
    return lambda: sweep(**args)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="s31bad_lib_"))
    cases = [
        ("sweep time_limit=0", sw(time_limit=0), ["time_limit"]),
        ("sweep time_limit=nan", sw(time_limit=math.nan), ["time_limit"]),
        ("sweep time_limit='5'", sw(time_limit="5"), ["time_limit"]),
        ("sweep threads=0", sw(threads=0), ["threads"]),
        ("sweep threads=1.5", sw(threads=1.5), ["threads"]),
        ("sweep threads=True", sw(threads=True), ["threads"]),
        ("sweep plot='x.xyz'", sw(plot=str(tmp / "x.xyz")), ["plot"]),
        ("sweep plot=dir", sw(plot=str(tmp)), ["plot"]),
        ("sweep plot=/proc", sw(plot="/proc/x.png"), ["plot"]),
        ("sweep rates=[]", sw(rates=[]), ["rates"]),
        ("sweep rates=None", sw(rates=None), ["rates"]),
        ("sweep rates=[1e30]", sw(rates=[1e30]), ["rates"]),
        ("sweep rates=[inf]", sw(rates=[math.inf]), ["rates"]),
        ("sweep rates=np [1,-1]", sw(rates=np.array([1.0, -1.0])), ["rates"]),
        ("sweep rates=np 2-D", sw(rates=np.ones((2, 2))), ["rates"]),
        ("sweep rates={1: 2}", sw(rates={1: 2}), ["rates"]),
        ("sweep gpu_types=None", sw(gpu_types=None), ["gpu_types"]),
        ("sweep gpu_types=[5]", sw(gpu_types=[5]), ["gpu_types"]),
        ("sweep gpu_types=['']", sw(gpu_types=[""]), ["gpu_types"]),
        ("sweep gpu_types=['H100:2']", sw(gpu_types=["H100:2"]), ["gpu_types", "H100:2"]),
        ("sweep gpus_per_type=True", sw(gpus_per_type=True), ["gpus_per_type"]),
        ("sweep gpus_per_type=10**30", sw(gpus_per_type=10**30), ["gpus_per_type"]),
        ("sweep gpus_per_type=-1", sw(gpus_per_type=-1), ["gpus_per_type"]),
        ("sweep model=None", sw(model=None), ["model"]),
        ("sweep model=5", sw(model=5), ["model"]),
        ("sweep colour=1", sw(colour=1), ["colour"]),
        ("sweep qps=2 (a rate keyword)", sw(qps=2), ["qps", "rates"]),
        ("sweep gpus='H100:2' (keyword of plan)", sw(gpus="H100:2"), ["gpus", "gpu_types"]),
        ("sweep output_tokens=0", sw(output_tokens=0), ["output_tokens"]),
        ("sweep prefix_hit_rate=2", sw(prefix_hit_rate=2), ["prefix_hit_rate"]),
        ("sweep kv_block_tokens=7", sw(kv_block_tokens=7), ["kv_block"]),
        ("sweep pricing='bogus'", sw(pricing="bogus"), ["pricing"]),
    ]
    sink = Path(sys.argv[1] if len(sys.argv) > 1 else "lib_rows.jsonl").open("a")  # noqa: SIM115
    for case, call, names in cases:
        t0 = time.perf_counter()
        exc = None
        try:
            call()
        except BaseException as e:
            exc = e
        if exc is None:
            v = "WRONG returned"
        elif not isinstance(exc, InputError):
            v = f"WRONG {type(exc).__name__}"
        elif "\n" in str(exc).strip():
            v = "WRONG several lines"
        elif not any(n in str(exc) for n in names):
            v = "WRONG names no argument"
        else:
            v = "ok"
        msg = "" if exc is None else f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        row = {
            "case": case,
            "verdict": v,
            "msg": msg,
            "s": round(time.perf_counter() - t0, 2),
            "load": round(os.getloadavg()[0], 2),
        }
        sink.write(json.dumps(row) + "\n")
        sink.flush()
        print(f"{case} | {v} | {msg}", flush=True)
    sink.close()


if __name__ == "__main__":
    main()
