"""s30pp: the round of ppsim2's loop against the per-hop time of the two host relay chains
(new requests 0 -> 1 -> ...; sampled tokens last -> 0 -> 1 -> ...), at the model's stage
times of the 70B 128/4096 rows. ``python3 bench/session_runs/s30pp/ppsim_hop.py``"""

from ppsim2 import CASES, model_round, sim

for hop in (0.1e-3, 0.5e-3, 1e-3, 2e-3, 4e-3):
    out = []
    for label, pp, ssum, smax, b, g in CASES[:3] + CASES[7:]:
        rest = (ssum - smax) / (pp - 1)
        stages = [rest] * (pp - 1) + [smax]
        s = pp * sim(stages, g / 2, g / 2, hop=hop, b=b, rendezvous=True)
        out.append(f"{label.split()[0]} pp{pp} x{s / model_round(stages, g, b):.3f}")
    print(f"hop {hop * 1e3:.1f} ms: " + ", ".join(out))
