"""The wheel ships models/ and instances/, and installed code finds them there."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("planner-*.whl")
    return path


def _bundled_files(folder: str) -> set[str]:
    base = ROOT / folder
    return {
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.is_file() and p.name != ".gitkeep"
    }


def test_wheel_contains_bundled_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("models", "instances"):
        for rel in _bundled_files(folder):
            assert f"planner/_data/{folder}/{rel}" in names
    schemas = {p.relative_to(ROOT).as_posix() for p in (ROOT / "planner").rglob("*schema.json")}
    assert "planner/core/result.schema.json" in schemas
    assert schemas <= names  # the JSON Schemas scripts rely on ship with the package


def test_installed_package_finds_its_data(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    # Run from an empty directory with only the installed copy importable (plus dependencies).
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from planner.core.paths import models_dir, instances_dir;"
        "import planner; print(planner.__file__); print(models_dir()); print(instances_dir())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    pkg, models, instances = proc.stdout.split()
    assert Path(pkg).is_relative_to(target)
    assert Path(models) == target / "planner" / "_data" / "models"
    assert Path(instances) == target / "planner" / "_data" / "instances"
    for folder, path in (("models", models), ("instances", instances)):
        shipped = {p.relative_to(path).as_posix() for p in Path(path).rglob("*") if p.is_file()}
        assert _bundled_files(folder) <= shipped
