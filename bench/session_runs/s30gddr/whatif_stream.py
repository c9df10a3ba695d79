"""What-if: the serving stream efficiency on the PCIe (GDDR) GPUs set to a given value.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s30gddr/whatif_stream.py VALUE --source S --out DIR

Patches :func:`planner.perfmodel.stage.stream_efficiency` for L4 / L40S / A10G / RTX-PRO-6000
only, then runs ``bench/serve_public.py`` with the remaining arguments. A diagnostic, not a model.
"""

import runpy
import sys

from planner.perfmodel import kernels, stage

PCIE = {"L4", "L40S", "A10G", "RTX-PRO-6000"}


def main() -> None:
    value = float(sys.argv.pop(1))
    base = kernels.stream_efficiency

    def patched(gpu):
        return value if gpu.name in PCIE else base(gpu)

    stage.stream_efficiency = patched
    sys.argv = ["bench/serve_public.py", *sys.argv[1:]]
    runpy.run_path("bench/serve_public.py", run_name="__main__")


if __name__ == "__main__":
    main()
