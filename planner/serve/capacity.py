"""Batching + queueing model of one replica: SLO metrics at a load, and capacity.

Roles (DistServe-style disaggregation is optional):

``both``
    One engine does prefill and decode with continuous batching and chunked
    prefill (Sarathi-Serve, vLLM V1, TensorRT-LLM): every iteration advances
    all ``B`` running sequences by one token and, when prompts are waiting,
    carries up to ``C`` prompt tokens (several short prompts share a chunk).
``prefill``
    Prefill only (``B = 0``, chunks of ``PREFILL_CHUNK_TOKENS``); TTFT also
    counts shipping the prompt's KV cache to a decode replica over the NIC.
``decode``
    Decode only: ``TPOT = t(B)``, no interference.

Prefill is a *token server*. ``C`` is the prompt tokens of a full iteration: the chunk
(the engine's token budget ``N``) for SGLang and vLLM V0, ``N - q B`` for engines whose
budget counts the decode tokens (vLLM V1, TensorRT-LLM; ``q`` verified positions per
sequence, :func:`~planner.perfmodel.engines.decodes_in_budget`, :meth:`RoleModel.chunk_at`).
With ``t0 = t(B)`` the decode-only iteration
and ``t(B + C)`` a full-chunk iteration, a prefill token costs
``kappa = (t(B + C) - t0) / C`` on top of the iteration it rides in, so a
prompt of ``p`` tokens adds ``x(p) = kappa p + attn(p)`` (FlashAttention of
the causal prompt) and keeps the server busy for ``S(p) = p t0 / C + x(p)``.
With arrival rate ``lam``, ``D = O - 1`` decode iterations per request and
``xbar = E[x(p)]``:

* time balance: iterations run at rate ``(1 - lam xbar) / t0``, so the mean
  iteration time is ``T = t0 / (1 - lam xbar)``; Little's law on the decode
  batch, ``B = lam E[D] T``, gives the rate as a function of the batch,
  ``lam(B) = B / (E[D] t0 + B xbar)`` (the model is parametrized by ``B``);
* a fraction ``p_c = lam E[p] T / C`` of iterations carries a chunk (< 1, or
  prefill cannot keep up: ``B < E[D] C / E[p]``), each ``delta = C xbar /
  E[p]`` longer than ``t0``;
* TTFT at the percentile: quantile of the FCFS response of the prefill
  queue, waiting time (GI/G/1 with service ``S``, exponential tail,
  :mod:`planner.serve.queueing`) plus the prompt's own prefill
  ``max(1, p/C) t0 + x(p)`` (independent under FCFS, so the quantile is of
  the mixture, not a sum of quantiles), plus the iteration in progress at
  arrival (``t0 + p_c delta``);
* TPOT at the percentile: binomial number of chunk iterations among a
  request's ``D`` iterations (:func:`~planner.serve.queueing.tpot_quantile`);
* KV cache at the percentile: M/G/inf compound-Poisson total of the tokens
  of running sequences (plus prompts in prefill) must fit the engine's cache;
  offline (no rate, no SLO) only the mean must fit.

Multi-step scheduling (vLLM ``--num-scheduler-steps k``, :func:`multi_step_wait`): the
engine schedules once per round of ``k`` decode steps, so a prompt also waits for the rest
of the round in progress, on average ``(k - 1) t0 / 2`` more, added to the residual of the
iteration in progress (``k = 1``: nothing changes). AMD's MLPerf Inference v5.1 Server runs
(``num_scheduler_steps: 9``) measured a mean TTFT of 0.92 s and a p99 of 1.9 s on MI300X at
about 0.13 s per decode step, where a single-step engine's wait would be one step; the
iterations themselves are unchanged (the host terms are per step,
:mod:`planner.perfmodel.engines`). Not modelled: the prompts a round accumulates are
prefilled together at its end (the TPOT law keeps spreading prefills over iterations).

Capacity = the largest ``lam`` whose operating point meets every target; all
metrics grow with ``B`` and ``lam(B)`` grows with ``B``, so it is found by
bisection on ``B`` (on ``lam`` for prefill replicas). A replica's capacity
is its engines' capacity times ``pp * ep``.

Named constants: ``CHUNK_OPTIONS`` (prefill chunk sizes tried for ``both``;
the best is kept; :func:`chunk_choices` is the menu of a problem), ``PREFILL_CHUNK_TOKENS``, ``MAX_UTILIZATION`` (online,
the prefill server's busy fraction stays below it so queues stay finite
even without a TTFT target).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.engines import Engine, decodes_in_budget, prompt_budget
from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.offload_serving import OffloadPlan
from planner.perfmodel.serving_features import (
    Speculative,
    paged_overhead_tokens,
    prefix_cached_work,
)
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.chunked_ttft import ChunkedPrefillLaw
from planner.serve.kv_admission import AdmissionWait, KvWaitLaw, admission_wait
from planner.serve.lockstep import (
    expected_max_batch,
    merged_backlog_pmf,
    merged_iteration_law,
    merged_most,
    merged_point,
)
from planner.serve.queueing import (
    BatchedPrefillLaw,
    ResponseLaw,
    TpotLaw,
    compound_quantile,
    gg1_mean_wait,
    queued_count_pmf,
    wait_probability,
    window_mean_variance,
)
from planner.serve.renewal import renewal_count_pmf
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, decode_attention_keys, held_kv_moments
from planner.serve.units import format_duration

if TYPE_CHECKING:  # instance.py imports this module's ROLES and KV_ADMISSION
    from planner.serve.instance import ReplicaGroup, ServingProblem

ROLES = ("both", "prefill", "decode")
#: Prefill chunk sizes a colocated replica chooses from (the engines' token budgets users set:
#: vLLM's ``--max-num-batched-tokens``, SGLang's ``--chunked-prefill-size``). The search and
#: ``verify`` share this menu (:func:`chunk_choices`), so OPTIMAL is over the plans ``verify``
#: accepts; 1024 and 4096 were added when a 1,024-token chunk carried the README's 70B load on
#: one H100 replica for $11.96/h against the certified $15.54/h (s25cert).
CHUNK_OPTIONS = (512, 1024, 2048, 4096, 8192)
PREFILL_CHUNK_TOKENS = 16384
#: Points per output-length class in the TPOT percentile (see ``RoleModel``).
TPOT_CLASS_POINTS = 4
MAX_UTILIZATION = 0.98
#: Batches at which the step model is evaluated for the KV admission wait
#: (:meth:`RoleModel.admission_table`).
ADMISSION_NODES = 4
KV_ADMISSION = ("on-demand", "reserve")
#: Relative slack when comparing a metric with its target (float noise only).
TOL = 1e-9
_BISECT = 60
#: Step-model results per decode batch a :func:`_shared_tables` entry keeps at most (the
#: first: the bounds and probes before a search ask for the few batches it asks again;
#: ~2 KB each).
SHARED_PREFILL_BATCHES = 32


@constants.on_change
@functools.lru_cache(maxsize=2048)
def _shared_tables(key: tuple[Any, ...]) -> dict[Any, Any]:
    """Scratch space shared by every :class:`RoleModel` built with the same arguments
    (``key``: all of them, the engine by identity): what a model computes that depends on
    nothing else (:meth:`RoleModel._prefill` per batch, the KV admission table), so the
    capacity search and the probes and bounds that precede it on fresh models compute it
    once. Cleared when the constants change, with the engines."""
    return {"prefill": {}}


@dataclass(frozen=True)
class OperatingPoint:
    """Predicted metrics of one engine at one load.

    Attributes
    ----------
    role, chunk
        Replica role and prefill chunk size.
    rate
        Arrivals per second at this engine.
    batch
        Mean decode sequences in flight.
    ttft_s, tpot_s
        TTFT and TPOT at the SLO percentile (0 when the role has none).
    tpot_mean_s
        Mean iteration time.
    kv_tokens, kv_capacity
        KV-cache tokens needed (at the percentile online) and available.
    utilization
        Busy fraction of the prefill server.
    violations
        Targets missed, in words (empty when the point is feasible).
    """

    role: str
    chunk: int
    rate: float
    batch: float
    ttft_s: float
    tpot_s: float
    tpot_mean_s: float
    kv_tokens: float
    kv_capacity: float
    utilization: float
    violations: tuple[str, ...] = field(default=())

    @property
    def feasible(self) -> bool:
        """True when every target is met."""
        return not self.violations


@dataclass(frozen=True)
class LoadState:
    """One engine at one load before its TTFT and TPOT percentiles are computed.

    ``ttft`` and ``tpot`` build the two laws on demand (each costs a step-time evaluation
    and some arrays), so a feasibility check can stop at the first target missed.
    ``ttft_offset`` is added to the TTFT law's quantile (the iteration in progress).
    """

    rate: float
    batch: float
    tmean: float
    kv: float
    util: float
    ttft: Callable[[], ResponseLaw | BatchedPrefillLaw | ChunkedPrefillLaw] | None
    ttft_offset: float
    tpot: Callable[[], TpotLaw] | None
    #: what the utilization limit applies to (default ``util``; a batching prefill engine:
    #: its prompt work, as being busy is not congestion there)
    load: float | None = None
    #: an upper bound on the TPOT law's quantile and estimate that does not build the law
    #: (a probe whose TPOT is clear under its limit by it may never need the law)
    tpot_top: Callable[[], float] | None = None


class RoleModel:
    """The queueing model of one engine in one role.

    Parameters
    ----------
    engine
        Step times and memory of the engine.
    role
        ``both``, ``prefill`` or ``decode``.
    traffic
        Length distributions, KV moments and burstiness (the rate is not used).
    slo
        Targets and percentile.
    chunk
        Prefill chunk (``both``) or prefill batch budget (``prefill``) in tokens.
    online
        Percentile KV headroom and the utilization cap apply (a rate or an SLO
        was given); offline only the mean KV must fit.
    max_batch
        Optional cap on the mean decode batch (e.g. vLLM ``max_num_seqs``).
    kv_admission
        ``on-demand``: a running request holds its current context (vLLM,
        SGLang: blocks are allocated as tokens are generated); ``reserve``:
        it holds prompt + output from admission on (TensorRT-LLM's default
        guaranteed-no-evict scheduler).
    kv_block_tokens
        Paged KV-cache block size: a running sequence wastes ``(block - 1) / 2`` tokens.
    """

    def __init__(
        self,
        engine: EngineModel,
        role: str,
        traffic: Traffic,
        slo: SLO,
        *,
        chunk: int | None = None,
        online: bool = True,
        max_batch: float | None = None,
        kv_admission: str = "on-demand",
        kv_block_tokens: int = 1,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if kv_admission not in KV_ADMISSION:
            raise ValueError(f"unknown kv_admission {kv_admission!r}")
        self._shared = _shared_tables(
            (engine, role, traffic, slo, chunk, online, max_batch, kv_admission, kv_block_tokens)
        )
        self.engine = engine
        self.role = role
        self.traffic = traffic
        self.slo = slo
        self.q = slo.percentile
        self.online = online
        self.max_batch = max_batch
        if not chunk or chunk < 1:
            chunk = PREFILL_CHUNK_TOKENS if role == "prefill" else 2048
        self.chunk = 0 if role == "decode" else int(chunk)
        split = int(chunk)  # decode replicas never prefill; any split keeps the arrays finite
        self.ca2 = max(1.0, traffic.arrival_scv)
        self.p = np.asarray(traffic.prompt.values, dtype=float)
        self.wp = np.asarray(traffic.prompt.weights, dtype=float)
        # speculative decoding: a sequence emits tokens_per_step tokens per iteration
        self.per_step = engine.tokens_per_step
        # TPOT percentiles: each output class spread over its range (short requests make
        # the tail, and a class's mean hides its shortest members)
        out_len, self.wo = traffic.output.spread(TPOT_CLASS_POINTS)
        self.d = np.maximum(0.0, out_len - 1.0)
        self.ed_tokens = traffic.mean_decode_tokens
        self.ed = self.ed_tokens / self.per_step  # decode iterations per request
        self.ctx = traffic.decode_context
        # keys a decode query attends, averaged over the decode positions (a chunk's keys
        # drop back at each boundary: not the keys at the mean context)
        self.keys = decode_attention_keys(traffic, engine.model)
        reserve = kv_admission == "reserve"
        # KV tokens integrated over a request's decode iterations (fewer with speculation),
        # in the engine's units (a windowed layer may keep only its window: EngineModel.kv_held)
        m1, m2 = held_kv_moments(traffic, engine, reserve)
        self.m1, self.m2 = m1 / self.per_step, m2 / self.per_step
        self.block_waste = paged_overhead_tokens(kv_block_tokens)
        one = self.m1 / self.ed if self.ed > 0 else float(engine.kv_held(self.ctx))
        self.mem_ctx = one + self.block_waste
        self.split = split
        # KV tokens a prompt holds while it waits for or runs its prefill (first two moments)
        held = engine.kv_held(self.p)
        self.ep_held = float(np.dot(self.wp, held))
        self.ep_held2 = float(np.dot(self.wp, held * held))
        # prefix caching: only the uncached part of a prompt is computed
        hit = traffic.prefix_hit_rate
        model = engine.model
        self.pc, work = prefix_cached_work(self.p, hit, model)
        self.ep_mean = float(np.dot(self.wp, self.pc))
        self.attn = engine.prefill_attention_time(work)
        # class ranges: a prompt class spans [lo, hi]; TTFT quantiles spread it uniformly
        self.p_lo = np.asarray(traffic.prompt.lows, dtype=float)
        self.p_hi = np.asarray(traffic.prompt.highs, dtype=float)
        self.pc_lo, work_lo = prefix_cached_work(self.p_lo, hit, model)
        self.pc_hi, work_hi = prefix_cached_work(self.p_hi, hit, model)
        self.attn_lo = engine.prefill_attention_time(work_lo)
        self.attn_hi = engine.prefill_attention_time(work_hi)
        # the windows the prompts of a class spread over (as the simulator draws them and the
        # TPOT classes spread): the chunked TTFT law's own prompts
        centre, half = traffic.prompt.windows()
        self.win_lo, work_wlo = prefix_cached_work(centre - half, hit, model)
        self.win_hi, work_whi = prefix_cached_work(centre + half, hit, model)
        self.win_attn = 0.5 * (
            engine.prefill_attention_time(work_wlo) + engine.prefill_attention_time(work_whi)
        )
        # a prompt's own prefill: floor(p / C) full chunks and one with the remainder
        own_tokens = np.concatenate([self.pc_lo, self.pc_hi])
        self.own_tokens = own_tokens
        # the engine's token budget counts the decode tokens (vLLM V1, TensorRT-LLM): a
        # full iteration carries ``split - q B`` prompt tokens beside ``B`` decodes verified
        # at ``q`` positions each (:func:`~planner.perfmodel.engines.decodes_in_budget`)
        self.budget_decodes = role == "both" and decodes_in_budget(engine.engine)
        spec = engine.speculative
        self.decode_q = float(spec.tokens + 1) if spec is not None else 1.0
        self.own_attn = np.concatenate([self.attn_lo, self.attn_hi])
        self.kv_cap = engine.kv_tokens
        # the KV one request holds: the longest one, or the longest prompt before it decodes
        self.kv_one_decode = float(engine.kv_held(traffic.max_context))
        self.kv_one_prompt = float(engine.kv_held(self.p_hi.max()))
        # data-parallel attention groups iterating in lockstep (planner.serve.lockstep)
        cfg = engine.config
        self.groups = cfg.ep if engine.model.is_moe and cfg.ep > 1 else 1
        # targets with the float-noise slack (a metric above its limit is a violation)
        self.ttft_limit = None if slo.ttft_s is None else slo.ttft_s * (1 + TOL)
        self.tpot_limit = None if slo.tpot_s is None else slo.tpot_s * (1 + TOL)
        self.kv_limit = self.kv_cap * (1 + TOL)
        self.util_limit = (MAX_UTILIZATION if online else 1.0) * (1 + TOL)
        self.batch_cap = None if max_batch is None else max_batch * (1 + TOL)
        self._idle: dict[str, Any] | None = None  # _prefill(0.0), reused by prefill replicas
        self._fixed: float | None = None  # batch_fixed_cost()
        self._batch_memo: dict[Any, Any] = {}  # grids of BatchedPrefillLaw, across the search
        self._admission_nodes: tuple[np.ndarray, ...] | None = None  # admission_table()
        self._admission_last: tuple[float, ...] | None = None  # _admission_top()
        self._transfer = engine.kv_transfer_time(self.p) if role == "prefill" else 0.0 * self.p
        if role == "prefill":
            self._transfer_lo = engine.kv_transfer_time(self.p_lo)
            self._transfer_hi = engine.kv_transfer_time(self.p_hi)
        else:
            self._transfer_lo = self._transfer_hi = 0.0 * self.p

    # ------------------------------------------------------------- helpers
    def chunk_at(self, B: float) -> float:
        """Prompt tokens of a full iteration at decode batch ``B``: the chunk, less the
        decode tokens when the engine's budget counts them
        (:func:`~planner.perfmodel.engines.prompt_budget`).

        Parameters
        ----------
        B
            Decode sequences of the iteration (per attention group).

        Returns
        -------
        float
            The iteration's prompt tokens at most.
        """
        if not self.budget_decodes:
            return float(self.split)
        # at least one token: a batch past batch_limit() (probed by the searches) keeps its
        # arrays finite and its prefill hopelessly slow
        return max(prompt_budget(self.engine.engine, self.split, self.decode_q * B), 1.0)

    def _own_chunks(self, C: float) -> tuple[np.ndarray, np.ndarray]:
        """A prompt's own prefill at ``C`` prompt tokens per iteration: ``floor(p / C)``
        full chunks and the remainder (both prompt-class ends)."""
        full = np.floor(self.own_tokens / C)
        return full, self.own_tokens - full * C

    def _prefill(self, B: float) -> dict[str, float | np.ndarray]:
        """Iteration times and prefill costs at decode batch ``B``.

        One step-model call times the decode-only iteration, a full-chunk iteration and
        the iterations carrying each prompt class's remainder (the step model is
        elementwise in the token count, and a call costs the same for 2 or 30 values).
        When the batch noise applies, the same call runs the layer model for the batch of
        ``B + 1`` too (``noise_layers``: :meth:`_batch_noise` finishes its step time).
        """
        memo = self._shared["prefill"]
        f = memo.get(B)
        if f is None:
            f = self._lockstep_prefill(B) if self.groups > 1 and B > 0 else self._own_prefill(B)
            if len(memo) < SHARED_PREFILL_BATCHES:
                memo[B] = f
        return f

    def _own_prefill(self, B: float) -> dict[str, float | np.ndarray]:
        """:meth:`_prefill` of an engine without lockstep groups."""
        C = self.chunk_at(B)
        own_full, rem = self._own_chunks(C)
        # each prompt class's mean alone in its iterations (its chunks' remainder)
        mean_full = np.floor(self.pc / C)
        mean_rem = self.pc - mean_full * C
        tokens = np.concatenate(
            [np.array([B, B + C]), B + np.maximum(rem, 1.0), B + np.maximum(mean_rem, 1.0)]
        )
        layers, noise_layers = None, None
        if self._noisy(B):
            eng = self.engine
            own = eng.layer_tokens(tokens, B, self.ctx)
            dense, moe = eng.layer_times(
                np.concatenate([own, eng.layer_tokens([B + 1.0], B + 1.0, self.ctx)])
            )
            layers, noise_layers = (dense[:-1], moe[:-1]), (dense[-1:], moe[-1:])
        t = self.engine.base_time(
            tokens, B, self.ctx if B > 0 else 0.0, layers=layers, keys=self.keys if B > 0 else None
        )
        t0, tc = float(t[0]), float(t[1])
        # own prefill iterations, each timed by the step model (not t0 plus a linear share:
        # the step is a roofline, so a short prompt costs less than the sum of the two)
        t_rem = np.where(rem > 0, t[2 : 2 + rem.size], 0.0)
        own = np.maximum(own_full * tc + t_rem, t0) + self.own_attn
        kappa = max(0.0, tc - t0) / C
        x = kappa * self.pc + self.attn
        xbar = float(np.dot(self.wp, x))
        S = self.pc * t0 / C + x
        # what a prompt adds to the decode iterations it rides in when it is alone there:
        # its full chunks' extra and its remainder's, by the step model. A MoE step is
        # concave in its tokens (a few hundred tokens already read every expert's weights),
        # so this is well above its linear share kappa p of a full chunk, the more so the
        # larger the chunk (qwen3-30b-a3b, chunk 8192: 800 tokens add 77.5 ms, kappa p 45.5 ms;
        # docs/serve.md, thirty-first session s31interf); a dense step is convex (the
        # prompt's compute hides under the weights read), where the linear share is larger
        t_mean_rem = np.where(mean_rem > 0, t[2 + rem.size :], t0)
        alone = mean_full * (tc - t0) + (t_mean_rem - t0) + self.attn
        return self._costs(
            own, t0, tc, kappa, x, xbar, S, noise_layers, chunk=C, tpot_x=np.maximum(x, alone)
        )

    def _costs(
        self,
        own: np.ndarray,
        t0: float,
        tc: float,
        kappa: float,
        x: np.ndarray,
        xbar: float,
        S: np.ndarray,
        noise_layers: tuple[np.ndarray, np.ndarray] | None,
        s2_extra: float = 0.0,
        *,
        chunk: float,
        **extra: Any,
    ) -> dict[str, Any]:
        """The prefill costs :meth:`_prefill` returns (and :meth:`_lockstep_prefill`, with
        its ``extra`` terms; ``s2_extra``: variance of a prompt's service beyond that of its
        class's mean service ``S``; ``chunk``: the prompt tokens of a full iteration,
        :meth:`chunk_at`)."""
        C = chunk
        # a prompt's chunks run in consecutive iterations: a decoding request of D iterations
        # sees at most D of them, each adding at most a full chunk's (kappa + attention) C
        chunk_x = (kappa + self.attn / np.maximum(self.pc, 1e-300)) * C
        return {
            "own_lo": own[: self.pc_lo.size],
            "own_hi": own[self.pc_lo.size :],
            "t0": t0,
            "tc": tc,
            "xbar": xbar,
            "S": S,
            "s1": float(np.dot(self.wp, S)),
            "s2": float(np.dot(self.wp, S * S)) + s2_extra,
            # the service law is the classes' S alone (without a variance beyond them)
            "service": S if s2_extra == 0 else None,
            "delta": C * xbar / self.ep_mean,
            "x": x,
            "chunk_x": chunk_x,
            "noise_layers": noise_layers,
            "chunk": C,
            **extra,
        }

    def _lockstep_prefill(self, B: float) -> dict[str, float | np.ndarray]:
        """:meth:`_prefill` for ``ep`` attention groups in lockstep (:mod:`.lockstep`).

        Seen from one group at mean batch ``B`` (the others decode ``B`` too):

        * its own iterations run the MoE layers on every group's tokens (a chunk's MoE
          work is its own tokens plus the others' decode, not ``ep`` chunks);
        * the decode-only iteration is that of the largest group's batch
          (:func:`~.lockstep.expected_max_batch`);
        * a chunk's extra ``x`` splits into its own layers' part, shared by chunks of
          several groups in the same iteration (:func:`~.lockstep.merged_share`: a group's
          chunk merges its waiting prompts up to the budget), and the
          MoE part of its tokens (additive over groups, ``s`` per token: the step model's
          slope between one group and every group carrying a chunk); the replica's
          iterations are stretched by a stream of ``ep`` times the group's prompts, each
          adding ``x_L = share (x - s p) + s p`` (``stream_x``, ``streams``);
        * the group's own prefill also waits for the other groups' chunks: each of its
          iterations carries their mean stretch, ``(ep - 1) lam T E[x_L]``; while prompts
          queue on the group (its prefill server's work, ``S``), its chunks are full and
          only the others' MoE work adds, at its own rate ``r = (ep - 1) lam E[s p]`` of
          seconds per second: a prompt's full-chunk time ``p tc / C`` is a job preempted
          by that Poisson work, which completes in ``p tc / (C (1 - r))`` on average (the
          busy period's full iteration ``ttft_tc = tc / (1 - r)``), with the variance of
          a preempted job's completion time (``s2``).
        """
        n, eng, C = self.groups, self.engine, self.chunk_at(B)
        own_full, rem = self._own_chunks(C)
        ctx, keys = self.ctx, self.keys
        other = eng.layer_tokens(np.array([B]), B, ctx)  # one other group's decode tokens
        tokens = np.concatenate([np.array([B, B + C]), B + np.maximum(rem, 1.0)])
        top = expected_max_batch(B, n, self.traffic.arrival_scv)
        # one layer-model call for: this group's iterations beside the others' decode, every
        # group carrying a full chunk, the largest group's decode batch and (batch noise)
        # one more sequence here
        own = eng.layer_tokens(tokens, B, ctx)
        full = own[1:2]
        own_top = eng.layer_tokens(np.array([top]), top, ctx)
        plus = eng.layer_tokens(np.array([B + 1.0]), B + 1.0, ctx)
        dense, moe = eng.layer_times(
            np.concatenate([own, full, own_top, plus]),
            moe_tokens=np.concatenate(
                [own + (n - 1) * other, n * full, n * other, plus + (n - 1) * other]
            ),
        )
        m = own.size
        # this group's iterations and every group's full chunk in one step-model call (the
        # same batch B and context; the step model is elementwise in the token count)
        t = eng.base_time(
            np.concatenate([tokens, tokens[1:2]]),
            B,
            ctx,
            layers=(dense[: m + 1], moe[: m + 1]),
            keys=keys,
        )
        t_all = float(t[m])
        t = t[:m]
        t_even, tc = float(t[0]), float(t[1])
        layers_top = (dense[m + 1 : m + 2], moe[m + 1 : m + 2])
        t0 = max(
            float(eng.base_time(np.array([top]), top, ctx, layers=layers_top, keys=keys)[0]),
            t_even,
        )
        noise_layers = (dense[m + 2 :], moe[m + 2 :]) if self._noisy(B) else None
        kappa = max(0.0, tc - t0) / C
        moe_tok = min(kappa, max(0.0, t_all - tc) / ((n - 1) * C))
        x = kappa * self.pc + self.attn
        per_iter = B / self.ed  # arrivals per iteration and group (Little: lam T = B / E[D])
        moe_mean = float(np.dot(self.wp, moe_tok * self.pc))  # MoE extra per prompt
        # the share of the own layers' time the replica's iterations spend on them, with
        # chunks that merge a group's waiting prompts (SGLang's chunk budget)
        chain_args = (
            t0,
            (x - moe_tok * self.pc) / np.maximum(self.pc, 1e-300),
            self.pc,
            self.wp,
            C,
            moe_tok,
            per_iter,
            n,
        )
        share, chain_point = merged_point(*chain_args)
        # the replica's iterations are stretched by the prompts of all groups: a stream of
        # n lam prompts, each adding its MoE extra and the share of its own layers' extra
        stream_x = share * (x - moe_tok * self.pc) + moe_tok * self.pc
        # the other groups' mean stretch of an iteration: all of it when this group only
        # decodes, their MoE part when its own chunk runs (their own layers run beside it)
        foreign = (n - 1) * per_iter * float(np.dot(self.wp, stream_x))
        xbar = n * float(np.dot(self.wp, stream_x))  # the replica's stretch per own arrival
        # while prompts queue on this group (its chunks full), each iteration also runs the
        # MoE part of the other groups' prompts, whose work arrives at (n - 1) lam E[moe]
        # per second however long the iterations are: time balance over the group's busy
        # period (as T = t0 / (1 - lam xbar) over all iterations) stretches a full-chunk
        # iteration to tc / (1 - (n - 1) lam E[moe]), not by the others' arrivals in a mean
        # iteration (which the group's long, full-chunk iterations outlast)
        lam = B / (self.ed * t0 + B * xbar)
        others = (n - 1) * lam * moe_mean  # < lam xbar < 1
        beside = tc * others / (1.0 - others)
        t_rem = np.where(rem > 0, t[2:] + beside, 0.0)
        own_time = np.maximum(own_full * (tc + beside) + t_rem, t0 + foreign) + self.own_attn
        # the group's prefill server: while prompts queue on it its chunks are full (they
        # merge the waiting prompts up to the budget), so the other groups' own layers run
        # beside them and only their MoE work adds (the law's full iteration, ttft_tc)
        S = self.pc * (t0 + beside) / C + x
        # that stretch is random: the prompt's own full-chunk time s = p tc / C is a job
        # preempted by a Poisson stream of (n - 1) lam pieces of others' MoE work, so it
        # completes in s / (1 - r) on average with variance s (n - 1) lam E[moe^2] / (1 - r)^3
        # (the completion time under preemptive-resume priority: s plus the busy periods the
        # interruptions start, a compound Poisson sum of M/G/1 busy periods of moments
        # E[x] / (1 - r) and E[x^2] / (1 - r)^3; Kleinrock, Queueing Systems I, chapter 5)
        moe_sq = float(np.dot(self.wp, (moe_tok * self.pc) ** 2))
        own_full = float(np.dot(self.wp, self.pc)) * tc / C
        s2_extra = own_full * (n - 1) * lam * moe_sq / (1.0 - others) ** 3
        return self._costs(
            own_time,
            t0,
            tc,
            kappa,
            x,
            xbar,
            S,
            noise_layers,
            s2_extra,
            chunk=C,
            t0_even=t_even,
            ttft_t0=t0 + foreign,
            ttft_tc=tc + beside,
            stream_x=stream_x,
            streams=n,
            chain_point=chain_point,
            moe_tok=moe_tok,
        )

    def _check(
        self, ttft: float, tpot: float, kv: float, util: float, batch: float
    ) -> tuple[str, ...]:
        out = []
        pct = self.slo.pct_label
        if self.ttft_limit is not None and ttft > self.ttft_limit:
            out.append(f"TTFT {pct} {format_duration(ttft)} > {format_duration(self.slo.ttft_s)}")
        if self.tpot_limit is not None and tpot > self.tpot_limit:
            out.append(f"TPOT {pct} {format_duration(tpot)} > {format_duration(self.slo.tpot_s)}")
        return tuple(out) + self._load_violations(kv, util, batch)

    def _load_violations(self, kv: float, util: float, batch: float) -> tuple[str, ...]:
        """Violations other than the latency targets (memory, utilization, batch cap)."""
        out = []
        if kv > self.kv_limit:
            what = f"{self.slo.pct_label} " if self.online else ""
            out.append(
                f"KV cache needs {kv:,.0f} tokens {what}per engine, holds {self.kv_cap:,.0f}"
            )
        if util > self.util_limit or (not self.online and util >= 1.0):
            limit = MAX_UTILIZATION if self.online else 1.0
            out.append(f"prefill utilization {util:.1%} > {limit:.0%}")
        if self.batch_cap is not None and batch > self.batch_cap:
            out.append(f"mean batch {batch:.1f} > max_batch {self.max_batch:g}")
        return tuple(out)

    def _feasible(self, state: LoadState) -> bool:
        """``True`` iff the operating point of ``state`` meets every target: :meth:`_probe`'s
        decision without its excess.

        The same checks in the same order, stopping at the first target missed: a
        percentile whose upper bound is clear under its limit (:data:`STEER_BAND`) is met,
        as :meth:`_probe` takes it; otherwise it is decided by ``within``
        (:meth:`ResponseLaw.within`, :meth:`TpotLaw.within`: what :func:`_steer` decides,
        without the estimate or the quantile it computes for the excess).
        """
        batch, kv = float(state.batch), float(state.kv)
        u = float(state.util if state.load is None else state.load)
        if self._load_violations(kv, u, batch):
            return False
        if self.ttft_limit is not None:
            if state.ttft is None:
                if not self.ttft_limit >= 0.0:
                    return False
            else:
                law = state.ttft()
                top = _bracket_top(law, self.ttft_limit, state.ttft_offset)
                clear = top is not None and top < 1.0 - STEER_BAND
                if not clear and not law.within(self.ttft_limit, state.ttft_offset):
                    return False
        if self.tpot_limit is not None:
            if state.tpot is None:
                return self.tpot_limit >= 0.0
            top = None if state.tpot_top is None else state.tpot_top() / self.tpot_limit
            if top is not None and top < 1.0 - STEER_BAND:
                return True
            return state.tpot().within(self.tpot_limit)
        return True

    def _evaluate(self, state: LoadState) -> OperatingPoint:
        """The operating point of ``state`` with its TTFT and TPOT percentiles."""
        ttft = 0.0 if state.ttft is None else state.ttft().quantile()
        if state.ttft is not None:
            ttft += state.ttft_offset
        tpot = 0.0 if state.tpot is None else state.tpot().quantile()
        return self._point(
            state.rate, state.batch, ttft, tpot, state.tmean, state.kv, state.util, state.load
        )

    def _point(
        self,
        lam: float,
        batch: float,
        ttft: float,
        tpot: float,
        tmean: float,
        kv: float,
        u: float,
        load: float | None = None,
    ) -> OperatingPoint:
        lam, batch, ttft, tpot, tmean, kv, u = map(float, (lam, batch, ttft, tpot, tmean, kv, u))
        checked = u if load is None else float(load)
        return OperatingPoint(
            self.role,
            self.chunk,
            lam,
            batch,
            ttft,
            tpot,
            tmean,
            kv,
            float(self.kv_cap),
            u,
            self._check(ttft, tpot, kv, checked, batch),
        )

    def _kv(self, lam: float, tmean: float, hold: float, decode: bool) -> float:
        """KV tokens in use: running sequences (M/G/inf) + prompts waiting or in prefill."""
        mean = lam * hold * self.ep_held
        var = lam * hold * self.ep_held2
        if decode:
            mean += lam * tmean * (self.m1 + self.ed * self.block_waste)
            var += lam * tmean * self.m2
        kv = compound_quantile(mean, var, self.q) if self.online else mean
        return max(kv, self.kv_one_decode if decode else self.kv_one_prompt)

    # ------------------------------------------------------------ KV admission
    def _admission_row(self, b: float) -> tuple[float, float, float, float]:
        """``(t_0, E[x], E[x_own], E[x^2])`` at batch ``b``: the decode-only iteration, the
        prompts' mean stretch of the iterations per arrival (all groups' with lockstep
        groups), that of the arrival's own prompt, and the second moment."""
        if self.groups > 1:
            f = self._prefill(b)
            sx = np.asarray(f["stream_x"])
            own = float(np.dot(self.wp, sx))
            return f["t0"], f["xbar"], own, self.groups * float(np.dot(self.wp, sx * sx))
        C = self.chunk_at(b)
        t = self.engine.base_time(np.array([b, b + C]), b, self.ctx, keys=self.keys)
        t0 = float(t[0])
        x = max(0.0, float(t[1]) - t0) / C * self.pc + self.attn
        mean = float(np.dot(self.wp, x))
        return t0, mean, mean, float(np.dot(self.wp, x * x))

    def admission_table(self) -> tuple[np.ndarray, ...]:
        """``(b, t_0, E[x], E[x_own], E[x^2])`` (:meth:`_admission_row`) at
        :data:`ADMISSION_NODES` batches up to the one the mean KV cache holds (built once;
        between nodes the step model is smooth and is interpolated)."""
        if self._admission_nodes is None:
            table = self._shared.get("admission")
            if table is None:
                top = self._admission_top()
                nodes = top[0] * np.arange(1, ADMISSION_NODES + 1) / ADMISSION_NODES
                rows = [self._admission_row(float(b)) for b in nodes[:-1]] + [top[1:]]
                table = self._shared["admission"] = (nodes, *np.asarray(rows, dtype=float).T)
            self._admission_nodes = table
        return self._admission_nodes

    def _admission_top(self) -> tuple[float, ...]:
        """``(b, *row)`` at the batch the mean KV cache holds (built once)."""
        if self._admission_last is None:
            last = self._shared.get("admission_top")
            if last is None:
                top = max(self.kv_cap / max(self.mem_ctx, 1.0), 1.0)
                last = self._shared["admission_top"] = (top, *self._admission_row(top))
            self._admission_last = last
        return self._admission_last

    def admission(
        self, lam: float, hold: float, batch: float | None = None, t0: float | None = None
    ) -> AdmissionWait | None:
        """The wait for KV-cache room at arrival rate ``lam`` (:mod:`.kv_admission`), with
        prompts holding their KV for ``hold`` seconds before they decode; ``None`` where no
        such wait is modelled (offline, prefill or decode replicas), or when ``batch``, the
        mean batch, and ``t0``, its decode-only iteration, are given and the wait is surely
        negligible (:meth:`_admission_bound`: then the step model is not evaluated).

        The cache holds ``K`` running requests: its tokens, less the prompts waiting or in
        prefill, over the mean footprint of a running request (``max_batch`` at most).
        """
        if not self.online or self.role != "both" or self.ed <= 0 or lam <= 0:
            return None
        full = (self.kv_cap - lam * hold * self.ep_held) / max(self.mem_ctx, 1.0)
        if self.max_batch is not None:
            full = min(full, float(self.max_batch))
        K = max(1, math.floor(full))
        ef = self.m1 / self.ed
        # footprints differ: each arrival and departure moves the demand by (f - E f) / E f
        mix = max(0.0, self.m2 / self.ed - ef * ef) / max(self.mem_ctx, 1.0) ** 2
        # the bound spares building the table; once built, the chain costs less than it
        screen = self._admission_nodes is None and batch is not None and t0 is not None
        if screen and batch + 1 < K:
            bound = self._admission_bound(lam, K, batch, t0, mix)
            if bound <= 1e-3 * 1e-7 * (1.0 - self.q):  # far under AdmissionWait.negligible
                return None
        nodes, t0_n, x_n, own_n, x2_n = self.admission_table()
        k = np.arange(K + 1, dtype=float)
        t0s = np.interp(k, nodes, t0_n)
        # departures per second of decode time, and per second of time
        rate = k / (self.ed * t0s)
        mu = np.maximum(0.0, rate * (1.0 - lam * np.interp(k, nodes, x_n)))
        # an arrival moves the batch by 1 + r x (its prompt delays every running sequence)
        jumps = 1.0 + 2.0 * rate * np.interp(k, nodes, own_n) + rate**2 * np.interp(k, nodes, x2_n)
        var = self.ca2 * lam * (jumps + mix) + mu * (1.0 + mix)
        # with requests queued, prompts are admitted (and prefilled) as requests finish:
        # the full engine's turnover rate, and arrivals no longer stretch iterations
        x_full = float(np.interp(float(K), nodes, x_n))
        queue_mu = K / (self.ed * float(t0s[-1]) + K * x_full)
        queue_var = (self.ca2 * lam + queue_mu) * (1.0 + mix)
        return admission_wait(lam, mu, var, queue_mu, queue_var)

    def _admission_bound(self, lam: float, K: int, batch: float, t0: float, mix: float) -> float:
        """An upper bound (up to the lattice's rounding) on the probability of waiting, from
        the mean batch's step and the top node's alone (:meth:`_admission_top`).

        Between the mean batch and ``K`` the iteration ``t_0`` and the prompts' stretch grow
        with the batch (a roofline's step is convex, so its chunk's increment grows), so the
        departure rate is at least ``b (1 - lam E[x](top)) / (E[D] t_0)`` with ``t_0`` on its
        chord from the mean batch to the top, and the
        chain's variance at most that with ``t_0`` of the mean batch and the top's
        stretches; the chain's ratio ``(v + m) / (v - m)`` grows with ``v`` and with the
        drift ``m = lam - mu`` (``v > m``: ``v >= lam``), so their product from the mean to
        ``K``, over the least turnover ``mu_Q - lam``, bounds ``P(k >= K) / pi(mean)``.
        ``1`` when no bound follows.
        """
        top, t0_top, x_top, own_top, x2_top = self._admission_top()
        k = np.arange(math.ceil(batch), K, dtype=float)
        # t_0 under its chord from the mean batch to the top (convex), at least t0
        chord = t0 + max(0.0, t0_top - t0) * (k - batch) / max(top - batch, 1e-300)
        low = np.maximum(0.0, k * (1.0 - lam * x_top) / (self.ed * np.maximum(chord, t0)))
        rate_up = k / (self.ed * t0)
        jumps = 1.0 + 2.0 * rate_up * own_top + rate_up**2 * x2_top
        var = self.ca2 * lam * (jumps + mix) + rate_up * (1.0 + mix)
        drift = lam - low
        queue_mu = K / (self.ed * max(t0_top, t0) + K * x_top)
        if k.size == 0 or queue_mu <= lam:
            return 1.0
        log_ratio = np.log(var + drift) - np.log(var - drift)
        return float(np.exp(log_ratio.sum()) * 0.5 * var[-1] / (queue_mu - lam))

    def _own_step(self, B: float, f: dict[str, Any]) -> float:
        """The decode-only iteration a decoding request runs in at mean batch ``B``.

        Online (Poisson arrivals), the others a request decodes beside are those of the
        time-average batch (M/G/inf: a ``Poisson(B)`` count, independent of the request),
        so its iterations run at ``B + 1`` sequences on average, not ``B`` (the batch
        seen from a sequence is length-biased: ``E[b^2] / E[b] = B + 1``); Little's law
        and the TPOT law take that step. Where a sequence costs little (dense decode,
        weights-bound) ``t(B + 1) = t(B)``; a small MoE batch reads the experts of each
        sequence (qwen3-30b-a3b on a 1.6 TB/s GPU: 9.6 ms at 2, 12.0 ms at 3; docs/serve.md,
        thirty-first session s31interf). Offline, or with lockstep groups (their own law of
        the largest group's batch), ``t(B)``.
        """
        t1 = f.get("t_own")
        if t1 is None:
            t1 = f["t0"]
            if self.own_batch(B) != B:
                t1 = self._step_at(self.own_batch(B), f.get("noise_layers"))
            f["t_own"] = t1
        return t1

    def own_batch(self, B: float) -> float:
        """The decode batch a decoding request runs in at mean batch ``B``: ``B + 1``
        online without lockstep groups, else ``B`` (:meth:`_own_step`).

        Parameters
        ----------
        B
            Mean decode sequences in flight (time average).

        Returns
        -------
        float
            The batch of the request's own decode iterations.
        """
        return B + 1.0 if self._noisy(B) and self.groups == 1 else B

    def _step_at(self, b: float, layers: tuple[np.ndarray, np.ndarray] | None = None) -> float:
        """Decode-only step at batch ``b`` (``layers``: the layer model's times, if known)."""
        t = self.engine.base_time(np.array([b]), b, self.ctx, layers=layers, keys=self.keys)
        return float(t[0])

    def _noisy(self, B: float) -> bool:
        """Whether :meth:`_batch_noise` at batch ``B`` is not zero (it needs a step time)."""
        return self.online and B > 0 and self.ed > 0

    def _batch_noise(
        self,
        B: float,
        t0: float,
        tmean: float,
        layers: tuple[np.ndarray, np.ndarray] | None = None,
        t1: float | None = None,
    ) -> np.ndarray:
        """Per output class: sd of a request's mean iteration time from batch fluctuation.

        Each extra sequence costs ``s = t(B + 1) - t(B)``. Iterations slow down as the batch
        grows, so sequences leave more slowly: linearizing the departure rate ``B / (E[D]
        T(B))`` around the mean gives an Ornstein-Uhlenbeck batch with variance ``B T / (T -
        B s)`` (Poisson's ``B`` when iterations do not depend on the batch) and relaxation
        time ``E[D] T / (T - B s)`` iterations; a request's ``D`` iterations average it,
        which shrinks the variance by :func:`~planner.serve.queueing.window_mean_variance`.
        Renewal arrivals with squared coefficient of variation ``c_a^2`` put ``c_a^2`` times
        Poisson's variance on the count of arrivals over a long window (Cox 1962, renewal
        counting process), hence on the batch, which holds the arrivals of the last ``E[D]``
        iterations. ``layers``: the layer model's times for the batch of ``B + 1`` when
        the caller has them (:meth:`_prefill`'s ``noise_layers``); ``t1``: the step at
        ``B + 1`` when the caller has it (:meth:`_own_step`).
        """
        if not self._noisy(B):
            return np.zeros_like(self.d)
        if t1 is None:
            t1 = self._step_at(B + 1.0, layers)
        slope = max(0.0, t1 - t0)
        free = max(tmean - B * slope, 0.05 * tmean)  # the batch-independent part of T
        var = self.ca2 * B * tmean / free
        relax = self.ed * tmean / free
        return slope * np.sqrt(var * window_mean_variance(self.d / self.per_step / relax))

    def _step_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Per output class: mean and variance of the steps that emit its ``D`` decode
        tokens (``D / k`` and 0 without speculation)."""
        spec = self.engine.speculative
        if spec is None:
            return self.d / self.per_step, np.zeros_like(self.d)
        return spec.steps_for_tokens(self.d)

    def _shortest_steps(self) -> float:
        """``D / k`` of the shortest output class that has a TPOT (``D >= 1``; 1 if none)."""
        has = self.d[(self.d >= 1) & (self.wo > 0)]
        return float(has.min()) / self.per_step if has.size else 1.0

    def _acceptance_sd(self, step: float) -> np.ndarray:
        """Per output class: sd of a request's TPOT from speculative acceptance (0 without).

        ``TPOT = N step / D`` with ``N`` the steps that emit the request's ``D`` decode
        tokens (:meth:`~planner.perfmodel.serving_features.Speculative.steps_for_tokens`,
        exact: ``N(1) = 1`` has no spread, where the renewal approximation ``Var N ~ D s^2 /
        mu^3`` gives some): short requests draw few steps, a few rejections show in their TPOT.
        """
        _, var = self._step_counts()
        return step * np.sqrt(var) / np.maximum(self.d, 1.0)

    def _step_excess(self, step: float) -> np.ndarray:
        """Per output class: TPOT above ``step / k`` from whole steps (0 without speculation).

        A request's ``D`` tokens take ``E[N(D)]`` steps, more than ``D / k`` when ``D`` is
        a few tokens (the last step's surplus is dropped: ``N(1) = 1``), so its mean
        decode-only TPOT is ``step E[N(D)] / D``.
        """
        mean, _ = self._step_counts()
        return step * np.maximum(0.0, mean / np.maximum(self.d, 1.0) - 1.0 / self.per_step)

    # ---------------------------------------------------------- prefill-like
    def _idle_prefill(self) -> dict[str, Any]:
        """Prefill costs with no decode batch (computed once: prefill replicas reuse them)."""
        if self._idle is None:
            self._idle = self._prefill(0.0)
        return self._idle

    def _prefill_state(self, lam: float) -> LoadState:
        """Prefill replicas (and ``both`` when no request decodes): no decode batch."""
        f = self._idle_prefill()
        s1, s2 = f["s1"], f["s2"]
        u = lam * s1

        @functools.cache  # built once per state: the search's last probe is evaluated
        def ttft() -> ResponseLaw | BatchedPrefillLaw:
            if self.role == "prefill":  # bursty arrivals: bursts of ca2 prompts
                transfer = float(np.dot(self.wp, self._transfer))
                burst = self.ca2
                return BatchedPrefillLaw(
                    lam / burst,
                    self.batch_fixed_cost(),
                    f["x"] * burst,
                    self.wp,
                    self.q,
                    transfer,
                    memo=self._batch_memo,
                )
            return ResponseLaw(lam, s1, s2, f["own_lo"], f["own_hi"], self.wp, self.q, self.ca2)

        load = None
        if self.role == "prefill":
            s1, s2, ew, load = self._batched_service(lam, f)
            u = lam * s1
        else:
            ew = gg1_mean_wait(lam, s1, s2, self.ca2)
        hold = (ew if math.isfinite(ew) else 0.0) + s1 + float(np.dot(self.wp, self._transfer))
        kv = self._kv(lam, 0.0, hold, decode=False)
        return LoadState(lam, 0.0, 0.0, kv, u, ttft, 0.0, None, load)

    def batch_fixed_cost(self) -> float:
        """Fixed cost of a prefill iteration that carries at least one prompt.

        The step is a roofline: a prompt's compute hides most of the weights read that an
        empty step costs (``t0``), so between one mean prompt and the full budget the
        iteration time is ``t(E[p]) + kappa (tokens - E[p])``; its intercept is the fixed
        cost (at least 0).
        """
        if self._fixed is None:
            f = self._idle_prefill()
            ep = max(self.ep_mean, 1.0)
            t_ep = float(self.engine.base_time(np.array([ep]), 0.0, 0.0)[0])
            kappa = max(0.0, float(np.dot(self.wp, f["x"] - self.attn)) / ep)
            self._fixed = max(0.0, t_ep - kappa * ep)
        return self._fixed

    def _batched_service(self, lam: float, f: dict[str, Any]) -> tuple[float, float, float, float]:
        """A prefill engine that batches its queue: ``(E[S], E[S^2], E[wait], load)`` (the
        mean values behind the KV-cache holding time and the load; the TTFT law is
        :class:`~planner.serve.queueing.BatchedPrefillLaw`).

        A prefill engine runs the waiting prompts in one iteration (up to its token budget)
        and a prompt's first token comes at the end of that iteration. An iteration costs a
        fixed ``t0`` (weights read, launches) plus its prompts' work ``x``; it carries the
        prompts that arrived during the previous one, on average ``n = lam c + exp(-lam c)``
        of them with ``c = t0 + n E[x]`` (Poisson arrivals in an iteration of mean length
        ``c``; one when the engine was idle), a contraction in ``n`` for ``lam E[x] < 1``.
        So a prompt costs ``S = x + t0 / n`` of engine time, the engine is busy a fraction
        ``u = lam E[S]`` of the time, and an arriving prompt waits only for the iteration in
        progress (probability ``u``, the GI/M/1 one for bursty arrivals): the residual of a
        length-biased iteration, mean ``E[c^2] / (2 c)``, with ``Var c = n Var x + E[x]^2
        Var n`` and ``Var n = c_a^2 lam c``. Its own iteration also carries the prompts that
        arrived during that one, ``u lam E[c^2] / c`` of them on average. The engine keeps up
        while ``lam E[x] < 1``, which is the load returned (the busy fraction reaches 1 long
        before: iterations grow to take the queue).
        """
        t0, x, es = self.batch_fixed_cost(), f["x"], float(f["xbar"])
        most = max(1.0, self.split / max(self.ep_mean, 1.0))  # token budget per iteration
        n = 1.0
        for _ in range(200):
            c = t0 + n * es
            new = min(most, lam * c + math.exp(-lam * c))
            if abs(new - n) <= 1e-12 * n:
                n = new
                break
            n = new
        c = t0 + n * es
        service = x + t0 / n
        s1 = float(np.dot(self.wp, service))
        s2 = float(np.dot(self.wp, service * service))
        var_x = max(0.0, float(np.dot(self.wp, x * x)) - es * es)
        c2 = c * c + n * var_x + es * es * self.ca2 * lam * c
        busy = min(1.0, lam * s1)
        sigma = wait_probability(busy, self.ca2) if busy < 1.0 else 1.0
        return s1, s2, sigma * c2 / (2.0 * c), lam * es

    def zero_load_prefill_ttft(self, *, transfer: bool = True) -> float:
        """TTFT percentile of a prefill replica at zero load, with or without shipping the
        KV cache to a decode replica (latency breakdowns: their difference is the transfer)."""
        f = self._idle_prefill()
        if self.role == "prefill":  # as the load's law (BatchedPrefillLaw) at no load
            extra = float(np.dot(self.wp, self._transfer)) if transfer else 0.0
            law = BatchedPrefillLaw(0.0, self.batch_fixed_cost(), f["x"], self.wp, self.q, extra)
            return law.quantile()
        lo, hi = f["own_lo"], f["own_hi"]
        if transfer:
            lo, hi = lo + self._transfer_lo, hi + self._transfer_hi
        return float(
            ResponseLaw(0.0, f["s1"], f["s2"], lo, hi, self.wp, self.q, self.ca2).quantile()
        )

    # ---------------------------------------------------------- parametric
    def _batch_state(self, B: float) -> LoadState:
        """The load state with a mean decode batch ``B`` (``both`` and ``decode`` roles)."""
        if self.role == "prefill" or self.ed <= 0:
            raise ValueError("at_batch needs a decode batch")
        k = self.per_step  # tokens per iteration: TPOT and iterations per request scale by 1/k
        if self.role == "decode":
            t0 = float(self.engine.base_time(np.array([B]), B, self.ctx, keys=self.keys)[0])
            if self.groups > 1:  # lockstep groups: the largest group's batch sets the step
                top = expected_max_batch(B, self.groups, self.traffic.arrival_scv)
                eng = self.engine
                layers = eng.layer_times(
                    eng.layer_tokens(np.array([top]), top, self.ctx),
                    moe_tokens=self.groups * eng.layer_tokens(np.array([B]), B, self.ctx),
                )
                t_top = eng.base_time(np.array([top]), top, self.ctx, layers=layers, keys=self.keys)
                t0 = max(t0, float(t_top[0]))
            t_own = self._own_step(B, {"t0": t0})  # a request's own iterations
            lam = B / (self.ed * t_own)
            kv = self._kv(lam, t_own, 0.0, decode=True)

            @functools.cache  # built once per state: the search's last probe is evaluated
            def decode_tpot() -> TpotLaw:
                t1 = t_own if self.own_batch(B) != B else None  # the same step at B + 1
                noise = self._batch_noise(B, t0, t0, t1=t1)
                # a request arrives from its prefill replica mid-iteration: its first decode
                # step waits for the running one to end (uniform residual, up to t0)
                sd = np.hypot(noise / k, self._acceptance_sd(t0))
                return TpotLaw(
                    t_own / k,
                    0.0,
                    0.0,
                    self.d / k,
                    self.wo,
                    self.q,
                    sd,
                    residual=t0 / k,
                    step_excess=self._step_excess(t0),
                    min_length=1.0 / k,
                )

            return LoadState(lam, B, t0, kv, 0.0, None, 0.0, decode_tpot)
        f = self._prefill(B)
        t0, xbar, s1, s2 = f["t0"], f["xbar"], f["s1"], f["s2"]
        # a decoding request's iterations run at its own batch, itself and the others
        t_own = self._own_step(B, f)
        lam = B / (self.ed * t_own + B * xbar)
        tmean = t0 / max(1e-300, 1.0 - lam * xbar)
        own_mean = t_own / max(1e-300, 1.0 - lam * xbar)
        # prompts arrive as a Poisson stream (bursts of ca2 prompts when bursty) that the
        # TPOT law follows iteration by iteration (its backlog chain and busy periods)
        # lockstep groups (ep > 1): every group's prompts stretch the replica's iterations
        streams = f.get("streams", 1)
        per_iter = lam * streams * t0
        u = lam * s1
        ew = gg1_mean_wait(lam, s1, s2, self.ca2)
        finite_wait = math.isfinite(ew) and ew > 0 and u > 0

        @functools.cache
        def noise() -> np.ndarray:
            # per class, in TPOT units: batch fluctuation and speculative acceptance
            t1 = t_own if self.own_batch(B) != B else None  # the same step at B + 1
            batch = self._batch_noise(B, f.get("t0_even", t0), tmean, f["noise_layers"], t1)
            return np.hypot(batch / k, self._acceptance_sd(tmean))

        def tpot_top() -> float:
            # TpotLaw's bracket top: the decode step, a full chunk's extra in every iteration
            # and eight of the noise's largest sd, plus the largest class's whole-step excess
            # (its quantile and estimate are at most that, or at its bracket's bottom)
            # (a request of D < k tokens runs one step: its extra spreads over D, not k, tokens)
            # (lockstep groups: the chain's largest extra of an iteration, if larger)
            most = max(float(np.max(f["chunk_x"])), merged_most(f.get("chain_point")))
            chunk = most / min(1.0, self._shortest_steps())
            top = t_own + chunk + 8.0 * k * float(np.max(noise(), initial=0.0))
            excess = float(np.max(self._step_excess(t0), initial=0.0))
            return (top / k + excess) * (1.0 + 1e-9)

        @functools.cache  # built once per state: the search's last probe is evaluated
        def tpot() -> TpotLaw:
            noise_sd = noise()
            # bursty arrivals (scv c2 > 1) count like a Poisson stream of bursts of c2
            # prompts: same mean, c2 times the variance of the prompts within a request's life
            burst = self.ca2
            sigma = wait_probability(u, self.ca2)
            if burst > 1:
                # the prompts behind the request at its first token: the renewal stream's
                # arrivals after the request's own, over its wait and prefill (exact for a
                # Gamma stream: the rest of its burst without whole bursts of c2 prompts)
                queued = renewal_count_pmf(
                    lam, burst, s1, sigma, ew / sigma if finite_wait else 0.0
                )
            else:
                queued = queued_count_pmf(
                    lam * s1, sigma, lam * (ew / sigma if finite_wait else 0.0)
                )
            law = merged_iteration_law(f.get("chain_point"), 1.0 / k, self.ca2)
            if law is not None:
                # lockstep groups: the iterations' extra follows the merging chain (the
                # largest of the groups' chunks and all their MoE work, chunk counts
                # correlated from one iteration to the next)
                return TpotLaw(
                    t0 / k,
                    0.0,
                    0.0,
                    self.d / k,
                    self.wo,
                    self.q,
                    noise_sd,
                    iteration_extra=law,
                    step_excess=self._step_excess(t0),
                    min_length=1.0 / k,
                )
            if streams > 1:
                # the other groups' prompt queues, seen at a random time, hold the same law
                # as the request's own (M/G/1: the queue a departure leaves behind is the
                # queue at a random time); their prompts stretch its first iterations too
                queued = merged_backlog_pmf(queued, streams)
            return TpotLaw(
                t_own / k,
                f.get("stream_x", f.get("tpot_x", f["x"])) * burst / k,
                min(1.0, per_iter) / burst,
                self.d / k,
                self.wo,
                self.q,
                noise_sd,
                extra_weights=self.wp,
                extra_cap=f["chunk_x"] / k,
                queued_pmf=queued,
                arrival_rate=lam * streams * k / burst,
                queued_scale=burst,
                step_excess=self._step_excess(t0),  # the law adds the pieces itself
                min_length=1.0 / k,
            )

        # the iteration in progress at arrival; with multi-step scheduling the rest of the
        # decode round in progress too (module notes)
        rounds = multi_step_wait(self.engine.engine, t0)
        offset = t0 + lam * tmean * xbar + rounds
        # a request that finds no prompt work queued arrives during a decode-only iteration
        # and waits for its remainder, half of it on average (renewal theory: E[L^2] / (2 E[L])
        # for iterations of one length), not a whole mean iteration; one that finds prompt
        # work sits on the lattice of full-chunk iterations (chunked_ttft's notes) and keeps
        # the mean iteration on top of its wait: the GI/G/1 wait, a fluid of full chunks,
        # misses about that much of the engine's (docs/serve.md, twenty-second session)
        idle = 0.5 * f.get("ttft_t0", t0) + rounds
        hold = (ew if math.isfinite(ew) else 0.0) + s1

        @functools.cache  # built once per state: the search's last probe is evaluated
        def ttft() -> ChunkedPrefillLaw | KvWaitLaw:
            law = ChunkedPrefillLaw(
                lam,
                s1,
                s2,
                self.ca2,
                offset,
                f["chunk"],
                f.get("ttft_t0", t0),
                f.get("ttft_tc", f["tc"]),
                self.win_lo,
                self.win_hi,
                self.win_attn,
                self.wp,
                self.pc,
                self.q,
                idle=idle,
                queued_extra=offset,
                service=f.get("service"),
            )
            wait = self.admission(lam, hold, B, t0)
            if wait is None or wait.negligible(self.q) or law.saturated:
                return law
            return KvWaitLaw(law.cdf, law.lo, law.bracket()[1], wait, self.q)

        kv = self._kv(lam, own_mean, hold, decode=True)
        return LoadState(lam, B, tmean, kv, u, ttft, offset, tpot, None, tpot_top)

    def at_batch(self, B: float) -> OperatingPoint:
        """Operating point with a mean decode batch ``B`` (``both`` and ``decode`` roles)."""
        return self._evaluate(self._batch_state(B))

    def rate_limit(self) -> float:
        """Largest arrival rate per engine the model admits (prefill saturation, or the rate
        at :meth:`batch_limit`): an upper bound on :meth:`capacity`, at the cost of one step
        evaluation (the search skips layouts whose bound smaller layouts already beat)."""
        if self.role == "prefill" or self.ed <= 0:
            return self.prefill_saturation_rate()
        hi = self._feasible_batch_top()
        return float(self._batch_state(hi).rate) if hi > 0 else 0.0

    def _feasible_batch_top(self) -> float:
        """A decode batch no feasible state exceeds (``both`` and ``decode`` roles): the
        :meth:`batch_limit`, or the decode step's crossing of the TPOT target below it."""
        hi = self.batch_limit()
        if hi > 0 and self.tpot_limit is not None and self.q >= 0.5:
            # TPOT at a percentile >= 50 % is at least the decode step per token, which
            # grows with the batch: no feasible batch lies beyond the step's crossing (the
            # same for every chunk size, so it is searched once per engine and context)
            crossing = step_crossing(
                self.engine,
                float(self.ctx),
                float(self.per_step),
                self.tpot_limit,
                self.memory_batch_limit(),
                float(self.keys),
            )
            if crossing <= 0.0:
                return 0.0
            hi = min(hi, crossing)
        return hi

    def capacity_at_most(self, rate: float) -> bool:
        """True when :meth:`capacity` is proven at most ``rate`` (``False``: nothing is
        known), at the cost of a few rate evaluations and one probe, not a capacity search.

        Proof. :meth:`capacity` is at most :meth:`rate_limit` (the rate at the largest
        argument, the rate or the decode batch, a feasible state may have), and is 0 or the
        rate of a state its search found feasible. The search rests on two properties of the
        model: the feasible states are an interval of the argument from 0 (every target
        grows with the load: it searches for the interval's end), and the rate grows with
        the batch (:meth:`at_rate` inverts it by bisection). So when :meth:`rate_limit` is
        at most ``rate``, so is the capacity; and a state of rate at most ``rate`` that
        :meth:`_probe` (the search's own decision) finds infeasible lies beyond every
        feasible state, whose rates are then at most its own. Call it on an instance that
        does not search after (a probe's side tables must not change the search's path).
        """
        if not rate > 0:
            return False
        if self.role == "prefill" or self.ed <= 0:
            if rate >= self.prefill_saturation_rate():
                return True  # the search stays below the saturation rate
            state = self._prefill_state(rate)
        else:
            hi = self._feasible_batch_top()
            if hi <= 0 or self.batch_limit() <= 1e-6:
                return True  # rate_limit() is 0, or capacity() gives 0 (see there)
            top = self._batch_state(hi)  # rate_limit()'s state: shared (_shared_tables)
            if float(top.rate) <= rate:
                return True
            state = self._batch_state_below(rate, hi, float(top.rate))
            if state is None:
                return False
        return not self._feasible(state)  # the search's decision, without its excess

    def _batch_state_below(
        self, rate: float, hi: float, hi_rate: float, rtol: float = 2e-3, steps: int = 6
    ) -> LoadState | None:
        """A batch state of rate in ``[rate (1 - rtol), rate]`` (``None`` if ``steps``
        evaluations do not find one), for ``rate < hi_rate``, the rate at batch ``hi``.

        The rate is ``B / (E[D] t_0(B) + B E[x](B))``: ``1 / rate`` is about linear in
        ``1 / B``, so secant steps on those two converge in two or three evaluations (the
        start, ``hi rate / hi_rate``, is at or above the crossing: the rate per batch falls).
        """
        x0, y0 = 1.0 / hi, 1.0 / hi_rate  # (1 / B, 1 / rate) of the last two states
        b = hi * rate / hi_rate
        target = 1.0 / rate
        for _ in range(steps):
            state = self._batch_state(b)
            r = float(state.rate)
            if rate * (1.0 - rtol) <= r <= rate:
                return state
            x1, y1 = 1.0 / b, 1.0 / max(r, 1e-300)
            if y1 == y0 or not math.isfinite(y1):
                return None
            nxt = x1 + (target - y1) * (x1 - x0) / (y1 - y0)
            # aim a little under the rate: a state just below it is what is wanted
            nxt *= 1.0 + 0.5 * rtol
            x0, y0 = x1, y1
            if not (math.isfinite(nxt) and nxt > 1.0 / hi):
                return None
            b = 1.0 / nxt
        return None

    def memory_batch_limit(self) -> float:
        """Largest mean batch the mean KV cache and ``max_batch`` admit."""
        limit = self.kv_cap / max(self.mem_ctx, 1.0)
        if self.max_batch is not None:
            limit = min(limit, float(self.max_batch))
        return max(limit, 0.0)

    def batch_limit(self) -> float:
        """Largest mean batch the model admits (prefill keeps up, mean KV, ``max_batch``)."""
        limit = self.memory_batch_limit()
        if self.role == "both":
            # prefill keeps up: B E[p] < E[D] C(B), with C(B) = split - q B when the budget
            # counts the decodes (chunk_at)
            q = self.decode_q if self.budget_decodes else 0.0
            keep_up = self.ed * self.split / (self.ep_mean + q * self.ed)
            limit = min(limit, keep_up * (1 - 1e-9))
        return max(limit, 0.0)

    def at_rate(self, lam: float) -> OperatingPoint:
        """Operating point at arrival rate ``lam`` per engine (the forward model).

        The decode batch solving ``lam(B) = lam`` is found by bisection; a rate
        beyond what any admissible batch sustains returns a point whose
        violations say the engine is saturated.
        """
        state, top = self._rate_state(lam)
        if state is not None:
            return self._evaluate(state)
        sat = float(top.rate) if top is not None else 0.0
        base = top if top is not None else self._batch_state(1e-9)
        return OperatingPoint(
            self.role,
            self.chunk,
            lam,
            float(base.batch),
            math.inf,
            math.inf,
            math.inf,
            float(base.kv),
            float(self.kv_cap),
            1.0,
            (f"saturated: at most {sat:.4g} req/s per engine",),
        )

    def state_at(self, lam: float) -> LoadState | None:
        """The load state at arrival rate ``lam`` per engine, its TTFT and TPOT laws not
        built yet (``None`` when no admissible batch sustains the rate): what
        :meth:`at_rate` evaluates, for a caller that needs the laws themselves (the
        percentile of a mixture of engines, :mod:`planner.serve.mixture`)."""
        return self._rate_state(lam)[0]

    def _rate_state(self, lam: float) -> tuple[LoadState | None, LoadState | None]:
        """``(state at lam or None when saturated, state at the batch limit or None)``."""
        if lam < 0:
            raise ValueError("negative rate")
        if self.role == "prefill" or self.ed <= 0:
            return self._prefill_state(lam), None
        if lam == 0:
            return self._batch_state(1e-9), None
        hi = self.batch_limit()
        top = self._batch_state(hi) if hi > 0 else None
        if top is None or float(top.rate) < lam * (1 - TOL):
            return None, top
        lo = 0.0
        for _ in range(200):
            mid = (lo + hi) / 2
            if float(self._batch_state(mid).rate) < lam:  # the rate alone: no percentiles
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-13 * max(1.0, hi):
                break
        return self._batch_state(hi), top

    # ------------------------------------------------------------ capacity
    def capacity(self) -> tuple[float, OperatingPoint, OperatingPoint]:
        """(max feasible rate per engine, point at that rate, point at zero load).

        The rate is 0 when even the zero-load point misses a target. The bisection only
        decides feasibility at its points (:meth:`_feasible`); the percentiles are
        computed for the two points returned.
        """
        if self.role == "prefill" or self.ed <= 0:
            return self._prefill_capacity()
        hi_b = self.batch_limit()
        floor_state = self._batch_state(min(1e-6, max(hi_b, 1e-12)))
        floor = self._evaluate(floor_state)
        if not floor.feasible or hi_b <= 1e-6:
            return 0.0, floor, floor
        top_state = self._batch_state(hi_b)
        top_feasible, f_hi = self._probe(top_state)
        if top_feasible:
            top = self._evaluate(top_state)
            return top.rate, top, floor
        f_lo = self._point_excess(floor_state, floor)
        best = self._largest_feasible(self._batch_state, 1e-6, floor, f_lo, hi_b, f_hi, 1e-5, True)
        return best.rate, best, floor

    def prefill_saturation_rate(self) -> float:
        """Arrival rate that saturates a prefill server (the capacity search's upper end):
        ``1 / E[x]`` for a prefill engine (batching shares the fixed iteration cost), else
        one over the mean prefill service time."""
        idle = self._idle_prefill()
        return 1.0 / (idle["xbar"] if self.role == "prefill" else idle["s1"])

    def _prefill_capacity(self) -> tuple[float, OperatingPoint, OperatingPoint]:
        floor_state = self._prefill_state(0.0)
        floor = self._evaluate(floor_state)
        if not floor.feasible:
            return 0.0, floor, floor
        hi = self.prefill_saturation_rate()
        f_lo = self._point_excess(floor_state, floor)
        best = self._largest_feasible(self._prefill_state, 0.0, floor, f_lo, hi, 1.0, 1e-6, False)
        return best.rate, best, floor

    def _probe(self, state: LoadState) -> tuple[bool, float]:
        """``(feasible, excess)`` of ``state``: the decision exactly as :meth:`_feasible`
        (same checks, same order, the percentiles decided by ``within``), and ``1 - 1 / r``
        with ``r`` the largest ratio of a metric to its target found on the way (``<= 0`` iff
        feasible; 1 at saturation; the percentiles from their laws' ``estimate``). The
        excess only steers the capacity search's interpolation (queueing delays grow like
        ``1 / (1 - rho)``, so it is about linear in the load up to saturation); its sign is
        forced to agree with the decision.
        """
        batch, kv = float(state.batch), float(state.kv)
        load = float(state.util if state.load is None else state.load)
        ratios = self._load_ratios(kv, load, batch)
        feasible = not self._load_violations(kv, load, batch)
        # a percentile met by an upper bound clear under its limit (STEER_BAND): what
        # _steer would decide (within: the quantile is at most the bound); its ratio, the
        # estimate's, is computed only if it can be the largest: (bound on it, ratio)
        deferred: list[tuple[float, Callable[[], float]]] = []
        if feasible and self.ttft_limit is not None:
            if state.ttft is None:
                feasible = self.ttft_limit >= 0.0
            else:
                law = state.ttft()
                top = _bracket_top(law, self.ttft_limit, state.ttft_offset)
                if top is not None and top < 1.0 - STEER_BAND:
                    ttft_limit, offset = self.ttft_limit, state.ttft_offset
                    deferred.append((top, lambda: (law.estimate() + offset) / ttft_limit))
                else:
                    ratio, feasible = _steer(law, self.ttft_limit, state.ttft_offset)
                    ratios.append(ratio)
        if feasible and self.tpot_limit is not None:
            if state.tpot is None:
                feasible = self.tpot_limit >= 0.0
            else:
                top = None if state.tpot_top is None else state.tpot_top() / self.tpot_limit
                if top is not None and top < 1.0 - STEER_BAND:
                    tpot_limit, tpot = self.tpot_limit, state.tpot
                    deferred.append((top, lambda: tpot().estimate() / tpot_limit))
                else:
                    ratio, feasible = _steer(state.tpot(), self.tpot_limit)
                    ratios.append(ratio)
        for top, ratio_of in sorted(deferred, key=lambda d: -d[0]):
            if top > max(ratios):
                ratios.append(ratio_of())
        return feasible, self._squash(ratios, feasible)

    def _load_ratios(self, kv: float, load: float, batch: float) -> list[float]:
        """Ratios to their limits of the targets other than latency (see :meth:`_probe`)."""
        ratios = [kv / self.kv_limit, load / self.util_limit]
        if not self.online and load >= 1.0:
            ratios.append(math.inf)
        if self.batch_cap is not None:
            ratios.append(batch / self.batch_cap)
        return ratios

    @staticmethod
    def _squash(ratios: list[float], feasible: bool) -> float:
        """``1 - 1 / max(ratios)``, its sign forced to agree with ``feasible`` (never 0: the
        root search would take a feasible point whose coarse estimate is over its limit for
        the crossing itself and stop there)."""
        r = max(ratios)
        g = 1.0 if math.isnan(r) or r == math.inf else 1.0 - 1.0 / max(r, 1e-300)
        return min(g, -1e-12) if feasible else max(g, 1e-12)

    def _point_excess(self, state: LoadState, point: OperatingPoint) -> float:
        """:meth:`_probe`'s excess of a point whose percentiles are computed."""
        load = float(state.util if state.load is None else state.load)
        ratios = self._load_ratios(float(point.kv_tokens), load, float(point.batch))
        if self.ttft_limit is not None:
            ratios.append(point.ttft_s / self.ttft_limit)
        if self.tpot_limit is not None:
            ratios.append(point.tpot_s / self.tpot_limit)
        return self._squash(ratios, point.feasible)

    def _largest_feasible(
        self,
        state_at: Callable[[float], LoadState],
        lo: float,
        lo_point: OperatingPoint,
        f_lo: float,
        hi: float,
        f_hi: float,
        rtol: float,
        geometric: bool,
    ) -> OperatingPoint:
        """The feasible point of largest rate found by a bracketed search on ``state_at``'s
        argument over ``[lo, hi]`` (``lo`` feasible with point ``lo_point``, ``hi`` not, with
        :meth:`_probe`'s excesses ``f_lo`` and ``f_hi``: 1 when saturated), stopped once the bracket is within ``rtol`` of its ends (on the log of
        the argument when ``geometric``); its percentiles are computed once, at the end.

        Every target grows with the argument, so the feasible set is an interval whose end
        is the root of :meth:`_probe`'s excess: Brent's method (:func:`bracketed_root`) finds
        it to the bisection's tolerance in far fewer evaluations.
        """
        best, best_rate = None, lo_point.rate

        def probe(x: float) -> float:
            nonlocal best, best_rate
            state = state_at(math.exp(x) if geometric else x)
            feasible, excess = self._probe(state)
            if feasible and float(state.rate) > best_rate:
                best, best_rate = state, float(state.rate)
            return excess

        if geometric:
            bracketed_root(probe, math.log(lo), math.log(hi), f_lo, f_hi, rtol, 0.0)
        else:
            bracketed_root(probe, lo, hi, f_lo, f_hi, 0.0, rtol)
        return lo_point if best is None else self._evaluate(best)


#: Relative distance to its target within which :meth:`RoleModel._probe` steers by a
#: percentile's exact value, not its coarse estimate (estimates are within ~1e-4 to 1e-3).
STEER_BAND = 1e-2


def _steer(
    law: ResponseLaw | BatchedPrefillLaw | TpotLaw, limit: float, offset: float | None = None
) -> tuple[float, bool]:
    """``(ratio to limit, decision)`` of a percentile law for :meth:`RoleModel._probe`.

    The ratio is the law's coarse ``estimate``, except within :data:`STEER_BAND` of the
    limit, where it is the exact quantile's: an estimate (at or above the quantile) over
    its limit at a feasible point is clamped to an excess of ``-1e-12``, which makes Brent's
    method creep toward the crossing by its tolerance per step. The decision is ``within``
    (with the quantile computed, ``not (quantile + offset > limit)``, what ``within``
    decides by contract).
    """
    add = 0.0 if offset is None else offset
    ratio = (law.estimate() + add) / limit
    if abs(ratio - 1.0) > STEER_BAND:
        within = law.within(limit) if offset is None else law.within(limit, offset)
        return ratio, bool(within)
    value = law.quantile() + add
    return value / limit, not (value > limit)


def _bracket_top(
    law: ResponseLaw | BatchedPrefillLaw | ChunkedPrefillLaw, limit: float, offset: float
) -> float | None:
    """An upper bound on ``(quantile + offset) / limit`` (and on the estimate's) from a law
    that brackets its quantile without building its tables (:meth:`ChunkedPrefillLaw.bracket`),
    else ``None``."""
    if not isinstance(law, ChunkedPrefillLaw) or law.saturated:
        return None
    return (law.bracket()[1] + offset) / limit


@constants.on_change
@functools.lru_cache(maxsize=4096)
def step_crossing(
    engine: EngineModel,
    ctx: float,
    per_step: float,
    limit: float,
    hi: float,
    keys: float | None = None,
) -> float:
    """A batch at or above which the decode step per token ``t(b) / per_step`` (at mean
    context ``ctx``, ``keys`` attended: :meth:`~planner.perfmodel.stage.EngineModel.base_time`)
    exceeds ``limit``, searched over ``(0, hi]``: ``hi`` when it never does,
    0 when even an empty batch does; the crossing is bracketed to 1e-6 (Brent) and the
    bracket's end above the limit returned, so no batch beyond it meets the limit."""

    def over(b: float) -> float:
        return float(engine.base_time(np.array([b]), b, ctx, keys=keys)[0]) / per_step / limit - 1.0

    if hi <= 0:
        return 0.0
    over_hi = over(hi)
    if over_hi <= 0:
        return hi
    over_lo = over(1e-9)
    if over_lo > 0:
        return 0.0
    x, fx, y, _ = bracketed_root(over, 0.0, hi, over_lo, over_hi, 0.0, 1e-6)
    return x if fx > 0 else y


def bracketed_root(
    f: Callable[[float], float],
    a: float,
    b: float,
    fa: float,
    fb: float,
    xtol: float,
    rtol: float,
    max_steps: int = 100,
) -> tuple[float, float, float, float]:
    """Brent's method (Brent 1973, ch. 4; as in SciPy's ``brentq``): a bracket ``(x, f(x),
    y, f(y))`` of a root of ``f`` with ``f(x) f(y) <= 0`` and ``|x - y| <= xtol + rtol
    |x|``.

    ``fa = f(a)`` and ``fb = f(b)`` are given (of opposite signs). Inverse quadratic
    interpolation or secant steps, each accepted only while it shrinks the bracket fast
    enough, else a bisection; a step is never smaller than half the tolerance, so the
    bracket closes.
    """
    xpre, xcur, fpre, fcur = a, b, fa, fb
    xblk, fblk, spre, scur = a, fa, 0.0, 0.0
    for _ in range(max_steps):
        if fpre * fcur < 0 or fpre == 0:
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = 0.5 * (xtol + rtol * abs(xcur))
        sbis = 0.5 * (xblk - xcur)
        if fcur == 0:  # on the root: the bracket closes on it
            return xcur, fcur, xcur, fcur
        if abs(sbis) <= delta:
            break
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # secant
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # inverse quadratic interpolation
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else math.copysign(delta, sbis)
        fcur = f(xcur)
    return xcur, fcur, xblk, fblk


def multi_step_wait(engine: Engine, t0: float) -> float:
    """Mean seconds a prompt arriving at a colocated engine waits, beyond the iteration in
    progress, for the rest of the decode round in progress: ``(k - 1) t0 / 2`` with ``k``
    scheduler steps (vLLM ``--num-scheduler-steps``) and ``t0`` the decode step (module notes);
    0 without multi-step scheduling.

    vLLM's V0 engine calls its scheduler only when the multi-step round in progress has no
    steps left (``LLMEngine.step``: ``if not self._has_remaining_steps(...)``, ROCm/vllm
    71faa1880, the build of AMD's MLPerf v5.1 runs), a decode round runs ``k`` steps, and a
    prefill without chunking runs one (``Scheduler._get_num_lookahead_slots``: no lookahead
    slots for a prefill). A prompt arriving at a random time of a round therefore waits for
    its remaining steps, uniformly between none and ``k - 1`` beyond the one in progress.
    """
    return (engine.scheduler_steps - 1) * t0 / 2.0


@constants.on_change
@functools.lru_cache(maxsize=4096)
def engine_for(
    model: ModelSpec,
    gpu: GpuSpec,
    tp: int,
    pp: int,
    ep: int,
    precision: str,
    kv: str,
    speculative: Speculative | None = None,
    engine: Engine | None = None,
    offload: OffloadPlan | None = None,
) -> EngineModel:
    """The (cached) step model of one engine of a ``tp x pp x ep`` replica on ``gpu``
    (``offload``: the expert-offload plan the replica runs under)."""
    return EngineModel(
        model,
        ReplicaConfig(gpu, tp, pp, ep),
        precision,
        kv,
        speculative,
        engine=engine,
        offload=offload,
    )


def engine_key(problem: ServingProblem, group: ReplicaGroup) -> tuple[Any, ...]:
    """The arguments of :func:`engine_for` for a plan's replica group (its engine as the
    group's role runs it, :meth:`~planner.perfmodel.engines.Engine.for_role`)."""
    return (
        problem.model,
        problem.pool(group.gpu).gpu,
        group.tp,
        group.pp,
        group.ep,
        problem.precision,
        problem.kv_precision_name,
        problem.speculative if group.speculative else None,
        problem.engine_on(problem.pool(group.gpu).gpu).for_role(group.role),
        problem.offload,
    )


def role_model(problem: ServingProblem, group: ReplicaGroup) -> RoleModel:
    """The queueing model of one engine of a plan's replica group."""
    return RoleModel(
        engine_for(*engine_key(problem, group)),
        group.role,
        problem.traffic,
        problem.slo,
        chunk=group.chunk_tokens or None,
        online=problem.online,
        max_batch=problem.constraints.max_batch,
        kv_admission=problem.constraints.kv_admission,
        kv_block_tokens=problem.constraints.kv_block_tokens,
    )


def chunk_choices(problem: ServingProblem, role: str) -> tuple[int, ...]:
    """Prompt tokens per iteration a replica of ``role`` may use: the fixed ``chunk_tokens``,
    else :data:`CHUNK_OPTIONS` (``both``) or :data:`PREFILL_CHUNK_TOKENS` (``prefill``), none
    above the engine's ``tokens=N`` budget (vLLM's ``--max-num-batched-tokens``); 0 for
    ``decode``.

    Parameters
    ----------
    problem
        The serving problem (its ``constraints.chunk_tokens`` and ``token_budget``).
    role
        ``"both"``, ``"prefill"`` or ``"decode"``.

    Returns
    -------
    tuple[int, ...]
        The chunk sizes the search tries and :func:`~planner.serve.evaluate.verify` accepts.
    """
    if role == "decode":
        return (0,)
    fixed = problem.constraints.chunk_tokens
    if fixed:
        return (fixed,)
    options = CHUNK_OPTIONS if role == "both" else (PREFILL_CHUNK_TOKENS,)
    budget = problem.token_budget
    if budget:
        options = tuple(c for c in options if c <= budget) or (budget,)
    return options
