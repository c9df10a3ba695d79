"""Print the MLPerf Inference v4.1 figures entered as source ``mlperf_inf41`` (helper s17pub).

Reads the submission logs straight from a clone of github mlcommons/inference_results_v4.1
(commit 198fc467) or _v5.1 (commit 965182b0, second argument ``v5.1``): per system, benchmark and scenario the
Offline tokens/s and samples/s, or the Server completed tokens/s, completed and scheduled
samples/s and the p99 first-token and per-output-token latencies, with the run's latency limits.

Usage::

    python bench/session_runs/s17pub/mlperf_read.py /path/to/inference_results_v4.1
    python bench/session_runs/s17pub/mlperf_read.py /path/to/inference_results_v5.1 v5.1
"""

from __future__ import annotations

import re
import subprocess
import sys

#: Runs of each round: round -> (submitter, system, benchmark).
RUNS_V41 = (
    ("NVIDIA", "DGX-H100_H100-SXM-80GBx8_TRT", "llama2-70b-99"),
    ("NVIDIA", "H200-SXM-141GBx8_TRT", "llama2-70b-99"),
    ("NVIDIA", "DGX-H100_H100-SXM-80GBx8_TRT", "mixtral-8x7b"),
    ("NVIDIA", "H200-SXM-141GBx8_TRT", "mixtral-8x7b"),
    ("AMD", "8xMI300X_2xEPYC-9374F", "llama2-70b-99"),
)
RUNS_V51 = (
    ("AMD", "8xMI300X_2xEPYC_9575F", "llama2-70b-99"),
    ("AMD", "8xMI300X_2xEPYC_9575F", "mixtral-8x7b"),
    ("AMD", "8xMI325X_2xEPYC_9575F_1", "llama2-70b-99"),
    ("AMD", "8xMI325X_2xEPYC_9575F_1", "mixtral-8x7b"),
)
RUNS = {"v4.1": RUNS_V41, "v5.1": RUNS_V51}
KEYS = (
    "Samples per second",
    "Tokens per second",
    "Completed samples per second",
    "Completed tokens per second",
    "Scheduled samples per second",
    "99.00 percentile first token latency (ns)",
    "99.00 percentile time to output token (ns)",
    "ttft_latency (ns)",
    "tpot_latency (ns)",
    "Result is",
)


def show(repo: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


def main() -> None:
    repo, round_ = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "v4.1")
    for org, system, bench in RUNS[round_]:
        for scenario in ("Offline", "Server"):
            path = f"closed/{org}/results/{system}/{bench}/{scenario}/performance/run_1/"
            text = show(repo, path + "mlperf_log_summary.txt")
            found = {}
            for key in KEYS:
                m = re.search(rf"^{re.escape(key)}\s*:\s*(\S+)", text, re.M)
                if m:
                    found[key] = m.group(1)
            print(f"{org} {system} {bench} {scenario}: {found}")


if __name__ == "__main__":
    main()
