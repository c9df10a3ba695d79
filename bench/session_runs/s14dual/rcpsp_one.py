"""j6025_1 (the one differing bound of rcpsp_old_new.py) at 5 s and 30 s, old and new."""

import time

from planner.rcpsp.bounds import preemptive_bound
from planner.rcpsp.readers import read

(inst,) = read("/work/shared/data/psplib/j60/j6025_1.sm")
for limit in (5, 30):
    c = time.process_time()
    b = preemptive_bound(inst, time_limit=limit)
    print(limit, b, round(time.process_time() - c, 2))
