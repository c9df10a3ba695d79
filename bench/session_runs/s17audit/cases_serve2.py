"""plan serve: odd-but-valid and bad workloads, profiles, histograms, traces, pins (audit.py)."""

W2 = "{I}/wl2"
T = ["-t", "5", "--threads", "1", "--json"]
BASE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:4,L40S:4"]
LEN = ["--prompt-tokens", "512", "--output-tokens", "64"]
SLO = ["--ttft", "1s", "--tpot", "50ms"]


def c(id_, extra, expect="ok", note="", limit=5, base=BASE):
    return {"id": id_, "args": [*base, *extra, *T], "expect": expect, "note": note, "limit": limit}


CASES = [
    c("w-unknown", ["--workloads", f"{W2}/wl-unknown.toml", *SLO], "bad", "unknown traffic key"),
    c("w-dup", ["--workloads", f"{W2}/wl-dup.toml", *SLO], "bad", "workload name twice"),
    c("w-noslo", ["--workloads", f"{W2}/wl-noslo.toml"], "ok", "no SLO anywhere (max throughput?)"),
    c("w-negqps", ["--workloads", f"{W2}/wl-negqps.toml"], "bad", "negative qps"),
    c("w-empty", ["--workloads", f"{W2}/wl-empty.toml", *SLO], "bad", "no workloads"),
    c("w-zeroqps", ["--workloads", f"{W2}/wl-zeroqps.toml"], "ok", "one workload at 0 req/s"),
    c("w-dir", ["--workloads", W2, *SLO], "bad", "directory"),
    c(
        "w-plus-qps",
        ["--workloads", f"{W2}/wl-zeroqps.toml", "--qps", "3"],
        "bad",
        "--qps beside --workloads",
    ),
    c(
        "d-neg",
        ["--profile", f"{W2}/day-neg.csv", *LEN, *SLO],
        "bad",
        "negative rate in a profile",
        None,
    ),
    c("d-header", ["--profile", f"{W2}/day-header.csv", *LEN, *SLO], "bad", "header only", None),
    c("d-nan", ["--profile", f"{W2}/day-nan.csv", *LEN, *SLO], "bad", "nan rate", None),
    c(
        "d-wrongcol",
        ["--profile", f"{W2}/day-wrongcol.csv", *LEN, *SLO],
        "bad",
        "no qps column",
        None,
    ),
    c(
        "d-zero",
        ["--profile", f"{W2}/day-zero.csv", *LEN, *SLO],
        "ok",
        "a period at 0 req/s, extra column",
        None,
    ),
    c("d-list-neg", ["--profile", "1,-1,2", *LEN, *SLO], "bad", "negative in a list", None),
    c(
        "d-period",
        ["--profile", "1,2", "--period-hours", "0", *LEN, *SLO],
        "bad",
        "period 0 h",
        None,
    ),
    c(
        "d-qps",
        ["--profile", "1,2", "--qps", "3", *LEN, *SLO],
        "bad",
        "--qps beside --profile",
        None,
    ),
    c(
        "h-negw",
        ["--qps", "2", "--prompt-tokens", f"{W2}/hist-negw.csv", "--output-tokens", "64", *SLO],
        "bad",
        "negative weight",
    ),
    c(
        "h-zerow",
        ["--qps", "2", "--prompt-tokens", f"{W2}/hist-zerow.csv", "--output-tokens", "64", *SLO],
        "bad",
        "all weights 0",
    ),
    c(
        "h-zerotok",
        ["--qps", "2", "--prompt-tokens", f"{W2}/hist-zerotok.csv", "--output-tokens", "64", *SLO],
        "bad",
        "0-token prompts",
    ),
    c(
        "h-frac",
        ["--qps", "2", "--prompt-tokens", f"{W2}/hist-frac.csv", "--output-tokens", "64", *SLO],
        "ok",
        "fractional token count",
    ),
    c(
        "h-len",
        ["--qps", "2", "--prompt-tokens", f"{W2}/hist-len.json", "--output-tokens", "64", *SLO],
        "bad",
        "values/weights lengths differ",
    ),
    c(
        "tr-unsorted",
        ["--trace", f"{W2}/trace-unsorted.jsonl", *SLO],
        "ok",
        "arrivals out of order",
    ),
    c(
        "tr-zeroout",
        ["--trace", f"{W2}/trace-zeroout.jsonl", *SLO],
        "ok",
        "a request with 0 output tokens",
    ),
    c("tr-one", ["--trace", f"{W2}/trace-one.jsonl", *SLO], "bad", "one request: no rate"),
    c("tr-same", ["--trace", f"{W2}/trace-same.jsonl", *SLO], "bad", "all at the same instant"),
    c("tr-extra", ["--trace", f"{W2}/trace-extra.jsonl", *SLO], "ok", "extra field in a record"),
    c(
        "pin-tp3",
        ["--qps", "2", *LEN, *SLO, "--tp", "3"],
        "infeasible",
        "tp 3 divides no head count",
    ),
    c(
        "pin-ep-dense",
        ["--qps", "2", *LEN, *SLO, "--ep", "2"],
        "infeasible",
        "--ep on a dense model",
    ),
    c(
        "pin-pp64",
        ["--qps", "2", *LEN, *SLO, "--pp", "64"],
        "infeasible",
        "pp beyond the inventory",
    ),
    c(
        "pin-gputype",
        ["--qps", "2", *LEN, *SLO, "--gpu-type", "A100"],
        "bad",
        "--gpu-type not in the inventory",
    ),
    c(
        "spec-mtp-llama",
        ["--qps", "2", *LEN, *SLO, "--speculative", "mtp"],
        "bad",
        "mtp on a model without MTP layers",
    ),
    c(
        "spec-acc",
        ["--qps", "2", *LEN, *SLO, "--speculative", "eagle", "--spec-acceptance", "1.5"],
        "bad",
        "acceptance 1.5",
    ),
    c(
        "kvprec",
        ["--qps", "2", *LEN, *SLO, "--kv-precision", "int3"],
        "bad",
        "unknown KV precision",
    ),
    c(
        "prefix-1",
        ["--qps", "2", *LEN, *SLO, "--prefix-hit-rate", "1"],
        "ok",
        "every prompt token cached",
    ),
    c("prefix-2", ["--qps", "2", *LEN, *SLO, "--prefix-hit-rate", "2"], "bad", "hit rate 2"),
    c("scv-0", ["--qps", "2", *LEN, *SLO, "--arrival-scv", "0"], "ok", "deterministic arrivals"),
    c("scv-neg", ["--qps", "2", *LEN, *SLO, "--arrival-scv", "-1"], "bad", "negative scv"),
    c("qps-tiny", ["--qps", "1e-9", *LEN, *SLO], "ok", "a request a few decades"),
    c("qps-huge", ["--qps", "1e12", *LEN, *SLO], "infeasible", "absurd rate"),
    c(
        "len-huge",
        ["--qps", "1", "--prompt-tokens", "100000000", "--output-tokens", "10", *SLO],
        "infeasible",
        "prompt beyond the context",
    ),
    c(
        "engine-bad",
        ["--qps", "1", *LEN, *SLO, "--engine", "vllm:abc"],
        "bad",
        "engine version text",
    ),
    c("maxbatch", ["--qps", "4", *LEN, *SLO, "--max-batch", "1"], "ok", "batch of one"),
    c("chunk1", ["--qps", "1", *LEN, *SLO, "--chunk-tokens", "1"], "ok", "1-token prefill chunks"),
    c(
        "simulate",
        ["--qps", "3", *LEN, *SLO, "--simulate", "--sim-requests", "300"],
        "ok",
        "simulator beside the model",
        20,
    ),
]
