"""Event simulation of TensorRT-LLM 1.0's blocking PyTorch-backend PP loop (s19pcie): per rank
and iteration, the new-request relay (blocking receive from the previous rank), host work,
this stage's forward (waiting for the previous stage's activations) and, on ranks other than
the last, a host wait for it (``sampler_event.synchronize()``), then the token relay last ->
0 -> 1 -> ... (blocking receives) and the rest of the host work. Prints the round against the
ideal ``pp`` x stage time: the round comes out ``pp (U + g)``.

    python3 bench/session_runs/s19pcie/ppsim.py
"""


def sim(n, stage, hpre, hpost, hop=100e-6, b=200e-6, iters=600):
    t = [0.0] * n
    gpu = [0.0] * n
    newreq = {}
    act = {}
    tok = {}
    samp = {}
    mid = [0.0] * n
    hist = []
    for j in range(iters):
        for r in range(n):  # phase A: fetch chain, schedule/launch, GPU, sync
            tt = t[r]
            if r > 0:
                tt = max(tt, newreq[(r, j)])
            if r < n - 1:
                newreq[(r + 1, j)] = tt + hop
            tt += hpre
            start = max(tt, gpu[r], act[(r - 1, j)] if r > 0 else 0.0)
            end = start + stage
            gpu[r] = end
            act[(r, j)] = end + b
            if r < n - 1:
                tt = end
            else:
                samp[j] = end
            mid[r] = tt
        order = [n - 1, *range(n - 1)]
        for r in order:  # phase B: token chain, update
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


if __name__ == "__main__":
    T1 = 0.0567
    for n in (2, 4, 8):
        stage = T1 / n
        for H in (0.0, 1e-3, 2e-3, 5e-3, 10e-3):
            p = sim(n, stage, H * 0.5, H * 0.5)
            print(
                n,
                f"H={H * 1e3:.0f}ms period={p * 1e3:.2f} round={n * p * 1e3:.1f} vs ideal {T1 * 1e3:.1f}: x{n * p / T1:.2f}",
            )
