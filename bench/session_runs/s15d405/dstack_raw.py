"""What dstack's raw 405B files say beyond the csv the rows come from (diagnosis, no fit).

Reads dstackai/benchmarks @06c957ab from the local mirror (``fetch github:dstackai/benchmarks``)
with ``git show``; prints (1) the H100 ``benchmark_latency`` runs (warm-up iterations
excluded) beside the ``benchmark_throughput`` runs of the same batch at 2048 / 2048, (2) the
MI300X TP8 and TP4 runs (the TP4 ones are not entered: no command printed) as elapsed time
against batch, the extra time of 32784-token prompts over 128-token ones, and its intercept
and slope over the batch, (3) the H100 32784-token runs per pair of requests.

Usage: python3 bench/session_runs/s15d405/dstack_raw.py
"""

import json
import subprocess

REPO = "/work/.mirror/dstackai+benchmarks/repo"
COMMIT = "06c957ab"
RAW = "comparison/h100sxm5_vs_mi300x/raw_data"


def load(path: str) -> dict:
    out = subprocess.run(
        ["git", "-C", REPO, "show", f"{COMMIT}:{RAW}/{path}"], capture_output=True, check=True
    )
    return json.loads(out.stdout)


def amd(tp: int, n: int, isl: int) -> float:
    name = f"Meta-Llama-3.1-405B-Instruct-FP8-KV_throughput_req{n}_in{isl}_out2048_.json"
    return load(f"{tp}Mi300x-throughput-quark/{name}")["elapsed_time"]


def main() -> None:
    print("(1) H100 2048/2048: benchmark_latency avg (warm) vs benchmark_throughput elapsed, s")
    for n in (4, 8, 16, 32, 64, 128, 256):
        lat = load(f"8xH100SXM5-throughput/nvidia-latency_test_ip2048_op2048_np{n}.json")
        thr = load(f"8xH100SXM5-throughput/nvidia-throughput_test_ip2048_op2048_np{n}.json")
        print(
            f"  b{n:>3}: latency {lat['avg_latency']:8.2f}  throughput {thr['elapsed_time']:8.2f}"
            f"  ratio {thr['elapsed_time'] / lat['avg_latency']:.4f}"
        )
    print("(2) MI300X elapsed s (TP8 entered; TP4 not entered), 32784-in minus 128-in")
    for tp in (8, 4):
        extra = {}
        for n in (4, 8, 16, 32):
            short, long = amd(tp, n, 128), amd(tp, n, 32784)
            extra[n] = long - short
            print(
                f"  TP{tp} b{n:>2}: 128-in {short:7.1f}  2048-in {amd(tp, n, 2048):7.1f}"
                f"  32784-in {long:7.1f}  extra {extra[n]:7.1f}"
            )
        slope = (extra[32] - extra[4]) / 28
        print(
            f"  TP{tp}: extra time per request (b4..b32) {slope:.2f} s, intercept at b0 "
            f"{extra[4] - 4 * slope:.1f} s = {1e3 * (extra[4] - 4 * slope) / 2047:.1f} ms per step"
        )
    print("(3) H100 32784/2048: two requests decode at a time (KV cache); seconds per pair")
    for n in (4, 8, 16):
        t = load(f"8xH100SXM5-throughput/nvidia-throughput_test_ip32784_op2048_np{n}.json")
        print(
            f"  b{n:>2}: {t['elapsed_time']:7.1f} s, {t['elapsed_time'] / (n / 2):6.1f} s per pair"
        )


if __name__ == "__main__":
    main()
