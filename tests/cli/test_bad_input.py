"""Every CLI command against the bad-input corpus: exit 2, one line, no traceback, nothing written.

Cases run in-process through ``planner.cli.main`` (fast); a few run as real
subprocesses to check the console script end to end.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner.cli import command, main, walk_commands

from .corpus import BASE, FILES, GENERIC, SPECIFIC, SUBDIR, WITHOUT_MODULES

INSTANCES = Path(__file__).resolve().parents[2] / "instances"


def leaf_commands() -> dict[str, object]:
    """Every runnable command of the app, by path ('solve', 'gen smtt', 'plan train', ...)."""
    root = command()
    found = {}
    for cmd in walk_commands(root):
        if getattr(cmd, "commands", None):
            continue
        path = [cmd.name]
        found[cmd.name] = cmd
        # a sub-command's path includes its group
        for group in walk_commands(root):
            if cmd in getattr(group, "commands", {}).values() and group is not root:
                path = [group.name, cmd.name]
        found.pop(cmd.name)
        found[" ".join(path)] = cmd
    return found


COMMANDS = leaf_commands()


def options_of(cmd) -> set[str]:
    return {opt for param in cmd.params for opt in param.opts}


def generic_cases():
    for path, cmd in sorted(COMMANDS.items()):
        base = BASE.get(path, path.split())
        for case_id, needs, extra, env, fragment in GENERIC:
            if needs is None or needs in options_of(cmd):
                yield pytest.param(base + extra, env, fragment, id=f"{path}:{case_id}")


def specific_cases():
    for case_id, line, fragment in SPECIFIC:
        yield pytest.param(line, {}, fragment, id=case_id)


@pytest.fixture
def scratch(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / SUBDIR).mkdir()
    return tmp_path


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with a hash of its content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
        for p in sorted(root.rglob("*"))
    }


def fill(words, tmp):
    return [w.replace("{tmp}", str(tmp)).replace("{instances}", str(INSTANCES)) for w in words]


def check_one_line_exit_2(code, out, err, fragment):
    assert code == 2, f"exit {code}: {err}"
    assert "Traceback" not in out + err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("planner: error: ")
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(("line", "env", "fragment"), [*generic_cases(), *specific_cases()])
def test_bad_input_is_one_line_exit_2_nothing_written(
    line, env, fragment, scratch, capsys, monkeypatch
):
    for key, value in env.items():
        monkeypatch.setenv(key, fill([value], scratch)[0])
    args = fill(line, scratch)
    before = snapshot(scratch)
    monkeypatch.chdir(scratch)  # anything written relative to the cwd would show up too
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    check_one_line_exit_2(exc.value.code, out, err, fill([fragment], scratch)[0])
    assert snapshot(scratch) == before


@pytest.mark.parametrize(
    ("line", "fragment", "hidden"),
    [pytest.param(line, frag, hidden, id=cid) for cid, line, frag, hidden in WITHOUT_MODULES],
)
def test_missing_optional_dependency_is_bad_input(
    line, fragment, hidden, scratch, capsys, monkeypatch
):
    for module in hidden:  # ``import module`` and ``find_spec`` then fail as if not installed
        monkeypatch.setitem(sys.modules, module, None)
    before = snapshot(scratch)
    monkeypatch.chdir(scratch)
    with pytest.raises(SystemExit) as exc:
        main(fill(line, scratch))
    out, err = capsys.readouterr()
    check_one_line_exit_2(exc.value.code, out, err, fragment)
    assert snapshot(scratch) == before


def test_every_command_is_in_the_corpus():
    """A new command gets the generic cases; one with required arguments needs a BASE line."""
    for path, cmd in COMMANDS.items():
        required = [p.name for p in cmd.params if p.required]
        assert path in BASE or not required, f"add a BASE invocation for '{path}' ({required})"
    assert {"families", "warmup", "solve", "bench", "plan train", "plan serve"} <= set(COMMANDS)
    assert any(path.startswith("gen ") for path in COMMANDS)


@pytest.mark.parametrize(
    ("line", "env", "fragment"),
    [
        (["solve", "smtt", "{instances}/smtt/example.json", "-t", "nan"], {}, "--time-limit nan"),
        (["gen", "smtt", "--n", "1e18", "--tf", "0.2", "--rdd", "0.6"], {}, "'--n'"),
        (["families"], {"PLANNER_FAMILIES": "no_such_module_xyz"}, "PLANNER_FAMILIES"),
        (["solve", "smtt", "{tmp}/null.json"], {}, "null.json"),
    ],
)
def test_console_script_end_to_end(line, env, fragment, scratch):
    before = snapshot(scratch)
    proc = subprocess.run(
        [sys.executable, "-c", "from planner.cli import main; main()", *fill(line, scratch)],
        capture_output=True,
        text=True,
        env={**os.environ, **{k: fill([v], scratch)[0] for k, v in env.items()}},
        cwd=scratch,
        timeout=120,
    )
    check_one_line_exit_2(proc.returncode, proc.stdout, proc.stderr, fill([fragment], scratch)[0])
    assert snapshot(scratch) == before
