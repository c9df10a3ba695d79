"""The numbers the new tests pin, on a checkout (``PYTHONPATH=<checkout> python old_vs_new.py``):
run on main they show what the tests reject (126.0 band, Scout's chunks as a sliding window,
no chunk freeing, P/D servers sized as colocated ones)."""

from __future__ import annotations

from planner.perfmodel.engines import frees_windowed_kv, parse_engine
from planner.perfmodel.readers import load_model

OSS = load_model("gpt-oss-120b")
SCOUT = load_model("llama-4-scout")


def loop_keys(start: int, end: int, window: int, chunked: bool) -> float:
    if chunked:
        return sum((c - 1) % window + 1 for c in range(start + 1, end + 1))
    return sum(min(c, window) for c in range(start + 1, end + 1))


def main() -> None:
    share = OSS.causal_window_share(4096)
    band = (share * OSS.layers - OSS.full_attention_layers) / (OSS.layers - 18) * 2048
    print(
        f"gpt-oss-120b train band at 4096: {band!r} (loop: {loop_keys(0, 4096, 128, False) / 4096!r})"
    )
    f = SCOUT.full_attention_layers / SCOUT.layers
    full = (17000 * 17001 - 9000 * 9001) / 2
    want = f * full + (1 - f) * loop_keys(9000, 17000, 8192, True)
    got = float(SCOUT.causal_attention_keys(9000, 17000))
    print(f"scout prefill keys 9000..17000: {got!r} (loop: {want!r})")
    keys = getattr(SCOUT, "attention_keys", SCOUT.attention_span)  # main: the window's span
    loop = f * 12000 + (1 - f) * ((12000 - 1) % 8192 + 1)
    print(f"scout decode keys at 12000: {float(keys(12000.0))!r} (loop: {loop!r})")
    print("vllm frees scout chunks:", frees_windowed_kv(parse_engine("vllm"), SCOUT))
    e = parse_engine("vllm:0.10.1")
    if hasattr(e, "for_role"):
        e = e.for_role("decode")
    print("vllm 0.10.1 decode server frees gpt-oss windows:", frees_windowed_kv(e, OSS))


if __name__ == "__main__":
    main()
