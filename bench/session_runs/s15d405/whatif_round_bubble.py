"""What-if, not adopted: a per-scheduling-round host bubble on the dstack vLLM 405B rows.

vLLM's multi-step RFC (github vllm-project/vllm issue #6854, 2024-07-26) measured "about
4ms of GPU bubble" per scheduling round, "incurred on every decode" with one step per round
and once every 8 with ``--num-scheduler-steps 8`` (vLLM 0.5.x, Llama 3 8B). The model's
fitted vLLM host time is per step and comes from rows run with 10 steps per round
(``sglang_vllm060``), i.e. it holds 4 / 10 ms of such a bubble; a single-step engine (every
dstack row) would pay 4 ms instead: +3.6 ms per step. This script predicts the dstack 405B
rows with that addition (no refit: the CDNA3 fit rows, single-step too, would move their
constants) and prints the errors beside the current ones. Second what-if: the eager launch
priced at 20 us instead of the assumed 10 us (``host.EAGER_LAUNCH_S``; no public figure for
either host was found), which the H100 32784-token decodes (eager beyond 8192 tokens) would
need to be CPU-bound.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s15d405/whatif_round_bubble.py
"""

from planner.perfmodel import constants, engines
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.public import predict_public, simulated_run

#: Host bubble per scheduling round, seconds (vLLM issue #6854).
ROUND_BUBBLE_S = 4e-3
#: Steps per round of the rows the vLLM host constant was fitted on (sglang_vllm060).
FIT_STEPS = 10


def main() -> None:
    rows = [r for r in PUBLIC_SERVING_ROWS if r.source == "dstack_405b"]
    base = constants.FITTED["host_overhead_vllm_s"]
    extra = ROUND_BUBBLE_S * (1.0 - 1.0 / FIT_STEPS)
    now = {r.id: predict_public(r) / r.value - 1.0 for r in rows}
    with constants.override({"host_overhead_vllm_s": base + extra}):
        what = {r.id: predict_public(r) / r.value - 1.0 for r in rows}
    launch = engines.EAGER_LAUNCH_S
    engines.EAGER_LAUNCH_S = 2 * launch
    simulated_run.cache_clear()
    try:
        slow = {r.id: predict_public(r) / r.value - 1.0 for r in rows}
    finally:
        engines.EAGER_LAUNCH_S = launch
        simulated_run.cache_clear()
    within = [sum(abs(e) <= 0.15 for e in d.values()) for d in (now, what, slow)]
    print(f"{'row':36s} {'now':>7s}  {'bubble':>7s}  {'20 us':>7s}")
    for r in rows:
        print(f"{r.id:36s} {now[r.id]:+7.1%}  {what[r.id]:+7.1%}  {slow[r.id]:+7.1%}")
    print(
        f"within 15 %: now {within[0]}, round bubble (+{extra * 1e3:.1f} ms a step) {within[1]}, "
        f"20 us launches {within[2]} of {len(rows)}"
    )


if __name__ == "__main__":
    main()
