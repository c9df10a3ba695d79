"""Mutate user inputs (HF configs, GPU TOML fields, cluster TOML fields) and check every
reader answers with a spec or an InputError -- never another exception.  In-process,
through the same readers the CLI uses (load_model, parse_cluster), then a short plan on the
accepted ones to see the value reaches the model without an exception."""

import copy
import json
import math
import signal
import tempfile
import traceback
from pathlib import Path

from planner.core.errors import InputError
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import from_hf_config

HERE = Path(__file__).parent / "inputs"


def _val(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan"
            if math.isnan(v)
            else ("inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v)))
        )
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_val(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


class tomli_w:
    @staticmethod
    def dumps(data):
        lines = []
        for k, v in data.items():
            if k == "pool" and isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                continue
            lines.append(f"{k} = {_val(v)}")
        for x in data.get("pool", []) if isinstance(data.get("pool"), list) else []:
            if isinstance(x, dict):
                lines.append("[[pool]]")
                lines.extend(f"{k} = {_val(v)}" for k, v in x.items())
        return "\n".join(lines) + "\n"


BAD_VALUES = [None, "x", -1, 0, 1.5, True, [], {}, float("nan"), float("inf"), 10**30]

out = []


def _alarm(signum, frame):
    raise TimeoutError("no answer within 5 s")


signal.signal(signal.SIGALRM, _alarm)


def record(kind, what, value, fn):
    signal.alarm(5)
    try:
        res = fn()
        signal.alarm(0)
        verdict = "accepted"
        detail = ""
        if res is not None:
            detail = res
    except InputError as exc:
        signal.alarm(0)
        verdict = "InputError"
        detail = str(exc)[-160:]
    except Exception as exc:
        signal.alarm(0)
        verdict = f"EXCEPTION {type(exc).__name__}"
        detail = "".join(traceback.format_exception_only(exc)).strip()[-200:]
    out.append((kind, what, repr(value)[:20], verdict, detail))


# 1. HF config fields
for name in ("mistral-nemo", "deepseek-v2-lite", "gemma-7b", "mixtral-8x22b"):
    base = json.loads((HERE / "models" / f"{name}.json").read_text())
    for key in list(base):
        if key in (
            "architectures",
            "rope_scaling",
            "model_type",
            "torch_dtype",
            "transformers_version",
        ):
            continue
        for v in BAD_VALUES:
            cfg = copy.deepcopy(base)
            cfg[key] = v

            def build(cfg=cfg, name=name):
                m = from_hf_config(cfg, name="m", source=f"{name}.json")
                tot = m.params_total
                if not (isinstance(tot, (int, float)) and math.isfinite(tot) and tot > 0):
                    return f"params_total={tot}"
                return None

            record(f"config {name}", key, v, build)

# 2. GPU TOML fields
gpu = {
    "name": "G",
    "memory_gib": 80.0,
    "hbm_tb_s": 3.0,
    "nvlink_gb_s": 600,
    "nic_gbit_s": 400,
    "tflops": {"bf16": 800, "fp8": 1600},
}
opt = {
    "usable_memory_gib": 79.0,
    "runtime_memory_gib": 78.0,
    "host_link_gb_s": 64,
    "interconnect": "x",
    "network": "ib-ndr",
    "nic_efficiency": 0.8,
    "oversubscription": 2.0,
    "nonblocking_gpus": 16,
    "sms": 132,
    "gpus_per_node": 8,
    "price_per_gpu_hour": 2.0,
    "architecture": "Hopper",
    "aliases": ["g"],
}
tmp = Path(tempfile.mkdtemp())
for key in [*gpu, *opt]:
    for v in BAD_VALUES:
        data = {**gpu, **opt}
        data[key] = v
        if v is None:
            del data[key]
        try:
            text = tomli_w.dumps({k: val for k, val in data.items()})
        except Exception:
            continue  # TOML cannot write it (nan fine, None not)
        p = tmp / f"g-{key}.toml"
        p.write_text(text)

        def build(p=p):
            c = parse_cluster(f"16x{p}")
            g = c.pools[0].gpu
            return None if g.memory_bytes > 0 else "no memory"

        record("gpu toml", key, v, build)

# 3. cluster TOML fields
cl = {
    "name": "c",
    "inter_pool_gbit_s": 100,
    "network": {"fabric": "ib-ndr", "topology": "fat-tree"},
    "pool": [
        {
            "gpu": "H100",
            "count": 8,
            "name": "p",
            "gpus_per_node": 8,
            "nic_gbit_s": 400,
            "price_per_gpu_hour": 2.0,
        }
    ],
}
for key in ["name", "inter_pool_gbit_s", "network", "pool"]:
    for v in BAD_VALUES:
        data = copy.deepcopy(cl)
        if v is None:
            del data[key]
        else:
            data[key] = v
        p = tmp / "c.toml"
        try:
            p.write_text(tomli_w.dumps(data))
        except Exception:
            continue
        record("cluster toml", key, v, lambda p=p: (parse_cluster(str(p)), None)[1])
for key in ["gpu", "count", "name", "gpus_per_node", "nic_gbit_s", "price_per_gpu_hour"]:
    for v in BAD_VALUES:
        data = copy.deepcopy(cl)
        if v is None:
            del data["pool"][0][key]
        else:
            data["pool"][0][key] = v
        p = tmp / "c.toml"
        try:
            p.write_text(tomli_w.dumps(data))
        except Exception:
            continue
        record("cluster pool", key, v, lambda p=p: (parse_cluster(str(p)), None)[1])
for key in [
    "fabric",
    "topology",
    "oversubscription",
    "nonblocking_gpus",
    "nic_efficiency",
    "nic_gbit_s",
    "bogus",
]:
    for v in BAD_VALUES:
        data = copy.deepcopy(cl)
        if v is None:
            data["network"].pop(key, None)
        else:
            data["network"][key] = v
        p = tmp / "c.toml"
        try:
            p.write_text(tomli_w.dumps(data))
        except Exception:
            continue
        record("cluster network", key, v, lambda p=p: (parse_cluster(str(p)), None)[1])

bad = [r for r in out if r[3].startswith("EXCEPTION")]
acc = [r for r in out if r[3] == "accepted" and r[2] not in ("None",)]
print(
    f"{len(out)} mutations: {len(bad)} exceptions, {sum(r[3] == 'InputError' for r in out)} InputError, "
    f"{sum(r[3] == 'accepted' for r in out)} accepted"
)
print("\n## exceptions")
for r in bad:
    print(" | ".join(r))
print("\n## accepted (value given, not absent)")
for r in acc:
    print(" | ".join(r))
