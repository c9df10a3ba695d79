"""The plugin contract of every family: a plain view in, a native answer out, certified."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from planner.core.solve import solve

from .conftest import FAMILY_INSTANCES

FAMILIES = sorted(FAMILY_INSTANCES)


def _plugin(tmp_path, body: str):
    path = tmp_path / "plug.py"
    path.write_text(body)
    return path


@pytest.mark.parametrize("name", FAMILIES)
def test_view_is_plain_data(load, name):
    family, inst = load(name)
    assert family.plugin_view is not None and family.plugin_solution is not None
    view = family.plugin_view(inst)
    # nothing of planner inside: a plugin unpickles it without importing the package
    assert b"planner" not in pickle.dumps(view)


@pytest.mark.parametrize("name", FAMILIES)
def test_native_answer_is_certified_like_a_builtin(load, name, tmp_path):
    _, inst = load(name)
    ref = solve(inst, "auto", time_limit=5)
    assert ref.solution is not None
    answer = json.dumps(ref.solution.to_dict())
    plug = _plugin(
        tmp_path,
        "import json\n"
        f"ANSWER = json.loads({answer!r})\n"
        "def replay(view):\n    return ANSWER\n"
        "def garbage(view):\n    return 'not an answer'\n"
        "def claims(view):\n    return None\n",
    )
    res = solve(inst, f"{plug}:replay", time_limit=5)
    assert res.verified and res.objective == ref.objective
    assert res.status.value in ("FEASIBLE", "OPTIMAL")
    bad = solve(inst, f"{plug}:garbage", time_limit=5)
    assert bad.status.value == "UNKNOWN" and bad.stats["failure"] == "type"
    assert "not an answer" in bad.reason
    none = solve(inst, f"{plug}:claims", time_limit=5)
    assert none.status.value == "UNKNOWN" and none.stats["failure"] == "type"


def test_smtt_view_fields_and_orders(load, tmp_path):
    family, inst = load("smtt")
    view = family.plugin_view(inst)
    assert view.n == inst.n and list(view.p) == list(inst.p) and list(view.d) == list(inst.d)
    assert view.w is None and view.weighted is False and view.p.dtype == np.int64
    plug = _plugin(
        tmp_path,
        "import numpy as np\n"
        "def by_due(view):\n    return np.argsort(view.d, kind='stable')\n"
        "def floats(view):\n    return [float(j) for j in range(view.n)]\n"
        "def twice(view):\n    return [0] * view.n\n",
    )
    res = solve(inst, f"{plug}:by_due", time_limit=5)
    edd = solve(inst, "edd", time_limit=5)
    assert res.verified and res.objective == edd.objective
    assert res.solution.order == edd.solution.order
    assert solve(inst, f"{plug}:floats", time_limit=5).stats["failure"] == "type"
    twice = solve(inst, f"{plug}:twice", time_limit=5)
    assert twice.status.value == "UNKNOWN" and "violations" in twice.stats


def test_rcpsp_priority_list_is_decoded_by_the_serial_sgs(load, tmp_path):
    from planner.rcpsp.plugin import decode_priority

    family, inst = load("rcpsp")
    view = family.plugin_view(inst)
    assert view.demands.shape == (view.n, view.m) and view.precedences.shape[1] == 3
    # finish-to-start arcs carry the predecessor's duration as lag
    for pred, succ, lag in view.precedences:
        assert lag == view.durations[pred] and succ in view.successors[pred]
    plug = _plugin(
        tmp_path,
        "def reverse(view):\n    return list(range(view.n))[::-1]\n"
        "def short(view):\n    return [0, 1]\n",
    )
    res = solve(inst, f"{plug}:reverse", time_limit=5)
    expected = decode_priority(inst, list(range(inst.num_jobs))[::-1])
    assert res.verified and res.solution.start == expected.start
    # every precedence holds although the list puts successors first
    for pred, succ, lag in view.precedences:
        assert res.solution.start[succ] >= res.solution.start[pred] + lag
    short = solve(inst, f"{plug}:short", time_limit=5)
    assert short.stats["failure"] == "type" and "permutation" in short.reason


def test_rcpsp_answer_the_sgs_cannot_decode_is_infeasible(tmp_path):
    from planner.core.errors import InfeasibleAnswer
    from planner.rcpsp import Instance, Precedence
    from planner.rcpsp.plugin import decode_priority

    # job 1 must start at most 1 after job 0 starts (maximal lag), but both need the whole
    # resource for 3 units: no schedule exists, and the SGS says so instead of guessing
    inst = Instance(
        "tight",
        durations=(3, 3),
        demands=((1,), (1,)),
        capacities=(1,),
        precedences=(Precedence(0, 1, 0), Precedence(1, 0, -1)),
    )
    with pytest.raises(InfeasibleAnswer):
        decode_priority(inst, [0, 1])
    plug = _plugin(tmp_path, "def first(view):\n    return [0, 1]\n")
    res = solve(inst, f"{plug}:first", time_limit=5)
    assert res.status.value == "UNKNOWN" and res.stats["failure"] == "infeasible"


def test_offload_policy_object_is_fed_the_trace_in_its_worker(load, tmp_path):
    family, inst = load("offload")
    view = family.plugin_view(inst)
    assert "counts" not in view["context"] and view["trace"].shape == inst.counts.shape
    plug = _plugin(
        tmp_path,
        "import numpy as np\n"
        "class Busiest:\n"
        "    # keeps the experts with the most tokens of the step (at most the capacity)\n"
        "    def start(self, context):\n"
        "        self.capacity = context.capacity\n"
        "    def decide(self, step, counts, resident):\n"
        "        keep = np.zeros_like(resident)\n"
        "        for layer, cap in enumerate(self.capacity):\n"
        "            keep[layer, np.argsort(-counts[layer], kind='stable')[:cap]] = True\n"
        "        return keep\n"
        "class Greedy(Busiest):\n"
        "    def decide(self, step, counts, resident):\n"
        "        return np.ones_like(resident)  # every expert: over the capacity\n"
        "def busiest(context):\n    return Busiest()\n"
        "def greedy(context):\n    return Greedy()\n"
        "def peek(context):\n    return context.trace\n",
    )
    res = solve(inst, f"{plug}:busiest", time_limit=10)
    assert res.verified and res.status.value in ("FEASIBLE", "OPTIMAL")
    assert res.solution.info == {"policy": "plugin"}
    over = solve(inst, f"{plug}:greedy", time_limit=10)
    assert over.stats["failure"] == "raised" and "capacity" in over.reason
    peek = solve(inst, f"{plug}:peek", time_limit=10)  # the trace is not in the context
    assert peek.stats["failure"] == "raised" and "trace" in peek.reason


def test_seqpar_assignment_as_pairs(load, tmp_path):
    _, inst = load("seqpar")
    ref = solve(inst, "auto", time_limit=5)
    pairs = [[(g.degree, g.sequences) for g in mb] for mb in ref.solution.microbatches]
    plug = _plugin(tmp_path, f"PAIRS = {pairs!r}\ndef replay(view):\n    return PAIRS\n")
    res = solve(inst, f"{plug}:replay", time_limit=5)
    assert res.verified and res.objective == pytest.approx(ref.objective)


def test_pipelining_schedule_is_verified_and_its_length_recomputed(load, tmp_path):
    family, inst = load("pipelining")
    view = family.plugin_view(inst)
    assert [op["id"] for op in view["ops"]] == [op.id for op in inst.ops]
    ref = solve(inst, "ims", time_limit=5)
    assert ref.verified
    schedule = json.dumps(ref.solution.to_dict())
    plug = _plugin(
        tmp_path,
        "import json\n"
        f"S = json.loads({schedule!r})\n"
        "def claims_short(view):\n    return {**S, 'length': 1}\n"
        "def too_fast(view):\n    return {**S, 'ii': 1}\n"
        "def a_list(view):\n    return [S['ii']]\n",
    )
    res = solve(inst, f"{plug}:claims_short", time_limit=5)
    assert res.verified and res.objective == ref.objective  # the claimed length is ignored
    assert res.solution.length == ref.solution.length != 1
    fast = solve(inst, f"{plug}:too_fast", time_limit=5)
    assert fast.status.value == "UNKNOWN" and "violations" in fast.stats
    assert solve(inst, f"{plug}:a_list", time_limit=5).stats["failure"] == "type"
