import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = ROOT / "instances"


def load_script(relative: str, name: str) -> ModuleType:
    """The script ``ROOT / relative`` (a ``bench/`` or ``examples/`` file, not a package
    module) imported as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: One small bundled instance per family with a plugin contract (file, selector).
FAMILY_INSTANCES = {
    "smtt": ("smtt/example.json", None),
    "rcpsp": ("rcpsp/j301_1.sm", None),
    "train": ("train/toy-8xa100.json", None),
    "serve": ("serve/offline-8b.json", None),
    "seqpar": ("seqpar/example.json", None),
    "offload": ("offload/tide_trace.json", None),
    "pipelining": ("pipelining/fa3_fwd_hopper.json", None),
}


@pytest.fixture
def load():
    """``load(family)`` -> the family and its bundled test instance."""
    from planner.core import get_family
    from planner.core.specs import load_instances

    def _load(name):
        family = get_family(name)
        path, _ = FAMILY_INSTANCES[name]
        (item,) = load_instances(family, [str(INSTANCES / path)])[:1]
        return family, item.instance

    return _load
