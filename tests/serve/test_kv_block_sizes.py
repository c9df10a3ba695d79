"""The paged KV-cache block sizes the engines take (``--kv-block``, ``kv_block_tokens``).

vLLM 0.8.5 ``--block-size`` choices 1, 8, 16, 32, 64, 128; SGLang 0.4.6 a ``--page-size``
dividing its 8192-token default prefill chunk; TensorRT-LLM a power of two; none longer than
the model's longest sequence (:func:`planner.serve.instance.kv_block_refusal`). On main
``--kv-block 7`` and ``1000000`` were planned (s28bad's sweep).
"""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.cli import main
from planner.core.errors import InputError

SERVE = [
    "plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "2",
    "--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms", "-t", "2",
]  # fmt: skip
LENGTHS = {"qps": 2.0, "prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}


def error_line(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and out == "", err
    return lines[0]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--kv-block", "7"], "--kv-block 7: KV-cache blocks are powers of two"),
        (["--kv-block", "1000000"], "--kv-block 1000000: KV-cache blocks are powers of two"),
        (["--kv-block", "262144"], "--kv-block 262144: longer than llama-3.1-8b's longest"),
        (["--kv-block", "256", "--engine", "vllm"], "--kv-block 256: vLLM 0.8.5 --block-size"),
        (["--kv-block", "16384", "--engine", "sglang"], "--kv-block 16384: SGLang 0.4.6"),
    ],
)
def test_cli_names_the_flag(extra, says, capsys):
    line = error_line([*SERVE, *extra], capsys)
    assert line.startswith("planner: error: " + says), line


@pytest.mark.parametrize("block", [7, 24, 1000000, 1 << 20])
def test_library_names_the_keyword(block):
    with pytest.raises(InputError, match=rf"^kv_block_tokens {block}: ") as exc:
        ps.make_problem("llama-3.1-8b", "H100:2", kv_block_tokens=block, **LENGTHS)
    assert "--" not in str(exc.value).split(":")[0]


def test_problem_file_names_file_and_field(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(
        'model = "llama-3.1-8b"\ngpus = "H100:2"\n'
        "[traffic]\nqps = 2\nprompt_tokens = 600\noutput_tokens = 150\n"
        "[constraints]\nkv_block_tokens = 7\n"
    )
    line = error_line(["solve", "serve", str(path), "-t", "2"], capsys)
    assert "p.toml" in line and "constraints: kv_block_tokens 7: KV-cache blocks" in line, line


@pytest.mark.parametrize(
    ("engine", "blocks"),
    [
        (None, (1, 8, 16, 32, 64, 128, 256, 8192, 131072)),
        ("vllm", (1, 8, 16, 32, 64, 128)),
        ("sglang", (1, 16, 64, 8192)),
        ("trtllm", (1, 16, 32, 64, 128, 65536)),
    ],
)
def test_sizes_the_engines_take_are_planned(engine, blocks):
    from planner.serve.instance import kv_block_refusal

    for block in blocks:
        assert kv_block_refusal(block, engine, 131072, "m") == "", (engine, block)
        prob = ps.make_problem(
            "llama-3.1-8b", "H100:2", kv_block_tokens=block, engine=engine, **LENGTHS
        )
        assert prob.constraints.kv_block_tokens == block
