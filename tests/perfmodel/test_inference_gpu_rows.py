"""The inference-GPU rows (sources ``trtllm_l40s``, ``trtllm_rtxpro``): integrity of the figures."""

from planner.perfmodel.calibration.fit import CALIBRATION_ROWS
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS, SOURCES
from planner.perfmodel.calibration.published import HELD_OUT
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model


def _table(gpu: str, model: str, tp: int, pp: int) -> dict[tuple[int, int], float]:
    return {
        (r.input_tokens, r.output_tokens): r.value
        for r in INFERENCE_GPU_ROWS
        if (r.gpu, r.model, r.tp, r.pp) == (gpu, model, tp, pp)
    }


def test_rows_are_held_out_known_and_unique():
    assert len(INFERENCE_GPU_ROWS) == 101
    assert len({r.id for r in INFERENCE_GPU_ROWS}) == 101
    assert {r.split for r in INFERENCE_GPU_ROWS} == {HELD_OUT}
    assert {r.source for r in INFERENCE_GPU_ROWS} == set(SOURCES)
    for r in INFERENCE_GPU_ROWS:
        load_model(r.model)  # raises on an unknown model
        get_gpu(r.gpu)  # and on an unknown GPU
        assert r.value > 0


def test_no_row_reaches_the_fit_or_its_report():
    ids = {r.id for r in CALIBRATION_ROWS}
    assert not ids & {r.id for r in INFERENCE_GPU_ROWS}


def test_transcription_orders_hold_in_every_table():
    # In every table of both pages a longer output at the same short prompt gives fewer
    # tokens/s (128/4096 < 128/2048) and a long prompt with a short output the fewest
    # (2048/128 < 128/128): a value typed into the wrong cell breaks one of these.
    keys = {(r.gpu, r.model, r.tp, r.pp) for r in INFERENCE_GPU_ROWS}
    for key in keys:
        t = _table(*key)
        if (128, 4096) in t:
            assert t[(128, 4096)] < t[(128, 2048)], key
        assert t[(2048, 128)] < t[(128, 128)], key


def test_rtx_pipeline_stages_add_throughput_at_every_length():
    # More pipeline stages hold more sequences: the page's 70B throughput rises from PP1 to
    # PP8 in every column (a transcription check across the four tables).
    tables = [_table("RTX-PRO-6000", "llama-3.1-70b", 1, pp) for pp in (1, 2, 4, 8)]
    for pair in tables[0]:
        values = [t[pair] for t in tables]
        assert values == sorted(values), pair


def test_fp4_rows_keep_an_fp8_cache():
    rtx = [r for r in INFERENCE_GPU_ROWS if r.gpu == "RTX-PRO-6000"]
    assert {(r.precision, r.kv_precision) for r in rtx} == {("fp4", "fp8")}
    l40s = [r for r in INFERENCE_GPU_ROWS if r.gpu == "L40S"]
    assert {(r.precision, r.kv_precision) for r in l40s} == {("fp8", "")}
