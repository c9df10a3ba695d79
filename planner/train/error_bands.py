"""Error bands: each plan's step time with the held-out error of its layout kind.

The published training rows marked *held-out*
(:mod:`planner.perfmodel.calibration.published`) are predicted with the
current constants (a ``--profile``'s when one is in use); each row's step-time
error is ``r = predicted / measured - 1`` (for throughput metrics
``measured / predicted - 1``). Rows and plans are grouped by layout kind
(:func:`layout_kind`); a plan's band is the step time the held-out runs of its
kind imply, ``[t / (1 + r_max), t / (1 + r_min)]``, with their mean ``|r|``.
A kind without held-out rows gets the overall held-out band, and says so.
Rows and plans are also split by GPU vendor (:func:`~planner.perfmodel.hardware.vendor_of`: the model's AMD
terms are not its NVIDIA ones, so an AMD row's error says nothing of an
NVIDIA plan): a plan on one vendor's GPUs uses that vendor's rows, a mixed
cluster (or a vendor without rows) all of them.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Mapping
from typing import Any

from planner.perfmodel import constants
from planner.perfmodel.hardware import vendor_of

#: Layout kinds, checked in this order (the first that applies).
KINDS = (
    ("expert", "expert parallelism (ep > 1)"),
    ("context", "context parallelism (cp > 1)"),
    ("interleaved-pp", "interleaved pipeline (pp > 1, v > 1)"),
    ("pipeline", "plain pipeline (pp > 1)"),
    ("tensor", "tensor parallelism without a pipeline (tp > 1, pp = 1)"),
    ("data", "data parallelism only, ZeRO / FSDP (tp = pp = cp = 1)"),
)
_THROUGHPUT = (
    "hardware_tflops_per_gpu",
    "model_tflops_per_gpu",
    "causal_model_tflops_per_gpu",
    "tokens_per_s_per_gpu",
)


def layout_kind(plan: Any) -> str:
    """The kind of a plan or published row (attributes or mapping with tp, pp, cp, ep, v)."""

    def get(key: str, default: int = 1) -> int:
        if isinstance(plan, Mapping):
            return int(plan.get(key, default))
        return int(getattr(plan, key, default))

    if get("ep") > 1:
        return "expert"
    if get("cp") > 1:
        return "context"
    if get("pp") > 1:
        return "interleaved-pp" if get("interleave") > 1 else "pipeline"
    if get("tp") > 1:
        return "tensor"
    return "data"


def step_error(row: Any, predicted: float) -> float:
    """``predicted step time / measured step time - 1`` of a row's prediction."""
    if row.metric in _THROUGHPUT:
        return row.value / predicted - 1.0
    return predicted / row.value - 1.0


@functools.lru_cache(maxsize=1)
def _held_out_rows() -> tuple[tuple[int, str, str, str], ...]:
    """``(index in TRAINING_ROWS, row id, layout kind, GPU vendor)`` of every held-out training
    row: what a row is, without predicting it (independent of the constants)."""
    from planner.perfmodel.calibration.published import HELD_OUT, TRAINING_ROWS
    from planner.perfmodel.hardware import get_gpu

    return tuple(
        (i, r.id, layout_kind(r), vendor_of(get_gpu(r.gpu).architecture))
        for i, r in enumerate(TRAINING_ROWS)
        if r.split == HELD_OUT
    )


@constants.on_change
@functools.cache
def _row_error(index: int) -> float:
    """Step-time error of ``TRAINING_ROWS[index]``'s prediction with the current constants."""
    import planner.train  # noqa: F401  (registers the training predictor)
    from planner.perfmodel.calibration.fit import predict
    from planner.perfmodel.calibration.published import TRAINING_ROWS

    row = TRAINING_ROWS[index]
    return step_error(row, predict(row))


def held_out_errors(
    kinds: frozenset[str] | None = None,
) -> tuple[tuple[str, str, float, str], ...]:
    """``(row id, layout kind, step-time error, GPU vendor)`` of every held-out training row
    (only those of ``kinds`` when given: the others are not predicted). Each row is
    predicted once per set of constants."""
    return tuple(
        (rid, kind, _row_error(i), vendor)
        for i, rid, kind, vendor in _held_out_rows()
        if kinds is None or kind in kinds
    )


def _needed_errors(
    kinds: set[str], gpu_vendor: str | None
) -> tuple[tuple[str, str, float, str], ...]:
    """The held-out errors :func:`band` reads for plans of ``kinds``: those kinds' rows when
    each has rows among the rows :func:`kind_stats` keeps for ``gpu_vendor`` (then no
    plan's band reads the ``all`` group), else every row."""
    rows = _held_out_rows()
    own = [r for r in rows if r[3] == gpu_vendor] if gpu_vendor is not None else []
    present = {r[2] for r in (own or rows)}
    return held_out_errors(None if kinds - present else frozenset(kinds))


def kind_stats(
    errors: tuple[tuple[str, str, float, str], ...] | None = None, gpu_vendor: str | None = None
) -> dict[str, dict]:
    """Per kind (and ``all``): rows, mean ``|r|``, smallest and largest ``r``.

    Parameters
    ----------
    errors
        ``(row id, kind, error, vendor)`` tuples; the held-out rows by default.
    gpu_vendor
        Keep only that vendor's rows when it has any; ``None`` keeps every row.
    """
    errors = held_out_errors() if errors is None else errors
    if gpu_vendor is not None:
        own = [e for e in errors if e[3] == gpu_vendor]
        errors = tuple(own) if own else errors
    groups: dict[str, list[float]] = {"all": [e for _i, _k, e, _v in errors]}
    for _id, kind, e, _v in errors:
        groups.setdefault(kind, []).append(e)
    return {
        kind: {
            "rows": len(es),
            "mean_abs_error": statistics.fmean(abs(e) for e in es),
            "min_error": min(es),
            "max_error": max(es),
        }
        for kind, es in groups.items()
        if es
    }


def band(step_time: float, plan: Any, stats: Mapping[str, Mapping] | None = None) -> dict:
    """The error band of one plan's step time (see the module docstring)."""
    stats = kind_stats() if stats is None else stats
    kind = layout_kind(plan)
    source = kind if kind in stats else "all"
    s = stats.get(source)
    if s is None:  # no held-out rows at all
        return {"kind": kind, "source": None, "low_s": None, "high_s": None}
    low, high = min(s["min_error"], 0.0), max(s["max_error"], 0.0)
    return {
        "kind": kind,
        "source": source,
        "held_out_rows": s["rows"],
        "mean_abs_error": s["mean_abs_error"],
        "low_s": step_time / (1.0 + high),
        "high_s": step_time / (1.0 + low) if low > -1.0 else None,
        "note": None
        if source == kind
        else f"no held-out rows of kind {kind!r}: the overall held-out error is used",
    }


def attach_bands(summary: dict[str, Any], gpu_vendor: str | None = None) -> dict[str, Any]:
    """Add ``error_band`` to the summary's plan and to each alternative (from the held-out
    rows of ``gpu_vendor``'s GPUs, see :func:`kind_stats`)."""
    if summary.get("plan") is None:
        return summary
    # only the rows of the plans' kinds are predicted (a plan's band reads its kind's rows,
    # or all of them when its kind has none): the same stats as from every row
    kinds = {layout_kind(summary["plan"])}
    kinds |= {layout_kind(alt["plan"]) for alt in summary.get("alternatives", [])}
    stats = kind_stats(_needed_errors(kinds, gpu_vendor), gpu_vendor=gpu_vendor)
    summary["error_band"] = band(summary["step_time_s"], summary["plan"], stats)
    for alt in summary.get("alternatives", []):
        alt["error_band"] = band(alt["step_time_s"], alt["plan"], stats)
    return summary


__all__ = [
    "KINDS",
    "attach_bands",
    "band",
    "held_out_errors",
    "kind_stats",
    "layout_kind",
    "step_error",
]
