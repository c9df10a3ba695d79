"""Seeded instance generator of the tardiness literature.

Potts and Van Wassenhove (1982), used for the OR-Library ``wt`` sets and the
T'Kindt / LLM-heuristics sets: ``p_j ~ U{1..100}``, ``d_j ~ U[P(1-TF-RDD/2),
P(1-TF+RDD/2)]`` (integers, ``P = Σ p``), ``w_j ~ U{1..10}`` when weighted.
TF is the tardiness factor, RDD the relative range of due dates. The
T'Kindt sets clip due dates at 0 (``clip=True``); the LLM paper's n = 20
generator does not, so some due dates are negative.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.smtt.instance import Instance

#: Largest generator settings: every method's time limit is benchmarked up to ``MAX_N`` jobs
#: (``bench/time_limits.py``).
MAX_N = 100_000
MAX_COUNT = 10_000
#: Largest TF and RDD (a typo guard): the literature draws both from 0.2..1.0; above 1 due
#: dates turn negative (``clip``). ``--tf 1e30`` made due dates past int64 ("low is out of
#: bounds for int64", an internal error); 100 keeps them within about 100 P of 0.
MAX_FACTOR = 100.0


def generate(
    n: int,
    tf: float,
    rdd: float,
    *,
    weighted: bool = False,
    clip: bool = False,
    count: int = 1,
    seed: int = 0,
    prefix: str | None = None,
) -> list[Instance]:
    """Generate ``count`` instances with ``n`` jobs.

    Parameters
    ----------
    n
        Jobs per instance (>= 1).
    tf, rdd
        Tardiness factor and relative range of due dates (both from 0 to
        :data:`MAX_FACTOR`; the literature's are 0.2 to 1.0).
    weighted
        Draw weights ``U{1..10}`` (1||ΣwjTj); otherwise unweighted.
    clip
        Replace negative due dates by 0.
    count
        Number of instances.
    seed
        Seed of numpy's default generator; the same arguments give the same instances.
    prefix
        Name prefix; default ``smtt{n}`` (``wt{n}`` when weighted).

    Returns
    -------
    list of Instance
        Named ``{prefix}_rdd{rdd}_tf{tf}_{k:02d}`` (k from 1), with ``rdd``,
        ``tf``, ``seed`` and ``generator`` in ``meta``.
    """
    # types first: n=1.5 or None died in numpy / a comparison (TypeError) (s15bad)
    n = validate.bounded(n, "--n", low=1, high=MAX_N)
    count = validate.bounded(count, "--count", low=1, high=MAX_COUNT)
    seed = validate.bounded(seed, "--seed", low=0, high=2**63 - 1)
    for flag, value in (("--tf", tf), ("--rdd", rdd)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"{flag}: must be a finite number >= 0, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{flag}: must be a finite number >= 0, got {value}")
        if value > MAX_FACTOR:
            raise InputError(f"{flag}: must be at most {MAX_FACTOR:g}, got {value:g}")
    rng = np.random.default_rng(seed)
    prefix = prefix or (f"wt{n}" if weighted else f"smtt{n}")
    out = []
    for k in range(count):
        p = rng.integers(1, 101, size=n)
        total = int(p.sum())
        lo = math.floor(total * (1 - tf - rdd / 2))
        hi = math.ceil(total * (1 - tf + rdd / 2))
        d = rng.integers(lo, max(lo, hi) + 1, size=n)
        if clip:
            d = np.maximum(d, 0)
        w = rng.integers(1, 11, size=n) if weighted else None
        out.append(
            Instance(
                name=f"{prefix}_rdd{rdd:g}_tf{tf:g}_{k + 1:02d}",
                p=p.tolist(),
                d=d.tolist(),
                w=None if w is None else w.tolist(),
                meta={
                    "rdd": rdd,
                    "tf": tf,
                    "seed": seed,
                    "generator": "potts-van-wassenhove" + ("-clipped" if clip else ""),
                },
            )
        )
    return out
