"""Readers: native JSON, JSON Lines, OR-Library, reference values, and their error messages."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.smtt.readers import read, read_values, reference

from .strategies import INSTANCES


def test_bundled_example_and_sample():
    (ex,) = read(INSTANCES / "example.json")
    assert ex.name == "example20" and ex.n == 20 and not ex.weighted
    assert min(ex.d) < 0  # the LLM paper's generator does not clip due dates
    sample = read(INSTANCES / "tkindt_n100_sample.jsonl")
    assert len(sample) == 5 and all(i.n == 100 for i in sample)
    assert all(isinstance(i.meta["optimum"], int) for i in sample)


def test_jsonl_selectors_by_name_and_index():
    path = INSTANCES / "tkindt_n100_sample.jsonl"
    every = read(path)
    assert read(path, "2") == [every[2]]
    assert read(path, every[4].name) == [every[4]]
    with pytest.raises(InputError, match=r"index out of range \(the file has 5"):
        read(path, "5")
    with pytest.raises(InputError, match="no instance named 'nope'"):
        read(path, "nope")


def test_orlib_file_names_and_index(tmp_path):
    insts = read(INSTANCES / "wt40_first3.txt")
    # named after the file, numbered from 1 like OR-Library
    assert [i.name for i in insts] == [f"wt40_first3_00{k}" for k in (1, 2, 3)]
    assert all(i.n == 40 and i.weighted for i in insts)
    assert insts[0].p[:3] == (26, 24, 79) and insts[0].w[:3] == (1, 10, 9)
    assert read(INSTANCES / "wt40_first3.txt", "1")[0].name == "wt40_first3_002"
    # no size in the name: inferred from the count (125 instances per file)
    tokens = (INSTANCES / "wt40_first3.txt").read_text().split()
    anon = tmp_path / "weights.txt"
    anon.write_text(" ".join((tokens * 42)[: 125 * 120]))
    assert len(read(anon)) == 125


def test_json_list_and_json_lines_in_a_json_file(tmp_path):
    one = {"name": "a", "p": [1, 2], "d": [1, 1]}
    two = {"name": "b", "p": [3], "d": [0], "w": [4]}
    listed = tmp_path / "two.json"
    listed.write_text(json.dumps([one, two], indent=2))
    assert [i.name for i in read(listed)] == ["a", "b"]
    lines = tmp_path / "lines.json"
    lines.write_text(json.dumps(one) + "\n" + json.dumps(two) + "\n")
    assert [i.name for i in read(lines)] == ["a", "b"]
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps({"p": [1], "d": [1]}))
    assert read(nameless)[0].name == "nameless"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.json", "  \n", "empty file"),
        ("bad.json", '{"p": [1, 2], "d": [1,', "bad.json:1: malformed JSON"),
        (
            "neg.jsonl",
            '{"name": "a", "p": [1], "d": [1]}\n{"name": "b", "p": [-3], "d": [1]}\n',
            "neg.jsonl:2: instance 'b': field 'p' item 0: -3 is negative",
        ),
        (
            "frac.jsonl",
            '{"name": "a", "p": [1.5], "d": [1]}\n',
            "frac.jsonl:1: instance 'a': field 'p'",
        ),
        ("len.jsonl", '{"name": "a", "p": [1, 2], "d": [1]}\n', "field 'd' has 1 items"),
        ("w.jsonl", '{"name": "a", "p": [1], "d": [1], "w": [-1]}\n', "field 'w' item 0"),
        (
            "garbage.jsonl",
            '{"name": "a", "p": [1], "d": [1]}\n{oops\n',
            "garbage.jsonl:2: malformed",
        ),
        ("scalar.jsonl", "[1, 2]\n3\n", "expected a JSON object"),
        (
            "wt3.txt",
            "1 2 3\n4 5 6\n7 8 x\n",
            "wt3.txt:3: instance 1 field 'd' item 2: 'x' is not an integer",
        ),
        ("wt2.txt", "1 2\n3 4\n5\n", "wt2.txt:3: instance 1 is truncated in field 'd'"),
        ("wt1.txt", "-1\n1\n1\n", "field 'p' item 0: -1 is negative"),
        ("numbers.txt", "1 2 3 4\n", "cannot infer the number of jobs"),
    ],
)
def test_bad_files_name_file_line_and_field(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read(path)
    assert message in str(err.value)
    assert str(path) in str(err.value) or message.startswith(name)


def test_reference_from_field_and_files(tmp_path):
    sample = read(INSTANCES / "tkindt_n100_sample.jsonl")
    refs = reference("optimum", sample)
    assert {k: r.value for k, r in refs.items()} == {i.name: i.meta["optimum"] for i in sample}
    with pytest.raises(InputError, match="no instance has a numeric field 'nope'"):
        reference("nope", sample)
    wt = read(INSTANCES / "wt40_first3.txt")
    refs = reference(str(INSTANCES / "wtopt40_first3.txt"), wt)
    assert [refs[i.name].value for i in wt] == [913, 1225, 537]
    best = tmp_path / "wtbest40x.txt"
    best.write_text("900\n1200\n500\n")
    refs = reference(str(best), wt)  # best-known values are upper bounds, not optima
    first = wt[0].name
    assert refs[first].value is None and refs[first].ub == 900
    with pytest.raises(InputError, match="matches no instance"):
        reference(str(best), sample)
    short = tmp_path / "wtopt40s.txt"
    short.write_text("1\n")
    with pytest.raises(InputError, match="no value for wt40_first3_002"):
        reference(str(short), wt)


def test_open_orlib_instances_are_upper_bounds(tmp_path):
    values = tmp_path / "wtopt40.txt"
    values.write_text("\n".join(str(100 + k) for k in range(125)) + "\n")
    tokens = (INSTANCES / "wt40_first3.txt").read_text().split()
    wt40 = tmp_path / "wt40.txt"
    wt40.write_text(" ".join((tokens * 42)[: 125 * 120]))
    refs = reference(str(values), read(wt40))
    assert refs["wt40_019"].ub == 118 and refs["wt40_019"].value is None  # open in the file
    assert refs["wt40_018"].value == 117


def test_read_values_errors(tmp_path):
    bad = tmp_path / "v.txt"
    bad.write_text("12\nabc\n")
    with pytest.raises(InputError, match=r"v\.txt:2: 'abc' is not an integer"):
        read_values(bad)


def test_reference_value_file_is_not_an_instance_file():
    with pytest.raises(InputError, match="reference values, not instances"):
        read(INSTANCES / "wtopt40_first3.txt")


# s25formats: OR-Library and JSON Lines sets downloaded gzip-compressed
@pytest.mark.parametrize("name", ["wt40_first3.txt", "tkindt_n100_sample.jsonl", "example.json"])
def test_a_gzip_compressed_file_reads_as_the_clean_file(tmp_path, name):
    import gzip

    clean = read(INSTANCES / name)
    path = tmp_path / (name + ".gz")
    path.write_bytes(gzip.compress((INSTANCES / name).read_bytes()))
    got = read(path)
    # names too: wt40_first3_001, not wt40_first3.txt_001
    assert [(i.name, i.p, i.d, i.w) for i in got] == [(i.name, i.p, i.d, i.w) for i in clean]


def test_a_nan_or_infinite_reference_field_is_no_reference(tmp_path):
    # s25formats: json.dumps writes a missing float optimum as NaN; it was taken as the
    # reference value (a NaN gap) where rcpsp's reference() skipped it
    lines = [
        json.loads(x) for x in (INSTANCES / "tkindt_n100_sample.jsonl").read_text().split("\n") if x
    ]
    lines[0]["optimum"], lines[1]["optimum"] = float("nan"), float("inf")
    path = tmp_path / "nan.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    sample = read(path)
    refs = reference("optimum", sample)
    assert sorted(refs) == sorted(i.name for i in sample[2:])
