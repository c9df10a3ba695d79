"""An empty name (``name = ""``) in a problem, GPU, cluster, pool or model table is refused,
naming the file and field; leaving the field out keeps its default. On main each was
planned under a blank name (s28bad's sweep: 7 ``accepted`` rows)."""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.core.errors import InputError
from planner.core.paths import models_dir
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import load_model
from planner.serve.readers import read

LENGTHS = {"qps": 2.0, "prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}
GPU = (models_dir() / "hardware/h100-sxm.toml").read_text()


@pytest.mark.parametrize("blank", ["", "  "])
def test_problem_file(tmp_path, blank):
    path = tmp_path / "p.toml"
    path.write_text(
        f'name = "{blank}"\nmodel = "llama-3.1-8b"\ngpus = "H100:2"\n'
        "[traffic]\nqps = 2\nprompt_tokens = 600\noutput_tokens = 150\n"
    )
    with pytest.raises(InputError, match=r"p\.toml: field 'name' is empty"):
        read(path)


def test_gpu_file(tmp_path):
    path = tmp_path / "gpu.toml"
    path.write_text(GPU.replace('name = "H100-SXM"', 'name = ""'))
    with pytest.raises(InputError, match=r"gpu\.toml.*field 'name' is empty"):
        parse_cluster(f"{path}:2")


@pytest.mark.parametrize(
    "text",
    [
        'name = ""\n[[pool]]\ngpu = "H100"\ncount = 2\n',
        '[[pool]]\nname = ""\ngpu = "H100"\ncount = 2\n',
        '[[pool]]\ncount = 2\n[pool.gpu]\nbase = "H100"\nname = ""\n',
    ],
)
def test_cluster_and_pool_files(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"c\.toml.*'name' is empty|c\.toml.*field 'base'"):
        parse_cluster(str(path))


def test_model_table():
    spec = load_model("llama-3.1-8b").to_dict()
    with pytest.raises(InputError, match=r"^model: field 'name' is empty"):
        ModelSpec.from_dict({**spec, "name": ""})
    assert ModelSpec.from_dict(spec).name == "llama-3.1-8b"


def test_make_problem_name():
    with pytest.raises(InputError, match=r"^name is empty"):
        ps.make_problem("llama-3.1-8b", "H100:2", name="", **LENGTHS)


def test_left_out_keeps_the_default(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[pool]]\ngpu = "H100"\ncount = 2\n')
    assert parse_cluster(str(path)).pools[0].label == "H100-SXM"
