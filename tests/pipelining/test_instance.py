"""Instance format: kernels, round trip, normalisation, bad input naming the item at fault."""

from __future__ import annotations

import copy
import json

import pytest

from planner.core.errors import InputError
from planner.pipelining.instance import Instance, Reservation, normalize

from .strategies import INSTANCES, KERNELS, op, tiny


def _raw(name: str) -> dict:
    return json.loads((INSTANCES / f"{name}.json").read_text())


@pytest.mark.parametrize("name", KERNELS)
def test_kernels_parse_document_and_round_trip(name):
    raw = _raw(name)
    inst = Instance.from_dict(raw)
    assert inst.name == name
    assert inst.meta["sources"] and inst.meta["notes"]  # every kernel states its sources
    assert all(o.note for o in inst.ops)  # and how each op's numbers were derived
    record = inst.meta["normalization"]
    assert inst.cycles_per_unit == record["scale"] > 1
    assert record["sum_latency_units"] <= 1.05 * record["target"]
    again = Instance.from_dict(inst.to_dict())
    assert again.to_dict() == inst.to_dict()
    assert again.cycles_per_unit == inst.cycles_per_unit


def test_normalize_divides_and_rounds_keeping_positive_times_positive():
    inst = tiny([op("a", cycles=100, latency=250), op("b", "ALU", cycles=3)], [])
    scaled = normalize(inst, {"cycles_per_unit": 50})
    a, b = scaled.ops
    assert (a.reservation[0].cycles, a.latency) == (2, 5)
    assert b.reservation[0].cycles == 1 and b.latency == 1  # 3 cycles -> at least one unit
    assert scaled.cycles_per_unit == 50
    assert scaled.meta["normalization"]["raised_to_one_unit"] == 2
    by_target = normalize(inst, {"target": 10})
    assert by_target.cycles_per_unit == 26  # ceil(253 / 10)


def test_cross_reservation_round_trips_scales_and_is_checked():
    hand_off = (Reservation("ALU", 50, 100, 1),)
    inst = tiny([op("a", cycles=100, latency=250, cross_reservation=hand_off)], [])
    assert Instance.from_dict(inst.to_dict()).ops[0].cross_reservation == hand_off
    (a,) = normalize(inst, {"cycles_per_unit": 50}).ops
    assert a.cross_reservation == (Reservation("ALU", 1, 2, 1),)
    data = inst.to_dict()
    data["ops"][0]["cross_reservation"] = [{"unit": "SMEM", "cycles": 4}]
    with pytest.raises(InputError, match="cross_reservation\\[0\\] uses unit 'SMEM'"):
        Instance.from_dict(data)
    # too long for the solver's integers: one clear error, not an internal one (main c527ea3)
    data["ops"][0]["cross_reservation"] = [{"unit": "ALU", "cycles": 10**30}]
    with pytest.raises(InputError, match="times too large"):
        Instance.from_dict(data)


def test_with_warps_and_max_ii():
    inst = tiny([op("a")], [])
    assert inst.with_warps(5).machine.warp_groups == 5
    assert inst.with_max_ii(3).effective_max_ii == 3
    with pytest.raises(InputError, match="--warps"):
        inst.with_warps(0)


def _bad(mutate) -> str:
    raw = copy.deepcopy(_raw("fa3_fwd_hopper"))
    mutate(raw)
    with pytest.raises(InputError) as info:
        Instance.from_dict(raw)
    return str(info.value)


def test_edge_naming_an_unknown_op():
    def m(raw):
        raw["edges"][3]["dst"] = "qk_c"

    msg = _bad(m)
    assert "edge 3" in msg and "qk_c" in msg


def test_duplicate_op_id_is_named_before_the_edges():
    def m(raw):
        raw["ops"][1]["id"] = raw["ops"][0]["id"]

    msg = _bad(m)
    assert f"op {_raw('fa3_fwd_hopper')['ops'][0]['id']!r}: duplicate id" in msg, msg


def test_warp_groups_above_what_an_sm_holds_are_rejected():
    """machine.warp_groups 3000 grew the CP-SAT model until -t 2 ran 3.2 s."""

    def m(raw):
        raw["machine"]["warp_groups"] = 65

    assert "machine.warp_groups: 65 is above 64" in _bad(m)
    with pytest.raises(InputError, match="--warps 65: at most 64"):
        Instance.from_dict(_raw("fa3_fwd_hopper")).with_warps(65)


def test_zero_distance_cycle_is_named():
    def m(raw):
        raw["edges"].append({"src": "pv_a", "dst": "qk_a", "latency": 1, "distance": 0})

    msg = _bad(m)
    assert "total distance 0" in msg and "qk_a" in msg and "pv_a" in msg


def test_unit_the_machine_lacks():
    def m(raw):
        raw["ops"][2]["reservation"][0]["unit"] = "DPX"

    msg = _bad(m)
    assert "qk_a" in msg and "DPX" in msg


def test_negative_latencies_name_the_op_or_edge():
    def on_op(raw):
        raw["ops"][2]["latency"] = -5

    assert "qk_a" in _bad(on_op) and "negative" in _bad(on_op)

    def on_edge(raw):
        raw["edges"][0]["latency"] = -1

    msg = _bad(on_edge)
    assert "edge 0" in msg and "negative" in msg

    def edge_cross(raw):
        raw["edges"][1]["cross_warp_latency"] = -3

    msg = _bad(edge_cross)
    assert "edge 1" in msg and "cross_warp_latency" in msg


def test_unknown_fields_and_types_are_rejected():
    def typo(raw):
        raw["ops"][0]["lantency"] = 3

    assert "lantency" in _bad(typo)

    def not_bool(raw):
        raw["ops"][0]["variable_latency"] = "yes"

    assert "variable_latency" in _bad(not_bool)

    def not_bool_thread(raw):
        raw["ops"][2]["single_thread"] = 1

    assert "single_thread" in _bad(not_bool_thread)


def test_times_too_large_for_the_encoding_ask_for_normalisation():
    raw = _raw("fa3_fwd_hopper")
    del raw["normalize"]
    with pytest.raises(InputError, match="normalize"):
        Instance.from_dict(raw)


@pytest.mark.parametrize(
    ("path", "value", "said"),
    [
        (("machine", "units", "TC"), 1e308, "machine.units.TC: 1e+308 is above 2**31 - 1"),
        (("machine", "register_limit"), 2**62, "machine.register_limit: 4.61169e+18 is above"),
    ],
)
def test_integers_past_2_31_are_rejected(path, value, said):
    """A unit capacity of 1e308 failed CP-SAT's Python-to-C++ cast: 'internal error:
    RuntimeError: Unable to cast Python instance of type int' (exit 1) (s14bad)."""

    def m(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    assert said in _bad(m)


@pytest.mark.parametrize(
    ("note", "text"), [(1.5, "1.5"), (-1, "-1"), (None, ""), (["a", "b"], "a; b"), ("x", "x")]
)
def test_a_machine_note_of_any_kind_is_text(note, text):
    """A number or null as the machine's note raised TypeError ('float' object is not
    iterable); an op's note was already read as text (s15bad)."""
    data = json.loads((INSTANCES / "gemm_hopper.json").read_text())
    data["machine"]["note"] = note
    inst = Instance.from_dict(data)
    assert inst.machine.note == text
