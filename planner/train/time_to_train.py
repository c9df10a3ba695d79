"""Time and cost to train on a number of tokens (``plan train --tokens 15T``).

Wall-clock time counts three things beyond the steps themselves:

* **Checkpoint writes.** A checkpoint holds the model states that a restart
  needs: the working weights and the optimizer states (master copy and Adam
  moments) of every trained parameter, at the bytes the software settings say
  (:class:`~planner.perfmodel.options.Software`). It is written at the
  storage's aggregate write bandwidth (an assumption, ``--checkpoint-gbps``):
  by default :data:`WRITE_BYTES_PER_GPU` per GPU, Llama 3's storage (Meta's
  Tectonic: 2 TB/s sustained, for a 16,384-GPU job) divided by that job's GPUs.
  Training pauses while a checkpoint is written (no asynchronous checkpointing).
* **Failures.** Unexpected interruptions arrive at a rate per GPU-hour
  (``--failure-rate``); the default comes from Llama 3 (Dubey et al. 2024,
  section 3.3.4): 419 unexpected interruptions in a 54-day snapshot of
  pre-training on 16,384 H100 GPUs, i.e. 419 / (54 x 24 x 16,384) =
  1.97e-5 per GPU-hour. Each one loses, on average, half a checkpoint
  interval of work and costs a restart (``--restart-minutes``, an assumption)
  plus reading the checkpoint back at the same bandwidth.
* **The checkpoint interval.** By default Young's optimum
  ``sqrt(2 C / lambda)`` (``C`` the write time, ``lambda`` the job's failure
  rate per hour), or ``--checkpoint-every`` hours.

With ``T`` the pure step time, ``I`` the interval, ``R`` the restart cost and
``lambda`` the job's failure rate, the expected wall time is
``W = T (1 + C / I) / (1 - lambda (I / 2 + R))`` (checkpoints during productive
time; failures during the whole run). When ``lambda (I / 2 + R) >= 1`` the run
never finishes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from planner.core import validate
from planner.core.errors import InputError

#: Llama 3 (arXiv 2407.21783, section 3.3.4): unexpected interruptions in 54 days on 16,384 GPUs.
LLAMA3_INTERRUPTIONS = 419
LLAMA3_DAYS = 54
LLAMA3_GPUS = 16_384
#: Unexpected interruptions per GPU-hour (the default failure rate).
FAILURE_RATE_PER_GPU_HOUR = LLAMA3_INTERRUPTIONS / (LLAMA3_DAYS * 24 * LLAMA3_GPUS)
#: Default checkpoint write bandwidth per GPU of the job, bytes/s: Llama 3's Tectonic storage,
#: 2 TB/s sustained (arXiv 2407.21783, section 3.3.1), shared by a 16,384-GPU job.
WRITE_BYTES_PER_GPU = 2e12 / LLAMA3_GPUS
#: Default minutes from a failure to training again, checkpoint read not included (assumption:
#: detection, rescheduling, process start and NCCL initialisation).
RESTART_MINUTES = 10.0

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}


def parse_tokens(text: str, flag: str = "--tokens") -> float:
    """``15T``, ``2.5B``, ``300M``, ``1e12`` or ``15000000000000`` -> tokens.

    Raises
    ------
    InputError
        Anything else, or a count that is not positive.
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMbBgGtTpP]?)\s*", text)
    if not match:
        raise InputError(f"{flag} {text!r}: expected a token count such as 15T, 2.5B or 1e12")
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{flag} {text!r}: must be a positive number of tokens")
    if abs(value - round(value)) > 1e-9 * max(1.0, value):  # float rounding of 1.1B passes
        # --tokens 0.5 and 1.5 were planned with half a token (s30bad; serve refuses
        # fractional token counts since s29bad)
        raise InputError(f"{flag} {text!r}: must be a whole number of tokens")
    return value


def token_count(tokens: float) -> str:
    """``15T``, ``2.5B``, ``300M``: the way ``--tokens`` takes it (the title read
    "1.5e+13 tokens" for ``--tokens 15T``)."""
    for suffix, scale in (("P", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if tokens >= scale:
            return f"{tokens / scale:.4g}{suffix}"
    return f"{tokens:.4g}"


@dataclass(frozen=True)
class TrainingRun:
    """Assumptions of a training run beyond the step (see the module docstring).

    Attributes
    ----------
    tokens
        Tokens to train on.
    failure_rate
        Unexpected interruptions per GPU-hour.
    checkpoint_bytes_per_s
        Aggregate checkpoint write (and read) bandwidth, bytes/s; ``None``:
        :data:`WRITE_BYTES_PER_GPU` times the plan's GPUs.
    checkpoint_every_h
        Hours between checkpoints; ``None``: Young's optimum.
    restart_minutes
        Minutes from a failure to training again (the checkpoint read is added).
    """

    tokens: float
    failure_rate: float = FAILURE_RATE_PER_GPU_HOUR
    checkpoint_bytes_per_s: float | None = None
    checkpoint_every_h: float | None = None
    restart_minutes: float = RESTART_MINUTES

    def __post_init__(self) -> None:
        checks = (
            (validate.arg("tokens"), self.tokens, False),
            (validate.arg("failure_rate"), self.failure_rate, True),
            # a field, not the CLI's flag: --checkpoint-gbps is in GB/s and checked by the CLI
            ("checkpoint_bytes_per_s", self.checkpoint_bytes_per_s, False),
            (
                validate.arg("checkpoint_every_h", "--checkpoint-every"),
                self.checkpoint_every_h,
                False,
            ),
            (validate.arg("restart_minutes"), self.restart_minutes, True),
        )
        for flag, value, zero_ok in checks:
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
                or (value == 0 and not zero_ok)
            ):
                kind = "a number >= 0" if zero_ok else "a positive number"
                raise InputError(f"{flag}: expected {kind}, got {value!r}")


def checkpoint_bytes(problem: Any) -> float:
    """Bytes of one checkpoint: working weights + optimizer states of the trained parameters."""
    sw = problem.software
    trained = problem.model.params_total * sw.base_trainable
    return trained * (sw.weight_bytes + sw.optimizer_bytes)


def time_to_train(
    problem: Any,
    *,
    step_time_s: float,
    gpus: int,
    cost_per_hour: float,
    run: TrainingRun,
) -> dict[str, Any]:
    """Wall-clock days, GPU-hours and cost of training ``run.tokens`` with a plan.

    Parameters
    ----------
    problem
        The :class:`~planner.train.instance.TrainingProblem` (tokens per step,
        model states, software).
    step_time_s, gpus, cost_per_hour
        The plan's step time, GPUs and USD per hour of those GPUs (0: no price known).
    run
        Tokens and the failure / checkpoint assumptions.

    Returns
    -------
    dict
        ``steps``, ``compute_hours`` (steps only), ``checkpoint`` (bytes, write
        seconds, interval hours, count), ``failures`` (rate per GPU-hour and its
        source, expected restarts, hours lost per restart), ``wall_hours``,
        ``wall_days``, ``gpu_hours``, ``cost_usd`` (``None`` without a price),
        ``goodput`` (compute hours over wall hours) and ``notes``.
    """
    notes: list[str] = []
    tokens_per_step = problem.workload.global_batch * problem.workload.seq_len
    steps = math.ceil(run.tokens / tokens_per_step)
    compute_h = steps * step_time_s / 3600.0
    bandwidth = run.checkpoint_bytes_per_s
    if bandwidth is None:
        bandwidth = WRITE_BYTES_PER_GPU * gpus
        notes.append(
            f"checkpoint bandwidth assumed {bandwidth / 1e9:.3g} GB/s "
            f"({WRITE_BYTES_PER_GPU / 1e6:.0f} MB/s per GPU: Llama 3's 2 TB/s over 16,384 GPUs)"
        )
    size = checkpoint_bytes(problem)
    write_h = size / bandwidth / 3600.0
    lam = run.failure_rate * gpus  # failures per hour of the job
    if math.isinf(lam):  # 1e308 per GPU-hour: Young's interval was 0, a ZeroDivisionError
        raise InputError(
            f"{validate.arg('failure_rate')}: {run.failure_rate:g} failures per GPU-hour on "
            f"{gpus} GPUs is "
            "not a finite rate"
        )
    restart_h = run.restart_minutes / 60.0 + write_h  # restart + reading the checkpoint back
    if run.checkpoint_every_h is not None:
        interval = run.checkpoint_every_h
    elif lam > 0 and write_h > 0:
        interval = math.sqrt(2 * write_h / lam)  # Young (1974)
    else:
        interval = math.inf
    lost_per_failure = 0.0 if math.isinf(interval) else interval / 2
    if math.isinf(interval) and lam > 0:
        notes.append("no checkpoints are written: a failure loses all progress")
        lost_per_failure = math.inf
    overhead = 1 + (0.0 if math.isinf(interval) else write_h / interval)
    denominator = 1 - lam * (lost_per_failure + restart_h)
    finishes = denominator > 0
    wall_h = compute_h * overhead / denominator if finishes else math.inf
    if not finishes:
        notes.append("the run never finishes: failures arrive faster than progress is checkpointed")
    n_ckpt = 0 if math.isinf(interval) else math.floor(compute_h / interval)
    price_known = cost_per_hour > 0
    if not price_known:
        notes.append("no price is known for these GPUs: set price_per_gpu_hour in a cluster TOML")
    out = {
        "tokens": run.tokens,
        "steps": steps,
        "compute_hours": compute_h,
        "checkpoint": {
            "bytes": size,
            "write_bytes_per_s": bandwidth,
            "write_s": write_h * 3600.0,
            "interval_h": None if math.isinf(interval) else interval,
            "interval_rule": "given" if run.checkpoint_every_h is not None else "Young",
            "count": n_ckpt,
        },
        "failures": {
            "rate_per_gpu_hour": run.failure_rate,
            "rate_source": (
                "Llama 3 (arXiv 2407.21783, sec. 3.3.4): 419 unexpected interruptions in 54 "
                "days on 16,384 GPUs"
                if run.failure_rate == FAILURE_RATE_PER_GPU_HOUR
                else "given"
            ),
            "expected_restarts": lam * wall_h if finishes else None,
            "hours_lost_per_restart": lost_per_failure + restart_h,
            "restart_minutes": run.restart_minutes,
        },
        "finishes": finishes,
        "wall_hours": wall_h if finishes else None,
        "wall_days": wall_h / 24 if finishes else None,
        "gpu_hours": wall_h * gpus if finishes else None,
        "cost_usd": wall_h * cost_per_hour if finishes and price_known else None,
        "goodput": compute_h / wall_h if finishes else 0.0,
        "notes": notes,
    }
    return out


def render(ttt: dict[str, Any], console: Any = None) -> None:
    """One Rich table of the time and cost to train."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title=f"time and cost to train {token_count(ttt['tokens'])} tokens")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    ck, fl = ttt["checkpoint"], ttt["failures"]
    t.add_row("steps", f"{ttt['steps']:,}")
    t.add_row("step time only", f"{ttt['compute_hours'] / 24:,.2f} days")
    t.add_row(
        "checkpoint",
        f"{ck['bytes'] / 1e12:.3g} TB, {ck['write_s']:.0f} s to write, {ck['count']:,}x",
    )
    interval = ck["interval_h"]
    t.add_row(
        "checkpoint every",
        "never" if interval is None else f"{interval:.2f} h ({ck['interval_rule']})",
    )
    if ttt["finishes"]:
        t.add_row("expected restarts", f"{fl['expected_restarts']:.1f}")
        t.add_row("lost per restart", f"{fl['hours_lost_per_restart']:.2f} h")
        t.add_row(
            "wall clock", f"{ttt['wall_days']:,.2f} days (goodput {100 * ttt['goodput']:.1f}%)"
        )
        t.add_row("GPU-hours", f"{ttt['gpu_hours']:,.0f}")
        cost = ttt["cost_usd"]
        t.add_row("cost", "no price known" if cost is None else f"${cost:,.0f}")
    else:
        t.add_row("wall clock", "never finishes")
    console.print(t)
    for note in ttt["notes"]:
        console.print(f"note: {note}", highlight=False)


__all__ = [
    "FAILURE_RATE_PER_GPU_HOUR",
    "RESTART_MINUTES",
    "WRITE_BYTES_PER_GPU",
    "TrainingRun",
    "checkpoint_bytes",
    "parse_tokens",
    "render",
    "time_to_train",
]
