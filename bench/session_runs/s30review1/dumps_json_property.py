# s30review1 probe: dumps_json against json.dumps over 3000 hypothesis examples (indent 2/0/4/tab).
# Run: PYTHONPATH=. .venv/bin/python bench/session_runs/s30review1/dumps_json_property.py -> "ok" on 9cfebf2f.
# Circular values are not drawn; they raised RecursionError before 62206569.
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.io import dumps_json


def _default(o):  # what dumps_json converts among these values: numpy, sets, tuples
    return o.tolist() if hasattr(o, "tolist") else list(o)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.sampled_from(["\\", '"', "\0", "\u2028", "é", '"\\u0000']),
    st.builds(np.int64, st.integers(-(2**60), 2**60)),
    st.builds(np.float32, st.floats(width=32)),
    st.builds(np.float64, st.floats()),
    st.builds(np.bool_, st.booleans()),
)
keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats())
tree = st.recursive(
    scalars,
    lambda c: st.one_of(
        st.lists(c, max_size=4),
        st.tuples(c, c),
        st.dictionaries(keys, c, max_size=4),
        st.lists(st.integers(), max_size=3).map(np.array),
        st.frozensets(st.integers(), max_size=3),
    ),
    max_leaves=25,
)


def ref(obj, indent):
    try:
        return json.dumps(obj, indent=indent, default=_default)
    except Exception as e:
        return type(e)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree, st.sampled_from([2, 0, 4, "\t"]))
def test(obj, indent):
    r = ref(obj, indent)
    try:
        t = dumps_json(obj, indent=indent)
    except Exception as e:
        assert r is type(e), (r, e)
        return
    assert not isinstance(r, type), (r, t)
    a = json.dumps(json.loads(t))
    b = json.dumps(json.loads(r))
    assert a == b, (obj, t, r)


test()
print("ok")
