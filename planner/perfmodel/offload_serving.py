"""Serving a MoE model under an expert-offload plan: what the plan file says, and its step term.

An offload plan (format ``planner.offload.plan/1``, written by ``planner solve offload`` under
``stats.plan``) reaches the serving planner as data, never as an import of the offload family:
:class:`OffloadPlan` reads the fields the serving step needs, :func:`offload_layer_time` prices
them with the expert terms of :mod:`planner.perfmodel.experts` (the same per-call / per-token
lines and copy times the offload family's hardware is built from).

Per MoE layer of one engine iteration routing ``n`` tokens (each to ``top_k`` experts):

* GPU: the resident experts' GEMMs stay in the engine's MoE layer time (which still counts
  every routed token, so the GPU side is over-counted by the misses' share: conservative);
* CPU: the ``(1 - hit_rate) n top_k`` missed token-expert assignments run on the host CPU
  the plan was made for (its ``cpu_token_us`` / ``cpu_call_us``, the offload instance's
  coefficients; a CPU named by the serving problem instead, or for an older plan without
  them the catalogue CPU it names or :data:`DEFAULT_CPU`:
  :func:`~planner.perfmodel.experts.cpu_expert_coefficients`, roofline at the CPU's peak),
  as calls to ``E (1 - (1 - 1/E)^misses)`` distinct experts (misses spread uniformly over
  the layer's ``E`` routed experts); the layer waits for them after its GPU experts (no
  CPU / GPU overlap: conservative);
* copies: the plan's mean bytes moved per step, split evenly over its MoE layers, over the
  host link at the plan's ``h2d_gb_s`` plus :data:`~planner.perfmodel.experts.COPY_LATENCY_S`
  per expert copied; when the plan says ``overlap`` a layer's copies hide behind the layer
  before (approximated by this layer's own compute time;
  :func:`~planner.perfmodel.experts.hidden_copy_time`, as in the offload family's
  evaluator), otherwise they add.

Assumptions (no fitted constant): the plan's hit rate and bytes per step hold at the serving
batch (one engine iteration is one step of the plan's trace; the plan's refresh schedule does
not depend on the batch); the replica's ranks share the resident experts and the copies
evenly (each rank copies its ``1 / (tp ep)`` share of an expert over its own host link).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError
from planner.perfmodel.experts import (
    COPY_LATENCY_S,
    CPU_CALL_OVERHEAD_S,
    CPUS,
    SWIGLU_MATRICES,
    cpu_expert_coefficients,
    expert_bytes,
    expert_calls_time,
    hidden_copy_time,
)
from planner.perfmodel.precision import PRECISIONS

if TYPE_CHECKING:
    from planner.perfmodel.model_spec import ModelSpec

#: The plan format this reader understands (``planner.offload.evaluate.PLAN_FORMAT``).
PLAN_FORMAT = "planner.offload.plan/1"
#: Host CPU of the CPU experts when the problem names none (the offload family's default).
DEFAULT_CPU = "xeon-8380"


@dataclass(frozen=True)
class OffloadPlan:
    """The fields of an offload plan the serving step uses (hashable: engines are cached).

    Attributes
    ----------
    source
        Where the plan came from (a file name, or ``inline``).
    model
        The offload instance's model name (informational).
    layers, experts, shared_experts, top_k
        MoE layers, routed experts per layer, shared experts per layer, experts per token.
    expert_bytes
        Bytes of one expert's weights.
    resident_bytes_max
        Largest GPU-resident expert bytes over the plan's steps (shared experts included).
    hit_rate
        Share of routed token-expert assignments served by resident experts.
    bytes_per_step
        Mean bytes copied host to device per step.
    overlap
        Copies hide behind the previous layer's compute.
    h2d_gb_s
        Host-to-device bandwidth, GB/s.
    cpu
        Host CPU name in :data:`planner.perfmodel.experts.CPUS` (used without
        ``cpu_token_us``).
    cpu_token_us, cpu_call_us
        One expert's CPU time per token and per call (at ``expert_bytes``) on the CPU the
        plan was made for: the offload instance's coefficients; ``None`` for a plan written
        before they were, or when the serving problem names its CPU (then ``cpu`` prices
        the misses).
    cpu_assumed
        True when neither the plan nor the serving problem named the CPU (``cpu`` is
        :data:`DEFAULT_CPU` by assumption).
    """

    source: str
    model: str
    layers: int
    experts: int
    shared_experts: int
    top_k: int
    expert_bytes: int
    resident_bytes_max: int
    hit_rate: float
    bytes_per_step: float
    overlap: bool
    h2d_gb_s: float
    cpu: str = DEFAULT_CPU
    cpu_token_us: float | None = None
    cpu_call_us: float | None = None
    cpu_assumed: bool = False

    def __post_init__(self) -> None:
        if self.cpu not in CPUS:
            raise InputError(
                f"{self.source}: field 'cpu': unknown CPU {self.cpu!r} (known: {', '.join(CPUS)})"
            )

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "inline", cpu: str | None = None) -> OffloadPlan:
        """Read a plan object: the ``stats.plan`` of a ``planner solve offload`` result, that
        result itself, or the plan alone. Raises :class:`InputError` naming ``source`` and
        the field.

        ``cpu`` (a catalogue name, from the serving problem) prices the CPU experts instead
        of the plan's own coefficients; without it the plan's ``cpu_token_us`` /
        ``cpu_call_us`` do, or for an older plan its ``cpu`` name or :data:`DEFAULT_CPU`."""
        if isinstance(data, Mapping) and "stats" in data and isinstance(data["stats"], Mapping):
            if "plan" not in data["stats"]:  # was "field 'format': expected ..., got None"
                raise InputError(
                    f"{source}: a solve result ({data.get('family')!r}, status "
                    f"{data.get('status')!r}) with no offload plan in its stats"
                )
            data = data["stats"]["plan"]
        if not isinstance(data, Mapping):
            raise InputError(f"{source}: expected a JSON object (an offload plan)")
        fmt = data.get("format")
        if fmt is None and "counts" in data and "hardware" in data:
            # the trace itself (`planner gen offload -o mix.json`; docs/serve.md runs both)
            raise InputError(
                f"{source}: a routing trace, not an offload plan; plan it first with "
                f"`planner solve offload {'TRACE' if source == 'inline' else source} -o "
                "plan.json` and pass plan.json"
            )
        if fmt != PLAN_FORMAT:
            raise InputError(f"{source}: field 'format': expected {PLAN_FORMAT!r}, got {fmt!r}")

        def field(name: str, kind: type, low: float = 0.0, high: float = math.inf) -> Any:
            if name not in data:
                raise InputError(f"{source}: missing field {name!r}")
            value = data[name]
            ok = isinstance(value, bool) if kind is bool else not isinstance(value, bool)
            if ok and kind is int:
                ok = isinstance(value, int)
            elif ok and kind is float:
                ok = isinstance(value, int | float) and math.isfinite(value)
            if not ok or (kind is not bool and not low <= value <= high):
                raise InputError(f"{source}: field {name!r}: invalid value {value!r}")
            return value

        token = call = None
        if cpu is None and ("cpu_token_us" in data or "cpu_call_us" in data):
            token, call = float(field("cpu_token_us", float)), float(field("cpu_call_us", float))
        named = cpu if cpu is not None else data.get("cpu")
        layers, experts = field("layers", int, 1), field("experts", int, 1)
        per_expert = field("expert_bytes", int, 1)
        moved = float(field("mean_bytes_moved_per_step", float, 0.0))
        # a step loads each routed expert of a layer at most once (the offload evaluator's
        # loads); 1e308 overflowed the copy time to NaN and came back OPTIMAL at 0 req/s
        most = float(layers) * experts * per_expert
        if moved > most:
            raise InputError(
                f"{source}: field 'mean_bytes_moved_per_step': {moved:g} is more than every "
                f"routed expert copied once per step (layers x experts x expert_bytes = "
                f"{most:g})"
            )
        return cls(
            source=source,
            model=str(data.get("model", "")),
            layers=layers,
            experts=experts,
            shared_experts=field("shared_experts", int, 0),
            top_k=field("top_k", int, 1),
            expert_bytes=per_expert,
            resident_bytes_max=field("resident_bytes_max", int, 0),
            hit_rate=float(field("hit_rate", float, 0.0, 1.0)),
            bytes_per_step=moved,
            overlap=field("overlap", bool),
            h2d_gb_s=float(field("h2d_gb_s", float, 1e-9)),
            cpu=DEFAULT_CPU if named is None else str(named),
            cpu_token_us=token,
            cpu_call_us=call,
            cpu_assumed=named is None and token is None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The plan fields in the plan file's names (readable back by :meth:`from_dict`)."""
        out = {
            "format": PLAN_FORMAT,
            "source": self.source,
            "model": self.model,
            "layers": self.layers,
            "experts": self.experts,
            "shared_experts": self.shared_experts,
            "top_k": self.top_k,
            "expert_bytes": self.expert_bytes,
            "resident_bytes_max": self.resident_bytes_max,
            "hit_rate": self.hit_rate,
            "mean_bytes_moved_per_step": self.bytes_per_step,
            "overlap": self.overlap,
            "h2d_gb_s": self.h2d_gb_s,
        }
        if not self.cpu_assumed:  # an assumed CPU stays assumed when read back
            out["cpu"] = self.cpu
        if self.cpu_token_us is not None:
            out.update(cpu_token_us=self.cpu_token_us, cpu_call_us=self.cpu_call_us)
        return out

    @property
    def cpu_label(self) -> str:
        """Which CPU prices the misses, for reports."""
        if self.cpu_token_us is not None:
            return (
                f"of the plan ({self.cpu_token_us:.3g} us/token, "
                f"{self.cpu_call_us:.3g} us/call per expert)"
            )
        return f"{self.cpu} (assumed: the plan names no CPU)" if self.cpu_assumed else self.cpu

    def cpu_expert_coefficients(
        self, hidden: int, intermediate: int, dtype_bytes: float
    ) -> tuple[float, float]:
        """``(per_token_s, per_call_s)`` of one CPU expert whose weights take ``dtype_bytes``
        per parameter.

        With the plan's coefficients (measured at its own ``expert_bytes``) the part of a
        call above :data:`~planner.perfmodel.experts.CPU_CALL_OVERHEAD_S` is the weight
        read, so it scales with the weight bytes (the roofline form the offload family's
        coefficients are built with); the per-token FLOP time does not change.
        """
        if self.cpu_token_us is None or self.cpu_call_us is None:
            return cpu_expert_coefficients(CPUS[self.cpu], hidden, intermediate, dtype_bytes)
        per_token, per_call = self.cpu_token_us * 1e-6, self.cpu_call_us * 1e-6
        plan_dtype = self.expert_bytes / (SWIGLU_MATRICES * hidden * intermediate)
        read = max(0.0, per_call - CPU_CALL_OVERHEAD_S)
        return per_token, per_call - read + read * dtype_bytes / plan_dtype

    @property
    def resident_routed_bytes(self) -> float:
        """Resident bytes of routed experts (the shared experts sit with the dense weights)."""
        shared = self.layers * self.shared_experts * self.expert_bytes
        return float(max(0, self.resident_bytes_max - shared))

    @property
    def resident_routed_experts(self) -> float:
        """Resident routed experts over all layers (at most), whatever their precision."""
        return self.resident_routed_bytes / self.expert_bytes

    def check_model(self, model: ModelSpec) -> None:
        """Raise :class:`InputError` unless the serving ``model`` has the plan's MoE shape.

        Checked, in the plan's field names: ``layers`` (the model's MoE layers), ``experts``
        (routed experts per layer), ``top_k``, ``shared_experts`` (the model's shared expert
        block in routed experts' worth, ``shared_ffn / moe_ffn``: Qwen1.5-MoE's one block of
        5632 is the offload preset's 4 experts of 1408, DeepSeek's ``n_shared_experts`` of
        ``moe_intermediate_size`` each) and ``expert_bytes`` (one routed expert,
        :func:`~planner.perfmodel.experts.expert_bytes` of the model's ``hidden`` and
        ``moe_intermediate_size`` at the bytes per weight of one of the known precisions:
        the plan may have been made at another precision than the one served, whose bytes
        :func:`offload_layer_time` scales to, but not for another expert shape).
        """
        shared = model.shared_ffn / model.moe_ffn if model.moe_ffn else 0.0
        for name, mine, theirs in (
            ("layers", self.layers, model.moe_layers),
            ("experts", self.experts, model.num_experts),
            ("top_k", self.top_k, model.experts_per_token),
            ("shared_experts", self.shared_experts, shared),
        ):
            if mine != theirs:
                raise InputError(
                    f"{self.source}: field {name!r}: the plan has {mine}, "
                    f"the serving model {model.name} has {theirs:g}"
                )
        sizes = {
            p.name: expert_bytes(model.hidden, model.moe_ffn, p.bytes) for p in PRECISIONS.values()
        }
        if self.expert_bytes not in sizes.values():
            listed = ", ".join(f"{n} {b}" for n, b in sizes.items() if n in ("bf16", "fp8", "fp4"))
            raise InputError(
                f"{self.source}: field 'expert_bytes': the plan has {self.expert_bytes}, "
                f"the serving model {model.name} has {listed} ({SWIGLU_MATRICES} x hidden {model.hidden} x "
                f"moe_intermediate_size {model.moe_ffn} weights): a plan for another model"
            )


def offload_layer_time(
    plan: OffloadPlan,
    tokens: np.ndarray | float,
    layer_s: np.ndarray | float,
    *,
    hidden: int,
    intermediate: int,
    shards: int = 1,
    weight_bytes: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(cpu_s, exposed_copy_s)`` one MoE layer adds to an iteration (see the module docstring).

    Parameters
    ----------
    plan
        The offload plan.
    tokens
        Tokens the layer routes (all attention groups of the replica), element-wise.
    layer_s
        The layer's GPU seconds (what copies hide behind under ``overlap``).
    hidden, intermediate
        The expert's shape.
    shards
        Ranks sharing each expert's copy (``tp * ep`` of the replica).
    weight_bytes
        Bytes per expert weight as served (``None``: the plan's, from its ``expert_bytes``):
        the plan fixes which experts move and run where, the serving precision their bytes.
    """
    n = np.maximum(np.asarray(tokens, dtype=np.float64), 0.0)
    plan_dtype = plan.expert_bytes / (SWIGLU_MATRICES * hidden * intermediate)
    dtype_bytes = plan_dtype if weight_bytes is None else weight_bytes
    per_token, per_call = plan.cpu_expert_coefficients(hidden, intermediate, dtype_bytes)
    misses = (1.0 - plan.hit_rate) * n * plan.top_k
    E = float(plan.experts)
    calls = E * (1.0 - np.power(1.0 - 1.0 / E, misses)) if E > 1 else np.minimum(misses, 1.0)
    cpu = expert_calls_time(calls, misses, per_token, per_call)
    copies = plan.bytes_per_step / plan.layers / plan.expert_bytes  # experts copied per layer
    per_layer_bytes = copies * SWIGLU_MATRICES * hidden * intermediate * dtype_bytes
    copy = per_layer_bytes / shards / (plan.h2d_gb_s * 1e9) + copies * COPY_LATENCY_S
    copy = np.full_like(n, copy)
    return cpu, copy - hidden_copy_time(copy, layer_s, plan.overlap)


def load_offload_plan(path: str, *, cpu: str | None = None) -> OffloadPlan:
    """Read an offload plan JSON file (``planner solve offload -o FILE``)."""
    import json
    from pathlib import Path

    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: no such offload plan file") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a JSON offload plan ({exc})") from None
    return OffloadPlan.from_dict(data, source=str(path), cpu=cpu)


__all__ = ["DEFAULT_CPU", "PLAN_FORMAT", "OffloadPlan", "load_offload_plan", "offload_layer_time"]
