"""Train and serve exports of today's new model types (s24polish, brief item 3).

Plans each config once (train: 64xH100, B 256, s 4096; serve: H100:8 at 1 req/s) and prints
every export's notes and first command, so what the export claims can be read.
Usage: PYTHONPATH=. python bench/session_runs/s24polish/exports.py OUT.txt
"""

from __future__ import annotations

import sys
import time

import planner.serve.api as serve_api
import planner.train.api as train_api
from planner.serve.export import export_plan
from planner.train.export import FORMATS, export

CONFIGS = {
    "olmo2": "bench/session_runs/s24unseen/configs/olmo-2-7b.json",
    "olmoe": "bench/session_runs/s24unseen/configs/olmoe-1b-7b.json",
    "cohere": "bench/session_runs/s24unseen/configs/command-r.json",
    "phimoe": "tests/data/hf_configs_reconstructed/phi-3.5-moe.json",
    "dbrx": "tests/data/hf_configs_reconstructed/dbrx.json",
    "granite": "tests/data/hf_configs_reconstructed/granite-3.1-8b.json",
}


def main(out: str) -> None:
    lines = []
    for kind, path in CONFIGS.items():
        t0 = time.process_time()
        tp = train_api.make_problem(path, "64xH100", global_batch=256, seq_len=4096)
        res = train_api.solve(tp, time_limit=5)
        lines.append(f"== {kind} train {res.status} {res.solution and res.solution.short()}")
        if res.solution is not None:
            for fmt in FORMATS:
                e = export(tp, res.solution, fmt)
                lines.append(f"-- {fmt}: notes {e['notes']}")
        sp = serve_api.make_problem(path, "H100:8", qps=1.0, prompt_tokens=1000, output_tokens=200)
        srv = serve_api.solve(sp, time_limit=5)
        lines.append(f"== {kind} serve {srv.status}")
        if srv.solution is not None:
            for tool in ("vllm", "sglang", "trtllm"):
                try:
                    e = export_plan(sp, srv.solution, tool)
                    lines.append(f"-- {tool}: {e['commands'][0]['shell']}")
                    lines.append(f"   notes {e['notes']}")
                except Exception as exc:  # the refusal is the result
                    lines.append(f"-- {tool}: refused: {exc}")
        lines.append(f"   cpu {time.process_time() - t0:.1f} s")
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
