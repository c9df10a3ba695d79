import os
import sys
from pathlib import Path

import pytest

# The toy family is a plug-in module; spawned bench workers find it via these.
sys.path.insert(0, str(Path(__file__).parent))
os.environ["PLANNER_FAMILIES"] = "toyfam"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])]
)

import toyfam


@pytest.fixture
def toy_file(tmp_path):
    path = tmp_path / "toys.jsonl"
    path.write_text(
        '{"name": "a", "costs": [5, 3, 9], "optimum": 3}\n'
        '{"name": "b", "costs": [1, 2], "optimum": 1}\n'
        '{"name": "c", "costs": [4, 4, 0, 7], "optimum": 0}\n'
    )
    return path


@pytest.fixture
def toy():
    return toyfam
