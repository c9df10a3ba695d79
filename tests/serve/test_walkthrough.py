"""Defects found walking the serve docs as a new user (twenty-second session, s22walk)."""

from __future__ import annotations

from .test_cli import run


def test_one_gpu_is_one_gpu(capsys):
    # the summary read "cost $2.99/h for 1 GPUs"
    code, out, _ = run(
        capsys,
        *("plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:1", "--qps", "1"),
        *("--prompt-tokens", "512", "--output-tokens", "128", "--ttft", "1s", "-t", "10"),
    )
    text = " ".join(out.split())
    assert code == 0 and "/h for 1 GPU; capacity" in text and "1 GPUs" not in text
