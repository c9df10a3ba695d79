import pytest

from planner.core import get_family
from planner.core.errors import InputError
from planner.core.specs import expand_paths, load_instances, select, split_spec


def test_split_spec():
    assert split_spec("a/b.jsonl#3") == ("a/b.jsonl", "3")
    assert split_spec("a/b.jsonl") == ("a/b.jsonl", None)


def test_select_by_name_index_and_out_of_range(toy_file):
    fam = get_family("toy")
    names = [x.instance.name for x in load_instances(fam, [f"{toy_file}#b"])]
    assert names == ["b"]
    names = [x.instance.name for x in load_instances(fam, [f"{toy_file}#2"])]
    assert names == ["c"]
    with pytest.raises(InputError, match=r"index out of range \(the file has 3 instances"):
        load_instances(fam, [f"{toy_file}#7"])
    with pytest.raises(InputError, match="no instance named 'zz'"):
        load_instances(fam, [f"{toy_file}#zz"])


def test_select_helper_plain():
    class Item:
        def __init__(self, name):
            self.name = name

    items = [Item("x"), Item("y")]
    assert select(items, None, "f") == items
    assert select(items, "1", "f")[0].name == "y"


def test_directories_and_globs(tmp_path, toy_file):
    fam = get_family("toy")
    (tmp_path / "one.json").write_text('{"name": "one", "costs": [2]}')
    (tmp_path / "skip.txt").write_text("not an instance")
    got = sorted(x.instance.name for x in load_instances(fam, [str(tmp_path)]))
    assert got == ["a", "b", "c", "one"]
    got = [x.instance.name for x in load_instances(fam, [str(tmp_path / "*.json")])]
    assert got == ["one"]
    with pytest.raises(InputError, match="matches no file"):
        expand_paths(fam, str(tmp_path / "*.nothing"))
    with pytest.raises(InputError, match="no such file"):
        expand_paths(fam, str(tmp_path / "missing.json"))


@pytest.mark.parametrize("text", ["null", "[1, 2]", '{"name": "x", "costs": 5}', '"costs"'])
def test_malformed_instance_files_are_input_errors_naming_the_file(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match="bad"):
        load_instances(get_family("toy"), [str(path)])


def test_planner_data_must_exist_when_set(tmp_path, monkeypatch):
    from planner.core.paths import data_dir

    monkeypatch.setenv("PLANNER_DATA", str(tmp_path / "missing"))
    with pytest.raises(InputError, match=r"PLANNER_DATA=.*no such directory"):
        data_dir()
    monkeypatch.setenv("PLANNER_DATA", str(tmp_path))
    assert data_dir() == tmp_path


def test_planner_families_must_name_modules(monkeypatch):
    from planner.core.family import plugged_families

    monkeypatch.setenv("PLANNER_FAMILIES", "toyfam, no_such_module_xyz")
    with pytest.raises(InputError, match="no module named 'no_such_module_xyz'"):
        plugged_families()


def test_a_missing_file_under_shared_data_says_it_is_benchmark_data(tmp_path):
    """The README's benchmark commands name ``../shared/data/...``; on a fresh clone the error
    said only "no such file" (twenty-third session, s23readme)."""
    fam = get_family("toy")
    missing = tmp_path / "shared" / "data" / "smtt" / "tkindt_n500.jsonl"
    with pytest.raises(InputError, match=r"no such file \(benchmark data, not in the repository"):
        load_instances(fam, [f"{missing}#17"])
    # a file elsewhere keeps the plain message
    with pytest.raises(InputError) as info:
        load_instances(fam, [str(tmp_path / "mine.json")])
    assert str(info.value).endswith("mine.json: no such file")


def test_read_text_of_a_missing_benchmark_file_says_where_the_data_comes_from(tmp_path):
    from planner.core.io import read_text

    with pytest.raises(
        InputError, match=r"wtopt40.txt: no such file \(benchmark data.*PLANNER_DATA"
    ):
        read_text(tmp_path / "shared" / "data" / "smtt" / "orlib" / "wtopt40.txt")
    with pytest.raises(InputError) as info:
        read_text(tmp_path / "sharedx" / "data.txt")
    assert str(info.value).endswith("data.txt: no such file")
