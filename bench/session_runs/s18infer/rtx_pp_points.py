"""The model's operating point of the RTX PRO 6000 Llama 3.3 70B FP4 rows by pipeline depth:
decode batch per engine (micro-batch), engines, iteration time and KV capacity, against the
published tokens/s (diagnostic for the PP8 over-prediction). Writes ``rtx_pp_points.md``.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/rtx_pp_points.py
"""

from __future__ import annotations

from pathlib import Path

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import ENGINE_KV_ADMISSION, TRTLLM_CHUNK_TOKENS
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic

HERE = Path(__file__).resolve().parent


def main() -> None:
    lines = [
        "# RTX PRO 6000, Llama 3.3 70B FP4: the model's saturation point by pipeline depth",
        "",
        "`PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/rtx_pp_points.py`",
        "",
        "| ISL/OSL | pp | published tok/s | predicted | x PP1 published | x PP1 predicted |"
        " engines | batch per engine | iteration ms | KV tokens per engine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [r for r in INFERENCE_GPU_ROWS if r.gpu == "RTX-PRO-6000" and r.model == "llama-3.1-70b"]
    base: dict[tuple[int, int], tuple[float, float]] = {}
    for r in sorted(rows, key=lambda r: (r.input_tokens, r.output_tokens, r.pp)):
        # the saturation role of planner.serve.calibration.offline_tokens_per_s, built here
        # from public classes to read its operating point
        engine = EngineModel(
            load_model(r.model),
            ReplicaConfig(get_gpu(r.gpu), r.tp, r.pp),
            r.precision,
            r.kv_precision or r.precision,
            engine=parse_engine("trtllm"),
        )
        traffic = Traffic(None, LengthDist.fixed(r.input_tokens), LengthDist.fixed(r.output_tokens))
        role = RoleModel(
            engine,
            "both",
            traffic,
            SLO(percentile=0.99),
            chunk=TRTLLM_CHUNK_TOKENS,
            online=False,
            kv_admission=ENGINE_KV_ADMISSION["trtllm"],
        )
        rate, point, _ = role.capacity()
        engines = role.engine.config.engines
        pred = rate * engines * r.output_tokens
        key = (r.input_tokens, r.output_tokens)
        if r.pp == 1:
            base[key] = (r.value, pred)
        pub1, pred1 = base[key]
        lines.append(
            f"| {key[0]}/{key[1]} | {r.pp} | {r.value:g} | {pred:.0f} | {r.value / pub1:.2f} | "
            f"{pred / pred1:.2f} | {engines} | {point.batch:.0f} | {1e3 * point.tpot_mean_s:.1f} | "
            f"{point.kv_capacity:.0f} |"
        )
    (HERE / "rtx_pp_points.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
