"""Each llada2-mini layer as `exact` runs it (LP + RENS, then the proof), one thread, CPU s:
s17off's per-layer loop (ab.py) over all layers or a list.

usage: layers.py TAG SEED LAYERS|all START.npy   (PYTHONPATH at the tree under test)
prints: TAG seed layer prep_s proof_s nodes status objective_us bound_us rens_us lp_us
(the base_s*.txt files, written before this wrapper, also end with the model's size)
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s17off"))
from ab import run

tag, seed = sys.argv[1], int(sys.argv[2])
layers = ",".join(map(str, range(19))) if sys.argv[3] == "all" else sys.argv[3]
run(tag, seed, layers, np.load(sys.argv[4]))
