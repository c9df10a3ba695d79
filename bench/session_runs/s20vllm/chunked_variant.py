"""dstack_405b rows under the model as it stands and with vLLM 0.6's chunked-prefill default.

vLLM 0.6.3.post1 ``EngineArgs.create_engine_config`` switches chunked prefill on when
``enable_chunked_prefill`` is unset and ``max_model_len > 32768`` (``--max-model-len 91680``),
and ``SchedulerConfig`` then sets ``max_num_batched_tokens = 512`` (one scheduler step). A
``benchmark_throughput.py`` that passes ``EngineArgs`` through (vLLM PR #9529) would run that;
the older script passes ``enable_chunked_prefill=False``. The variant here prices the first:
``tokens=512`` (prefill budget and the activation profile that sizes the KV cache).

Usage: PYTHONPATH=. python bench/session_runs/s20vllm/chunked_variant.py [--gpu H100]
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.public import predict_public

TARGET = 0.15


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpu", action="append", default=[])
    args = ap.parse_args()
    t0 = time.process_time()
    rows = [r for r in PUBLIC_SERVING_ROWS if r.source == "dstack_405b"]
    rows = [r for r in rows if not args.gpu or r.gpu in args.gpu]
    tally = {"as is": [], "chunked 512": []}
    print(f"{'row':36s} {'measured':>9s} {'as is':>9s} {'err':>7s} {'chunk512':>9s} {'err':>7s}")
    for r in rows:
        chunked = dataclasses.replace(r, engine=r.engine.replace("tokens=91680", "tokens=512"))
        a, b = predict_public(r), predict_public(chunked)
        ea, eb = a / r.value - 1, b / r.value - 1
        tally["as is"].append(ea)
        tally["chunked 512"].append(eb)
        print(f"{r.id:36s} {r.value:9.1f} {a:9.1f} {ea:+7.1%} {b:9.1f} {eb:+7.1%}", flush=True)
    for k, errs in tally.items():
        ok = sum(abs(e) <= TARGET for e in errs)
        print(f"{k:12s} {ok}/{len(errs)} within 15 %, signed mean {sum(errs) / len(errs):+.1%}")
    print(f"CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
