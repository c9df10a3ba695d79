"""Length distributions, traffic moments and trace reading."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.serve.traffic import (
    MAX_TOKENS,
    QUANTILE_EDGES,
    LengthDist,
    Traffic,
    parse_lengths,
    read_trace,
)


@pytest.mark.parametrize(
    ("spec", "mean"),
    [("512", 512), (300, 300), ("uniform:128-2048", 1088), ("exp:1024", 1024)],
)
def test_parse_lengths_mean(spec, mean):
    dist = parse_lengths(spec, what="--prompt-tokens")
    assert math.isclose(dist.mean, mean, rel_tol=2e-3)
    assert math.isclose(sum(dist.weights), 1.0)
    assert len(dist.values) <= len(QUANTILE_EDGES) - 1


def test_lognormal_and_normal_are_plausible():
    ln = parse_lengths("lognormal:1000,800", what="x")
    assert math.isclose(ln.mean, 1000, rel_tol=0.02)
    assert ln.quantile(0.99) > 2 * ln.quantile(0.5)
    nd = parse_lengths("normal:1000,100", what="x")
    assert 1200 < nd.quantile(0.999) < 1400


@pytest.mark.parametrize("bad", ["uniform:10", "exp:0", "zipf:3", "-4", "lognormal:10,-1", 0])
def test_parse_lengths_rejects(bad):
    with pytest.raises(InputError, match="--output-tokens"):
        parse_lengths(bad, what="--output-tokens")


@given(st.lists(st.integers(1, 100_000), min_size=1, max_size=300))
def test_from_samples_preserves_mean(samples):
    dist = LengthDist.from_samples(samples)
    assert math.isclose(dist.mean, float(np.mean(samples)), rel_tol=1e-9)
    assert dist.lows[0] == min(samples) and dist.max == max(samples)
    for q in (0.5, 0.9, 0.99):
        # within one bin of the empirical quantile
        assert min(samples) <= dist.quantile(q) <= max(samples)


def test_quantile_interpolates_within_bins():
    dist = parse_lengths("exp:6000", what="p")
    true_p99 = 1 - 5999 * math.log(0.01)  # the shifted exponential of parse_lengths
    assert abs(dist.quantile(0.99) - true_p99) < 0.03 * true_p99
    assert dist.quantile(0.5) == pytest.approx(1 - 5999 * math.log(0.5), rel=0.03)


def test_independent_moments_match_enumeration():
    p, o = parse_lengths("uniform:10-50", what="p"), parse_lengths("uniform:2-9", what="o")
    t = Traffic(1.0, p, o)
    kv1 = kv2 = res1 = 0.0
    for pv, pw in zip(p.values, p.weights, strict=True):
        for ov, ow in zip(o.values, o.weights, strict=True):
            d = ov - 1
            ks = np.arange(1, 1 + d) if float(d).is_integer() else None
            if ks is None:  # fractional class means: use the closed forms directly
                continue
            kv1 += pw * ow * float(np.sum(pv + ks))
            kv2 += pw * ow * float(np.sum((pv + ks) ** 2))
            res1 += pw * ow * d * (pv + ov)
    fixed = Traffic(1.0, LengthDist.fixed(30), LengthDist.fixed(6))
    assert math.isclose(fixed.kv1, sum(30 + k for k in range(1, 6)))
    assert math.isclose(fixed.kv2, sum((30 + k) ** 2 for k in range(1, 6)))
    assert math.isclose(fixed.res1, 5 * 36)
    assert t.kv1 > 0 and t.kv2 > t.kv1


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_trace_apex_fields(tmp_path):
    rows = [
        {"StartTimeOffset": int(i * 0.25e9), "ContextTokens": 100 + i, "GeneratedTokens": 10}
        for i in range(41)
    ]
    t = read_trace(_write(tmp_path / "t.jsonl", rows))
    assert math.isclose(t.qps, 4.0)
    assert math.isclose(t.arrival_scv, 0.0, abs_tol=1e-9)  # perfectly regular arrivals
    assert math.isclose(t.prompt.mean, 120.0)
    assert t.max_context == 140 + 10


def test_trace_own_fields_and_qps_override(tmp_path):
    rows = [{"arrival_s": i * 0.5, "prompt_tokens": 64, "output_tokens": 8} for i in range(5)]
    t = read_trace(_write(tmp_path / "t.jsonl", rows))
    assert math.isclose(t.qps, 2.0)
    assert t.with_qps(7.0).qps == 7.0 and t.with_qps(7.0).prompt == t.prompt


def test_trace_without_arrivals_has_no_rate(tmp_path):
    rows = [{"input_tokens": 64, "output_tokens": 8}] * 3
    assert read_trace(_write(tmp_path / "t.jsonl", rows)).qps is None


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([{"prompt_tokens": 5}], r"t\.jsonl:1: missing output"),
        ([{"prompt_tokens": 5, "output_tokens": 1}, {"output_tokens": 3}], r":2: missing prompt"),
        ([{"prompt_tokens": 0, "output_tokens": 3}], r":1: field 'prompt_tokens'"),
        (
            [
                {"t": 0, "prompt_tokens": 5, "output_tokens": 3},
                {"prompt_tokens": 5, "output_tokens": 3},
            ],
            r":2: arrival time",
        ),
    ],
)
def test_trace_errors_name_file_and_line(tmp_path, rows, match):
    with pytest.raises(InputError, match=match):
        read_trace(_write(tmp_path / "t.jsonl", rows))


@pytest.mark.parametrize("spec", ["1e308", 1e13, "uniform:1-1e13", "exp:1e13"])
def test_lengths_past_the_cap_name_the_option(spec, recwarn):
    """A prompt of 1e308 tokens overflowed the traffic moments (RuntimeWarnings on stderr
    before an INFEASIBLE); past MAX_TOKENS it is bad input naming the option (s14bad)."""
    with pytest.raises(InputError, match=r"--prompt-tokens: .*at most 1e\+12"):
        parse_lengths(spec, what="--prompt-tokens")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert parse_lengths(MAX_TOKENS, what="--prompt-tokens").max == MAX_TOKENS


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e308])
def test_a_trace_length_must_be_finite_and_below_the_cap(tmp_path, value):
    """NaN passed the trace reader's 'value < 1' check (s14bad)."""
    path = tmp_path / "t.jsonl"
    path.write_text(
        json.dumps({"prompt_tokens": value, "output_tokens": 3})
        + "\n"
        + json.dumps({"prompt_tokens": 5, "output_tokens": 3})
        + "\n"
    )
    with pytest.raises(InputError, match=r"t\.jsonl:1: field 'prompt_tokens' must be a number in"):
        read_trace(path)


def test_trace_malformed_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"prompt_tokens": 5, "output_tokens": 3}\n{oops\n')
    with pytest.raises(InputError, match=r"t\.jsonl:2: malformed JSON"):
        read_trace(path)


@settings(max_examples=25)
@given(st.floats(0.1, 100), st.sampled_from(["512", "exp:300", "uniform:5-900"]))
def test_traffic_roundtrip(qps, spec):
    t = Traffic(qps, parse_lengths(spec, what="p"), parse_lengths("exp:100", what="o"))
    back = Traffic.from_dict(t.to_dict())
    assert back == t


def test_traffic_rejects_bad_rate():
    with pytest.raises(InputError, match="qps"):
        Traffic(-1.0, LengthDist.fixed(1), LengthDist.fixed(1))


def test_lengths_from_a_histogram_file(tmp_path):
    """The issue's "input/output length distributions ... from a histogram file": a path
    was rejected ("cannot read"); the mapping was only possible inline in a problem file."""
    (tmp_path / "h.csv").write_text("tokens,count\n128,30\n512,40\n\n2048,30\n")
    dist = parse_lengths(str(tmp_path / "h.csv"), what="--prompt-tokens")
    assert dist.values == (128.0, 512.0, 2048.0) and dist.weights == pytest.approx((0.3, 0.4, 0.3))
    inline = parse_lengths({"values": [512, 128, 2048], "weights": [4, 3, 3]}, what="x")
    assert dist == inline
    (tmp_path / "r.csv").write_text("tokens,weight,low,high\n200,1,100,300\n1500,1,1000,2000\n")
    ranged = parse_lengths(str(tmp_path / "r.csv"), what="x")
    assert ranged.lows == (100.0, 1000.0) and ranged.quantile(0.25) == pytest.approx(200.0)
    (tmp_path / "h.json").write_text('{"values": [128, 512, 2048], "weights": [3, 4, 3]}')
    (tmp_path / "h.toml").write_text("values = [128, 512, 2048]\nweights = [3, 4, 3]\n")
    for name in ("h.json", "h.toml"):
        assert parse_lengths(str(tmp_path / name), what="x") == dist
    # in a problem file, relative to the file's folder
    t = Traffic.from_dict(
        {"qps": 1, "prompt_tokens": "h.csv", "output_tokens": 10}, where="t", base=tmp_path
    )
    assert t.prompt == dist
    for text, message in [
        ("tokens,weight\n128,abc\n", r"b\.csv:2: column 'weight' must be a number"),
        ("tok,weight\n128,1\n", "must name a 'tokens' and a 'weight' column"),
        ("tokens,weight\n0,1\n", "every token count must be >= 1"),
        # a class edge at 0 is named as such (it read "every token count must be >= 1")
        ("tokens,weight,low,high\n256,3,0,512\n", "every low must be >= 1, got 0"),
        ("tokens,weight\n", "no rows"),
    ]:
        (tmp_path / "b.csv").write_text(text)
        with pytest.raises(InputError, match=f"--prompt-tokens: .*{message}"):
            parse_lengths(str(tmp_path / "b.csv"), what="--prompt-tokens")
    with pytest.raises(InputError, match=r"--output-tokens: .*no such file"):
        parse_lengths(str(tmp_path / "missing.csv"), what="--output-tokens")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"values": [128, 512], "weights": [1]}',
            "values and weights must be non-empty and equal",
        ),
        ('{"values": [128, 512], "weights": [1, -1]}', "weights must be non-negative"),
        ('{"values": [128, 512], "weights": [0, 0]}', "weights sum to zero"),
        ('{"values": [0, 512], "weights": [1, 1]}', "every token count must be >= 1"),
        # the item is named (was "expected {'values': [...], 'weights': [...]}")
        ('{"values": [128, "x"], "weights": [1, 1]}', r"values\[1\] 'x': must be a number"),
        # true was a 1-token class, "7" a 7-token one (s21lib)
        ('{"values": [true, 512], "weights": [1, 1]}', r"values\[0\] True: must be a number"),
        ('{"values": [128, 512], "weights": ["7", 1]}', r"weights\[0\] '7': must be a number"),
    ],
)
def test_histogram_file_errors_say_what_is_wrong(tmp_path, text, message):
    """A JSON / TOML histogram's bad weights or counts were all reported as the generic
    "expected {'values': [...], 'weights': [...]}" (InputError is a ValueError, so the
    generic branch caught it first); the message now says which rule the file breaks."""
    path = tmp_path / "h.json"
    path.write_text(text)
    with pytest.raises(InputError, match=f"--prompt-tokens: .*h.json: .*{message}"):
        parse_lengths(str(path), what="--prompt-tokens")


def test_histogram_directory_is_not_called_missing(tmp_path):
    """A directory named like a histogram file was reported as "no such file"."""
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(InputError, match=r"--prompt-tokens: .*d\.csv: a directory"):
        parse_lengths(str(tmp_path / "d.csv"), what="--prompt-tokens")


def test_an_arrival_scv_past_the_cap_is_refused():
    """arrival_scv 1e308 from a problem or workloads file overflowed the TPOT law's moments
    to NaN, which passed as a one-GPU OPTIMAL plan (1e9 was INFEASIBLE)."""
    one = LengthDist.fixed(100)
    with pytest.raises(InputError, match="arrival_scv must be at most"):
        Traffic(5.0, one, one, arrival_scv=1e308)
    assert Traffic(5.0, one, one, arrival_scv=1e6).arrival_scv == 1e6


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([{"arrival_s": 3.0, "prompt_tokens": 64, "output_tokens": 8}], "one request"),
        ([{"arrival_s": 1.0, "prompt_tokens": 64, "output_tokens": 8}] * 2, "same time"),
    ],
)
def test_arrival_times_without_a_rate_need_qps_and_accept_it(tmp_path, rows, match):
    """s17audit: all requests at one instant said "give --qps", then refused the trace with
    --qps too; one request with an arrival time was planned at maximum throughput (no rate)."""
    from planner.serve.api import make_problem

    path = _write(tmp_path / "t.jsonl", rows)
    with pytest.raises(InputError, match=f"{match}.*give --qps"):
        read_trace(path)
    with pytest.raises(InputError, match="give --qps"):
        make_problem("llama-3.1-8b", "H100:1", trace=path, ttft="1s")
    problem = make_problem("llama-3.1-8b", "H100:1", trace=path, qps=2.0, ttft="1s")
    assert problem.traffic.qps == 2.0
    table = Traffic.from_dict({"trace": str(path), "qps": 3})
    assert table.qps == 3.0
