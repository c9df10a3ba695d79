"""The backlog chain's cap per iteration (:func:`~planner.serve.queueing.busy_cap`)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.serve.queueing import TpotLaw, busy_cap


def test_busy_cap_is_the_busy_iterations_mean_chunk():
    x = np.array([0.02, 0.10])  # a short prompt (one chunk) and a long one (four)
    c = np.array([0.02, 0.025])
    w = np.array([0.5, 0.5])
    # busy iterations: 1 of the short class per 4 of the long one
    assert busy_cap(x, w, c) == pytest.approx((1 * 0.02 + 4 * 0.025) / 5)
    assert busy_cap(x, w, np.array([0.03, 0.03])) == pytest.approx(0.03)
    assert busy_cap(x, w, c) <= c.max()


def test_a_rare_long_prompt_no_longer_sets_every_iterations_cap():
    """Short requests on an engine busy with prompts whose full-chunk extras differ (a long
    prompt's chunk attends to more context): before, every busy iteration could carry the
    rarest, longest class's chunk (44.5 ms in gpt-oss-20b's exp:8192 case where the busy
    mean is 27.7 ms), so the TPOT tail sat near ``tau0 +`` that chunk."""
    x = np.array([0.05, 0.10, 2.0])  # two common prompts and a rare very long one
    c = np.array([0.025, 0.026, 0.045])
    w = np.array([0.6, 0.399, 0.001])
    law = TpotLaw(
        0.02,
        x,
        0.0,
        [4.0, 8.0],
        [0.5, 0.5],
        0.99,
        extra_weights=w,
        extra_cap=c,
        queued_pmf=np.array([0.3, 0.4, 0.3]),
        arrival_rate=12.0,
    )
    # a request of 4 iterations carries at most 4 busy chunks: at most about the common
    # chunk's extra per iteration, well under the rare class's
    assert law.quantile() < 0.02 + 0.5 * (c[:2].max() + c[2])
