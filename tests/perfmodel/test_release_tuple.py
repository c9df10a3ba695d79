"""A two-part engine version names its series' first release inside every release window
(s30review2 noticed ``vllm:0.7`` and ``sglang:0.4`` fell outside windows starting at x.y.0)."""

from planner.perfmodel.engines import (
    SGLANG_TRITON_MOE_RELEASES,
    VLLM_BLOCK_FP8_RELEASES,
    parse_engine,
    release_tuple,
)


def test_release_tuple_pads_a_series_and_keeps_unknown_empty():
    assert release_tuple("0.7") == (0, 7, 0)
    assert release_tuple("0.6.3.post2") == (0, 6, 3)
    assert release_tuple("1.0.0rc3.dev1") == (1, 0, 0)
    assert release_tuple("") == ()


def test_two_part_versions_fall_inside_windows_that_start_at_their_series():
    for spec, (first, last) in (
        ("vllm:0.7", VLLM_BLOCK_FP8_RELEASES),
        ("sglang:0.4", SGLANG_TRITON_MOE_RELEASES),
    ):
        version = release_tuple(parse_engine(spec).version)
        assert first <= version <= last, spec
