"""Online policies: the interface, the step-by-step driver and a vectorized plan cost.

A policy sees a :class:`Context` (model, hardware, budget split, block
structure -- no token counts) and is then asked, step by step, for the
resident set of every layer given that step's counts and the current
residency. The driver hands it step ``s``'s counts only at step ``s``, so a
policy cannot look ahead (the offline methods, Belady and the MIP, are not
policies). With a global budget, policies split the routed slots evenly
over layers, as TIDE sizes its per-layer budget from the free memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from planner.core.timing import Deadline
from planner.offload.instance import Instance
from planner.perfmodel.experts import expert_time, hidden_copy_time


@dataclass(frozen=True)
class Context:
    """What a policy knows before the first step (no routing data).

    Attributes
    ----------
    steps, layers, experts, top_k, shared_experts
        Shape of the trace and of the model.
    capacity
        Routed experts each layer may hold, ``[layers]``.
    initial
        Resident routed experts before step 0, ``[layers, experts]`` bool.
    block, position
        Block index and step within the block of every step (one block when
        autoregressive); ``diffusion`` tells which.
    block_end
        Last step of each step's block, ``[steps]``.
    gpu_token_s, gpu_call_s, cpu_token_s, cpu_call_s
        Expert call costs, seconds.
    copy_s
        Seconds to copy one expert to the GPU.
    overlap
        Whether copies hide behind the previous layer's compute.
    """

    steps: int
    layers: int
    experts: int
    top_k: int
    shared_experts: int
    capacity: np.ndarray
    initial: np.ndarray
    block: np.ndarray
    position: np.ndarray
    block_end: np.ndarray
    diffusion: bool
    gpu_token_s: float
    gpu_call_s: float
    cpu_token_s: float
    cpu_call_s: float
    copy_s: float
    overlap: bool

    @classmethod
    def of(cls, instance: Instance) -> Context:
        """The context of ``instance`` (everything but its counts)."""
        hw = instance.hardware
        block, position = instance.block_positions()
        ends = np.zeros(instance.steps, dtype=np.int64)
        for b in np.unique(block):
            where = np.flatnonzero(block == b)
            ends[where] = where[-1]
        return cls(
            steps=instance.steps,
            layers=instance.layers,
            experts=instance.experts,
            top_k=instance.model.top_k,
            shared_experts=instance.model.shared_experts,
            capacity=instance.layer_capacities(),
            initial=instance.initial_mask(),
            block=block,
            position=position,
            block_end=ends,
            diffusion=instance.blocks is not None,
            gpu_token_s=hw.gpu_token_us * 1e-6,
            gpu_call_s=hw.gpu_call_us * 1e-6,
            cpu_token_s=hw.cpu_token_us * 1e-6,
            cpu_call_s=hw.cpu_call_us * 1e-6,
            copy_s=instance.copy_s,
            overlap=hw.overlap,
        )

    def gpu_time(self, counts: np.ndarray) -> np.ndarray:
        """GPU seconds of expert calls with ``counts`` tokens (element-wise)."""
        return expert_time(counts, self.gpu_token_s, self.gpu_call_s)

    def cpu_time(self, counts: np.ndarray) -> np.ndarray:
        """CPU seconds of expert calls with ``counts`` tokens (element-wise)."""
        return expert_time(counts, self.cpu_token_s, self.cpu_call_s)

    def shared_time(self, counts: np.ndarray) -> np.ndarray:
        """GPU seconds of the shared experts for each layer's tokens (``counts [..., experts]``)."""
        tokens = counts.sum(axis=-1) / self.top_k
        return self.shared_experts * expert_time(tokens, self.gpu_token_s, self.gpu_call_s)


class Policy(Protocol):
    """An online residency policy."""

    def start(self, context: Context) -> None:
        """Called once before step 0."""

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        """Resident routed experts for ``step`` (``[layers, experts]`` bool).

        ``counts`` is this step's routing ``[layers, experts]``; ``resident``
        what is on the GPU now (the previous step's set, or the initial one).
        """


#: Steps between two looks at the deadline while a policy runs.
CHECK_EVERY = 32


class StepDeadline(Deadline):
    """A policy's deadline that also counts what its decided steps will cost afterwards.

    Every decided step may hold a new resident set per layer, and each such row
    costs time once the policy stops (expert lists, the check, the JSON answer);
    the rows of undecided steps repeat the last set and cost almost nothing.

    Parameters
    ----------
    time_limit
        Seconds for deciding steps and the rows of the decided steps together.
    step_s
        Seconds the answer spends on one decided step (all its layers).
    """

    def __init__(self, time_limit: float | None, step_s: float) -> None:
        super().__init__(time_limit)
        self.step_s = step_s

    def expired_after(self, decided: int) -> bool:
        """True once deciding more steps would leave no time for the rows of ``decided``."""
        return self.elapsed() + self.step_s * decided >= self.limit


def out_of_time(deadline: Deadline | None, decided: int) -> bool:
    """True when a driver that has decided ``decided`` steps must stop (a
    :class:`StepDeadline` also counts the answer time of those steps)."""
    if deadline is None:
        return False
    if isinstance(deadline, StepDeadline):
        return deadline.expired_after(decided)
    return deadline.expired()


def simulate(instance: Instance, policy: Policy) -> np.ndarray:
    """Run ``policy`` over the trace; the plan as a ``[steps, layers, experts]`` mask.

    Raises ``RuntimeError`` if the policy exceeds a layer's capacity (a bug,
    never an input problem).
    """
    return simulate_until(instance, policy, None)[0]


def simulate_until(
    instance: Instance, policy: Policy, deadline: Deadline | None
) -> tuple[np.ndarray, int]:
    """:func:`simulate` within ``deadline``: the plan and the number of steps the policy decided.

    When the deadline passes first, the later steps keep the last resident set
    (a valid plan: no copies, the capacity already checked), so a caller always
    has a plan to certify and can say where the policy stopped.
    """
    return drive_until(Context.of(instance), instance.counts, policy, deadline)


def drive(context: Context, trace: np.ndarray, policy: Policy) -> np.ndarray:
    """Feed ``policy`` the ``[steps, layers, experts]`` trace step by step; its plan mask.

    Raises ``RuntimeError`` if the policy exceeds a layer's capacity.
    """
    return drive_until(context, trace, policy, None)[0]


def drive_until(
    context: Context, trace: np.ndarray, policy: Policy, deadline: Deadline | None
) -> tuple[np.ndarray, int]:
    """:func:`drive` within ``deadline`` (see :func:`simulate_until`)."""
    policy.start(context)
    every = int(getattr(policy, "check_every", CHECK_EVERY))  # a slow policy looks more often
    resident = context.initial.copy()
    out = np.zeros(trace.shape, dtype=bool)
    for s in range(trace.shape[0]):
        if s and s % every == 0 and out_of_time(deadline, s):
            out[s:] = resident
            return out, s
        counts = np.array(trace[s])  # a copy: a policy must not write into the trace
        resident = np.asarray(policy.decide(s, counts, resident.copy()), dtype=bool)
        if resident.shape != counts.shape:
            raise RuntimeError(
                f"policy returned a {list(resident.shape)} mask at step {s}, "
                f"expected [layers, experts] = {list(counts.shape)}"
            )
        over = resident.sum(axis=1) > context.capacity
        if over.any():
            raise RuntimeError(f"policy exceeded layer {int(np.argmax(over))} capacity at step {s}")
        out[s] = resident
    return out, trace.shape[0]


def plan_times(instance: Instance, mask: np.ndarray) -> np.ndarray:
    """Modeled seconds of every (step, layer) of a plan mask, vectorized (``[steps, layers]``).

    Same cost model as :func:`planner.offload.evaluate.evaluate` (which walks
    the plan with its own loops and is the reference); this one is for
    policies that compare many plans.
    """
    S, L = instance.steps, instance.layers
    compute = np.empty((S, L))
    copy = np.empty((S, L))
    last = instance.initial_mask()  # resident set before the chunk's first step
    for lo, hi in instance.step_chunks():  # bounded memory on long traces
        gpu, cpu, shared = instance.cost_chunk(lo, hi)
        part = mask[lo:hi]
        compute[lo:hi] = np.maximum(shared + (gpu * part).sum(axis=2), (cpu * ~part).sum(axis=2))
        previous = np.concatenate([last[None], part[:-1]], axis=0)
        copy[lo:hi] = (part & ~previous).sum(axis=2) * instance.copy_s
        last = part[-1]
    if not instance.hardware.overlap:
        return compute + copy
    before = np.concatenate([[0.0], compute.ravel()[:-1]]).reshape(compute.shape)
    return compute + copy - hidden_copy_time(copy, before, True)


def top_by(score: np.ndarray, k: int, eligible: np.ndarray) -> np.ndarray:
    """Mask of the ``k`` eligible items with the highest score (ties: lower index first)."""
    out = np.zeros(score.shape, dtype=bool)
    if k <= 0:
        return out
    idx = np.flatnonzero(eligible)
    if len(idx) > k:
        order = np.argsort(-score[idx], kind="stable")[:k]
        idx = idx[order]
    out[idx] = True
    return out
