"""Which benchmark rows run an engine whose layer_tokens the s24small change can move (graph_pad > 0 and vLLM V0)."""

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.engines import parse_engine, replays_graph
from planner.serve.calibration import row_role

n = 0
for r in (*PUBLIC_SERVING_ROWS, *MLPERF_ROWS):
    e = parse_engine(r.engine)
    n += 1
    if e.graph_pad and not bool(replays_graph(e, 1e9)):
        print("MOVES?", r.id, r.engine)
m = 0
for r in (*SERVING_ROWS, *INFERENCE_GPU_ROWS):
    e = row_role(r).engine.engine
    m += 1
    if e.graph_pad and not bool(replays_graph(e, 1e9)):
        print("MOVES?", r.id, e)
print(f"checked {n} public/mlperf rows, {m} overview/inference-gpu rows")
