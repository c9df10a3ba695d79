"""Request traffic: arrival rate, prompt and output length distributions, traces.

A :class:`Traffic` is what the capacity model needs to know about the
requests: the arrival rate ``qps`` (``None`` for an offline batch, where the
question is maximum throughput), the marginal distributions of prompt and
output lengths as small histograms (:class:`LengthDist`), two joint moments
of the KV-cache footprint, and the burstiness of arrivals (squared
coefficient of variation of the inter-arrival times, 1 for Poisson).

Lengths are given as

* a number, ``512`` (every request the same);
* ``uniform:A-B``, ``exp:MEAN`` (geometric-like, mean ``MEAN``),
  ``normal:MEAN,STD`` and ``lognormal:MEAN,STD`` (truncated at 1 token);
* a histogram file: CSV with ``tokens`` and ``weight`` (or ``count``) columns and
  optional ``low`` / ``high``, or JSON / TOML with ``values`` and ``weights``
  (:func:`read_histogram`);
* a JSON Lines trace, one request per line: arrival offset, prompt tokens and
  output tokens. Field names accepted: ``arrival_s`` / ``arrival`` /
  ``timestamp`` (seconds) or APEX+'s ``StartTimeOffset`` (nanoseconds);
  ``prompt_tokens`` / ``input_tokens`` / ``ContextTokens``; ``output_tokens``
  / ``GeneratedTokens``.

Distributions are discretized into at most ``len(QUANTILE_EDGES) - 1``
classes by probability bins that are finer in the upper tail (so a p99 SLO
sees the long prompts); each class keeps the conditional mean of its bin (so
the mean is preserved exactly) and the bin's range (for quantiles).
"""

from __future__ import annotations

import csv
import itertools
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError, check_table
from planner.core.io import iter_jsonl
from planner.perfmodel.model_spec import ModelSpec, window_held, window_sums
from planner.perfmodel.serving_features import check_fraction

if TYPE_CHECKING:
    from planner.perfmodel.stage import EngineModel

#: Probability edges of the discretization bins (finer in the upper tail).
QUANTILE_EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0)
#: Quantile points sampled per parametric distribution before binning.
_SAMPLES = 20000
#: Largest request rate: HiGHS reads a bound of 1e20 or more as infinite, so a demand row
#: of that size vanishes from the MIP (status UNKNOWN instead of INFEASIBLE).
MAX_QPS = 1e20

#: Longest request length: like :data:`MAX_ARRIVAL_SCV`, far above any context window (10M
#: tokens, Llama 4 Scout's) and far below where the traffic moments (products of up to three
#: lengths) overflow (a prompt of 1e308 tokens printed overflow RuntimeWarnings before its
#: INFEASIBLE reason).
MAX_TOKENS = 1e12
_ARRIVAL_KEYS = ("arrival_s", "arrival", "timestamp", "time_s", "t")
_PROMPT_KEYS = ("prompt_tokens", "input_tokens", "prompt_len", "input_len", "ContextTokens")
_OUTPUT_KEYS = ("output_tokens", "generated_tokens", "output_len", "GeneratedTokens")


@dataclass(frozen=True)
class LengthDist:
    """A distribution of token counts as a histogram of classes.

    Each class is a bin of the original distribution: its conditional mean
    (``values``, used for costs and moments), its probability (``weights``)
    and its range ``[lows, highs]``; within a bin lengths are taken as
    uniformly spread, which gives continuous quantiles (a p99 that falls on a
    bin edge is the edge, not the bin's mean).

    Attributes
    ----------
    values
        Conditional mean token count of each class (increasing, at least 1).
    weights
        Probabilities of the classes (sum to 1).
    lows, highs
        Range of each class (default: the value itself).
    """

    values: tuple[float, ...]
    weights: tuple[float, ...]
    lows: tuple[float, ...] = ()
    highs: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.values)
        if not n or len(self.weights) != n:
            raise InputError("length distribution: values and weights must be non-empty and equal")
        lows = self.lows or self.values
        highs = self.highs or self.values
        if len(lows) != n or len(highs) != n:
            raise InputError("length distribution: lows and highs must match the values")
        for what, column in (("token count", self.values), ("low", lows), ("high", highs)):
            # name the column: a class "low = 0" (a histogram's usual first edge) was refused
            # as "every token count must be >= 1" beside token counts of 256 and 2048 (s22walk)
            bad = [v for v in column if (not math.isfinite(v)) or v < 1]
            if bad:
                raise InputError(f"length distribution: every {what} must be >= 1, got {bad[0]:g}")
        if max(highs) > MAX_TOKENS:
            raise InputError(
                f"length distribution: token counts must be at most {MAX_TOKENS:g}, "
                f"got {max(highs):g}"
            )
        if any(not lo <= v <= hi for lo, v, hi in zip(lows, self.values, highs, strict=True)):
            raise InputError("length distribution: each value must lie within its [low, high]")
        if any((not math.isfinite(w)) or w < 0 for w in self.weights):
            raise InputError("length distribution: weights must be non-negative")
        total = sum(self.weights)
        if total <= 0:
            raise InputError("length distribution: weights sum to zero")
        order = sorted(range(n), key=lambda i: self.values[i])
        object.__setattr__(self, "values", tuple(float(self.values[i]) for i in order))
        object.__setattr__(self, "weights", tuple(self.weights[i] / total for i in order))
        object.__setattr__(self, "lows", tuple(float(lows[i]) for i in order))
        object.__setattr__(self, "highs", tuple(float(highs[i]) for i in order))

    @classmethod
    def fixed(cls, tokens: float) -> LengthDist:
        """Every request has ``tokens`` tokens."""
        return cls((float(tokens),), (1.0,))

    @property
    def mean(self) -> float:
        """Expected token count."""
        return float(np.dot(self.values, self.weights))

    def moment(self, k: int) -> float:
        """``E[X^k]`` (of the class means)."""
        return float(np.dot(np.power(self.values, k), self.weights))

    @property
    def max(self) -> float:
        """Largest length (top of the last class)."""
        return max(self.highs)

    def quantile(self, q: float) -> float:
        """``q`` quantile, lengths spread uniformly within each class's range."""
        acc = 0.0
        for lo, hi, w in zip(self.lows, self.highs, self.weights, strict=True):
            if acc + w >= q - 1e-12:
                frac = min(1.0, max(0.0, (q - acc) / w)) if w > 0 else 1.0
                return lo + frac * (hi - lo)
            acc += w
        return self.highs[-1]

    def windows(self) -> tuple[np.ndarray, np.ndarray]:
        """(centre, half width) per class: the widest window centred on the class mean that
        stays inside its range, so lengths spread over it keep the class mean."""
        v = np.asarray(self.values, dtype=float)
        lo, hi = np.asarray(self.lows, dtype=float), np.asarray(self.highs, dtype=float)
        return v, np.maximum(0.0, np.minimum(v - lo, hi - v))

    def spread(self, points: int) -> tuple[np.ndarray, np.ndarray]:
        """(lengths, weights): each class as ``points`` evenly spaced lengths over its window
        (:meth:`windows`), a finer histogram with the same mean."""
        v, half = self.windows()
        offsets = (np.arange(points) + 0.5) / points * 2.0 - 1.0
        lengths = (v[:, None] + half[:, None] * offsets[None, :]).ravel()
        weights = np.repeat(np.asarray(self.weights, dtype=float) / points, points)
        return lengths, weights

    def describe(self) -> str:
        """``512`` or ``mean 1024 (p50 700, p99 4600)``."""
        if len(self.values) == 1 and self.lows == self.highs:
            return f"{self.values[0]:g}"
        return f"mean {self.mean:.0f} (p50 {self.quantile(0.5):.0f}, p99 {self.quantile(0.99):.0f})"

    def to_dict(self) -> dict[str, Any]:
        """``{"values": [...], "weights": [...], "lows": [...], "highs": [...]}``."""
        return {
            "values": list(self.values),
            "weights": list(self.weights),
            "lows": list(self.lows),
            "highs": list(self.highs),
        }

    @classmethod
    def from_samples(cls, samples: Sequence[float]) -> LengthDist:
        """Bin sorted samples by :data:`QUANTILE_EDGES` (conditional mean and range per bin)."""
        arr = np.sort(np.asarray(samples, dtype=float))
        if arr.size == 0:
            raise InputError("length distribution: no samples")
        if arr[0] == arr[-1]:
            return cls.fixed(arr[0])
        n = arr.size
        values, weights, lows, highs = [], [], [], []
        for lo, hi in itertools.pairwise(QUANTILE_EDGES):
            a, b = round(lo * n), round(hi * n)
            if b <= a:
                continue
            values.append(float(arr[a:b].mean()))
            weights.append((b - a) / n)
            lows.append(float(arr[a]))
            highs.append(float(arr[b - 1]))
        return cls(tuple(values), tuple(weights), tuple(lows), tuple(highs))


#: Largest arrival SCV: like ``--sim-requests``'s cap, far above measured request streams
#: and far below where the queueing moments overflow (1e308 turned the TPOT law's moments
#: into NaN, which passed as a one-GPU plan while 1e9 was INFEASIBLE).
MAX_ARRIVAL_SCV = 1e6
#: Largest arrival time of a trace, seconds from its origin (a typo guard, about 31,700
#: years: ``StartTimeOffset`` 1e308 overflowed the variance of the gaps, an internal error).
MAX_ARRIVAL_S = 1e12
#: Suffixes of a length histogram file (``--prompt-tokens lengths.csv``).
HISTOGRAM_SUFFIXES = (".csv", ".json", ".toml")
#: Columns of a CSV histogram: the class's token count, its share, its optional range.
_CSV_WEIGHTS = ("weight", "count")


def read_histogram(path: Path, *, what: str) -> LengthDist:
    """A length histogram from a file.

    CSV: a header naming a ``tokens`` column and a ``weight`` (or ``count``) column, and
    optionally ``low`` / ``high``; each row is a class (its mean token count, its share,
    its range), shares normalized. JSON / TOML: ``values``, ``weights`` and optionally
    ``lows`` / ``highs``, as inline in a problem file.
    """
    from planner.core.io import read_csv_text, read_json, read_toml

    if not path.is_file():
        raise InputError(f"{what}: {path}: {'a directory' if path.is_dir() else 'no such file'}")
    suffix = path.suffix.lower()
    if suffix != ".csv":
        data = read_json(path) if suffix == ".json" else read_toml(path)
        if not isinstance(data, Mapping):
            raise InputError(f"{what}: {path}: expected a table with 'values' and 'weights'")
        return parse_lengths(data, what=f"{what}: {path}")
    rows = [r for r in csv.reader(read_csv_text(path).splitlines()) if any(c.strip() for c in r)]
    head = [h.strip().lower() for h in rows[0]] if rows else []
    weight = next((h for h in _CSV_WEIGHTS if h in head), None)
    if "tokens" not in head or weight is None:
        raise InputError(f"{what}: {path}: the header must name a 'tokens' and a 'weight' column")
    cols = {name: [] for name in ("tokens", weight, "low", "high") if name in head}
    for line, row in enumerate(rows[1:], start=2):
        for name, out in cols.items():
            try:
                out.append(float(row[head.index(name)]))
            except (ValueError, IndexError):
                raise InputError(
                    f"{what}: {path}:{line}: column {name!r} must be a number"
                ) from None
    if not cols["tokens"]:
        raise InputError(f"{what}: {path}: no rows")
    try:
        return LengthDist(
            tuple(cols["tokens"]),
            tuple(cols[weight]),
            tuple(cols.get("low", ())),
            tuple(cols.get("high", ())),
        )
    except InputError as exc:
        raise InputError(f"{what}: {path}: {exc}") from None


def parse_lengths(
    spec: str | int | float | Mapping[str, Any], *, what: str, base: Path | None = None
) -> LengthDist:
    """Parse a length specification (see the module docstring).

    Parameters
    ----------
    spec
        ``512``, ``"uniform:128-2048"``, ``"exp:1024"``, ``"normal:1024,256"``,
        ``"lognormal:1024,512"``, ``{"values": [...], "weights": [...]}`` (optionally
        ``lows`` / ``highs``) or a histogram file (:func:`read_histogram`).
    what
        Name used in error messages (``--prompt-tokens``).
    base
        Folder a relative histogram file is read from (a problem file's).
    """
    if isinstance(spec, str) and spec.strip().lower().endswith(HISTOGRAM_SUFFIXES):
        path = Path(spec.strip())
        return read_histogram(
            path if base is None or path.is_absolute() else base / path, what=what
        )
    if isinstance(spec, Mapping):
        from planner.core.validate import number

        def column(key: str, required: bool = True) -> tuple[float, ...]:
            # float() read `true` as a 1-token class and "7" as 7 (s21lib)
            items = spec[key] if required else spec.get(key, ())
            if not isinstance(items, (list, tuple)):
                raise TypeError(key)
            return tuple(number(v, f"{what}: {key}[{i}]") for i, v in enumerate(items))

        try:
            return LengthDist(
                column("values"), column("weights"), column("lows", False), column("highs", False)
            )
        except InputError as exc:  # first: InputError is a ValueError
            raise InputError(f"{what}: {exc}") from None
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{what}: expected {{'values': [...], 'weights': [...]}}") from None
    if isinstance(spec, bool):
        raise InputError(f"{what}: expected a token count, got {spec!r}")
    if isinstance(spec, (int, float)):
        if not math.isfinite(spec) or spec < 1:
            raise InputError(f"{what}: token count must be >= 1, got {spec!r}")
        if spec > MAX_TOKENS:
            raise InputError(f"{what}: token count must be at most {MAX_TOKENS:g}, got {spec:g}")
        if spec != int(spec):  # 100.5 was planned as a 100.5-token request (s28bad)
            raise InputError(
                f"{what}: a token count is a whole number, got {spec:g} (a mean length is "
                "written exp:MEAN, normal:MEAN,STD, lognormal:MEAN,STD or as a histogram)"
            )
        return LengthDist.fixed(float(spec))
    text = str(spec).strip()
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is not None:
        return parse_lengths(value, what=what)
    kind, _, args = text.partition(":")
    kind = kind.strip().lower()
    sep = r"[,\s]+|(?<=\d)-" if kind == "uniform" else r"[,\s]+"
    nums = [a for a in re.split(sep, args.strip()) if a]
    try:
        params = [float(a) for a in nums]
    except ValueError:
        params = []
    q = (np.arange(_SAMPLES) + 0.5) / _SAMPLES
    if kind == "uniform" and len(params) == 2 and 1 <= params[0] <= params[1]:
        if any(x != int(x) for x in params if math.isfinite(x)):
            # the shortest and the longest request: token counts, not means
            raise InputError(f"{what}: uniform:A-B takes whole token counts, got {text!r}")
        samples = params[0] + q * (params[1] - params[0])
    elif kind in ("exp", "exponential") and len(params) == 1 and params[0] >= 1:
        # shifted so the mean is exactly params[0] with a minimum of 1 token
        samples = 1.0 - (params[0] - 1.0) * np.log1p(-q)
    elif kind == "normal" and len(params) == 2 and params[0] >= 1 and params[1] >= 0:
        nd = statistics.NormalDist(params[0], max(params[1], 1e-9))
        samples = np.maximum(1.0, [nd.inv_cdf(x) for x in q])
    elif kind == "lognormal" and len(params) == 2 and params[0] >= 1 and params[1] > 0:
        mean, std = params
        sigma2 = math.log1p((std / mean) ** 2)
        mu = math.log(mean) - sigma2 / 2
        nd = statistics.NormalDist(mu, math.sqrt(sigma2))
        samples = np.maximum(1.0, np.exp([nd.inv_cdf(x) for x in q]))
    else:
        raise InputError(
            f"{what}: cannot read {text!r}; use a token count (512), uniform:A-B, exp:MEAN, "
            "normal:MEAN,STD, lognormal:MEAN,STD or a histogram file (.csv, .json, .toml)"
        )
    try:
        return LengthDist.from_samples(samples)
    except InputError as exc:  # the distribution reaches past MAX_TOKENS: name the option
        raise InputError(f"{what}: {exc}") from None


@dataclass(frozen=True)
class Traffic:
    """What arrives: rate, lengths, KV-cache moments, burstiness.

    Attributes
    ----------
    qps
        Mean arrival rate in requests per second; ``None`` means an offline
        batch (maximize throughput).
    prompt, output
        Marginal length distributions (output includes the first token, so a
        request decodes ``output - 1`` tokens after its prefill).
    kv1
        ``E[sum_{k=1}^{O-1} (P + k)]``: KV-cache tokens summed over a
        request's decode iterations (its KV footprint integrated over time, in
        iterations).
    kv2
        ``E[sum_{k=1}^{O-1} (P + k)^2]`` (for the variance of the KV cache in use).
    res1, res2
        ``E[(O-1) (P+O)]`` and ``E[(O-1) (P+O)^2]``: the same when every running
        request holds its final length from admission on (TensorRT-LLM's
        guaranteed-no-evict scheduler reserves ``P + O`` tokens up front).
    arrival_scv
        Squared coefficient of variation of inter-arrival times (1 = Poisson).
    max_context
        Longest prompt + output a replica must hold (one request).
    source
        Where the traffic came from (for reports).
    prefix_hit_rate
        Share of prompt tokens found in the prefix cache (shared system prompts,
        earlier turns); they are not recomputed.
    """

    qps: float | None
    prompt: LengthDist
    output: LengthDist
    kv1: float = -1.0
    kv2: float = -1.0
    arrival_scv: float = 1.0
    max_context: float = 0.0
    source: str = ""
    res1: float = -1.0
    res2: float = -1.0
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    prefix_hit_rate: float = 0.0

    def __post_init__(self) -> None:
        check_fraction(self.prefix_hit_rate, "traffic: prefix_hit_rate")
        if self.prefix_hit_rate >= 1:  # no prompt token left to compute: capacity divided by 0
            raise InputError(
                "traffic: prefix_hit_rate must be below 1 (an engine computes at least a "
                "prompt's last token)"
            )
        if self.qps is not None and (
            isinstance(self.qps, bool) or not math.isfinite(self.qps) or self.qps <= 0
        ):
            raise InputError(f"traffic: qps must be a finite number > 0, got {self.qps!r}")
        if self.qps is not None and self.qps >= MAX_QPS:
            raise InputError(f"traffic: qps must be below {MAX_QPS:g} req/s, got {self.qps:g}")
        if not math.isfinite(self.arrival_scv) or self.arrival_scv < 0:
            raise InputError(f"traffic: arrival_scv must be >= 0, got {self.arrival_scv!r}")
        if self.arrival_scv > MAX_ARRIVAL_SCV:
            raise InputError(
                f"traffic: arrival_scv must be at most {MAX_ARRIVAL_SCV:g}, got {self.arrival_scv!r}"
            )
        if self.kv1 < 0 or self.kv2 < 0:
            k1, k2 = independent_kv_moments(self.prompt, self.output)
            object.__setattr__(self, "kv1", k1 if self.kv1 < 0 else self.kv1)
            object.__setattr__(self, "kv2", k2 if self.kv2 < 0 else self.kv2)
        if self.res1 < 0 or self.res2 < 0:
            r1, r2 = independent_reserved_moments(self.prompt, self.output)
            object.__setattr__(self, "res1", r1 if self.res1 < 0 else self.res1)
            object.__setattr__(self, "res2", r2 if self.res2 < 0 else self.res2)
        if self.max_context <= 0:
            object.__setattr__(self, "max_context", self.prompt.max + self.output.max)

    @property
    def mean_decode_tokens(self) -> float:
        """``E[O - 1]``: decode iterations per request."""
        return max(0.0, self.output.mean - 1.0)

    @property
    def decode_context(self) -> float:
        """Mean KV context of a sequence in a decode iteration (``kv1 / E[O-1]``)."""
        d = self.mean_decode_tokens
        return self.kv1 / d if d > 0 else self.prompt.mean

    def with_qps(self, qps: float | None) -> Traffic:
        """Same lengths, another rate."""
        return Traffic(
            qps,
            self.prompt,
            self.output,
            self.kv1,
            self.kv2,
            self.arrival_scv,
            self.max_context,
            self.source,
            self.res1,
            self.res2,
            dict(self.meta),
            self.prefix_hit_rate,
        )

    def describe(self) -> str:
        """One line for reports."""
        rate = "offline (max throughput)" if self.qps is None else f"{self.qps:g} req/s"
        src = f" from {self.source}" if self.source else ""
        scv = f", arrival SCV {self.arrival_scv:.2f}" if abs(self.arrival_scv - 1) > 1e-9 else ""
        return (
            f"{rate}{src}; prompt {self.prompt.describe()} tokens, "
            f"output {self.output.describe()} tokens{scv}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Explicit form (readable back without the trace file)."""
        return {
            "qps": self.qps,
            "prompt_tokens": self.prompt.to_dict(),
            "output_tokens": self.output.to_dict(),
            "kv1": self.kv1,
            "kv2": self.kv2,
            "arrival_scv": self.arrival_scv,
            "max_context": self.max_context,
            "res1": self.res1,
            "res2": self.res2,
            "source": self.source,
            "prefix_hit_rate": self.prefix_hit_rate,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "traffic", base: Path | None = None
    ) -> Traffic:
        """Build from ``{qps, prompt_tokens, output_tokens}`` or ``{trace, [qps]}``.

        ``trace`` paths are relative to ``base`` (the problem file's folder).
        """
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expected a table")
        known = {
            "qps",
            "prompt_tokens",
            "output_tokens",
            "trace",
            "kv1",
            "kv2",
            "arrival_scv",
            "max_context",
            "res1",
            "res2",
            "source",
            "prefix_hit_rate",
        }
        check_table(data, where, known)
        hit = data.get("prefix_hit_rate", 0.0)
        check_fraction(hit, f"{where}: prefix_hit_rate")
        qps = data.get("qps")
        if qps is not None and (isinstance(qps, bool) or not isinstance(qps, (int, float))):
            raise InputError(f"{where}: qps must be a number, got {qps!r}")
        if data.get("trace") is not None:
            path = Path(str(data["trace"]))
            if base is not None and not path.is_absolute():
                path = base / path
            traffic = read_trace(path, rate_given=qps is not None)
            traffic = traffic if qps is None else traffic.with_qps(float(qps))
            return replace(traffic, prefix_hit_rate=float(hit))
        for key in ("prompt_tokens", "output_tokens"):
            if key not in data:
                raise InputError(f"{where}: missing field {key!r} (or give 'trace')")
        prompt = parse_lengths(data["prompt_tokens"], what=f"{where}: prompt_tokens", base=base)
        output = parse_lengths(data["output_tokens"], what=f"{where}: output_tokens", base=base)
        try:
            return cls(
                None if qps is None else float(qps),
                prompt,
                output,
                float(data.get("kv1", -1.0)),
                float(data.get("kv2", -1.0)),
                float(data.get("arrival_scv", 1.0)),
                float(data.get("max_context", 0.0)),
                str(data.get("source", "")),
                float(data.get("res1", -1.0)),
                float(data.get("res2", -1.0)),
                {},
                float(hit),
            )
        except (TypeError, ValueError) as exc:  # InputError too: the checks say "traffic: "
            message = str(exc).removeprefix("traffic: ")
            raise InputError(f"{where}: {message}") from None


def independent_kv_moments(prompt: LengthDist, output: LengthDist) -> tuple[float, float]:
    """``(kv1, kv2)`` of :class:`Traffic` when prompt and output lengths are independent."""
    p1, p2 = prompt.mean, prompt.moment(2)
    d = np.maximum(0.0, np.asarray(output.values) - 1.0)
    w = np.asarray(output.weights)
    e_d = float(np.dot(d, w))
    e_dd1 = float(np.dot(d * (d + 1), w))
    e_dd1_2d1 = float(np.dot(d * (d + 1) * (2 * d + 1), w))
    kv1 = p1 * e_d + e_dd1 / 2
    kv2 = p2 * e_d + p1 * e_dd1 + e_dd1_2d1 / 6
    return kv1, kv2


def independent_reserved_moments(prompt: LengthDist, output: LengthDist) -> tuple[float, float]:
    """``(res1, res2)`` of :class:`Traffic` when prompt and output lengths are independent."""
    o = np.asarray(output.values)
    d = np.maximum(0.0, o - 1.0)
    w = np.asarray(output.weights)
    p1, p2 = prompt.mean, prompt.moment(2)
    e_d, e_do, e_do2 = (float(np.dot(x, w)) for x in (d, d * o, d * o * o))
    return p1 * e_d + e_do, p2 * e_d + 2 * p1 * e_do + e_do2


def _class_pairs(traffic: Traffic) -> tuple[np.ndarray, ...]:
    """Prompt lengths (column), output lengths (row), their joint weights (independent
    classes) and the decode iterations ``O - 1`` of every pair."""
    p = np.asarray(traffic.prompt.values, dtype=float)[:, None]
    wp = np.asarray(traffic.prompt.weights, dtype=float)[:, None]
    o = np.asarray(traffic.output.values, dtype=float)[None, :]
    wo = np.asarray(traffic.output.weights, dtype=float)[None, :]
    return p, o, wp * wo, np.maximum(0.0, o - 1.0)


def held_kv_moments(traffic: Traffic, engine: EngineModel, reserve: bool) -> tuple[float, float]:
    """``(kv1, kv2)`` (``(res1, res2)`` when ``reserve``) of :class:`Traffic` in the KV tokens
    ``engine`` holds (:meth:`~planner.perfmodel.stage.EngineModel.kv_held`).

    When the engine keeps only the window on the windowed layers a sequence of context ``c``
    holds ``g(c) = f c + (1 - f) m(c)`` (``f`` the share of full-attention layers, ``m`` the
    window's :func:`~planner.perfmodel.model_spec.window_held`: ``min(c, W)`` sliding,
    ``(c - 1) mod W + 1`` chunked), so ``sum g = f sum c + (1 - f) sum m`` and ``sum g^2 =
    f^2 sum c^2 + 2 f (1 - f) sum c m + (1 - f)^2 sum m^2``: the traffic's own moments
    (exact, a trace's correlation included) and the window's sums
    (:func:`~planner.perfmodel.model_spec.window_sums`) over every pair of prompt and output
    classes (independent lengths; ``P + k``, ``k = 1 .. O - 1``, on demand, ``P + O`` held
    for ``O - 1`` iterations when reserved). Otherwise the traffic's moments.
    """
    c1, c2 = (traffic.res1, traffic.res2) if reserve else (traffic.kv1, traffic.kv2)
    model = engine.model
    if not engine.frees_windowed_kv:
        return c1, c2
    f = model.full_attention_layers / model.layers
    p, o, weight, d = _class_pairs(traffic)
    w, chunked = model.sliding_window, model.attention_chunked
    if reserve:
        c = p + o
        m = window_held(c, w, chunked)
        sm, scm, smm = d * m, d * c * m, d * m * m
    else:
        sm, scm, smm = window_sums(p, p + d, w, chunked)
    e_m, e_cm, e_mm = (float(np.sum(weight * x)) for x in (sm, scm, smm))
    return f * c1 + (1 - f) * e_m, f * f * c2 + 2 * f * (1 - f) * e_cm + (1 - f) ** 2 * e_mm


def decode_attention_keys(traffic: Traffic, model: ModelSpec) -> float:
    """Mean keys a decode query attends, averaged over the layers and over every decode
    iteration of the traffic (positions ``P + 1 .. P + O - 1``): the traffic's
    :attr:`~Traffic.decode_context` without a window; with one, ``f`` of it plus ``1 - f``
    of the window's sums (:func:`~planner.perfmodel.model_spec.window_sums`) over every pair
    of prompt and output classes, as in :func:`held_kv_moments` (a chunked layer's keys drop
    back at each chunk boundary, so the mean of the keys is not the keys at the mean
    context)."""
    ctx = traffic.decode_context
    e_d = traffic.mean_decode_tokens
    if not model.sliding_window or e_d <= 0:
        return float(model.attention_keys(ctx))
    f = model.full_attention_layers / model.layers
    p, _, weight, d = _class_pairs(traffic)
    e_m = float(np.sum(weight * model.windowed_keys(p, p + d)))
    return f * ctx + (1 - f) * e_m / e_d


def _field(obj: Mapping[str, Any], keys: Sequence[str]) -> tuple[str | None, Any]:
    for key in keys:
        if key in obj:
            return key, obj[key]
    return None, None


def read_trace(path: str | Path, *, rate_given: bool = False) -> Traffic:
    """Read a JSON Lines request trace into a :class:`Traffic`.

    Each line needs a prompt and an output token count; arrival offsets are
    optional (without them the rate must be given separately, e.g. ``--qps``).
    The rate is ``(n - 1) / (last - first arrival)``; the burstiness is the
    squared coefficient of variation of the sorted inter-arrival gaps.

    Parameters
    ----------
    path
        The trace.
    rate_given
        The caller sets the rate (``--qps``): arrival times that give none (one request,
        or all at one instant) are then no error.

    Raises
    ------
    InputError
        Naming the file and line of a missing or invalid field, or arrival times that
        give no rate when ``rate_given`` is false.
    """
    path = Path(path)
    arrivals: list[float] = []
    prompts: list[float] = []
    outputs: list[float] = []
    has_arrival: bool | None = None
    for lineno, obj in iter_jsonl(path):
        where = f"{path}:{lineno}"
        pk, p = _field(obj, _PROMPT_KEYS)
        ok, o = _field(obj, _OUTPUT_KEYS)
        if pk is None:
            raise InputError(f"{where}: missing prompt length (one of {', '.join(_PROMPT_KEYS)})")
        if ok is None:
            raise InputError(f"{where}: missing output length (one of {', '.join(_OUTPUT_KEYS)})")
        for key, value in ((pk, p), (ok, o)):
            # NaN passed 'value < 1' (as did inf and 1e308: overflow RuntimeWarnings)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 1 <= value <= MAX_TOKENS
            ):
                raise InputError(
                    f"{where}: field {key!r} must be a number in [1, {MAX_TOKENS:g}], got {value!r}"
                )
            if value != int(value):  # one request's count: 100.5 tokens was read as such
                raise InputError(f"{where}: field {key!r} is a token count, got {value!r}")
        if "StartTimeOffset" in obj:
            ak, a, scale = "StartTimeOffset", obj["StartTimeOffset"], 1e-9
        else:
            ak, a = _field(obj, _ARRIVAL_KEYS)
            scale = 1.0
        if has_arrival is None:
            has_arrival = ak is not None
        elif has_arrival != (ak is not None):
            raise InputError(f"{where}: arrival time given on some lines but not on others")
        if ak is not None:
            if isinstance(a, bool) or not isinstance(a, (int, float)) or not math.isfinite(a):
                raise InputError(f"{where}: field {ak!r} must be a number, got {a!r}")
            if abs(a * scale) > MAX_ARRIVAL_S:  # 1e308 overflowed the gaps' variance (exit 1)
                raise InputError(
                    f"{where}: field {ak!r} = {a!r} is more than {MAX_ARRIVAL_S:g} s from 0"
                )
            arrivals.append(float(a) * scale)
        prompts.append(float(p))
        outputs.append(float(o))
    n = len(prompts)
    qps = None
    scv = 1.0
    if has_arrival and n == 1 and not rate_given:
        # was planned as "maximum throughput" (no rate) although the trace has arrival times
        raise InputError(f"{path}: one request: its arrival time gives no rate; give --qps")
    span = float(np.ptp(arrivals)) if has_arrival and n >= 2 else 0.0
    if has_arrival and n >= 2 and span <= 0 and not rate_given:
        # said "give --qps", then refused the trace with --qps as well (s17audit)
        raise InputError(f"{path}: all {n} requests arrive at the same time; give --qps")
    if span > 0:
        t = np.sort(np.asarray(arrivals))
        qps = (n - 1) / span
        gaps = np.diff(t)
        mean_gap = float(gaps.mean())
        scv = float(gaps.var() / mean_gap**2) if mean_gap > 0 else 1.0
    P = np.asarray(prompts)
    D = np.maximum(0.0, np.asarray(outputs) - 1.0)
    kv1 = float(np.mean(P * D + D * (D + 1) / 2))
    kv2 = float(np.mean(D * P**2 + P * D * (D + 1) + D * (D + 1) * (2 * D + 1) / 6))
    total = P + np.asarray(outputs)
    return Traffic(
        qps,
        LengthDist.from_samples(prompts),
        LengthDist.from_samples(outputs),
        kv1,
        kv2,
        scv,
        float(np.max(P + np.asarray(outputs))),
        f"{path.name} ({n} requests)",
        float(np.mean(D * total)),
        float(np.mean(D * total**2)),
        {"requests": n, **({"arrivals": np.sort(np.asarray(arrivals))} if has_arrival else {})},
    )
