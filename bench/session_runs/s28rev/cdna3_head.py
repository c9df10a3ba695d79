"""The CDNA3 fit rows' errors with the LM head at 16 bits (s28lead) and at the layers' width
(main's timing), both at the branch constants: what the head change alone does to the stage
whose loss rose 0.0098 -> 0.0116.

``PYTHONPATH=. .venv/bin/python bench/session_runs/s28rev/cdna3_head.py``
"""

from __future__ import annotations

import math

import planner.serve  # noqa: F401  (registers the serving predictors)
from planner.perfmodel import constants, stage
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.fit import CALIBRATION_ROWS, FIT, kind_of


def errors() -> dict[str, float]:
    """log(predicted / measured) of each CDNA3 fit row."""
    rows = [r for r in CALIBRATION_ROWS if r.split == FIT and kind_of(r) == "cdna3"]
    return {r.id: math.log(fit.predict(r) / r.value) for r in rows}


def main() -> None:
    """Print each row's error both ways and the mean squared log error of each."""
    wide = errors()
    original = stage.EngineModel.__init__

    def narrow_head(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.head_precision = self.attn_precision  # main: the head at the layers' width

    stage.EngineModel.__init__ = narrow_head
    try:
        with constants.override({}):  # clears the cached step models on entry and exit
            narrow = errors()
    finally:
        stage.EngineModel.__init__ = original
    for key in wide:
        print(f"{key}: {math.expm1(narrow[key]):+.2%} -> {math.expm1(wide[key]):+.2%}")
    for label, errs in (("head at layer width", narrow), ("head at 16 bits", wide)):
        mse = sum(e * e for e in errs.values()) / len(errs)
        print(f"{label}: {len(errs)} rows, mean squared log error {mse:.5f}")


def shared_constants(main_constants: str) -> None:
    """The CDNA3 fit rows' loss at the branch constants with main's ``layer_latency_s`` (a
    constant the NVIDIA serving stage fits and the CDNA3 stage inherits), and with main's
    whole serving stage, the CDNA3 pair kept at the branch's values."""
    from pathlib import Path

    main = constants.load(Path(main_constants))
    cdna3 = ("gemm_efficiency_cdna3", "weight_stream_efficiency_cdna3")
    variants = {
        "branch, main's layer_latency_s": {"layer_latency_s": main["layer_latency_s"]},
        "main's constants, branch's CDNA3 pair": {k: v for k, v in main.items() if k not in cdna3},
        "main's constants": main,
    }
    for label, values in variants.items():
        with constants.override(values):
            errs = errors()
        print(
            f"{label}: mean squared log error {sum(e * e for e in errs.values()) / len(errs):.5f}"
        )


if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1:  # MAIN.json: git show main:planner/perfmodel/calibration/constants.json
        shared_constants(sys.argv[1])
    else:
        main()
