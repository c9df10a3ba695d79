"""A plugin's priority list is decoded by the compiled serial SGS in the driver: its kernels
load before the plugin's clock starts, as a built-in method's do. They loaded inside it:
`planner solve rcpsp j301_1.sm -m rule.py:f -t 0.5` gave runtime_s 1.1-2.4 s for a rule
that ran in 1 ms (twenty-seventh session, s27walk)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import planner
from planner.rcpsp.warmup import warm_sgs

RULE = "def rule(view):\n    return list(range(view.n))\n"


def test_a_plugin_method_warms_the_decoder(tmp_path):
    path = tmp_path / "rule.py"
    path.write_text(RULE)
    family = planner.get_family("rcpsp")
    method = family.method(f"{path}:rule")
    assert family.plugin_warmup is warm_sgs and method.warmup is warm_sgs


def test_warming_a_plugin_method_compiles_the_serial_sgs(tmp_path):
    """In a fresh process (no kernel loaded yet): warming the plugin method alone loads the
    kernel its answer is decoded with."""
    path = tmp_path / "rule.py"
    path.write_text(RULE)
    code = textwrap.dedent(
        f"""
        import planner
        from planner.core.family import warm_up
        from planner.core.paths import given_or_bundled
        from planner.rcpsp.heuristics.sgs import serial_kernel

        family = planner.get_family("rcpsp")
        (inst,) = family.read(given_or_bundled("j301_1.sm", "rcpsp"), None)
        method = family.method({str(path) + ":rule"!r})
        assert not serial_kernel.signatures
        warm_up(family, method, inst)
        print(len(serial_kernel.signatures))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    assert int(out.stdout.split()[-1]) >= 1
