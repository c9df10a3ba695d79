import os

import pytest

from planner.core.errors import InputError
from planner.core.io import ensure_not_input, iter_jsonl, read_json, read_toml, write_atomic


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "out.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(target.parent) == ["out.json"]


def test_jsonl_reports_line_of_malformed_json(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"a": \n')
    with pytest.raises(InputError, match=r"x.jsonl:3: malformed JSON"):
        list(iter_jsonl(path))


def test_jsonl_non_object_and_empty(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("[1, 2]\n")
    with pytest.raises(InputError, match=r":1: expected a JSON object"):
        list(iter_jsonl(path))
    path.write_text("\n\n")
    with pytest.raises(InputError, match="empty file"):
        list(iter_jsonl(path))


def test_read_json_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  'x': 1}")
    with pytest.raises(InputError, match=r"bad.json:2: malformed JSON"):
        read_json(bad)
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8"):
        read_json(bad)


def test_read_toml_errors(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("a = [1,\n")
    with pytest.raises(InputError, match="malformed TOML"):
        read_toml(bad)


def test_refuses_to_overwrite_input(tmp_path):
    path = tmp_path / "in.json"
    path.write_text("{}")
    with pytest.raises(InputError, match="refusing to overwrite"):
        ensure_not_input(tmp_path / "." / "in.json", [path])
    ensure_not_input(tmp_path / "other.json", [path])


def test_atomic_outputs_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "report.md", "x")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_an_output_that_is_a_device_is_written_in_place_not_replaced(tmp_path):
    """Renaming the temp file over /dev/null (or /dev/full) as root replaced the device node
    with a regular file (s15bad: `--out /dev/full` left one); a FIFO stands in for it here."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    write_atomic(fifo, "hello\n")
    reader.join(5)
    assert got == ["hello\n"]
    assert not fifo.is_file() and fifo.exists()  # still a FIFO
    assert sorted(os.listdir(tmp_path)) == ["pipe"]  # no temp file left


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_dev_stdout_on_a_pipe_is_written_in_place():
    """``--out /dev/stdout | jq`` exited 2 with "/proc/PID/fd/pipe:[N]: cannot write": the
    link chain /dev/stdout -> /proc/self/fd/1 -> pipe:[N] was resolved to a path that does
    not exist (s18walk). /proc/self/fd/W of a pipe is the same magic link."""
    read_end, write_end = os.pipe()
    try:
        write_atomic(f"/proc/self/fd/{write_end}", "hello\n")
    finally:
        os.close(write_end)
    with os.fdopen(read_end) as fh:
        assert fh.read() == "hello\n"


def test_an_output_in_an_unwritable_place_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        write_atomic(blocker / "sub" / "out.json", "x")


def test_a_hard_link_to_an_input_is_the_input(tmp_path):
    """A hard link resolves to another path: it was written over (s15bad)."""
    path = tmp_path / "in.json"
    path.write_text("{}")
    os.link(path, tmp_path / "hard.json")
    with pytest.raises(InputError, match="refusing to overwrite"):
        ensure_not_input(tmp_path / "hard.json", [path])


def test_json_and_toml_nested_too_deep_are_input_errors(tmp_path):
    """``[[[[...`` 100,000 deep raised RecursionError: 'internal error', exit 1 (s15bad)."""
    from planner.core.io import read_toml

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"deep\.json: JSON nested too deeply"):
        read_json(deep)
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"a": 1}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InputError, match=r"deep\.jsonl:2: JSON nested too deeply"):
        list(iter_jsonl(lines))
    toml = tmp_path / "deep.toml"
    toml.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InputError, match=r"deep\.toml: TOML nested too deeply"):
        read_toml(toml)


def test_a_utf8_byte_order_mark_is_ignored(tmp_path):
    """A file saved by a Windows editor starts with a BOM: 'malformed JSON (Unexpected UTF-8
    BOM)' (s15bad)."""
    from planner.core.io import read_toml

    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}\n')
    assert read_json(path) == {"a": 1}
    toml = tmp_path / "bom.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + b"a = 1\n")
    assert read_toml(toml) == {"a": 1}


def test_an_output_that_is_a_symlink_is_written_through_to_its_target(tmp_path):
    """The rename went over the link: the link became a regular file and its target kept the
    old bytes (s15bad noticed; s16audit). Written atomically to the final target instead."""
    real = tmp_path / "real" / "out.json"
    real.parent.mkdir()
    real.write_text("old")
    hop = tmp_path / "hop.json"
    hop.symlink_to(real)
    link = tmp_path / "link.json"
    link.symlink_to(hop)  # a chain of two links
    write_atomic(link, "new")
    assert link.is_symlink() and hop.is_symlink()
    assert real.read_text() == "new"
    assert sorted(os.listdir(real.parent)) == ["out.json"]  # the temp file sat beside the target
    assert sorted(os.listdir(tmp_path)) == ["hop.json", "link.json", "real"]
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "made.json")
    write_atomic(dangling, "x")
    assert dangling.is_symlink() and (tmp_path / "made.json").read_text() == "x"


def test_a_symlink_loop_as_output_is_an_input_error(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(InputError, match=r"a\.json: cannot write"):
        write_atomic(a, "x")


def test_a_symlink_to_an_input_is_the_input(tmp_path):
    path = tmp_path / "in.json"
    path.write_text("{}")
    (tmp_path / "link.json").symlink_to(path)
    with pytest.raises(InputError, match="refusing to overwrite"):
        ensure_not_input(tmp_path / "link.json", [path])


# s25formats: compressed and archived inputs
def test_a_gzip_compressed_file_reads_as_its_text(tmp_path):
    import gzip

    from planner.core.io import read_text

    text = "\ufeffline one\r\nline two\r\n"
    plain = tmp_path / "a.txt"
    plain.write_bytes(text.encode())
    packed = tmp_path / "a.txt.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert read_text(packed) == read_text(plain) == "line one\nline two\n"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x1f\x8b\x08\x00garbage", "corrupt or truncated gzip file"),
        (b"PK\x03\x04rest of a zip", "a zip archive, not a text file: unzip it"),
    ],
)
def test_a_corrupt_gzip_or_a_zip_archive_is_one_line_naming_the_file(tmp_path, data, needle):
    from planner.core.io import read_text

    path = tmp_path / "x.sm.gz"
    path.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_text(path)
    assert str(exc.value).startswith(str(path)) and needle in str(exc.value)
    assert "\n" not in str(exc.value)


def test_format_suffix_and_stem_look_under_gz():
    from planner.core.io import format_stem, format_suffix

    assert (format_suffix("d/j301_1.sm.gz"), format_stem("d/j301_1.sm.gz")) == (".sm", "j301_1")
    assert (format_suffix("PSP1.SCH"), format_stem("PSP1.SCH")) == (".sch", "PSP1")
    assert (format_suffix("t.JSONL.GZ"), format_stem("t.JSONL.GZ")) == (".jsonl", "t")


def test_dumps_json_writes_scalar_lists_on_one_line_and_round_trips():
    """A list of scalars goes on one line (the C encoder; a million-item order took 0.6 CPU s
    and a million lines with the indented encoder); the text is the same JSON."""
    import json
    import time
    from pathlib import Path

    import numpy as np

    from planner.core.io import dumps_json

    obj = {
        "order": list(range(5)),
        "nested": [{"w": [1.5, None, 'q"uote', True], "e": []}, [1, 2]],
        "array": np.arange(3),
        "pair": (4, 5),
        "path": Path("/x"),
        "text": "\x00planner-leaf-0",  # looks like the placeholder, is content
    }
    text = dumps_json(obj)
    assert text.endswith("}\n")
    lines = text.splitlines()
    assert '  "order": [0, 1, 2, 3, 4],' in lines
    assert '      "w": [1.5, null, "q\\"uote", true],' in lines
    assert "    [1, 2]" in lines and '  "array": [0, 1, 2],' in lines
    expected = {**obj, "array": [0, 1, 2], "pair": [4, 5], "path": "/x"}
    assert json.loads(text) == json.loads(json.dumps(expected))
    big = {"solution": {"order": list(range(1_000_000))}}
    t0 = time.process_time()
    text = dumps_json(big)
    assert time.process_time() - t0 < 0.5  # 0.6-0.9 s with one indented line per item
    assert text.count("\n") == 5
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_json({"x": object()})


def _json_values():
    """Hypothesis strategy: what ``dumps_json`` is given -- nested dicts, lists, tuples, sets,
    numpy scalars and arrays, NaN / inf, non-string keys, strings with quotes, backslashes,
    NULs and unicode (review s30review1)."""
    import numpy as np
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.sampled_from(["\\", '"', "\0", "\u2028", "é", '"\\u0000planner-leaf-']),
        st.builds(np.int64, st.integers(-(2**60), 2**60)),
        st.builds(np.float32, st.floats(width=32)),
        st.builds(np.bool_, st.booleans()),
    )
    plain = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text())
    keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats())
    return st.recursive(
        scalars,
        lambda c: st.one_of(
            st.lists(c, max_size=4),
            st.lists(plain, max_size=6),  # a list the hoisting writes on one line
            st.tuples(c, c),
            st.dictionaries(keys, c, max_size=4),
            st.lists(st.integers(-(2**31), 2**31), max_size=3).map(np.array),
            st.frozensets(st.integers(), max_size=3),
        ),
        max_leaves=25,
    )


def test_dumps_json_is_the_standard_encoders_json_for_any_value():
    """Hoisting scalar lists changes the layout only: the text parses to what
    ``json.dumps(obj, default=...)`` writes, and an input the standard encoder refuses is
    refused with the same error type."""
    import json

    import numpy as np
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    from planner.core.io import dumps_json

    def plain(o):  # what dumps_json converts among the strategy's values: arrays, numpy, sets
        return o.tolist() if hasattr(o, "tolist") else list(o)

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_json_values(), st.sampled_from([2, 0, "\t"]))
    @example({"w": [float("nan"), float("inf"), -0.0, 1e300]}, 2)
    @example([[1, 'q"uote', "back\\slash", "\0", "é\u2028"], (2, 3), {5: [None, True]}], 2)
    @example({"a": np.arange(3), "b": [np.int64(1), 2], "c": frozenset({1})}, 0)
    def check(obj, indent):
        try:
            expected = json.dumps(obj, indent=indent, default=plain)
        except (TypeError, ValueError) as exc:
            with pytest.raises(type(exc)):
                dumps_json(obj, indent=indent)
            return
        text = dumps_json(obj, indent=indent)
        # NaN != NaN: compare the re-encoded texts, not the parsed values
        assert json.dumps(json.loads(text)) == json.dumps(json.loads(expected))

    check()


def test_dumps_json_refuses_a_circular_value_as_the_encoder_does():
    """A list or dict that contains itself: ``json.dumps`` raises ValueError ("Circular
    reference detected"); hoisting recursed until RecursionError (s30review1)."""
    from planner.core.io import dumps_json

    loop: list = [1]
    loop.append(loop)
    ring: dict = {"a": [1, 2]}
    ring["self"] = ring
    for obj in (loop, ring, {"x": [loop]}):
        with pytest.raises(ValueError, match="Circular reference"):
            dumps_json(obj)
        with pytest.raises(ValueError, match="Circular reference"):
            dumps_json(obj, indent=None)
