"""ModelSpec of every tests/data/hf_configs file with this tree (source path stripped)."""

import glob
import json
import os

from planner.perfmodel.readers import load_model

for p in sorted(glob.glob("tests/data/hf_configs/*.json")):
    try:
        d = load_model(p).to_dict()
        d.pop("source")
        d.pop("approximations", None)
        print(os.path.basename(p), json.dumps(d, sort_keys=True))
    except Exception as e:
        print(os.path.basename(p), "ERROR", type(e).__name__, e)
