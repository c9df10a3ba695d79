"""planner.bench.machine: the machine line a benchmark report carries."""

import os
from pathlib import Path

from planner.bench.machine import cpu_model, machine_description


def test_cpu_model_reads_model_name(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 49\n"
        "model name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: other\n"
    )
    assert cpu_model(info) == "AMD EPYC (cpu family 23, model 49)"


def test_cpu_model_without_cpuinfo_falls_back(tmp_path: Path) -> None:
    assert cpu_model(tmp_path / "missing") != ""


def test_machine_description_names_cpus_and_highs() -> None:
    line = machine_description()
    assert f"{os.cpu_count()} logical CPUs" in line
    assert "highspy " in line
