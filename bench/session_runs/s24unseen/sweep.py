"""s24unseen: plan train / plan serve on models and clusters the catalogue does not have.

Usage (from the worktree):
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s24unseen/sweep.py new > out/new.jsonl
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s24unseen/sweep.py raw > out/raw.jsonl
    python bench/session_runs/s24unseen/sweep.py table out/new.jsonl out/raw.jsonl > sweep.md

``new``: every config in configs/ but the raw-* ones: its parameter count against the model
card's, ``plan train`` on 5 clusters and ``plan serve`` on 2 GPU mixes with an SLO (and on
one H100 when the bf16 weights fit one), each through the library (the CLI's code path; the
equivalent command is in each row) with the checks below. ``raw``: the catalogue's own models
given as their config.json without the ``_planner`` block: the same ModelSpec as the
catalogue entry, and the same train / serve answer on one cluster each.

Checks of a train answer: ``verify`` empty; memory per GPU within the capacity; layout divides
heads / KV heads / experts / batch; bound <= objective; causal MFU <= 60 %; wall <= 1 s + 10 %
of the limit. A serve answer: ``verify`` empty, wall within the limit.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from planner.core.errors import InputError
from planner.perfmodel.readers import load_model
from planner.serve import api as serve_api
from planner.serve.evaluate import verify as serve_verify
from planner.train.api import make_problem, solve
from planner.train.evaluate import verify as train_verify

HERE = Path(__file__).parent
CFG = HERE / "configs"
GIB = 2**30
T = 20.0

#: Published parameter counts (total, active or None, source).
CARDS = {
    "command-r": (35e9, None, "huggingface.co/CohereForAI/c4ai-command-r-v01 card: 35 billion"),
    "command-r-plus": (
        104e9,
        None,
        "huggingface.co/CohereForAI/c4ai-command-r-plus card: 104 billion",
    ),
    "command-a": (111e9, None, "Cohere, Command A report arXiv 2504.00698: 111B"),
    "deepseek-v2": (236e9, 21e9, "DeepSeek-V2 report arXiv 2405.04434 abstract: 236B / 21B"),
    "deepseek-v2-lite": (
        15.7e9,
        2.4e9,
        "huggingface.co/deepseek-ai/DeepSeek-V2-Lite card: 15.7B / 2.4B",
    ),
    "falcon-180b": (180e9, None, "huggingface.co/tiiuae/falcon-180B card: 180B"),
    "falcon-7b": (7e9, None, "huggingface.co/tiiuae/falcon-7b card: 7B"),
    "gemma-2-27b": (
        27.228e9,
        None,
        "Gemma 2 report arXiv 2408.00118 Table 2: 1,180,237,824 emb + 26,047,480,320 non-emb",
    ),
    "gemma-3-1b": (1.000e9, None, "Gemma 3 report arXiv 2503.19786 Table 1: 302M + 698M"),
    "gemma-3-27b": (
        27.01e9,
        None,
        "Gemma 3 report Table 1: 1,416M emb + 25,600M non-emb (text model)",
    ),
    "llama-3.2-1b": (1.23e9, None, "huggingface.co/meta-llama/Llama-3.2-1B card: 1.23B"),
    "llama-7b": (6.7e9, None, "LLaMA paper arXiv 2302.13971 Table 2: 6.7B"),
    "mistral-7b-nokv": (7.3e9, None, "Mistral 7B announcement / arXiv 2310.06825: 7.3B"),
    "mistral-large-2": (
        123e9,
        None,
        "huggingface.co/mistralai/Mistral-Large-Instruct-2407 card: 123B",
    ),
    "mixtral-8x22b": (141e9, 39e9, "mistral.ai/news/mixtral-8x22b: 141B / 39B active"),
    "olmo-2-32b": (32.2e9, None, "huggingface.co/allenai/OLMo-2-0325-32B: 32.2B params"),
    "olmo-2-7b": (7.30e9, None, "huggingface.co/allenai/OLMo-2-1124-7B: 7.30B params"),
    "olmoe-1b-7b": (6.9e9, 1.3e9, "OLMoE paper arXiv 2409.02060: 6.9B total / 1.3B active"),
    "phi-3-medium-4k": (14e9, None, "huggingface.co/microsoft/Phi-3-medium-4k-instruct: 14B"),
    "phi-4": (14.7e9, None, "huggingface.co/microsoft/phi-4: 14.7B params"),
    "qwen1.5-moe-a2.7b": (14.3e9, 2.7e9, "huggingface.co/Qwen/Qwen1.5-MoE-A2.7B: 14.3B / 2.7B"),
    "qwen2-57b-a14b": (57.41e9, 14e9, "Qwen2 report arXiv 2407.10671 Table 1: 57B-A14B"),
}

#: (cluster, global batch, sequence): small, mid, large, mixed, a user's GPU over 25 Gb/s.
TRAIN = [
    ("8xH100", 64, 4096),
    ("64xH200", 256, 4096),
    ("1024xB200", 2048, 4096),
    ("H100:64,A100:64", 512, 4096),
    (str(HERE / "ada-roce100.toml"), 96, 4096),
]
#: serving inventories with an SLO
SERVE = ["H100:16,A100:32", "H200:16,B200:16"]
SLO = dict(qps=4.0, prompt_tokens="exp:1024", output_tokens="exp:256", ttft="2s", tpot="100ms")


def model_arg(name: str) -> str:
    return str(CFG / f"{name}.json")


def train_row(model: str, cluster: str, batch: int, seq: int, t: float = T) -> dict:
    cmd = (
        f"planner plan train --model {Path(model).name} --gpus {Path(cluster).name} "
        f"--global-batch {batch} --seq {seq} -t {t:g} --threads 1 --json"
    )
    row: dict = {"kind": "train", "model": Path(model).stem, "cluster": Path(cluster).name}
    row["cmd"] = cmd
    issues: list[str] = []
    try:
        prob = make_problem(model, cluster, global_batch=batch, seq_len=seq)
    except InputError as exc:
        row.update(status="INPUT_ERROR", reason=str(exc), issues=issues)
        return row
    w0, c0 = time.perf_counter(), time.process_time()
    try:
        res = solve(prob, "auto", time_limit=t, threads=1)
    except Exception as exc:  # a traceback is a defect: record it
        row.update(status="TRACEBACK", reason=repr(exc), tb=traceback.format_exc()[-800:])
        row["issues"] = ["traceback"]
        return row
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    summ = res.stats.get("summary", {})
    row.update(status=str(res.status), wall=round(wall, 2), cpu=round(cpu, 2))
    row.update(objective=res.objective, bound=res.bound)
    row["warnings"] = list(prob.meta.get("warnings", []))
    if wall > 1.1 * t + 1:
        issues.append(f"time limit: {wall:.1f} s wall for -t {t:g}")
    sol = res.solution
    if sol is None:
        row["reason"] = (summ.get("reason") or res.stats.get("reason") or "")[:300]
        row["issues"] = issues
        return row
    row["plan"] = sol.short()
    row["mem_gib"] = summ.get("memory_gb_per_gpu")
    row["mfu_causal"] = summ.get("mfu_causal")
    bad = train_verify(prob, sol)
    if bad:
        issues.append(f"verify: {bad}")
    m = prob.model
    if m.heads % sol.tp or (not m.is_mla and m.kv_heads % sol.tp):
        issues.append("tp does not divide heads / KV heads")
    if m.is_moe and m.num_experts % sol.ep:
        issues.append("ep does not divide the experts")
    cap = min(p.gpu.usable_bytes for p in prob.cluster.pools) / GIB
    if row["mem_gib"] and row["mem_gib"] > cap * 1.0001:
        issues.append(f"memory {row['mem_gib']:.1f} > {cap:.1f} GiB")
    if res.bound is not None and res.objective is not None and res.bound > res.objective * 1.000001:
        issues.append("bound > objective")
    if row["mfu_causal"] and row["mfu_causal"] > 0.60:
        issues.append(f"causal MFU {row['mfu_causal']:.1%} > 60 %")
    row["issues"] = issues
    return row


def serve_row(model: str, gpus: str, t: float = T, **slo) -> dict:
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in slo.items())
    row: dict = {"kind": "serve", "model": Path(model).stem, "cluster": gpus}
    row["cmd"] = (
        f"planner plan serve --model {Path(model).name} --gpus {gpus} {flags} "
        f"-t {t:g} --threads 1 --json"
    )
    issues: list[str] = []
    try:
        prob = serve_api.make_problem(model, gpus, **slo)
    except InputError as exc:
        row.update(status="INPUT_ERROR", reason=str(exc), issues=issues)
        return row
    w0 = time.perf_counter()
    try:
        res = serve_api.solve(prob, "auto", time_limit=t, threads=1, explain=True)
    except Exception as exc:
        row.update(status="TRACEBACK", reason=repr(exc), tb=traceback.format_exc()[-800:])
        row["issues"] = ["traceback"]
        return row
    wall = time.perf_counter() - w0
    row.update(status=str(res.status), wall=round(wall, 2), objective=res.objective)
    row["warnings"] = list(prob.meta.get("warnings", []))
    if wall > 1.1 * t + 1:
        issues.append(f"time limit: {wall:.1f} s wall for -t {t:g}")
    if res.solution is None:
        why = res.stats.get("explanation") or res.stats.get("reason") or ""
        row["reason"] = str(why)[:300]
    else:
        row["plan"] = " + ".join(
            f"{g.count} x {g.gpu} tp{g.tp}"
            + (f" pp{g.pp}" if g.pp > 1 else "")
            + (f" ep{g.ep}" if g.ep > 1 else "")
            + (f" {g.role}" if g.role != "both" else "")
            for g in res.solution.replicas
        )
        bad = serve_verify(prob, res.solution)
        if bad:
            issues.append(f"verify: {bad}")
        met = res.stats.get("metrics", {})
        row["ttft_s"], row["tpot_s"] = met.get("ttft_s"), met.get("tpot_s")
    row["issues"] = issues
    return row


def params_row(name: str) -> dict:
    spec = load_model(model_arg(name))
    total, active, src = CARDS.get(name, (None, None, ""))
    row = {
        "kind": "params",
        "model": name,
        "total_b": round(spec.params_total / 1e9, 3),
        "active_b": round(spec.params_active / 1e9, 3),
        "card_total_b": total and total / 1e9,
        "card_active_b": active and active / 1e9,
        "source": src,
        "approximations": list(spec.approximations),
    }
    if total:
        row["err_total_pct"] = round(100 * (spec.params_total / total - 1), 2)
    return row


def run_new(names: list[str]) -> None:
    for name in names:
        print(json.dumps(params_row(name)), flush=True)
        spec = load_model(model_arg(name))
        for cluster, batch, seq in TRAIN:
            print(json.dumps(train_row(model_arg(name), cluster, batch, seq)), flush=True)
        for gpus in SERVE:
            print(json.dumps(serve_row(model_arg(name), gpus, **SLO)), flush=True)
        if 2 * spec.params_total / GIB < 60:  # bf16 weights fit one 80 GB GPU: must be served
            one = dict(prompt_tokens="exp:1024", output_tokens="exp:256")
            print(json.dumps(serve_row(model_arg(name), "H100:1", **one)), flush=True)


def run_raw(names: list[str]) -> None:
    for name in names:
        cat, raw = load_model(name), load_model(model_arg(f"raw-{name}"))
        a, b = cat.to_dict(), raw.to_dict()
        for key in ("name", "source", "display_name"):
            a.pop(key), b.pop(key)
        diff = sorted(k for k in a if a[k] != b[k])
        print(json.dumps({"kind": "spec", "model": name, "diff": diff}), flush=True)
        for model in (name, model_arg(f"raw-{name}")):
            row = train_row(model, "64xH200", 256, 4096)
            row["which"] = "raw" if model.endswith(".json") else "catalogue"
            print(json.dumps(row), flush=True)
            row = serve_row(model, "H200:16,B200:16", **SLO)
            row["which"] = "raw" if model.endswith(".json") else "catalogue"
            print(json.dumps(row), flush=True)


def table(paths: list[str]) -> None:
    rows = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()]
    print("| model | command | status | plan / reason | checks |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        if r["kind"] == "params":
            err = r.get("err_total_pct")
            act = f" / {r['active_b']} B active" if r["card_active_b"] else ""
            card = f"{r['card_total_b']:g} B" if r["card_total_b"] else "-"
            note = f"; warns: {r['approximations'][0][:60]}..." if r["approximations"] else ""
            print(
                f"| {r['model']} | parameters | {r['total_b']} B{act} | card {card} "
                f"({r['source']}) | {err:+.2f} %{note} |"
            )
            continue
        if r["kind"] == "spec":
            print(
                f"| {r['model']} | raw config.json vs catalogue ModelSpec | "
                f"{'same' if not r['diff'] else 'DIFF'} | {', '.join(r['diff'])} | |"
            )
            continue
        what = r.get("plan") or (r.get("reason") or "")[:140].replace("|", "/")
        if r.get("objective") is not None and r.get("plan"):
            what += f" ({r['objective']:.4g})"
        checks = "; ".join(r.get("issues") or []) or "ok"
        tag = f" [{r['which']}]" if "which" in r else ""
        print(f"| {r['model']}{tag} | `{r['cmd']}` | {r['status']} | {what} | {checks} |")


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "table":
        table(rest)
    elif mode == "new":
        names = rest or sorted(p.stem for p in CFG.glob("*.json") if not p.stem.startswith("raw-"))
        run_new(names)
    elif mode == "raw":
        names = rest or sorted(p.stem[4:] for p in CFG.glob("raw-*.json"))
        run_raw(names)
