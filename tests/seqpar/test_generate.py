"""Seeded batches from a length file and from the long-tail mixes."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.seqpar.generate import (
    MIXES,
    draw,
    keep_probability,
    read_lengths,
    sample,
    synthetic,
)

from .strategies import INSTANCES


def test_sample_is_seeded_and_drops_or_truncates():
    pool = read_lengths(INSTANCES / "wikipedia_sample.txt")
    a = sample(pool, batch=64, max_len=4096, gpus=16, seed=5)[0]
    b = sample(pool, batch=64, max_len=4096, gpus=16, seed=5)[0]
    c = sample(pool, batch=64, max_len=4096, gpus=16, seed=6)[0]
    assert a.lengths == b.lengths != c.lengths
    assert a.n == 64 and max(a.lengths) <= 4096 and a.max_len == 4096
    assert a.gpus == 16 and a.cost.name == "flexsp-7b" and a.meta["seed"] == 5
    cut = sample(pool, batch=2000, max_len=100, gpus=8, seed=1, over="truncate")[0]
    assert max(cut.lengths) == 100  # the sample holds longer documents, cut to 100
    many = sample(pool, batch=8, max_len=4096, gpus=8, seed=1, count=3)
    assert len({m.name for m in many}) == 3


def test_synthetic_mixes_have_long_tails():
    rng = np.random.default_rng(0)
    cc, gh = draw("commoncrawl", 20000, rng), draw("github", 20000, rng)
    assert 500 < np.median(cc) < 900 and np.percentile(cc, 99) > 8000
    assert np.percentile(gh, 99) > np.percentile(cc, 99)  # the heavier tail
    insts = synthetic("github", batch=128, max_len=65536, gpus=32, seed=2, count=2)
    assert [i.n for i in insts] == [128, 128] and max(insts[0].lengths) <= 65536
    assert set(MIXES) == {"commoncrawl", "github"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"gpus": 60}, "^gpus: 60 is not a multiple of the node size 8"),
        ({"batch": 0}, "^batch"),
        ({"max_len": 0}, "^max_len"),
        ({"over": "clip"}, "^over"),
        ({"model": "nope"}, "preset"),
    ],
)
def test_bad_settings(kwargs, match):
    args = {"batch": 4, "max_len": 100, "gpus": 8} | kwargs
    with pytest.raises(InputError, match=match):
        sample(np.array([5, 6, 7]), **args)


def test_read_lengths_errors(tmp_path):
    p = tmp_path / "l.txt"
    p.write_text("5\n\n7\nx\n")
    with pytest.raises(InputError, match=r"l\.txt:4: 'x' is not an integer"):
        read_lengths(p)
    p.write_text("5\n0\n")
    with pytest.raises(InputError, match=r":2: length 0 is not positive"):
        read_lengths(p)
    p.write_text("\n")
    with pytest.raises(InputError, match="no lengths"):
        read_lengths(p)
    with pytest.raises(InputError, match="no document of at most 3"):
        sample(np.array([5, 6]), batch=2, max_len=3, gpus=8)


def test_keep_probability_matches_the_draws():
    rng = np.random.default_rng(0)
    for mix in MIXES:
        x = draw(mix, 200_000, rng)
        for max_len in (100, 250, 1000, 65536):
            assert keep_probability(mix, max_len) == pytest.approx(
                float((x <= max_len).mean()), abs=0.01
            )


def test_max_len_below_a_mix_is_bad_input_not_an_endless_loop():
    # every github draw is >= 250 tokens: the rejection loop of `synthetic` never ended
    # (`planner gen seqpar --mix github --max-len 10` hung); an alarm turns a hang of the
    # old code into a failure instead of a stuck suite
    with pytest.raises(InputError, match=r"^max_len: 10 tokens keeps 0 of the github mix"):
        _run_with_deadline(lambda: synthetic("github", batch=8, max_len=10, gpus=8), 20)
    with pytest.raises(
        InputError, match=r"^max_len: 1 tokens keeps"
    ):  # keeps 1.1e-6: 4.6e8 draws expected
        _run_with_deadline(lambda: synthetic("commoncrawl", batch=512, max_len=1, gpus=8), 20)
    # a low but workable acceptance rate still samples, and truncation is always fine
    (inst,) = synthetic("commoncrawl", batch=8, max_len=100, gpus=8, seed=1)
    assert inst.n == 8 and max(inst.lengths) <= 100
    (cut,) = synthetic("github", batch=8, max_len=10, gpus=8, over="truncate")
    assert set(cut.lengths) == {10}


def _run_with_deadline(func, seconds):
    """``func()``, failing the test (not hanging it) when it runs longer than ``seconds``."""

    def expire(*_):
        pytest.fail(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        return func()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_strategies_with_a_flexsp_preset_are_refused_not_ignored():
    # `gen seqpar --mix github --strategies ring,foo` wrote a FlexSP (all-to-all) batch, exit 0
    for bad in (["ring"], ["ring", "foo"], ["ulysses", "hybrid"]):
        with pytest.raises(InputError, match=r"^strategies .*FlexSP preset flexsp-7b"):
            synthetic("github", batch=8, max_len=4096, gpus=8, strategies=bad)
    with pytest.raises(InputError, match=r"^strategies"):
        sample(np.array([5, 6, 7]), batch=2, max_len=100, gpus=8, strategies=["ring"])
    # the preset's own strategy, and no option at all, are the same batch
    (a,) = synthetic("github", batch=8, max_len=4096, gpus=8, strategies=["ulysses"])
    (b,) = synthetic("github", batch=8, max_len=4096, gpus=8)
    assert a.to_dict() == b.to_dict()


# s25formats
def test_read_lengths_gzip_and_a_length_beyond_64_bits(tmp_path):
    import gzip

    path = tmp_path / "lengths.txt.gz"
    path.write_bytes(gzip.compress(b"512\r\n7\r\n"))
    assert read_lengths(path).tolist() == [512, 7]
    huge = tmp_path / "huge.txt"
    huge.write_text("512\n" + "1" + "0" * 25 + "\n")
    # np.asarray(int64) raised OverflowError: a traceback, exit 1
    with pytest.raises(InputError, match=r"huge\.txt:2: length 1" + "0" * 25 + " is above"):
        read_lengths(huge)
