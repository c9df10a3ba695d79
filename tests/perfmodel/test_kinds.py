"""Layout kinds of the published rows and the step-time error convention of the report."""

from __future__ import annotations

import math

from planner.perfmodel.calibration.fit import time_log_error
from planner.perfmodel.calibration.kinds import KINDS, layout_kinds
from planner.perfmodel.calibration.published import TRAINING_ROWS


def test_every_training_row_has_a_known_kind():
    keys = {k for k, _ in KINDS}
    for row in TRAINING_ROWS:
        kinds = layout_kinds(row)
        assert kinds and set(kinds) <= keys, row.id
    by_id = {r.id: layout_kinds(r) for r in TRAINING_ROWS}
    assert by_id["llama3_2024/llama-3.1-405b/16384/131072"] == ("tp", "pp", "cp")
    assert by_id["deepseekv3_2024/deepseek-v3/2048"] == ("pp", "ep")
    assert any(k == ("sharded",) for k in by_id.values())


def test_rates_invert_into_time_errors():
    rate = next(r for r in TRAINING_ROWS if r.metric == "tokens_per_s_per_gpu")
    step = next(r for r in TRAINING_ROWS if r.metric == "step_time_s")
    # a rate predicted 25 % high is a step time predicted 20 % low
    e = math.log(1.25)
    assert abs(math.exp(time_log_error(rate, e)) - 0.8) < 1e-12
    assert time_log_error(step, e) == e
