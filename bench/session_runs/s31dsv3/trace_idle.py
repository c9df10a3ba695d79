"""Where the compute idles in DeepSeek's DualPipe chunk-pair trace (issue 18, helper s31dsv3).

deepseek-ai/profile-data @4496024 ``train.json`` (git blob 7a8f40f9): one DualPipe forward
chunk + backward chunk of 4 MoE layers, overlapped, H800, EP64 TP1, 4K sequence. Streams in the
trace: 7 (compute), 23 (a second compute stream: expert weight-gradient GEMMs), 27 (DeepEP
notify / dispatch / combine kernels and the fp8 casts that feed them). Host annotations on
thread 1166 name the DualPipe sub-slots in launch order (attn(F), mlp(B), dispatch(F), ...);
every kernel is attributed to the sub-slot its launch call falls in.

Prints
1. the decomposition of the compute stream's idle (span - its kernel time);
2. every gap > 5 us with no compute kernel on any stream, classified by what ended it
   (the host's launch, or a DeepEP kernel the next kernel waited for);
3. per layer pair, each sub-slot's GPU compute and each communication sub-slot's DeepEP
   kernels (notify / barrier kernel and transfer kernel apart);
4. a replay of the pair as a two-stream list schedule (compute stream and DeepEP stream, each
   in the trace's order, the DualPipe dependencies between them) with the trace's own sub-slot
   durations: as measured, and with every notify kernel at its first-layer duration.

    git --git-dir=/work/.mirror/deepseek-ai+profile-data/repo show HEAD:train.json > /tmp/train.json
    python bench/session_runs/s31dsv3/trace_idle.py /tmp/train.json
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import defaultdict

EP = "dpsk::ep::"
NOTIFY = ("notify", "get_dispatch_layout")  # DeepEP's count exchange / barrier kernels
GAP_US = 5.0


def union(intervals):
    out: list[list[float]] = []
    for s, t in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], t)
        else:
            out.append([s, t])
    return out


def load(path: str):
    with open(path) as f:
        ev = json.load(f)["traceEvents"]
    ks = sorted(
        (e for e in ev if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")),
        key=lambda e: e["ts"],
    )
    launches = {
        e["args"]["correlation"]: e
        for e in ev
        if e.get("cat") in ("cuda_runtime", "cuda_driver") and "correlation" in e.get("args", {})
    }
    slots = sorted(
        (
            e
            for e in ev
            if e.get("cat") == "user_annotation" and e["name"] not in ("ProfilerStep#1", "1F1B")
        ),
        key=lambda e: e["ts"],
    )
    return ks, launches, slots


def slot_of(ts: float, slots) -> int:
    """Index of the host sub-slot annotation in which a launch at ``ts`` happened."""
    inside = [i for i, a in enumerate(slots) if a["ts"] <= ts <= a["ts"] + a["dur"]]
    if inside:
        return inside[-1]
    return max((i for i, a in enumerate(slots) if a["ts"] <= ts), default=0)


def main(path: str) -> None:
    ks, launches, slots = load(path)
    t0 = ks[0]["ts"]
    T = max(e["ts"] + e["dur"] for e in ks)
    ms = lambda x: x / 1e3  # noqa: E731 (us -> ms)
    comp = [e for e in ks if EP not in e["name"]]
    ep = [e for e in ks if EP in e["name"]]
    by_stream: dict[int, float] = defaultdict(float)
    for e in comp:
        by_stream[e["tid"]] += e["dur"]
    c7 = by_stream[7]
    u7 = union((e["ts"], e["ts"] + e["dur"]) for e in comp if e["tid"] == 7)
    u_all = union((e["ts"], e["ts"] + e["dur"]) for e in comp)
    busy_all = sum(t - s for s, t in u_all)
    busy7 = sum(t - s for s, t in u7)
    print("# 1. The compute stream's idle")
    print(f"GPU span {ms(T - t0):.3f} ms; compute stream (7) kernel time {ms(c7):.3f} ms")
    print(
        "compute kernels per stream: "
        + ", ".join(f"stream {k}: {ms(v):.3f} ms" for k, v in sorted(by_stream.items()))
    )
    print(f"idle of stream 7 = span - its busy time = {ms(T - t0 - busy7):.3f} ms, of which")
    print(f"  another stream's compute kernel runs (GPU busy): {ms(busy_all - busy7):.3f} ms")
    print(f"  no compute kernel on any stream: {ms(T - t0 - busy_all):.3f} ms")
    over = sum(
        max(0.0, min(t, b) - max(s, a))
        for s, t in union((e["ts"], e["ts"] + e["dur"]) for e in comp if e["tid"] == 23)
        for a, b in u7
    )
    print(f"stream 23's GEMMs concurrent with stream 7 kernels: {ms(over):.3f} ms")

    print("\n# 1b. Gaps > 5 us on stream 7 and what runs on the other streams meanwhile")
    c7_kernels = [e for e in comp if e["tid"] == 7]
    end7 = c7_kernels[0]["ts"] + c7_kernels[0]["dur"]
    for a, b in itertools.pairwise(c7_kernels):
        end7 = max(end7, a["ts"] + a["dur"])
        if b["ts"] - end7 > GAP_US:
            during = [
                f"st{x['tid']} {x['name'].split('(')[0][-38:]} {ms(x['ts'] - t0):.3f}-"
                f"{ms(x['ts'] + x['dur'] - t0):.3f}"
                for x in ks
                if x["tid"] != 7 and x["ts"] < b["ts"] and x["ts"] + x["dur"] > end7
            ]
            print(
                f"  {ms(end7 - t0):8.3f} +{ms(b['ts'] - end7):6.3f} ms | prev {a['name'][:34]}"
                f" | next {b['name'][:34]} | meanwhile: {'; '.join(during) or 'nothing'}"
            )

    print("\n# 2. Gaps with no compute kernel on any stream")
    small = defaultdict(lambda: [0, 0.0])
    classes: dict[str, float] = defaultdict(float)
    end, prev = None, None
    for e in comp:
        if end is not None and e["ts"] > end:
            gap = e["ts"] - end
            launch = launches[e["args"]["correlation"]]
            launched = launch["ts"] + launch["dur"]
            waited = [x for x in ep if end - 1 < x["ts"] + x["dur"] <= e["ts"] + 1]
            if launched > end + 1:
                why = "host: next kernel launched after the GPU ran dry"
            elif waited:
                why = "waits for DeepEP " + waited[-1]["name"].split("(")[0][5:60]
            else:
                why = "kernel boundary (launched earlier, no DeepEP kernel ends here)"
            key = why.split(" <")[0] if why.startswith("waits") else why
            classes[key.split("<")[0]] += gap
            if gap > GAP_US:
                print(
                    f"  at {ms(end - t0):8.3f} ms idle {ms(gap):6.3f} ms | prev {prev['name'][:42]}"
                    f" | next {e['name'][:42]} (launch ends {ms(launched - t0):.3f}) | {why}"
                )
            else:
                small[why][0] += 1
                small[why][1] += gap
        if end is None or e["ts"] + e["dur"] > end:
            end, prev = e["ts"] + e["dur"], e
    for why, (n, g) in small.items():
        print(f"  {n} gaps <= {GAP_US:.0f} us: {ms(g):.3f} ms ({why})")
    print("idle by cause (all gaps):")
    for k, v in sorted(classes.items(), key=lambda kv: -kv[1]):
        print(f"  {ms(v):6.3f} ms  {k}")

    print("\n# 3. Sub-slots per layer pair (ms; comm = notify / barrier + transfer kernels)")
    table, names = subslot_table(ks, launches, slots)
    print(f"{'slot':12s} " + " ".join(f"{'layer ' + str(k + 1):>26s}" for k in range(4)))
    for name in names:
        cells = []
        for s in table[name]:
            if s["notify"] or s["xfer"]:
                cells.append(f"comm {ms(s['cast'] + s['notify']):5.2f}+{ms(s['xfer']):5.2f}")
            else:
                wall = ms(s["last"] - s["first"]) if s["first"] is not None else 0.0
                cells.append(f"compute {ms(s['comp']):5.2f} (gpu {wall:5.2f})")
        print(f"{name:12s} " + " ".join(f"{c:>26s}" for c in cells))
    replay_trace(table, T - t0)


def subslot_table(ks, launches, slots) -> tuple[dict[str, list[dict]], list[str]]:
    """Per sub-slot name, per layer: compute kernel time and GPU first / last (us), and the
    DeepEP stream's cast, notify and transfer kernel time, by the launch's host sub-slot."""
    per: dict[int, dict] = defaultdict(
        lambda: {"comp": 0.0, "first": None, "last": None, "notify": 0.0, "xfer": 0.0, "cast": 0.0}
    )
    for e in ks:
        i = slot_of(launches[e["args"]["correlation"]]["ts"], slots)
        s = per[i]
        if EP in e["name"]:
            s["notify" if any(n in e["name"] for n in NOTIFY) else "xfer"] += e["dur"]
        elif e["tid"] == 27:
            s["cast"] += e["dur"]  # the fp8 cast feeding the next transfer, on the DeepEP stream
        else:
            s["comp"] += e["dur"]
            s["first"] = e["ts"] if s["first"] is None else min(s["first"], e["ts"])
            s["last"] = (
                e["ts"] + e["dur"] if s["last"] is None else max(s["last"], e["ts"] + e["dur"])
            )
    names = [a["name"] for a in slots[:10]]
    table: dict[str, list[dict]] = defaultdict(list)
    for i, a in enumerate(slots):
        table[a["name"]].append(per[i])
    return table, names


def replay_trace(table: dict[str, list[dict]], span_us: float) -> None:
    """Section 4: the two-stream replay with the trace's own sub-slot durations."""
    ms = lambda x: x / 1e3  # noqa: E731
    print("\n# 4. Two-stream replay of the pair with the trace's sub-slot durations")
    compute_order = ("attn(F)", "mlp(B)", "mlp(W)", "mlp(F)", "attn(B)", "attn(W)")
    comm_order = ("combine(B)", "dispatch(F)", "dispatch(B)", "combine(F)")
    comp_d = {
        (n, k): ms(s["last"] - s["first"]) for n in compute_order for k, s in enumerate(table[n])
    }
    notify = {
        (n, k): ms(s["cast"] + s["notify"]) for n in comm_order for k, s in enumerate(table[n])
    }
    xfer = {(n, k): ms(s["xfer"]) for n in comm_order for k, s in enumerate(table[n])}
    for label, nt in (
        ("as measured", notify),
        ("notify kernels at their layer-1 durations", {(n, k): notify[(n, 0)] for n, k in notify}),
        ("no notify kernels", {key: 0.0 for key in notify}),
    ):
        span, waits = replay(comp_d, {key: nt[key] + xfer[key] for key in xfer}, 4)
        print(f"  {label}: span {span:.3f} ms, compute stream waits for DeepEP {waits:.3f} ms")
    print(f"  trace: span {ms(span_us):.3f} ms")


def replay(compute: dict, comm: dict, layers: int) -> tuple[float, float]:
    """Makespan of a DualPipe forward + backward chunk pair as two in-order streams.

    Compute stream per layer: attn(F), mlp(B), mlp(W), mlp(F), attn(B), attn(W); DeepEP
    stream: combine(B), dispatch(F), dispatch(B), combine(F) (the order of the trace and of
    DeepSeek-V3 report Figure 4). A compute sub-slot that consumes a transfer waits for it
    (mlp(B) <- combine(B), mlp(F) <- dispatch(F), attn(B) <- dispatch(B), next attn(F) <-
    combine(F)); a transfer waits for the compute that produces it (dispatch(F) <- attn(F),
    dispatch(B) <- mlp(B), combine(F) <- mlp(F), next combine(B) <- attn(B)).
    """
    clock = {"compute": 0.0, "comm": 0.0, "waits": 0.0}
    done: dict[str, float] = {"attn(B)": 0.0, "combine(F)": 0.0}

    def run(stream: str, name: str, k: int, after: float = 0.0) -> None:
        start = max(clock[stream], after)
        if stream == "compute":
            clock["waits"] += start - clock[stream]
        clock[stream] = start + (compute if stream == "compute" else comm)[(name, k)]
        done[name] = clock[stream]

    for k in range(layers):
        run("comm", "combine(B)", k, done["attn(B)"])
        run("compute", "attn(F)", k, done["combine(F)"] if k else 0.0)
        run("compute", "mlp(B)", k, done["combine(B)"])
        run("comm", "dispatch(F)", k, done["attn(F)"])
        run("comm", "dispatch(B)", k, done["mlp(B)"])
        run("compute", "mlp(W)", k)
        run("compute", "mlp(F)", k, done["dispatch(F)"])
        run("comm", "combine(F)", k, done["mlp(F)"])
        run("compute", "attn(B)", k, done["dispatch(B)"])
        run("compute", "attn(W)", k)
    return max(clock["compute"], clock["comm"]), clock["waits"]


if __name__ == "__main__":
    main(sys.argv[1])
