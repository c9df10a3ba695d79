"""Terms of a serving engine beyond one GPU's kernels: pipelines, paged KV, prefix caching,
speculative decoding. Each is written once here and used by :mod:`planner.perfmodel.stage`
(the serving step) and by the serving family.

Pipeline parallelism (:func:`pipeline_round`). A replica of ``pp`` stages keeps ``pp``
micro-batches in flight (vLLM's virtual engines, TensorRT-LLM's micro-batches); every
micro-batch advances one iteration per *round*. With ``S`` the per-micro-batch time summed
over stages, ``U`` the largest stage's time, ``c`` one boundary send/receive and ``h`` the host
work of one micro-batch iteration (scheduling, sampling, launches: one host thread serves
every micro-batch in turn), the round lasts

``max(S + (pp - 1) c + h,  pp * max(U + c, h))``

i.e. a micro-batch cannot start its next iteration before its tokens came out of the last
stage, and each stage (and the host) serves ``pp`` micro-batches per round. An engine whose
pipeline loop blocks each stage's host on its own GPU work (TensorRT-LLM 1.0-1.1's PyTorch
backend, :func:`~planner.perfmodel.engines.pipeline_host_s`) adds ``g``, the host work every
stage does per micro-batch, in series: ``max(S + (pp - 1) c + h + g, pp * max(U + c + g, h))``. Stages are
unequal: the LM head sits on the last one and ``ceil(L / pp)`` layers on the largest, so
``pp U > S`` -- the steady-state bubble of an unbalanced pipeline; ``pp h`` is the bubble a
small batch sees when host work exceeds a stage's GPU time. With ``pp = 1`` the round is
``S + h``.

Paged KV cache (:func:`paged_overhead_tokens`). Blocks of ``block`` tokens are allocated
whole: a sequence holds ``ceil(n / block)`` blocks, on average ``(block - 1) / 2`` tokens
more than it uses (uniform last-block fill).

Prefix caching (:func:`prefix_cached_work`). With a fraction ``hit`` of a prompt's tokens
found in the cache (shared system prompts, multi-turn chats), prefill computes only the
``(1 - hit) p`` new tokens, each attending to every earlier key: the causal attention work
falls from ``p (p + 1) / 2`` to that minus ``hp (hp + 1) / 2``. Cached blocks are shared
between requests; the model still counts each request's full context in the KV cache (a
conservative choice: the saving depends on how many requests share a prefix at once).

Speculative decoding (:func:`expected_accepted_tokens`). A drafter proposes ``k`` tokens,
the target verifies them in one forward pass of ``k + 1`` positions per sequence; with an
i.i.d. per-token acceptance rate ``a`` the expected tokens emitted per verification step are
``(1 - a^(k+1)) / (1 - a)`` (Leviathan, Kalman and Matias, "Fast Inference from Transformers
via Speculative Decoding", ICML 2023, eq. 1). The drafter is a small model run ``k`` times
(draft model) or one extra decoder layer plus the LM head run ``k`` times (EAGLE heads,
DeepSeek-V3's multi-token-prediction module); :class:`~planner.perfmodel.stage.EngineModel`
prices both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from planner.core.errors import InputError

if TYPE_CHECKING:
    from planner.perfmodel.model_spec import ModelSpec

#: Drafting methods: a separate small model, or a head on the target's hidden states.
SPECULATIVE_METHODS = ("draft", "eagle", "mtp")


def pipeline_round(
    stage_sum: float | np.ndarray,
    stage_max: float | np.ndarray,
    boundary: float | np.ndarray,
    host: float,
    pp: int,
    stage_host: float | np.ndarray = 0.0,
) -> float | np.ndarray:
    """Seconds of one round of ``pp`` in-flight micro-batches (see the module notes).

    Parameters
    ----------
    stage_sum, stage_max
        GPU time of one micro-batch summed over the stages, and on the largest stage.
    boundary
        One stage-to-stage send/receive of a micro-batch's activations.
    host
        Host work of one micro-batch iteration.
    pp
        Pipeline stages (micro-batches in flight).
    stage_host
        Host work each stage does per micro-batch in series with its GPU work (a blocking
        pipeline loop; 0 when the engine overlaps it).
    """
    if pp <= 1:
        return stage_sum + host
    through = stage_sum + (pp - 1) * boundary + host + stage_host
    busiest = pp * np.maximum(stage_max + boundary + stage_host, host)
    return np.maximum(through, busiest)


def paged_overhead_tokens(block: int) -> float:
    """Mean tokens a sequence's last, partly filled KV block wastes."""
    if block < 1:
        raise InputError(f"kv block size must be a positive number of tokens, got {block!r}")
    return (block - 1) / 2.0


def prefix_cached_work(
    prompt: float | np.ndarray, hit: float, model: ModelSpec | None = None
) -> tuple:
    """(prompt tokens to compute, causal attention work in keys) with a prefix-cache ``hit``
    rate; with ``model``, a windowed layer's queries attend at most its window
    (:meth:`~planner.perfmodel.model_spec.ModelSpec.causal_attention_keys`)."""
    p = np.asarray(prompt, dtype=float)
    cached = np.floor(hit * p)
    new = p - cached
    if model is not None and model.sliding_window:
        return new, model.causal_attention_keys(cached, p)
    work = p * (p + 1) / 2 - cached * (cached + 1) / 2
    return new, work


def check_fraction(value: float, what: str) -> float:
    """``value`` as a float in [0, 1], or :class:`InputError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{what} must be a number in [0, 1], got {value!r}")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        shown = f"{value + 0.0:g}" if math.isfinite(value) else str(value)
        raise InputError(f"{what} must lie in [0, 1], got {shown}")
    return float(value)


def expected_accepted_tokens(acceptance: float, k: int) -> float:
    """Expected tokens per verification step: ``(1 - a^(k+1)) / (1 - a)`` (``k + 1`` at a = 1)."""
    a = check_fraction(acceptance, "speculative acceptance rate")
    if a >= 1.0:
        return float(k + 1)
    return (1.0 - a ** (k + 1)) / (1.0 - a)


def accepted_tokens_variance(acceptance: float, k: int) -> float:
    """Variance of the tokens per verification step.

    A step emits ``n`` tokens, ``1 <= n <= k + 1``, each draft token accepted with
    probability ``a`` until the first rejection: ``P(n > m) = a^m`` for ``m <= k``, so
    ``E[n^2] = sum_{m=1}^{k+1} (2 m - 1) a^(m-1)``.
    """
    a = check_fraction(acceptance, "speculative acceptance rate")
    second = sum((2 * m - 1) * a ** (m - 1) for m in range(1, k + 2))
    mean = expected_accepted_tokens(a, k)
    return max(0.0, second - mean * mean)


def steps_for_tokens(
    acceptance: float, k: int, tokens: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the verification steps that emit ``tokens`` decode tokens.

    A step emits ``n`` tokens (:func:`accepted_tokens_variance`: ``P(n > m) = a^m``,
    ``m <= k``) and the last step's surplus is dropped, so the steps ``N(D)`` that emit
    ``D`` tokens satisfy ``N(D) = 1 + N(D - n)`` with ``N(D <= 0) = 0``: the first two
    moments by that recursion, exact for integer ``D`` and linear in between. A short
    request draws whole steps: ``N(1) = 1`` where the renewal mean ``D / E[n]`` is 0.4
    (k 3, a 0.7).

    Parameters
    ----------
    acceptance, k
        Per-token acceptance rate and draft tokens per step.
    tokens
        Decode tokens per request (any shape; values below 0 count as 0).

    Returns
    -------
    tuple of numpy.ndarray
        ``E[N(D)]`` and ``Var N(D)``, shaped like ``tokens``.
    """
    a = check_fraction(acceptance, "speculative acceptance rate")
    d = np.maximum(0.0, np.asarray(tokens, dtype=float))
    top = math.ceil(float(d.max(initial=0.0))) + 1
    # P(n = m), m = 1..k+1: rejected after m - 1 accepted drafts, or all k accepted
    pn = np.array([a ** (m - 1) * (1.0 - a) for m in range(1, k + 1)] + [a**k])
    m1, m2 = np.zeros(top + 1), np.zeros(top + 1)
    for t in range(1, top + 1):
        back = np.maximum(t - np.arange(1, k + 2), 0)  # N(x <= 0) = 0: index 0 holds 0
        e1 = float(pn @ m1[back])
        m1[t] = 1.0 + e1
        m2[t] = 1.0 + 2.0 * e1 + float(pn @ m2[back])
    grid = np.arange(top + 1, dtype=float)
    mean = np.interp(d, grid, m1)
    var = np.maximum(0.0, np.interp(d, grid, m2 - m1 * m1))
    return mean, var


@dataclass(frozen=True)
class Speculative:
    """Speculative decoding settings of an engine.

    Attributes
    ----------
    method
        ``draft`` (a separate small model), ``eagle`` or ``mtp`` (a head of one decoder layer
        plus the LM head on the target's hidden states).
    tokens
        Tokens proposed per step (``k``).
    acceptance
        Per-token acceptance rate in [0, 1] (measured on the workload; EAGLE and MTP papers
        report 0.6-0.9 on chat data).
    draft_model
        ``draft``: catalog name or config path of the draft model (its step times are
        modelled). ``eagle``: Hugging Face id or path of the EAGLE head, used only by the
        launch commands (the head's cost is modelled as one decoder layer). Not with ``mtp``
        (the target's own layers).
    """

    method: str = "eagle"
    tokens: int = 3
    acceptance: float = 0.7
    draft_model: str | None = None

    def __post_init__(self) -> None:
        if self.method not in SPECULATIVE_METHODS:
            raise InputError(
                f"speculative method must be one of {', '.join(SPECULATIVE_METHODS)}, "
                f"got {self.method!r}"
            )
        if isinstance(self.tokens, bool) or not isinstance(self.tokens, int) or self.tokens < 1:
            raise InputError(f"speculative tokens must be a positive integer, got {self.tokens!r}")
        check_fraction(self.acceptance, "speculative acceptance rate")
        if self.method == "draft" and not self.draft_model:
            raise InputError("speculative method 'draft' needs a draft model")
        if self.method == "mtp" and self.draft_model:
            raise InputError(
                "speculative method 'mtp' uses the model's own MTP layers: no draft model"
            )

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens emitted per verification step."""
        return expected_accepted_tokens(self.acceptance, self.tokens)

    @property
    def tokens_per_step_variance(self) -> float:
        """Variance of the tokens emitted per verification step."""
        return accepted_tokens_variance(self.acceptance, self.tokens)

    def steps_for_tokens(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the steps that emit ``tokens`` tokens
        (:func:`steps_for_tokens`)."""
        return steps_for_tokens(self.acceptance, self.tokens, tokens)

    def label(self) -> str:
        """``eagle k=3 a=0.7``."""
        return f"{self.method} k={self.tokens} a={self.acceptance:g}"


__all__ = [
    "SPECULATIVE_METHODS",
    "Speculative",
    "check_fraction",
    "expected_accepted_tokens",
    "paged_overhead_tokens",
    "pipeline_round",
    "prefix_cached_work",
    "steps_for_tokens",
]
