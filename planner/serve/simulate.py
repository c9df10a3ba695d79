"""A discrete-event simulator of the modeled server: the check of the analytic queueing model.

It runs a plan (:class:`~planner.serve.instance.ServingPlan`) on a generated request trace
with SimPy and measures what the capacity model (:mod:`planner.serve.capacity`) only
approximates: the TTFT and TPOT percentiles and the throughput. Both use the same step
times (:class:`~planner.perfmodel.stage.EngineModel`), so a disagreement is the queueing and
batching approximation's, not the kernel model's.

What is simulated, per engine (a replica has ``pp x ep`` of them, as in the model):

* continuous batching: every iteration advances each running sequence by one token (with
  speculative decoding by ``1 +`` the number of consecutively accepted draft tokens, each
  accepted with the configured rate, at most ``k``);
* chunked prefill: waiting prompts are admitted first come first served and their tokens
  fill the iteration up to the chunk size (several short prompts share a chunk), less the
  running sequences' decode tokens on an engine whose budget counts them (vLLM V1,
  TensorRT-LLM: :func:`~planner.perfmodel.engines.prompt_budget`, the capacity model's
  rule); a prompt emits its first token at the end of the iteration that computes its last
  token;
* KV-cache admission: a prompt is admitted only when the engine's cache holds its prompt
  (``on-demand``) or its prompt and output (``reserve``) on top of what running sequences
  hold; when growing sequences overflow the cache, the youngest is preempted and recomputed
  later (vLLM's recompute preemption);
* prefill / decode disaggregation: a prefill engine ships the prompt's KV cache to a decode
  engine (the transfer time of :meth:`~planner.perfmodel.stage.EngineModel.kv_transfer_time`)
  and the request decodes there; its TTFT includes the transfer, as in the model;
* routing: each request goes to an engine drawn in proportion to its group's share of the
  load (the plan's split), independently of the engines' queues;
* data-parallel attention (``ep > 1``): the ``ep`` attention groups of a replica iterate in
  lockstep, each iteration as long as its slowest group's, the MoE layers running every
  group's tokens (:meth:`Simulator._lockstep`).

Arrivals are Poisson, or Gamma renewal with the traffic's squared coefficient of variation
(bursty when above 1); lengths are drawn from the traffic's histograms (uniform within a
class). Without a rate (offline) every request arrives at time 0.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError
from planner.core.timing import Deadline
from planner.perfmodel.engines import prompt_budget
from planner.serve.capacity import PREFILL_CHUNK_TOKENS, engine_for, engine_key
from planner.serve.instance import ServingPlan, ServingProblem
from planner.serve.traffic import LengthDist, Traffic

#: Requests simulated by default (``--simulate``). The p99 of 2,000 requests rested on 20 of
#: them, a few correlated bursts: at 88 % of a replica's capacity (8B, H100, exp:1024 /
#: exp:256, chunk 512) 3,000 requests read a TTFT p99 of 0.69 s where 30,000-100,000 read
#: 1.05-1.31 s (docs/serve.md, twenty-fifth session). 10,000 is the benchmark's trace.
DEFAULT_REQUESTS = 10000
#: Share of a trace's first arrivals left out of the percentiles and the throughput: the
#: simulated server starts empty, so its first requests see no queue and no decode batch.
WARMUP_SHARE = 0.1
#: Events between two looks at the clock (a look costs a system call).
_CLOCK_EVERY = 2048


class SimulationTimeout(Exception):
    """The simulation's time limit ran out before every request finished."""

    def __init__(self, finished: int, total: int, limit: float) -> None:
        super().__init__(f"time limit {limit:g} s: {finished} of {total} requests finished")
        self.finished, self.total = finished, total


@dataclass(frozen=True)
class Trace:
    """Generated requests: arrival times (s), prompt and output tokens."""

    arrival: np.ndarray
    prompt: np.ndarray
    output: np.ndarray


def sample_lengths(dist: LengthDist, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` token counts from a histogram: a class by weight, then uniform around its mean.

    The window (:meth:`~planner.serve.traffic.LengthDist.windows`) is the widest one centred
    on the class mean inside the class range, so the samples keep the distribution's mean (a
    plain uniform on the range would not).
    """
    cls = rng.choice(len(dist.values), size=n, p=np.asarray(dist.weights))
    centre, half = dist.windows()
    v, half = centre[cls], half[cls]
    return np.maximum(1, np.rint(v + (2.0 * rng.random(n) - 1.0) * half)).astype(int)


def generate_trace(traffic: Traffic, requests: int, seed: int) -> Trace:
    """A request trace for ``traffic``: Poisson or Gamma arrivals, histogram lengths."""
    if requests < 1:
        raise InputError(f"simulation: requests must be positive, got {requests}")
    rng = np.random.default_rng(seed)
    if traffic.qps is None:
        arrival = np.zeros(requests)
    else:
        scv = traffic.arrival_scv
        if scv <= 0:  # regular arrivals (a periodic trace); these were Poisson
            gaps = np.full(requests, 1.0 / traffic.qps)
        elif abs(scv - 1.0) < 1e-12:
            gaps = rng.exponential(1.0 / traffic.qps, requests)
        else:
            shape = 1.0 / scv
            gaps = rng.gamma(shape, 1.0 / (traffic.qps * shape), requests)
        arrival = np.cumsum(gaps) - gaps[0]
    return Trace(
        arrival,
        sample_lengths(traffic.prompt, requests, rng),
        sample_lengths(traffic.output, requests, rng),
    )


@dataclass
class _Request:
    rid: int
    arrival: float
    prompt: int
    output: int
    to_compute: int  # prompt tokens still to prefill (prefix-cache hits excluded)
    done_prefill: int = 0  # prompt tokens computed so far (positions)
    cached: int = 0
    generated: int = 0
    first: float = math.nan
    finish: float = math.nan
    context: int = 0
    held: float = 0.0  # KV-cache tokens the request holds on its current engine


@dataclass
class _Engine:
    """One engine's state; ``step`` returns the next iteration's duration and its effect."""

    role: str
    model: Any
    chunk: int
    kv_capacity: float
    reserve: bool
    waiting: deque = field(default_factory=deque)
    prefilling: list = field(default_factory=list)
    running: list = field(default_factory=list)
    kv_used: float = 0.0
    wake: Any = None


@dataclass
class _Step:
    """One planned iteration of an engine: decode sequences, their mean context and the mean
    keys their queries attend, the prompt tokens it computes, their attention work, the
    prompts it completes and the longest decode context (whether vLLM's V0 engine replays a
    CUDA graph, :func:`~planner.perfmodel.engines.replays_graph`)."""

    b: int
    ctx: float
    keys: float
    chunk_tokens: int
    work: float
    finishing: list
    longest: float = 0.0


def _kv_need(e: _Engine, req: _Request) -> float:
    """KV tokens to hold at admission: the context so far (+ the rest of the output if
    reserved), as the engine holds it (a windowed layer may keep only its window)."""
    return float(e.model.kv_held(req.prompt + (req.output if e.reserve else req.generated)))


def _release(e: _Engine, req: _Request) -> None:
    e.kv_used -= req.held
    req.held = 0.0


def _grow(e: _Engine, req: _Request, n: int) -> None:
    """``req`` has ``n`` more tokens of context (held from admission on when reserved)."""
    if e.reserve:
        return
    if e.model.frees_windowed_kv:
        n = float(e.model.kv_held(req.prompt + req.generated)) - req.held
    e.kv_used += n
    req.held += n


class Simulator:
    """SimPy simulation of a plan (see the module notes).

    Parameters
    ----------
    problem, plan
        The serving problem and a plan for it (groups with their load shares).
    seed
        Seed of the trace, the router and speculative acceptance.
    """

    def __init__(self, problem: ServingProblem, plan: ServingPlan, seed: int = 0) -> None:
        import simpy

        self.simpy = simpy
        self.problem = problem
        self.plan = plan
        self.rng = np.random.default_rng(seed + 1)
        self.env = simpy.Environment()
        self.engines: dict[str, list[_Engine]] = {"entry": [], "decode": []}
        self.shares: dict[str, list[float]] = {"entry": [], "decode": []}
        self.hit = problem.traffic.prefix_hit_rate
        reserve = problem.constraints.kv_admission == "reserve"
        #: engines that iterate together (the ``ep`` attention groups of a replica)
        self.lockstep: list[list[_Engine]] = []
        for g in plan.replicas:
            if g.count <= 0 or g.load_qps <= 0:
                continue
            eng_model = engine_for(*engine_key(problem, g))
            n = g.count * g.pp * g.ep
            chunk = g.chunk_tokens or (PREFILL_CHUNK_TOKENS if g.role == "prefill" else 2048)
            kind = "decode" if g.role == "decode" else "entry"
            made = []
            for _ in range(n):
                e = _Engine(g.role, eng_model, chunk, eng_model.kv_tokens, reserve)
                made.append(e)
                self.engines[kind].append(e)
                self.shares[kind].append(g.load_qps / n)
            if g.ep > 1:  # each replica's (pipeline slot's) attention groups run in lockstep
                self.lockstep += [made[i : i + g.ep] for i in range(0, n, g.ep)]
        if not self.engines["entry"]:
            raise InputError("simulation: the plan routes no traffic to any replica")
        if any(e.role == "prefill" for e in self.engines["entry"]) and not self.engines["decode"]:
            raise InputError("simulation: prefill replicas without decode replicas")
        self.done: list[_Request] = []

    # ------------------------------------------------------------------ routing
    def _pick(self, kind: str) -> _Engine:
        w = np.asarray(self.shares[kind])
        return self.engines[kind][int(self.rng.choice(len(w), p=w / w.sum()))]

    def _deliver(self, engine: _Engine, req: _Request) -> None:
        engine.waiting.append(req)
        if engine.wake is not None and not engine.wake.triggered:
            engine.wake.succeed()

    def _submit(self, i: int, at: float) -> None:
        """Request ``i`` of the trace arrives now (at time ``at``)."""
        p, o = int(self._trace.prompt[i]), int(self._trace.output[i])
        cached = math.floor(self.hit * p)
        req = _Request(i, at, p, o, p - cached, cached=cached)
        req.done_prefill = cached
        self._deliver(self._pick("entry"), req)

    def _arrivals(self, trace: Trace):
        for i in range(len(trace.arrival)):
            delay = trace.arrival[i] - self.env.now
            if delay > 0:
                yield self.env.timeout(delay)
            self._submit(i, float(trace.arrival[i]))

    def _finish(self, req: _Request) -> None:
        """``req`` is complete; a closed-loop client sends its next request at once."""
        self.done.append(req)
        if self._next < len(self._trace.arrival):
            self._submit(self._next, self.env.now)
            self._next += 1

    def _transfer(self, req: _Request, seconds: float):
        yield self.env.timeout(seconds)
        req.context = req.prompt + req.generated
        self._deliver(self._pick("decode"), req)

    # ------------------------------------------------------------------ engines
    def _admit(self, e: _Engine) -> None:
        """Move waiting requests into prefill (or decode) while the KV cache holds them."""
        while e.waiting:
            req = e.waiting[0]
            need = _kv_need(e, req)
            if e.kv_used + need > e.kv_capacity and (e.running or e.prefilling):
                return
            e.waiting.popleft()
            e.kv_used += need
            req.held = need
            if e.role == "decode":
                e.running.append(req)
            else:
                e.prefilling.append(req)

    def _preempt(self, e: _Engine) -> None:
        """Recompute preemption of the youngest running sequences while the cache overflows."""
        while e.kv_used > e.kv_capacity and len(e.running) > 1:
            req = max(e.running, key=lambda r: r.arrival)
            e.running.remove(req)
            _release(e, req)
            # its prompt and generated tokens are recomputed as a longer prompt
            req.to_compute = req.prompt + req.generated
            req.done_prefill = 0
            e.waiting.appendleft(req)

    def _plan(self, e: _Engine) -> _Step | None:
        """The next iteration of ``e`` (its prompt chunks taken), ``None`` when it is idle."""
        self._admit(e)
        if not e.running and not e.prefilling:
            return None
        b = len(e.running)
        contexts = np.array([r.context for r in e.running], dtype=float)
        ctx = float(np.mean(contexts)) if b else 0.0
        # each sequence's own keys (a chunk's drop back at its boundary), then their mean
        keys = float(np.mean(e.model.model.attention_keys(contexts))) if b else 0.0
        # the engine's own budget rule: vLLM V1 and TensorRT-LLM take the decode tokens (each
        # sequence's verified positions) out of it first, as the capacity model does
        budget = e.chunk
        if e.role == "both":
            spec = e.model.speculative
            q = spec.tokens + 1 if spec is not None else 1
            budget = int(prompt_budget(e.model.engine, e.chunk, q * b))
        chunk_tokens, work, finishing = 0, 0.0, []
        for req in e.prefilling:
            if budget <= 0:
                break
            take = min(budget, req.to_compute)
            s = req.done_prefill
            # causal keys of the chunk's queries (a windowed layer's attend its window)
            work += float(e.model.model.causal_attention_keys(s, s + take))
            chunk_tokens += take
            budget -= take
            if take == req.to_compute:
                finishing.append(req)
            req.to_compute -= take
            req.done_prefill += take
        longest = float(np.max(contexts)) if b else 0.0
        return _Step(b, ctx, keys, chunk_tokens, work, finishing, longest)

    def _duration(self, e: _Engine, step: _Step, moe_tokens: float | None = None) -> float:
        """Seconds of ``step`` on ``e``; ``moe_tokens``: the layer tokens its MoE layers run
        when they are those of several lockstep attention groups (each group's
        :meth:`~planner.perfmodel.stage.EngineModel.layer_tokens`, summed; default: this
        engine's times the replica's groups, the model's even split)."""
        tokens = np.array([step.b + step.chunk_tokens], float)
        layers = None
        if moe_tokens is not None:
            layers = e.model.layer_times(
                e.model.layer_tokens(tokens, step.b, step.longest),
                moe_tokens=np.array([moe_tokens], float),
            )
        dt = e.model.base_time(
            tokens, step.b, step.ctx, layers=layers, keys=step.keys, longest=step.longest
        )
        dt = float(dt[0])
        if step.work:
            dt += float(e.model.prefill_attention_time(step.work))
        return dt

    def _apply(self, e: _Engine, step: _Step) -> None:
        """The effects of ``step`` on ``e`` once it has run (at the current time)."""
        spec = e.model.speculative
        now = self.env.now
        for req in list(e.running):
            n = 1
            if spec is not None:
                while n <= spec.tokens and self.rng.random() < spec.acceptance:
                    n += 1
            n = min(n, req.output - req.generated)
            req.generated += n
            req.context += n
            _grow(e, req, n)
            if req.generated >= req.output:
                req.finish = now
                e.running.remove(req)
                _release(e, req)
                self._finish(req)
        for req in step.finishing:
            e.prefilling.remove(req)
            if math.isnan(req.first):
                req.generated = 1  # the prefill emits the first token
            req.context = req.prompt + req.generated
            _grow(e, req, 1)
            if e.role == "prefill":
                _release(e, req)
                transfer = float(e.model.kv_transfer_time(req.prompt))
                if math.isnan(req.first):
                    req.first = now + transfer
                if req.generated >= req.output:
                    req.finish = req.first
                    self._finish(req)
                else:
                    self.env.process(self._transfer(req, transfer))
                continue
            if math.isnan(req.first):
                req.first = now
            if req.generated >= req.output:
                req.finish = now
                _release(e, req)
                self._finish(req)
            else:
                e.running.append(req)
        if not e.reserve:
            self._preempt(e)

    def _engine(self, e: _Engine):
        while True:
            step = self._plan(e)
            if step is None:
                e.wake = self.env.event()
                yield e.wake
                e.wake = None
                continue
            yield self.env.timeout(self._duration(e, step))
            self._apply(e, step)

    def _lockstep(self, group: list[_Engine]):
        """Data-parallel attention groups of one replica (``ep > 1``) run their iterations
        together: each MoE layer gathers every group's tokens (SGLang
        ``--enable-dp-attention``: the scheduler all-gathers the groups' token counts every
        iteration and an idle group runs an empty batch to join the collectives), so an
        iteration lasts as long as the slowest group's, and its MoE layers run the tokens of
        all groups (a prompt chunk on one group delays the decode steps of all)."""
        while True:
            steps = [self._plan(e) for e in group]
            if all(s is None for s in steps):
                wake = self.env.event()  # any group's next request wakes the replica
                for e in group:
                    e.wake = wake
                yield wake
                for e in group:
                    e.wake = None
                continue
            # every group's layer tokens (speculative positions included) meet in the MoE layers
            total = sum(
                float(
                    e.model.layer_tokens(np.array([s.b + s.chunk_tokens], float), s.b, s.longest)[0]
                )
                for e, s in zip(group, steps, strict=True)
                if s is not None
            )
            dt = max(
                self._duration(e, s, total)
                for e, s in zip(group, steps, strict=True)
                if s is not None
            )
            yield self.env.timeout(dt)
            for e, s in zip(group, steps, strict=True):
                if s is not None:
                    self._apply(e, s)

    def run(
        self, trace: Trace, clients: int | None = None, deadline: Deadline | None = None
    ) -> list[_Request]:
        """Simulate ``trace`` to the last completion; the finished requests.

        With ``clients``, the trace's arrival times are ignored: that many closed-loop
        clients each send a request at time 0 and the next one as soon as theirs finishes
        (benchmark tools' "max concurrency"), until the trace's requests are used up.
        ``deadline``: wall-clock budget; :class:`SimulationTimeout` when it runs out first.
        """
        for group in self.lockstep:
            self.env.process(self._lockstep(group))
        grouped = {id(e) for group in self.lockstep for e in group}
        for kind in ("entry", "decode"):
            for e in self.engines[kind]:
                if id(e) not in grouped:
                    self.env.process(self._engine(e))
        self._trace = trace
        total = len(trace.arrival)
        if clients is None:
            self._next = total
            self.env.process(self._arrivals(trace))
        else:
            if clients < 1:
                raise InputError(f"simulation: clients must be positive, got {clients}")
            self._next = min(clients, total)
            for i in range(self._next):
                self._submit(i, 0.0)
        events = 0
        while len(self.done) < total:
            if self.env.peek() == math.inf:  # nothing scheduled: a request cannot fit
                raise InputError(
                    "simulation: a request does not fit any engine's KV cache; "
                    f"{len(self.done)} of {total} finished"
                )
            self.env.step()
            events += 1
            if deadline is not None and events % _CLOCK_EVERY == 0 and deadline.expired():
                raise SimulationTimeout(len(self.done), total, deadline.limit)
        return self.done


def tokens_between(done: list[Any], start: float, end: float) -> float:
    """Output tokens the requests emitted in ``[start, end]``.

    A request's first token is emitted at ``first``, the others evenly until ``finish``.
    """
    tokens = 0.0
    for r in done:
        if start <= r.first <= end:
            tokens += 1.0
        if r.output > 1:
            length = r.finish - r.first
            inside = min(r.finish, end) - max(r.first, start)
            if length <= 0:
                tokens += (r.output - 1) * float(start <= r.finish <= end)
            elif inside > 0:
                tokens += (r.output - 1) * inside / length
    return tokens


def warmup_requests(trace: Trace, share: float = WARMUP_SHARE) -> int:
    """Requests at the head of ``trace`` that :func:`simulate` leaves out as its warm-up.

    ``floor(share * n)`` of an online trace (the server starts empty); none offline, where
    every request arrives at time 0 and the run has no steady state to warm up to.
    """
    if not 0.0 <= share < 1.0:
        raise InputError(f"simulation: warm-up share must be in [0, 1), got {share}")
    arrival = trace.arrival
    if arrival.size == 0 or float(arrival[-1]) <= float(arrival[0]):
        return 0
    return math.floor(share * arrival.size)


def _window_tokens(done: list[_Request], trace: Trace, first: int = 0) -> tuple[float, float]:
    """(output tokens emitted in the arrival window, its length); offline: the whole run.

    ``first``: the window starts at that request's arrival (the warm-up before it is left out).
    """
    start, end = float(trace.arrival[first]), float(trace.arrival[-1])
    if end <= start:
        return float(sum(r.output for r in done)), max(r.finish for r in done) - start
    return tokens_between(done, start, end), end - start


def simulate_requests(
    problem: ServingProblem,
    plan: ServingPlan,
    *,
    requests: int = DEFAULT_REQUESTS,
    seed: int = 0,
    qps: float | None = None,
    deadline: Deadline | None = None,
) -> tuple[Trace, list[Any]]:
    """The trace and its finished requests (``arrival``, ``first``, ``finish``, ``output``).

    ``qps`` defaults to the plan's served rate (offline when the problem has no rate);
    ``deadline`` as in :meth:`Simulator.run`.
    """
    rate = qps if qps is not None else (plan.served_qps() if problem.traffic.qps else None)
    trace = generate_trace(problem.traffic.with_qps(rate), requests, seed)
    return trace, Simulator(problem, plan, seed).run(trace, deadline=deadline)


def latencies(done: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per-request TTFT and TPOT (requests with one output token have no TPOT)."""
    ttft = np.array([r.first - r.arrival for r in done])
    tpot = np.array([(r.finish - r.first) / (r.output - 1) for r in done if r.output > 1])
    return ttft, tpot


def simulate(
    problem: ServingProblem,
    plan: ServingPlan,
    *,
    requests: int = DEFAULT_REQUESTS,
    seed: int = 0,
    qps: float | None = None,
    time_limit: float | None = None,
    warmup: float = WARMUP_SHARE,
) -> dict[str, Any]:
    """Simulate ``plan`` on a generated trace; TTFT / TPOT percentiles and throughput.

    Parameters
    ----------
    problem, plan
        The serving problem and a plan (its groups' ``load_qps`` split the traffic).
    requests, seed
        Size and seed of the trace (fixed so that the p99 is reproducible).
    qps
        Arrival rate (default: the plan's served rate, or offline when the problem has none).
    time_limit
        Wall-clock seconds for the simulation (``None``: no limit).
    warmup
        Share of the trace's first arrivals left out of the percentiles and the throughput
        (:func:`warmup_requests`; none offline).

    Returns
    -------
    dict
        ``ttft_p50_s``, ``ttft_p99_s``, ``tpot_p50_s``, ``tpot_p99_s`` (of the requests after
        the warm-up), ``throughput_tokens_per_s`` (output tokens emitted while those requests
        arrive, over that window, so neither the empty start nor the drain after the last
        arrival dilutes it; offline: all tokens over the whole run), ``requests`` (the
        trace's), ``warmup_requests`` (left out), ``seed``, ``complete``; when the time limit runs
        out first the percentiles and throughput are ``None`` (those of the requests finished
        so far would be biased towards the trace's start) and ``reason`` says how far it got.
    """
    if not 0.0 <= warmup < 1.0:
        raise InputError(f"simulation: warm-up share must be in [0, 1), got {warmup}")
    deadline = Deadline(time_limit) if time_limit is not None else None
    try:
        trace, done = simulate_requests(
            problem, plan, requests=requests, seed=seed, qps=qps, deadline=deadline
        )
    except SimulationTimeout as stop:
        metrics = ("ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s")
        return {
            **dict.fromkeys(metrics),
            "throughput_tokens_per_s": None,
            "requests": requests,
            "warmup_requests": None,
            "seed": seed,
            "complete": False,
            "reason": str(stop),
        }
    first = warmup_requests(trace, warmup)
    ttft, tpot = latencies([r for r in done if r.rid >= first])
    tokens, span = _window_tokens(done, trace, first)

    def pct(x: np.ndarray, q: float) -> float | None:
        return float(np.percentile(x, q)) if x.size else None

    return {
        "ttft_p50_s": pct(ttft, 50),
        "ttft_p99_s": pct(ttft, 99),
        "tpot_p50_s": pct(tpot, 50),
        "tpot_p99_s": pct(tpot, 99),
        "throughput_tokens_per_s": float(tokens / span) if span > 0 else None,
        "requests": len(done),
        "warmup_requests": first,
        "seed": seed,
        "complete": True,
    }


__all__ = [
    "DEFAULT_REQUESTS",
    "WARMUP_SHARE",
    "SimulationTimeout",
    "Simulator",
    "Trace",
    "generate_trace",
    "latencies",
    "simulate",
    "simulate_requests",
    "tokens_between",
    "warmup_requests",
]
