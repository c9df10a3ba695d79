"""Seeded routing traces with controllable temporal stability, Zipf popularity, drift and blocks.

The process, per MoE layer:

* popularity: expert log-weights ``-zipf * log(rank)`` over a random ranking
  of the experts (Zipf's law), drifting by a Gaussian random walk of
  standard deviation ``drift`` per step;
* tokens: each of the ``tokens`` tokens of a step picks ``top_k`` distinct
  experts by sampling without replacement from the current popularity
  (Gumbel top-k);
* stability: from one step to the next each token keeps its experts, except
  that it re-routes with probability ``r``; at the first step of a diffusion
  block every token is new. ``r`` is calibrated (bisection on a simulated
  stretch of the same process) so that the mean cosine similarity of the
  count vectors of adjacent steps of a block is ``stability`` -- TIDE reports
  more than 0.95 for LLaDA2.0-mini. The achieved value is measured on the
  generated trace and stored as ``meta["stability_measured"]``.

Counts are ``[steps, layers, experts]`` with ``tokens * top_k`` assignments
per (step, layer), none above ``tokens``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.offload.instance import INITIAL_MODES, MAX_CELLS, Hardware, Instance, Model
from planner.offload.presets import Preset, preset
from planner.perfmodel.experts import (
    COPY_LATENCY_S,
    CPUS,
    LINKS,
    cpu_expert_coefficients,
    gpu_expert_coefficients,
)
from planner.perfmodel.hardware import get_gpu

#: Largest values accepted by the generator (stated in ``planner gen offload --help``); steps
#: are also capped by MAX_CELLS (why: see there).
MAX_STEPS = 16384
MAX_TOKENS = 4096
#: Steps and layers of the simulated stretch that calibrates the re-routing rate.
CALIBRATION_STEPS = 96
CALIBRATION_LAYERS = 6
CALIBRATION_ROUNDS = 18


def sample_topk(logits: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct experts per row, sampled without replacement by weight ``exp(logits)``.

    ``logits`` is ``[..., experts]``; returns ``[..., k]`` expert ids.
    """
    noisy = logits + rng.gumbel(size=logits.shape)
    return np.argpartition(-noisy, k - 1, axis=-1)[..., :k]


def adjacent_cosine(counts: np.ndarray, same_block: np.ndarray) -> float:
    """Mean cosine similarity of the count vectors of adjacent steps in the same block.

    ``counts`` is ``[steps, layers, experts]``; ``same_block[s]`` says whether
    steps ``s`` and ``s + 1`` are in one block. Pairs with an all-zero vector
    are skipped. NaN when no pair is left.
    """
    a = counts[:-1][same_block].astype(np.float64)
    b = counts[1:][same_block].astype(np.float64)
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    ok = (na > 0) & (nb > 0)
    if not ok.any():
        return float("nan")
    cos = (a * b).sum(axis=-1)[ok] / (na[ok] * nb[ok])
    return float(cos.mean())


def block_lengths(steps: int, block_steps: int) -> list[int] | None:
    """Blocks of ``block_steps`` steps covering ``steps`` (the last may be shorter); None if 0."""
    if block_steps <= 0:
        return None
    full, rest = divmod(steps, block_steps)
    return [block_steps] * full + ([rest] if rest else [])


def _base_logits(layers: int, experts: int, zipf: float, rng: np.random.Generator) -> np.ndarray:
    ranks = np.stack([rng.permutation(experts) + 1 for _ in range(layers)])
    return -zipf * np.log(ranks.astype(np.float64))


def _starts(steps: int, blocks: list[int] | None) -> np.ndarray:
    """True at the first step of the trace and of every block."""
    start = np.zeros(steps, dtype=bool)
    start[0] = True
    if blocks is not None:
        start[np.cumsum([0, *blocks[:-1]])] = True
    return start


def _simulate(
    steps: int,
    layers: int,
    experts: int,
    tokens: int,
    top_k: int,
    zipf: float,
    drift: float,
    blocks: list[int] | None,
    rate: float,
    rng: np.random.Generator,
    prefix: int = 0,
) -> np.ndarray:
    """Counts of the process with re-routing rate ``rate`` (plus the frozen prefix, if any)."""
    logits = _base_logits(layers, experts, zipf, rng)
    start = _starts(steps, blocks)
    counts = np.zeros((steps, layers, experts), dtype=np.int32)
    choice = np.zeros((layers, tokens, top_k), dtype=np.int64)
    offsets = (np.arange(layers) * experts)[:, None, None]

    def histogram(ids: np.ndarray) -> np.ndarray:
        return np.bincount((ids + offsets).ravel(), minlength=layers * experts).reshape(
            layers, experts
        )

    frozen = np.zeros((layers, experts), dtype=np.int64)
    if prefix > 0:
        frozen = histogram(sample_topk(np.repeat(logits[:, None, :], prefix, axis=1), top_k, rng))
    for s in range(steps):
        if s > 0 and drift > 0:
            logits = logits + drift * rng.standard_normal(logits.shape)
        if start[s]:
            if s > 0 and prefix > 0:
                frozen = frozen + histogram(choice)  # the finished block joins the prefix
            choice = sample_topk(np.repeat(logits[:, None, :], tokens, axis=1), top_k, rng)
        else:
            moved = rng.random((layers, tokens)) < rate
            ls, ts = np.nonzero(moved)
            if len(ls):
                choice[ls, ts] = sample_topk(logits[ls], top_k, rng)
        counts[s] = histogram(choice) + frozen
    return counts


def _crn_cosine(
    draws: np.ndarray, uniform: np.ndarray, start: np.ndarray, rate: float, experts: int
) -> float:
    """Adjacent-step cosine of the calibration stretch at re-routing ``rate``.

    Common random numbers: token ``t`` at step ``s`` holds the draw of the last
    step ``<= s`` where it re-routed, so the cosine moves smoothly with ``rate``.
    """
    steps, layers = draws.shape[:2]
    moved = (uniform < rate) | start[:, None, None]
    stamp = np.where(moved, np.arange(steps)[:, None, None], -1)
    last = np.maximum.accumulate(stamp, axis=0)  # [steps, layers, tokens]
    held = np.take_along_axis(draws, last[..., None], axis=0)  # [steps, layers, tokens, k]
    offsets = (np.arange(steps * layers) * experts).reshape(steps, layers, 1, 1)
    counts = np.bincount((held + offsets).ravel(), minlength=steps * layers * experts).reshape(
        steps, layers, experts
    )
    same = ~start[1:]
    return adjacent_cosine(counts, same)


def calibrate_rate(
    stability: float,
    *,
    experts: int,
    tokens: int,
    top_k: int,
    zipf: float,
    drift: float,
    block_steps: int,
    seed: int,
) -> tuple[float, float, float]:
    """Re-routing rate giving an adjacent-step cosine of ``stability``.

    Returns ``(rate, lowest, highest)``: the rate and the cosines reachable at
    rate 1 (every token re-routes every step) and rate 0. Raises
    ``InputError`` when ``stability`` is outside that range.
    """
    rng = np.random.default_rng([seed, 7919])
    steps = CALIBRATION_STEPS
    layers = CALIBRATION_LAYERS
    span = block_steps if block_steps > 0 else steps
    start = np.zeros(steps, dtype=bool)
    start[::span] = True
    logits = _base_logits(layers, experts, zipf, rng)
    draws = np.empty((steps, layers, tokens, top_k), dtype=np.int64)
    for s in range(steps):
        if s > 0 and drift > 0:
            logits = logits + drift * rng.standard_normal(logits.shape)
        draws[s] = sample_topk(np.repeat(logits[:, None, :], tokens, axis=1), top_k, rng)
    uniform = rng.random((steps, layers, tokens))
    highest = _crn_cosine(draws, uniform, start, 0.0, experts)
    lowest = _crn_cosine(draws, uniform, start, 1.0, experts)
    if not lowest - 1e-9 <= stability <= highest + 1e-9:
        raise InputError(
            f"--stability {stability:g}: this shape and popularity give adjacent-step cosines "
            f"from {lowest:.3f} (every token re-routes) to {highest:.3f}"
        )
    lo, hi = 0.0, 1.0  # cosine falls as the rate rises
    for _ in range(CALIBRATION_ROUNDS):
        mid = (lo + hi) / 2
        if _crn_cosine(draws, uniform, start, mid, experts) > stability:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2, lowest, highest


def generate(
    preset_name: str = "llada2-mini",
    *,
    steps: int = 32,
    seed: int = 0,
    stability: float | None = None,
    zipf: float = 0.6,
    drift: float = 0.02,
    tokens: int | None = None,
    block_steps: int | None = None,
    budget: int | None = None,
    global_budget: int | None = None,
    gpu: str = "A100",
    cpu: str = "xeon-8380",
    link: str = "pcie4",
    overlap: bool = False,
    initial: str = "empty",
    layers: int | None = None,
    prefix: int = 0,
    coefficients: dict[str, float] | None = None,
    name: str | None = None,
) -> Instance:
    """A routing trace on a preset model shape.

    Parameters
    ----------
    preset_name
        See :data:`planner.offload.presets.PRESETS`.
    steps
        Steps of the trace (denoising steps, or decode steps).
    seed
        Seed of every random draw; the same arguments give the same trace.
    stability
        Target adjacent-step cosine (preset default if None).
    zipf
        Zipf exponent of expert popularity (0 = uniform).
    drift
        Standard deviation of the per-step random walk of log-popularity.
    tokens
        Tokens per step (the block length of a diffusion model, the batch of
        an autoregressive one); preset default if None.
    block_steps
        Steps per diffusion block (0 = autoregressive); preset default if None.
    budget, global_budget
        GPU expert slots per layer or over all layers, shared experts
        included; preset's per-layer default if both are None.
    gpu, cpu, link
        GPU of the hardware catalog (``planner.perfmodel.hardware``), CPU and
        host link (:data:`planner.perfmodel.experts.CPUS`, ``LINKS``): the cost
        coefficients come from :mod:`planner.perfmodel.experts`.
    overlap
        Copies hide behind the previous layer's compute.
    initial
        ``"empty"`` or ``"first"`` (see :class:`~planner.offload.instance.Instance`).
    layers
        Use only the first ``layers`` MoE layers (smaller instances); all if None.
    prefix
        Prompt tokens recomputed at every step, as TIDE's released ``generate`` does
        (no KV cache: each forward pass runs the whole window). Their routing is frozen
        (block-causal attention: the prefix never sees the current block), and each
        finished diffusion block joins the prefix. ``stability`` then sets the
        persistence of the block's own tokens; the window's cosine (measured) is higher.
    coefficients
        Overrides of hardware fields (``gpu_call_us``, ``h2d_gb_s``...).
    name
        Instance name (default from preset, steps, stability and seed).
    """
    p: Preset = _preset(preset_name)
    _check_choice_and_name(initial, name)
    given_stability = stability
    stability = p.stability if stability is None else stability
    tokens = p.tokens if tokens is None else tokens
    block_steps = (p.block_steps if p.diffusion else 0) if block_steps is None else block_steps
    n_layers = p.layers if layers is None else layers
    _check("--steps", steps, 1, MAX_STEPS)
    _check("--tokens", tokens, 1, MAX_TOKENS)
    _check("--layers", n_layers, 1, p.layers)
    _check("--block-steps", block_steps, 0, MAX_STEPS)
    _check("--prefix", prefix, 0, MAX_TOKENS)
    for flag, value in (("--zipf", zipf), ("--drift", drift)):
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{flag}: must be a finite number >= 0, got {value}")
    if not math.isfinite(stability) or not 0 <= stability <= 1:
        raise InputError(f"--stability: must be in [0, 1], got {stability}")
    if steps * n_layers * p.experts > MAX_CELLS:
        raise InputError(
            f"--steps: {steps} steps x {n_layers} layers x {p.experts} experts is more than "
            f"{MAX_CELLS} counts"
        )
    _check_budgets(model_for(p, n_layers), budget, global_budget)
    hw = hardware_for(
        p,
        gpu=gpu,
        cpu=cpu,
        link=link,
        budget=budget,
        global_budget=global_budget,
        overlap=overlap,
        coefficients=coefficients,
    )
    try:
        rate, lowest, highest = calibrate_rate(
            stability,
            experts=p.experts,
            tokens=tokens,
            top_k=p.top_k,
            zipf=zipf,
            drift=drift,
            block_steps=block_steps,
            seed=seed,
        )
    except InputError as exc:
        if given_stability is not None:
            raise
        # the preset's stability was blamed for what --zipf (or --drift, --tokens) did:
        # `--zipf 1.5` said "--stability 0.95: ... from 0.960" to a user who gave no --stability
        raise InputError(
            f"--zipf {zipf:g} / --drift {drift:g}: the {p.name} preset's --stability "
            f"{stability:g} is out of reach ({str(exc).split(': ', 1)[1]}); give --stability "
            "in that range"
        ) from None
    blocks = block_lengths(steps, block_steps)
    rng = np.random.default_rng(seed)
    counts = _simulate(
        steps, n_layers, p.experts, tokens, p.top_k, zipf, drift, blocks, rate, rng, prefix
    )
    same = ~_starts(steps, blocks)[1:]
    measured = adjacent_cosine(counts, same) if same.any() else float("nan")
    model = model_for(p, n_layers)
    default_name = f"{p.name}_s{steps}_stab{stability:g}_z{zipf:g}_d{drift:g}_seed{seed}"
    if prefix:
        default_name += f"_p{prefix}"
    return Instance(
        name=name or default_name,
        model=model,
        hardware=hw,
        counts=counts,
        blocks=None if blocks is None else tuple(blocks),
        initial=initial,
        meta={
            "generator": "planner.offload.generate",
            "preset": p.name,
            "preset_source": p.source,
            "seed": seed,
            "tokens": tokens,
            "prefix": prefix,
            "stability": stability,
            "stability_measured": round(measured, 4) if math.isfinite(measured) else None,
            "stability_range": [round(lowest, 4), round(highest, 4)],
            "reroute_rate": round(rate, 6),
            "zipf": zipf,
            "drift": drift,
        },
    )


def hardware_for(
    p: Preset,
    *,
    gpu: str,
    cpu: str,
    link: str,
    budget: int | None,
    global_budget: int | None,
    overlap: bool,
    coefficients: dict[str, float | None] | None,
) -> Hardware:
    """Hardware of a trace: the preset expert's call and copy coefficients on ``gpu``,
    ``cpu`` and ``link`` (:mod:`planner.perfmodel.experts`), then ``coefficients`` overrides."""
    try:
        gpu_spec = get_gpu(gpu)
    except InputError as exc:  # "unknown GPU 'x'" named no flag (s30bad)
        raise InputError(f"--gpu: {exc}") from None
    if cpu not in CPUS:
        raise InputError(f"--cpu: unknown {cpu!r}; known: {', '.join(CPUS)}")
    if link not in LINKS:
        raise InputError(f"--link: unknown {link!r}; known: {', '.join(LINKS)}")
    if budget is None and global_budget is None:
        budget = p.budget
    gpu_tok, gpu_call = gpu_expert_coefficients(gpu_spec, p.hidden, p.moe_intermediate)
    cpu_tok, cpu_call = cpu_expert_coefficients(CPUS[cpu], p.hidden, p.moe_intermediate)
    host = LINKS[link]
    fields: dict[str, Any] = {
        "h2d_gb_s": host.bytes_per_s / 1e9,
        "copy_latency_us": COPY_LATENCY_S * 1e6,
        "gpu_token_us": gpu_tok * 1e6,
        "gpu_call_us": gpu_call * 1e6,
        "cpu_token_us": cpu_tok * 1e6,
        "cpu_call_us": cpu_call * 1e6,
        "budget": budget,
        "global_budget": global_budget,
        "overlap": overlap,
        "source": f"{gpu_spec.name} + {CPUS[cpu].name} + {host.name} (planner.perfmodel.experts)",
    }
    for key, value in (coefficients or {}).items():
        if key not in fields:
            raise InputError(f"unknown hardware field {key!r}")
        if value is not None:
            fields[key] = value
    try:
        return Hardware(**fields)
    except InputError as exc:
        # an override was refused under its JSON field: `gen offload --h2d-gb-s 0` said
        # "field 'hardware.h2d_gb_s': must be > 0" to a user who typed the flag
        for key, value in (coefficients or {}).items():
            prefix = f"field 'hardware.{key}': "
            if value is not None and str(exc).startswith(prefix):
                raise InputError(f"{validate.arg(key)}: {str(exc)[len(prefix) :]}") from None
        raise


def model_for(p: Preset, layers: int | None = None) -> Model:
    """The :class:`Model` of a preset (its first ``layers`` MoE layers)."""
    return Model(
        name=p.name,
        layers=p.layers if layers is None else layers,
        experts=p.experts,
        top_k=p.top_k,
        shared_experts=p.shared_experts,
        expert_bytes=p.expert_bytes,
    )


def wrap_counts(
    path: Any,
    preset_name: str,
    *,
    block_steps: int | None = None,
    budget: int | None = None,
    global_budget: int | None = None,
    gpu: str = "A100",
    cpu: str = "xeon-8380",
    link: str = "pcie4",
    overlap: bool = False,
    initial: str = "empty",
    coefficients: dict[str, float | None] | None = None,
    name: str | None = None,
) -> Instance:
    """A recorded ``.npy`` trace ``[steps, layers, experts]`` with a preset's model and hardware.

    The array's shape must match the preset (all its MoE layers).
    """
    from pathlib import Path

    from planner.offload.readers import load_npy

    path = Path(path)
    counts = load_npy(path, "--counts ")
    p = _preset(preset_name)
    _check_choice_and_name(initial, name)
    steps = int(counts.shape[0]) if counts.ndim >= 1 else 0
    block_steps = (p.block_steps if p.diffusion else 0) if block_steps is None else block_steps
    _check("--block-steps", block_steps, 0, MAX_STEPS)
    _check_budgets(model_for(p), budget, global_budget)
    blocks = block_lengths(steps, block_steps) if steps else None
    try:
        return Instance(
            name=name or path.stem,
            model=model_for(p),
            hardware=hardware_for(
                p,
                gpu=gpu,
                cpu=cpu,
                link=link,
                budget=budget,
                global_budget=global_budget,
                overlap=overlap,
                coefficients=coefficients,
            ),
            counts=counts,
            blocks=None if blocks is None else tuple(blocks),
            initial=initial,
            meta={"source": str(path.name), "preset": p.name},
        )
    except InputError as exc:
        if "field 'counts'" not in str(exc):
            raise
        raise InputError(f"--counts {path}: {exc}") from None  # say which file has that shape


def _preset(name: str) -> Preset:
    """:func:`~planner.offload.presets.preset`, named by its flag (s30bad: "unknown offload
    preset 'x'" said no flag)."""
    try:
        return preset(name)
    except InputError as exc:
        raise InputError(f"--preset: {exc}") from None


def _check_choice_and_name(initial: str, name: str | None) -> None:
    """``--initial`` and ``--name`` by their flags: an unknown ``--initial`` was named as the
    instance's JSON field, and ``--name ''`` gave the trace the default name (s30bad)."""
    if initial not in INITIAL_MODES:
        raise InputError(f"--initial: must be one of {', '.join(INITIAL_MODES)}, got {initial!r}")
    if name is not None and not name.strip():
        raise InputError("--name: is empty; give a name or leave the flag out")


def _check_budgets(model: Model, budget: int | None, global_budget: int | None) -> None:
    """``--budget`` / ``--global-budget`` against the model's slots, named by their flags.

    The instance checks them too, but named ``field 'hardware.budget'`` (the JSON field):
    ``gen offload --budget 0`` said so to a user who typed a flag.
    """
    if budget is not None and global_budget is not None:
        raise InputError("--budget and --global-budget: give one (slots per layer or over all)")
    slots = model.experts + model.shared_experts
    if budget is not None:
        # from the shared experts (always resident) to every slot, as the instance checks
        _check("--budget", budget, model.shared_experts, slots)
    if global_budget is not None:
        low = model.shared_experts * model.layers
        _check("--global-budget", global_budget, low, slots * model.layers)


def _check(flag: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"{flag}: must be an integer in {lo}..{hi}, got {value!r}")
