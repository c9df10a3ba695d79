"""Every training calibration row builds its problem (Software checked) and every serving row's
trtllm-bench role parses (pad=N within GRAPH_PAD_MAX): the s23small checks refuse no row."""

import gc
import importlib
import pkgutil

import planner.perfmodel.calibration as pc
from planner.perfmodel.calibration.published import ServingRow, TrainingRow
from planner.perfmodel.engines import parse_engine
from planner.serve.calibration import row_bench_settings
from planner.train.calibration import row_problem

for m in pkgutil.iter_modules(pc.__path__):
    importlib.import_module("planner.perfmodel.calibration." + m.name)
train = {id(o): o for o in gc.get_objects() if isinstance(o, TrainingRow)}.values()
serve = {id(o): o for o in gc.get_objects() if isinstance(o, ServingRow)}.values()
for row in train:
    row_problem(row)
caps = []
for row in serve:
    if row.bench_flow == "pytorch":
        lim = row_bench_settings(row)
        cap = min(lim.max_batch_size, lim.max_num_tokens)
        parse_engine(f"{row.engine or 'trtllm'},tokens={lim.max_num_tokens},fp8-law,pad={cap}")
        caps.append(cap)
print(
    f"{len(train)} training rows built; {len(serve)} serving rows, {len(caps)} padded, caps {min(caps)}-{max(caps)}"
)
