"""s30pp what-if (diagnostic, not shipped): a per-active-request part of the blocking PP loop's
host iteration.

TensorRT-LLM 1.0's ``_executor_loop_pp`` calls ``_handle_responses()`` once per loop
iteration (stage 3), and that method walks ``self.active_requests`` -- every request of every
in-flight micro-batch, ``pp x B`` of them -- setting ``request.draft_tokens`` /
``decoding_iter`` and calling ``create_response`` when ``py_decoding_iter % stream_interval ==
0`` (``stream_interval`` 1 by default). The model's stage host ``g = 29.4 us x B`` (PR #10273,
measured at pp = 1, where the active requests are the batch) counts that walk over ``B``
only. With ``k`` us of it per active request, a stage's host work per micro-batch becomes
``(29.4 - k) B + k pp B``. ``k`` has no public measurement; this script shows what shape a
``k`` of 1-3 us gives, row by row, to compare with the depth trend of the errors.

    PYTHONPATH=. python bench/session_runs/s30pp/whatif_active.py
"""

import numpy as np

import planner.perfmodel.stage as stage
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import TRTLLM_HOST_PER_SEQUENCE_S, blocking_pipeline
from planner.serve.calibration import predict

ORIGINAL = stage.pipeline_host_s


def patched(k_s: float):
    def pipeline_host_s(engine, sequences, pp):
        if pp <= 1 or not blocking_pipeline(engine):
            return 0.0
        b = np.asarray(sequences, dtype=float)
        return (TRTLLM_HOST_PER_SEQUENCE_S - k_s) * b + k_s * pp * b

    return pipeline_host_s


def errors(rows):
    return {r.id: predict(r) / r.value - 1 for r in rows}


def main():
    rows = [r for r in INFERENCE_GPU_ROWS if r.source == "trtllm_rtxpro"]
    runs = {}
    for k in (0.0, 1e-6, 2e-6, 3e-6):
        stage.pipeline_host_s = patched(k) if k else ORIGINAL
        runs[k] = errors(rows)
    stage.pipeline_host_s = ORIGINAL
    groups = {}
    for r in rows:
        model = r.id.split("/")[1]
        groups.setdefault(f"{model} pp{r.pp}", []).append(r.id)
    print(
        "| group | rows | "
        + " | ".join(f"k={k * 1e6:.0f} us: within, signed mean" for k in runs)
        + " |"
    )
    print("|---|---|" + "---|" * len(runs))
    for g, ids in groups.items():
        cells = []
        for e in runs.values():
            v = np.array([e[i] for i in ids])
            cells.append(f"{int((abs(v) <= 0.15).sum())}, {100 * v.mean():+.1f} %")
        print(f"| {g} | {len(ids)} | " + " | ".join(cells) + " |")
    tot = [sum(abs(e[i]) <= 0.15 for i in e) for e in runs.values()]
    print(f"| all | {len(rows)} | " + " | ".join(str(t) for t in tot) + " |")
    print()
    print("| row | " + " | ".join(f"k={k * 1e6:.0f}" for k in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for r in rows:
        if r.pp > 1:
            print(
                f"| {r.id.split('/', 1)[1]} | "
                + " | ".join(f"{100 * e[r.id]:+.1f}" for e in runs.values())
                + " |"
            )


if __name__ == "__main__":
    main()
