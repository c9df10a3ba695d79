"""Seeded batches: sampled from a corpus's length list, or from long-tail distributions.

* :func:`sample` draws a global batch from a file of document lengths (one
  per line, e.g. the 1M Wikipedia lengths FlexSP used). Documents longer than
  the maximum context length are dropped, as FlexSP's data loader does
  (``over="truncate"`` cuts them to the maximum instead).
* :func:`synthetic` draws from a lognormal or a Pareto distribution. The two
  named mixes are stand-ins with a longer tail than Wikipedia, for stress
  tests in the spirit of FlexSP's CommonCrawl and GitHub runs; they are not
  fitted to those corpora: ``commoncrawl`` is lognormal with median 700 tokens
  and σ = 1.3 (mean ≈ 1,630, p99 ≈ 14,300); ``github`` is Pareto with minimum
  250 tokens and α = 1.05 (p99 ≈ 20,000, a much heavier tail).

Without a model, instances use the FlexSP 7B preset on the given GPUs; any
other model name is derived from perfmodel on ``--gpu`` (H100 by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.core.io import read_text
from planner.core.validate import MAX_COUNT
from planner.core.validate import count as check_count
from planner.seqpar.costmodel import STRATEGIES, AnyCost, Cluster
from planner.seqpar.instance import Instance
from planner.seqpar.presets import DEFAULT_PRESET, PRESETS, find_preset

#: Named synthetic mixes: (distribution, parameters).
MIXES: dict[str, tuple[str, dict[str, float]]] = {
    "commoncrawl": ("lognormal", {"median": 700.0, "sigma": 1.3}),
    "github": ("pareto", {"minimum": 250.0, "alpha": 1.05}),
}

#: GPU of models derived from perfmodel when none is named.
DEFAULT_GPU = "H100"
#: Largest settings the generators accept: every method returns within ``-t 2`` (+1 s) there
#: (bench/time_limits.py). A batch of 1,000,000 was tried and dropped: setting up its cost
#: matrix and certifying the plan (O(n) Python in ``verify``/``evaluate``) alone took ~4 s on
#: a loaded 2-core machine, more than a 2 s limit leaves.
MAX_BATCH = 131_072
MAX_GPUS = 65_536
#: Largest document length a ``--lengths`` file may give: 64-bit token counts.
MAX_LENGTH = int(np.iinfo(np.int64).max)


def read_lengths(path: str | Path) -> np.ndarray:
    """Document lengths from a text file, one positive integer per line (blank lines skipped;
    a gzip-compressed file is read decompressed)."""
    text = read_text(path)
    values = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        item = line.strip()
        if not item:
            continue
        try:
            v = int(item)
        except ValueError:
            raise InputError(f"{path}:{lineno}: {item[:30]!r} is not an integer length") from None
        if v <= 0:
            raise InputError(f"{path}:{lineno}: length {v} is not positive")
        if v > MAX_LENGTH:  # np.asarray(int64) raised OverflowError: exit 1, a traceback
            shown = item if len(item) <= 30 else item[:30] + "..."
            raise InputError(f"{path}:{lineno}: length {shown} is above {MAX_LENGTH:,}")
        values.append(v)
    if not values:
        raise InputError(f"{path}: no lengths")
    return np.asarray(values, dtype=np.int64)


def eligible(pool: np.ndarray, max_len: int, over: str) -> np.ndarray:
    """The pool after applying the maximum context length (drop or truncate longer documents)."""
    if over == "drop":
        kept = pool[pool <= max_len]
    elif over == "truncate":
        kept = np.minimum(pool, max_len)
    else:
        raise InputError(f"{validate.arg('over')}: expected drop or truncate, got {over!r}")
    if kept.size == 0:
        raise InputError(f"{validate.arg('max_len')}: no document of at most {max_len} tokens")
    return kept


def make_cluster_cost(
    gpus: int,
    model: str | None = None,
    gpus_per_node: int | None = None,
    *,
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
) -> tuple[Cluster, AnyCost, str]:
    """Cluster and cost model for ``--gpus``, ``--model`` (and ``--gpu``, ``--strategies``).

    A FlexSP preset (``flexsp-7b``...) gives its published constants on its
    A100 nodes; any other name is a model perfmodel knows (catalog name or
    ``config.json``), derived on ``gpu`` (default :data:`DEFAULT_GPU`) by
    :func:`planner.seqpar.derive.derive`.
    """
    if isinstance(gpus, bool) or not isinstance(gpus, int) or not 1 <= gpus <= MAX_GPUS:
        raise InputError(f"{validate.arg('gpus')}: expected 1..{MAX_GPUS}, got {gpus!r}")
    if gpus_per_node is not None:  # 0 divided the GPU count below
        check_count(gpus_per_node, validate.arg("gpus_per_node"), high=MAX_GPUS)
    preset = find_preset(model or DEFAULT_PRESET)
    if preset is None:
        from planner.seqpar.derive import derive

        try:
            cluster, cost = derive(
                str(model),
                gpu or DEFAULT_GPU,
                gpus,
                gpus_per_node=gpus_per_node,
                strategies=tuple(strategies) if strategies else STRATEGIES,
            )
        except InputError as exc:
            if str(exc).startswith("unknown model"):
                raise InputError(
                    f"{validate.arg('model')}: {model!r} is neither a FlexSP preset ({', '.join(PRESETS)}) "
                    f"nor a model perfmodel knows ({exc})"
                ) from None
            raise
        return cluster, cost, cost.name
    if gpu is not None:  # was ignored: a preset's constants were measured on its own GPUs
        raise InputError(
            f"{validate.arg('gpu')} {gpu}: FlexSP preset {preset.name} has its own published constants; "
            f"{validate.arg('gpu')} applies to a model derived from perfmodel "
            f"(e.g. {validate.arg('model')} llama-3.1-8b)"
        )
    if strategies is not None and list(strategies) != ["ulysses"]:
        # was ignored (even an unknown name): a preset's published costs are all-to-all only
        raise InputError(
            f"{validate.arg('strategies')} {','.join(strategies) or repr('')}: FlexSP preset {preset.name} "
            f"models Ulysses (all-to-all) groups only; {validate.arg('strategies')} applies to a "
            f"model derived from perfmodel (e.g. {validate.arg('model')} llama-3.1-8b)"
        )
    gpn = preset.gpus_per_node if gpus_per_node is None else gpus_per_node
    if gpus % gpn:
        raise InputError(f"{validate.arg('gpus')}: {gpus} is not a multiple of the node size {gpn}")
    try:
        cluster = Cluster(gpus=gpus, gpus_per_node=gpn, memory_mb=preset.memory_mb)
    except InputError as exc:
        raise InputError(f"{validate.arg('gpus_per_node')}: {exc}") from None
    return cluster, preset.cost(), preset.name


def check_options(batch: int, max_len: int, count: int, over: str = "drop") -> None:
    """``InputError`` naming ``--over``, ``--batch``, ``--max-len`` or ``--count`` when out of range."""
    if over not in ("drop", "truncate"):
        raise InputError(f"{validate.arg('over')}: expected drop or truncate, got {over!r}")
    if not 1 <= batch <= MAX_BATCH:
        raise InputError(f"{validate.arg('batch')}: expected 1..{MAX_BATCH}, got {batch}")
    if max_len < 1:
        raise InputError(f"{validate.arg('max_len')}: must be positive, got {max_len}")
    check_count(count, validate.arg("count"), high=MAX_COUNT)


def sample(
    pool: np.ndarray,
    *,
    batch: int,
    max_len: int,
    gpus: int,
    model: str | None = None,
    gpus_per_node: int | None = None,
    count: int = 1,
    seed: int = 0,
    over: str = "drop",
    prefix: str = "batch",
    source: str = "",
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
) -> list[Instance]:
    """``count`` global batches of ``batch`` documents drawn uniformly (with replacement) from ``pool``.

    Instances are named ``{prefix}{batch}_g{gpus}_s{seed}`` (``_{k}`` appended
    when ``count > 1``); ``meta`` records seed, source and generator.
    """
    check_options(batch, max_len, count, over)
    cluster, cost, preset = make_cluster_cost(
        gpus, model, gpus_per_node, gpu=gpu, strategies=strategies
    )
    kept = eligible(np.asarray(pool, dtype=np.int64), max_len, over)
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        lengths = rng.choice(kept, size=batch, replace=True)
        name = f"{prefix}{batch}_g{gpus}_s{seed}" + (f"_{k + 1}" if count > 1 else "")
        out.append(
            Instance(
                name,
                lengths.tolist(),
                cluster,
                cost,
                max_len=max_len,
                meta={
                    "model": preset,
                    "seed": seed,
                    "generator": f"sample ({over} > max_len)",
                    "source": source,
                },
            )
        )
    return out


def draw(mix: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """Raw lengths of a named mix (before the maximum context length)."""
    if mix not in MIXES:
        raise InputError(f"{validate.arg('mix')}: unknown mix {mix!r}; known: {', '.join(MIXES)}")
    kind, p = MIXES[mix]
    if kind == "lognormal":
        x = rng.lognormal(math.log(p["median"]), p["sigma"], size=size)
    else:
        x = p["minimum"] * (1.0 + rng.pareto(p["alpha"], size=size))
    return np.maximum(1, np.round(x)).astype(np.int64)


#: Most documents a batch of a mix may need drawn on average before ``--max-len`` keeps
#: ``--batch`` of them: ``batch / P(length <= max_len)``. 5e7 Pareto draws take about a
#: second; a lower acceptance rate only means a --max-len (almost) below the mix's lengths.
MAX_EXPECTED_DRAWS = 5e7


def keep_probability(mix: str, max_len: int) -> float:
    """Share of a mix's documents that ``--over drop`` keeps: ``P(round(x) <= max_len)``.

    ``draw`` rounds to the nearest integer, so a draw is kept when ``x < max_len + 0.5``.
    """
    if mix not in MIXES:
        raise InputError(f"{validate.arg('mix')}: unknown mix {mix!r}; known: {', '.join(MIXES)}")
    kind, p = MIXES[mix]
    cut = max_len + 0.5
    if kind == "lognormal":
        z = (math.log(cut) - math.log(p["median"])) / (p["sigma"] * math.sqrt(2.0))
        return 0.5 * math.erfc(-z)
    # x = minimum * (1 + Pareto(alpha)): P(x <= c) = 1 - (minimum / c)^alpha for c >= minimum
    return 0.0 if cut <= p["minimum"] else 1.0 - (p["minimum"] / cut) ** p["alpha"]


def check_keeps_enough(mix: str, batch: int, max_len: int) -> None:
    """``InputError`` naming ``--max-len`` when dropping longer documents leaves (almost) none.

    Without it the rejection loop of :func:`synthetic` never ended (``--mix github
    --max-len 10``: every draw is at least 250 tokens).
    """
    keep = keep_probability(mix, max_len)
    if keep <= 0.0 or batch / keep > MAX_EXPECTED_DRAWS:
        raise InputError(
            f"{validate.arg('max_len')}: {max_len} tokens keeps {keep:.2g} of the {mix} mix's documents "
            f"(too few to sample a batch of {batch}); raise it or pass --over truncate"
        )


def synthetic(
    mix: str,
    *,
    batch: int,
    max_len: int,
    gpus: int,
    model: str | None = None,
    gpus_per_node: int | None = None,
    count: int = 1,
    seed: int = 0,
    over: str = "drop",
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
) -> list[Instance]:
    """``count`` batches from a named long-tail mix (``commoncrawl`` or ``github``)."""
    check_options(batch, max_len, count, over)
    cluster, cost, preset = make_cluster_cost(
        gpus, model, gpus_per_node, gpu=gpu, strategies=strategies
    )
    if over == "drop":
        check_keeps_enough(mix, batch, max_len)
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        got = np.empty(0, np.int64)
        while got.size < batch:
            raw = draw(mix, 2 * batch, rng)
            got = np.concatenate(
                [got, raw[raw <= max_len] if over == "drop" else np.minimum(raw, max_len)]
            )
        lengths = got[:batch]
        name = f"{mix}{batch}_g{gpus}_s{seed}" + (f"_{k + 1}" if count > 1 else "")
        out.append(
            Instance(
                name,
                lengths.tolist(),
                cluster,
                cost,
                max_len=max_len,
                meta={"model": preset, "seed": seed, "generator": f"{mix} ({MIXES[mix][0]})"},
            )
        )
    return out
