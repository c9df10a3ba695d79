import json
import sys

from planner.perfmodel.calibration import fit

out = {}
for r in fit.CALIBRATION_ROWS:
    k = fit.kind_of(r)
    if False:
        continue
    try:
        out[r.id] = [k, fit.predict(r)]
    except Exception as e:
        out[r.id] = [k, repr(e)]
json.dump(out, open(sys.argv[1], "w"))
print(len(out))
