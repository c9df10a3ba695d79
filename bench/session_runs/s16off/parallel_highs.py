"""Probe: HiGHS's parallel MIP search (threads 2) on one layer (seed 3, layer 8), log in
parallel_highs.log; prints CPU s, wall s, nodes. (Run: 4.0 s CPU, 100.3 s wall, 0 nodes, load 7.)"""

import sys
import time
from pathlib import Path

import numpy as np

import planner.core.mip as cm
from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

orig = cm.new_highs


def nh(**kw):
    kw["threads"] = 2
    return orig(**kw)


cm.new_highs = nh
mip.new_highs = nh
inst = generate("llada2-mini", steps=32, seed=3)
start = np.load("/tmp/s16off/start_seed3.npy")
p, _ = prepare_layer(inst, 8, start)
h = cm.new_highs(time_limit=100, threads=2)
h.setOptionValue("mip_rel_gap", 1e-6)
h.setOptionValue("output_flag", True)
h.setOptionValue("log_to_console", False)
h.setOptionValue("log_file", "/tmp/s16off/thr.log")
h.passModel(p.model.lp)
c = time.process_time()
w = time.perf_counter()
h.run()
print(time.process_time() - c, time.perf_counter() - w, h.getInfo().mip_node_count)
