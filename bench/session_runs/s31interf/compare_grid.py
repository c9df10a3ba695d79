"""Before / after model side of the grid against the committed simulations (JSONs of
grid_model_side.py run on HEAD and on the branch)."""

import json
import sys

with open(sys.argv[1]) as fh:
    before = json.load(fh)
with open(sys.argv[2]) as fh:
    after = json.load(fh)
moved = 0
for b, a in zip(before, after, strict=True):
    assert (b["case"], b["utilisation"], b["percentile"]) == (
        a["case"],
        a["utilisation"],
        a["percentile"],
    )
    for m in ("ttft", "tpot"):
        eb, ea = b[f"new_{m}_err"], a[f"new_{m}_err"]
        if abs(a[f"new_{m}_s"] / b[f"new_{m}_s"] - 1) > 1e-3:
            moved += 1
            print(
                f"{a['case']:46s} {a['utilisation']:4.0%} p{a['percentile']} {m}: "
                f"{100 * eb:+6.1f} -> {100 * ea:+6.1f} %"
            )
for tag, rows in (("before", before), ("after", after)):
    below = [r for r in rows if r["utilisation"] < 0.8 and r["percentile"] == 99]
    errs = [abs(r[f"new_{m}_err"]) for r in below for m in ("ttft", "tpot")]
    tp = [abs(r["new_tpot_err"]) for r in below]
    print(
        f"{tag}: p99 below 80 %: {sum(e <= 0.15 for e in errs)} / {len(errs)} within 15 % "
        f"(largest {100 * max(errs):.1f} %, mean |TPOT err| {100 * sum(tp) / len(tp):.2f} %)"
    )
print(f"values moved > 0.1 %: {moved}")
