"""``planner.serve.sweep`` arguments the s31bad sweep found: each raises one ``InputError``
line naming the argument, before any plan is solved (on main: matplotlib's ValueError or a
write error after every solve for ``plot``, TypeError "got multiple values" for ``qps`` /
``gpus``, messages naming ``traffic: qps``, a pool's ``count`` or an "unknown GPU '5'")."""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.core.errors import InputError
from planner.serve.sweep import plot_sweep

KW = dict(prompt_tokens=600, output_tokens=150, tpot="50ms", time_limit=2)


def call(**kw):
    args = {"model": "llama-3.1-8b", "gpu_types": ["H100"], "rates": [1.0], **KW, **kw}
    return ps.sweep(**args)


@pytest.mark.parametrize(
    ("kw", "pattern"),
    [
        ({"plot": "x.xyz"}, r"^sweep: plot x\.xyz: unsupported format '\.xyz'"),
        ({"plot": "/proc/s31bad.png"}, r"^sweep: plot /proc/s31bad\.png: cannot write"),
        ({"qps": 2}, r"^sweep: qps= is set by the sweep's 'rates' argument$"),
        ({"gpus": "H100:2"}, r"^sweep: gpus= is set by the sweep's 'gpu_types' argument$"),
        ({"rates": []}, r"^sweep: rates is empty"),
        ({"gpu_types": []}, r"^sweep: gpu_types is empty"),
        ({"rates": [1e30]}, r"^sweep: rates must be below 1e\+20 req/s, got 1e\+30$"),
        ({"gpu_types": [5]}, r"^sweep: gpu_types must be GPU names, got 5$"),
        ({"gpu_types": [" "]}, r"^sweep: gpu_types must be GPU names, got ' '$"),
        ({"gpus_per_type": 10**30}, r"^sweep: gpus_per_type 1000+ is above 16,777,216"),
    ],
)
def test_bad_argument_named(kw, pattern):
    with pytest.raises(InputError, match=pattern):
        call(**kw)


def test_plot_folder_refused_before_solving(tmp_path):
    with pytest.raises(InputError, match=r"^sweep: plot .*: is a directory"):
        call(plot=tmp_path)


def test_plot_sweep_checks_its_path(tmp_path):
    with pytest.raises(InputError, match=r"^plot_sweep: path .*unsupported format '\.xyz'"):
        plot_sweep([], tmp_path / "x.xyz")


def test_a_good_plot_is_still_drawn(tmp_path):
    rows = call(plot=tmp_path / "s.png")
    assert len(rows) == 1 and (tmp_path / "s.png").stat().st_size > 0
