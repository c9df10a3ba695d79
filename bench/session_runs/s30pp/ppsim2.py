"""s30pp: s19pcie's event simulation of TensorRT-LLM 1.0's blocking PP loop, extended with
(a) unequal stages (the LM head on the last) and (b) an optional rendezvous on the
activation send: with CUDA graphs the NCCL send runs inside the captured graph on the
compute stream (``PPCommNCCL.send``: "NCCL send kernel in send_stream cannot be captured,
so we send in the current stream instead in CUDA graph cases"), so a stage's graph -- and the
host's ``sampler_event.synchronize()`` behind it -- ends only when the next rank has launched
its graph and posted the matching receive (when the message exceeds NCCL's buffering).

    python3 bench/session_runs/s30pp/ppsim2.py
"""

import sys


def sim(stages, hpre, hpost, hop=100e-6, b=50e-6, rendezvous=False, iters=400):
    n = len(stages)
    t = [0.0] * n
    gpu = [0.0] * n
    act, tok, samp = {}, {}, {}
    mid = [0.0] * n
    hist = []
    for j in range(iters):
        # launch times of every rank for iteration j (fetch relay + host pre-work)
        launch = [0.0] * n
        fetch = [0.0] * n
        for r in range(n):
            tt = t[r]
            if r > 0:
                tt = max(tt, fetch[r - 1] + hop)
            fetch[r] = tt
            launch[r] = tt + hpre
        for r in range(n):
            start = max(launch[r], gpu[r], act[(r - 1, j)] if r > 0 else 0.0)
            end = start + stages[r]
            if r < n - 1:
                done = max(end, launch[r + 1]) + b if rendezvous else end
                act[(r, j)] = done if rendezvous else end + b
                gpu[r] = done
                mid[r] = done
            else:
                gpu[r] = end
                samp[j] = end
                mid[r] = launch[r]
        order = [n - 1, *range(n - 1)]
        for r in order:  # token chain, update
            tt = mid[r]
            if r == n - 1:
                if j >= 1:
                    tt = max(tt, samp[j - 1])
                    tok[(0, j - 1)] = tt + hop
            else:
                m = j + 1 - n
                if m >= 0:
                    tt = max(tt, tok[(r, m)])
                    if r != n - 2:
                        tok[(r + 1, m)] = tt + hop
            tt += hpost
            t[r] = tt
        hist.append(t[0])
    h = iters // 2
    return (hist[-1] - hist[h]) / (iters - 1 - h)


def model_round(stages, g, b):
    n = len(stages)
    through = sum(stages) + (n - 1) * b + g
    return max(through, n * (max(stages) + b + g))


# (label, pp, stage_sum, stage_max, boundary, g) from pp_decompose.py (model's operating point)
CASES = [
    ("70B pp2 128/4096", 2, 57.53e-3, 29.63e-3, 42e-6, 3.18e-3),
    ("70B pp4 128/4096", 4, 60.09e-3, 16.39e-3, 42e-6, 3.52e-3),
    ("70B pp8 128/4096", 8, 61.37e-3, 9.31e-3, 42e-6, 3.69e-3),
    ("70B pp2 2048/2048", 2, 67.83e-3, 34.79e-3, 42e-6, 3.27e-3),
    ("70B pp4 2048/2048", 4, 71.52e-3, 19.27e-3, 42e-6, 3.63e-3),
    ("70B pp8 2048/2048", 8, 78.15e-3, 11.44e-3, 52e-6, 3.81e-3),
    ("70B pp8 1000/2000", 8, 83.90e-3, 12.51e-3, 72e-6, 5.20e-3),
    ("405B pp8 2048/2048", 8, 160.10e-3, 22.62e-3, 42e-6, 1.80e-3),
]

if __name__ == "__main__":
    split = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    print(f"host split before launch / after: {split:.2f} / {1 - split:.2f}")
    for label, pp, ssum, smax, b, g in CASES:
        rest = (ssum - smax) / (pp - 1)
        stages = [rest] * (pp - 1) + [smax]
        m = model_round(stages, g, b)
        s0 = pp * sim(stages, g * split, g * (1 - split), b=b)
        s1 = pp * sim(stages, g * split, g * (1 - split), b=b, rendezvous=True)
        print(
            f"{label:20s} model round {m * 1e3:7.2f} ms  sim {s0 * 1e3:7.2f} (x{s0 / m:.3f})"
            f"  sim+rendezvous {s1 * 1e3:7.2f} (x{s1 / m:.3f})"
        )
