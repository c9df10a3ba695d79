from pathlib import Path

import pytest

INSTANCES = Path(__file__).resolve().parents[2] / "instances"

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
