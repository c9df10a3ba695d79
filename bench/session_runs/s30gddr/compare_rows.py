"""Compare two `bench/serve_public.py --out` directories row by row (objective = prediction).

python bench/session_runs/s30gddr/compare_rows.py BEFORE_DIR AFTER_DIR
"""

import csv
import sys


def load(path: str) -> dict[str, dict]:
    return {r["instance"]: r for r in csv.DictReader(open(f"{path}/public_rows.csv"))}


def main() -> None:
    before, after = load(sys.argv[1]), load(sys.argv[2])
    moved, within_b, within_a = 0, 0, 0
    print("| row | measured | before | after | err before | err after |")
    print("|---|---|---|---|---|---|")
    for key, b in before.items():
        a = after[key]
        m = float(b["reference"])
        pb, pa = float(b["objective"]), float(a["objective"])
        eb, ea = pb / m - 1, pa / m - 1
        within_b += abs(eb) <= 0.15
        within_a += abs(ea) <= 0.15
        if pb != pa:
            moved += 1
            print(f"| {key} | {m:.1f} | {pb:.1f} | {pa:.1f} | {eb:+.1%} | {ea:+.1%} |")
    print(f"\nrows {len(before)}, moved {moved}, within 15 %: {within_b} -> {within_a}")


if __name__ == "__main__":
    main()
