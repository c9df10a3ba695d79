"""Table of the s22j60 probes: CP-SAT deterministic time to prove ``makespan <= best_ub - 1``
infeasible per instance and variant (``>L`` = not proven within the limit L).

usage: summarize.py > summary.md   (reads the probe CSVs in this folder)

"root": ``lower_bound`` already exceeds ``best_ub - 1`` (j6014_3: ``auto``'s late proof there is
the search for a schedule of makespan 61, not a refutation).
"""

import csv
from pathlib import Path

HERE = Path(__file__).parent
#: s21's probes with the same model, parameters and seed (CP-SAT with one worker is
#: deterministic: j6041_2 7.61 and j6030_10 8.11 there and here)
S21 = HERE.parent / "s21rcpsp"
VARIANTS = {
    "base s0": ["late_dec_base.csv", "j30_base.csv"],
    "base s1": ["scr_seed1.csv"],
    "-transitive s0": ["scr_notrans.csv"],
    "lengthened + exploit_all_precedences s0": ["scr_lengthened_exploit.csv"],
    "TTEF + overload checker s0": ["scr_ttef_overload.csv"],
    "lengthened s0": ["scr_lengthened.csv", "confirm_lengthened.csv", "j30_lengthened.csv"],
    "lengthened s1": ["scr_lengthened_seed1.csv"],
    "base s0 (d20)": ["m4_base.csv"],
    "lengthened s0 (d20)": ["m4_lengthened.csv"],
}


def cell(row, limit):
    if row["status"].endswith("UNKNOWN") and float(row["dtime"]) == 0:
        return "root"  # the model's lower bound already exceeds T (CP-SAT: empty makespan range)
    if row["proved"] == "True":
        return f"{float(row['dtime']):.2f}"
    return f">{limit}"


def main() -> None:
    table: dict[str, dict[str, str]] = {}
    for variant, files in VARIANTS.items():
        for name in files:
            path = HERE / name
            if not path.exists():
                continue
            limit = 20 if "d20" in variant else 15
            with open(path) as f:
                for row in csv.DictReader(f):
                    table.setdefault(row["instance"], {})[variant] = cell(row, limit)
    s21 = S21 / "probe_fwd_slow.csv"
    if s21.exists():
        with open(s21) as f:
            for row in csv.DictReader(f):
                if row["status"].endswith("INFEASIBLE"):
                    table.setdefault(row["instance"], {}).setdefault("base s0", row["dtime"])
    cols = list(VARIANTS)
    print("| instance | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for inst in sorted(table):
        print(f"| {inst} | " + " | ".join(table[inst].get(c, "") for c in cols) + " |")


if __name__ == "__main__":
    main()
