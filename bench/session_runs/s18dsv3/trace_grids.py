"""CTA grids of the kernels in DeepSeek's training profile: the evidence for stage.sm_share.

deepseek-ai/profile-data @4496024 train.json (one DualPipe forward + backward chunk pair of
4 MoE layers, H800, EP64). Prints, per kernel kind, the launched CTA counts (grid x*y*z),
the time, and how long the DeepEP kernels were resident against the GPU span.

    git --git-dir=/work/.mirror/deepseek-ai+profile-data/repo show HEAD:train.json > /tmp/train.json
    python bench/session_runs/s18dsv3/trace_grids.py /tmp/train.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def kind(name: str) -> str:
    if "dpsk::ep::" in name:
        return "DeepEP dispatch / combine / notify"
    if "grouped_gemm" in name or "gemm" in name:
        return "GEMM"
    if "flash" in name:
        return "attention"
    return "other"


def main(path: str) -> None:
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    kernels = [e for e in events if e.get("cat") == "kernel" and "dur" in e]
    start = min(e["ts"] for e in kernels)
    end = max(e["ts"] + e["dur"] for e in kernels)
    ctas: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for e in kernels:
        g = e.get("args", {}).get("grid", [0, 0, 0])
        ctas[kind(e["name"])][g[0] * g[1] * g[2]] += e["dur"] / 1e3
    print(f"GPU span {(end - start) / 1e3:.1f} ms, {len(kernels)} kernels")
    for k, by in ctas.items():
        rows = ", ".join(
            f"{n} CTAs: {ms:.2f} ms" for n, ms in sorted(by.items(), key=lambda x: -x[1])[:6]
        )
        print(f"{k}: {rows}")
    # union of the DeepEP kernels' intervals: how long they hold their SMs
    iv = sorted((e["ts"], e["ts"] + e["dur"]) for e in kernels if "dpsk::ep::" in e["name"])
    held, cur_s, cur_e = 0.0, None, None
    for s, t in iv:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                held += cur_e - cur_s
            cur_s, cur_e = s, t
        else:
            cur_e = max(cur_e, t)
    held += cur_e - cur_s
    print(f"DeepEP kernels resident {held / 1e3:.1f} ms of the {(end - start) / 1e3:.1f} ms span")


if __name__ == "__main__":
    main(sys.argv[1])
