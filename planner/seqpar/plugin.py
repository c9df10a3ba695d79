"""What an outside sequence-parallel heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin is called with the instance as plain data and returns an
assignment: a list of micro-batches (run one after another), each a list of
groups running side by side, a group being ``(degree, [sequence indices])`` or
``{"degree": d, "sequences": [...], "strategy": "ulysses"}``; or
``Solution.to_dict()`` (``{"microbatches": [{"groups": [...]}, ...]}``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from planner.seqpar.instance import Instance, Solution


def plugin_view(instance: Instance) -> dict[str, Any]:
    """``instance.to_dict()`` with ``lengths`` as an int64 numpy array.

    Keys: ``name``, ``n`` (sequences), ``max_len``, ``cluster`` (GPUs, node
    size, memory per GPU), ``cost`` (the group cost model's coefficients),
    ``lengths`` (tokens of each sequence), plus the source's metadata.
    """
    view = instance.to_dict()
    view["lengths"] = np.asarray(instance.lengths, dtype=np.int64)
    return view


def plugin_solution(instance: Instance, answer: Any) -> Solution:
    """An assignment (see the module docstring) as a :class:`Solution`.

    Raises
    ------
    TypeError, ValueError
        When ``answer`` does not have that shape (``verify`` checks the rest).
    """
    if isinstance(answer, Solution):
        return answer
    if isinstance(answer, Mapping):
        return Solution.from_dict(answer)
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Sequence):
        raise TypeError("expected an assignment: a list of micro-batches, each a list of groups")
    microbatches = []
    for k, mb in enumerate(answer):
        if isinstance(mb, (str, bytes)) or not isinstance(mb, Sequence):
            raise TypeError(f"micro-batch {k}: expected a list of groups")
        groups = []
        for g, group in enumerate(mb):
            if isinstance(group, Mapping):
                groups.append(dict(group))
            elif isinstance(group, Sequence) and len(group) == 2:
                degree, sequences = group
                groups.append({"degree": degree, "sequences": list(sequences)})
            else:
                raise TypeError(f"micro-batch {k} group {g}: expected (degree, [sequences])")
        microbatches.append({"groups": groups})
    return Solution.from_dict({"microbatches": microbatches})


def size(instance: Instance) -> int:
    """Sequences in the batch (the x axis of benchmark plots)."""
    return instance.n
