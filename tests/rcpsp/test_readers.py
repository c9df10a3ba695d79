"""Readers: PSPLIB, RCPSP/max, Patterson, JSON; line-numbered errors; reference files."""

from __future__ import annotations

import json
import shutil

import pytest

from planner.core.errors import InputError
from planner.rcpsp.readers import read, read_reference, read_unsat, reference

from .helpers import INSTANCES


def test_psplib():
    (inst,) = read(INSTANCES / "j301_1.sm")
    assert inst.name == "j301_1" and inst.num_jobs == 32 and inst.capacities == (12, 13, 4, 12)
    assert inst.durations[0] == 0 and inst.durations[-1] == 0  # dummy source and sink
    assert inst.durations[1] == 8 and inst.demands[1] == (4, 0, 0, 0)
    assert not (inst.is_generalized or inst.has_windows or inst.downtimes or inst.disjunctive)
    assert inst.meta["format"] == "psplib"
    assert inst.job_names[0] == "1"


def test_rcpsp_max():
    (inst,) = read(INSTANCES / "PSP1.SCH")
    assert inst.num_jobs == 12 and inst.num_resources == 5
    assert inst.is_generalized
    assert (8, 1, -22) in inst.arcs  # a maximal time lag
    assert inst.job_names[0] == "0"  # the file numbers jobs from 0


def test_patterson():
    (inst,) = read(INSTANCES / "example.rcp")
    assert inst.num_jobs == 7 and inst.capacities == (4, 3)
    assert inst.successors[0] == (1, 2, 3)


def test_json_and_selector(tmp_path):
    (inst,) = read(INSTANCES / "datacenter_migration.json")
    assert inst.downtimes and inst.disjunctive
    lines = tmp_path / "two.jsonl"
    lines.write_text(
        "\n".join(__import__("json").dumps({**inst.to_dict(), "name": nm}) for nm in ("a", "b"))
    )
    assert [i.name for i in read(lines)] == ["a", "b"]
    assert [i.name for i in read(lines, "b")] == ["b"]
    assert [i.name for i in read(lines, "0")] == ["a"]


def _edit(tmp_path, name, lineno, old, new):
    path = tmp_path / name
    shutil.copy(INSTANCES / name, path)
    lines = path.read_text().splitlines()
    assert old in lines[lineno - 1]
    lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    "lineno, old, new, needle",
    [
        (23, "20", "99", r"j301_1.sm:23: job 5: successor 99 is not a job"),
        (20, "15", " 1", r"j301_1.sm:19: job 1: precedence cycle 1 -> 2 -> 1"),
        (60, "1     8", "1    -8", r"j301_1.sm:60: job 6: negative duration -8"),
        (60, "1     8", "1     x", r"j301_1.sm:60: .*job 6: 'x' is not an integer"),
        (66, "12   13", "-12   13", r"j301_1.sm:\d+: resource R1: negative capacity"),
    ],
)
def test_psplib_errors_name_file_line_job(tmp_path, lineno, old, new, needle):
    if lineno == 66:  # the availabilities line is near the end
        text = (INSTANCES / "j301_1.sm").read_text().splitlines()
        lineno = next(k for k, t in enumerate(text, 1) if t.strip().startswith("12   13"))
    path = _edit(tmp_path, "j301_1.sm", lineno, old, new)
    with pytest.raises(InputError, match=needle):
        read(path)


def test_sch_errors(tmp_path):
    path = _edit(tmp_path, "PSP1.SCH", 3, "\t8\t10", "\t8\t40")
    with pytest.raises(InputError, match=r"PSP1.SCH:3: job 1: successor 40 is not a job"):
        read(path)
    path = _edit(tmp_path, "PSP1.SCH", 15, "1\t1\t3", "1\t1\t-3")
    with pytest.raises(InputError, match=r"PSP1.SCH:15: job 1: negative duration"):
        read(path)
    cut = tmp_path / "cut.SCH"
    cut.write_text("\n".join((INSTANCES / "PSP1.SCH").read_text().splitlines()[:10]))
    with pytest.raises(InputError, match="unexpected end of file"):
        read(cut)


def test_a_multi_mode_sch_job_is_refused(tmp_path):
    """s27bad: a job declaring 2 modes was read as its first mode (the .sm reader refuses it)."""
    path = _edit(tmp_path, "PSP1.SCH", 11, "9\t1\t1\t11", "9\t2\t1\t11")
    with pytest.raises(InputError, match=r"PSP1.SCH:11: job 9: 2 modes \(only single-mode"):
        read(path)


def test_other_bad_files(tmp_path):
    empty = tmp_path / "e.sm"
    empty.write_text("\n")
    with pytest.raises(InputError, match="empty file"):
        read(empty)
    junk = tmp_path / "j.sm"
    junk.write_text("hello\n")
    with pytest.raises(InputError, match="not a PSPLIB"):
        read(junk)
    with pytest.raises(InputError, match="unknown file type"):
        read(tmp_path / "x.txt")
    bad = tmp_path / "b.json"
    bad.write_text('{"jobs": [{"duration": 1}], "precedences": [[0, 3]]}')
    with pytest.raises(InputError, match=r"b.json: precedences\[0\]: unknown job 3"):
        read(bad)


def test_reference_files(tmp_path):
    bounds = tmp_path / "bounds.csv"
    bounds.write_text(
        "set,instance,n_jobs,cpm_lb,best_lb,best_ub,closed\n"
        "j30,j301_1,30,38,43,43,1\nj120,j1201_1,120,90,104,105,0\n"
    )
    refs = read_reference(bounds)
    assert refs["j301_1"].value == 43 and refs["j1201_1"].value is None
    assert (refs["j1201_1"].lb, refs["j1201_1"].ub) == (104, 105)
    opt = tmp_path / "optimum.csv"
    opt.write_text("problem,optimum\nPSP1.SCH,26\nPSP2.SCH,unsat\nPSP3.SCH,59..95\n")
    refs = read_reference(opt)
    assert refs["PSP1"].value == 26 and refs["PSP3"].ub == 95
    assert refs["PSP2"].infeasible and refs["PSP2"].best is None and not refs["PSP1"].infeasible
    assert read_unsat(opt) == {"PSP2"}
    (inst,) = read(INSTANCES / "PSP1.SCH")
    assert reference(str(opt), [inst]) == {"PSP1": refs["PSP1"]}
    with pytest.raises(InputError):
        reference("no_such_field", [inst])


def test_reference_of_another_set_is_refused(tmp_path):
    # Names repeat across sets: a row sized for 60 jobs must not grade a 30-job instance.
    (inst,) = read(INSTANCES / "j301_1.sm")
    bounds = tmp_path / "bounds.csv"
    header = "set,instance,n_jobs,cpm_lb,best_lb,best_ub,closed\n"
    bounds.write_text(header + "j60,j301_1,60,70,77,77,1\n")
    with pytest.raises(InputError, match=r"n_jobs 60 .* but 30 jobs"):
        reference(str(bounds), [inst])
    bounds.write_text(header + "j30,j301_1,30,38,43,43,1\n")
    assert reference(str(bounds), [inst])["j301_1"].value == 43


def test_a_missing_reference_under_shared_data_says_it_is_benchmark_data(tmp_path):
    """`bench rcpsp ... --reference ../shared/data/psplib/bounds.csv` on a fresh clone named the
    path without saying it is benchmark data (twenty-third session, s23readme)."""
    (inst,) = read(INSTANCES / "j301_1.sm")
    missing = str(tmp_path / "shared" / "data" / "psplib" / "bounds.csv")
    with pytest.raises(InputError, match=r"numeric field of the instances \(benchmark data"):
        reference(missing, [inst])
    with pytest.raises(InputError, match=r"numeric field of the instances$"):
        reference("no_such_field", [inst])


def _migration() -> dict:
    return json.loads((INSTANCES / "datacenter_migration.json").read_text())


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        # a misspelt key would silently drop a constraint
        (
            lambda d: d["jobs"][0].update(dedline=9),
            "job plan:ml-1: unknown field 'dedline'; did you mean 'deadline'?",
        ),
        (
            lambda d: d["precedences"][0].update(lagg=3),
            "precedences[0]: unknown field 'lagg'; did you mean 'lag'?",
        ),
        (lambda d: d["downtimes"][0].update(cap=1), "downtimes[0]: unknown field 'cap'"),
        (lambda d: d["resources"][0].update(size=1), "resources[0]: unknown field 'size'"),
        (lambda d: d.update(optimum=51), "unknown field 'optimum'"),
        # demands and downtimes may refer to a resource by name: names must be unique
        (
            lambda d: d["resources"][1].update(name=d["resources"][0]["name"]),
            "resource name 'migration-team' appears twice",
        ),
        (lambda d: d.update(name=None), "name: expected a string, got None"),
        (
            lambda d: d.pop("resources"),
            "downtimes[0]: unknown resource 2 (the instance has no resources)",
        ),
    ],
)
def test_json_unknown_keys_duplicate_resources_name_the_field(tmp_path, mutate, needle):
    data = _migration()
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        read(path)
    assert str(exc.value).startswith(str(path)) and needle in str(exc.value), exc.value


def test_json_round_trip_keeps_meta(tmp_path):
    inst = read(INSTANCES / "datacenter_migration.json")[0]
    path = tmp_path / "again.json"
    path.write_text(json.dumps(inst.to_dict()))
    assert read(path)[0].to_dict() == inst.to_dict()


# s25formats: files as users bring them
def _same(a, b) -> bool:
    return (a.durations, a.demands, a.capacities, a.precedences) == (
        b.durations,
        b.demands,
        b.capacities,
        b.precedences,
    )


@pytest.mark.parametrize("name", ["j301_1.sm", "PSP1.SCH", "example.rcp"])
def test_a_utf8_bom_and_crlf_read_as_the_clean_file(tmp_path, name):
    # psplib opened the file itself and kept the BOM: .SCH / .rcp failed on int('\ufeff10')
    clean = read(INSTANCES / name)[0]
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + (INSTANCES / name).read_bytes().replace(b"\n", b"\r\n"))
    got = read(path)[0]
    assert _same(got, clean) and got.name == clean.name


@pytest.mark.parametrize("name", ["j301_1.sm", "PSP1.SCH", "example.rcp", "j3013_1.sm"])
def test_a_gzip_compressed_file_reads_as_the_clean_file_with_its_name(tmp_path, name):
    import gzip

    from planner.core.family import get_family
    from planner.core.specs import load_instances

    clean = read(INSTANCES / name)[0]
    path = tmp_path / (name + ".gz")
    path.write_bytes(gzip.compress((INSTANCES / name).read_bytes()))
    got = read(path)[0]
    assert _same(got, clean) and got.name == clean.name  # j301_1, not j301_1.sm
    # a folder of compressed files is a folder of instances (planner solve rcpsp DIR)
    loaded = load_instances(get_family("rcpsp"), [str(tmp_path)])
    assert [x.instance.name for x in loaded] == [clean.name]


def test_a_multi_mode_file_is_named_as_such(tmp_path):
    path = tmp_path / "j102_2.mm"
    path.write_text((INSTANCES / "j301_1.sm").read_text())
    with pytest.raises(InputError, match=r"j102_2\.mm: a multi-mode PSPLIB file \(MRCPSP\)"):
        read(path)
