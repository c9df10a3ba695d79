"""Per site: LPs, largest relative loss of the safe bound, CPU of the safe bounds vs the site."""

import collections
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "bench/session_runs/s14dual/measure.jsonl"
with open(path) as f:
    rows = [json.loads(line) for line in f]
groups = collections.defaultdict(list)
for r in rows:
    if "site" in r:
        site = r["site"]
        key = "serve fleet" if "fleet" in site else site.split(" layer")[0]
        groups[key + (" (overlap)" if "overlap" in site else "")].append(r)
print("| site | LPs | largest relative loss | safe-bound CPU s | site CPU s | re-solves |")
print("|---|---|---|---|---|---|")
for k, v in groups.items():
    print(
        f"| {k} | {len(v)} | {max(x['rel_loss'] for x in v):.2e} | "
        f"{sum(x['safe_cpu_s'] for x in v):.3f} | {sum(x['site_cpu_s'] for x in v):.2f} | "
        f"{sum(x['resolve'] for x in v)} |"
    )
print(f"\nload before {rows[0]['load_before']}, after {rows[-1]['load_after']}")
