"""What an outside expert-offload heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin function is called with the instance's *context* (plain data, no
routing counts) and returns a policy object: ``start(context)`` once, then
``decide(step, counts, resident) -> [layers, experts]`` bool mask every step,
fed the trace one step at a time in the plugin's worker process
(:func:`drive_plugin`), so an online policy cannot look ahead and its code runs
isolated under the time limit. It may instead return a whole plan: a
``[steps, layers, experts]`` bool mask or ``{"resident": ...}``
(``Solution.to_dict``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np

from planner.offload.instance import Instance, Solution
from planner.offload.policy import Context, drive


def plugin_view(instance: Instance) -> dict[str, Any]:
    """``{"context": {...}, "trace": counts}``; the plugin function gets only the context.

    Context fields (plain Python / numpy): ``steps, layers, experts, top_k,
    shared_experts``; ``capacity`` (routed experts each layer may hold,
    ``[layers]``); ``initial`` (resident before step 0, ``[layers, experts]``
    bool); ``block, position, block_end`` (diffusion blocks, ``[steps]``) and
    ``diffusion``; ``gpu_token_s, gpu_call_s, cpu_token_s, cpu_call_s`` (expert
    call costs, seconds); ``copy_s`` (seconds to copy one expert to the GPU);
    ``overlap`` (copies hide behind the previous layer's compute).
    """
    return {
        "context": dataclasses.asdict(Context.of(instance)),
        "trace": np.asarray(instance.counts),
    }


def drive_plugin(func: Callable[[Any], Any], view: Mapping[str, Any]) -> Any:
    """In the plugin's worker: call the plugin on the context, then run the policy it returns.

    The policy's ``start`` gets the context as a :class:`~planner.offload.policy.Context`
    (the fields above plus ``gpu_time``/``cpu_time``/``shared_time``); the plan
    comes back as a ``[steps, layers, experts]`` bool mask.
    """
    answer = func(SimpleNamespace(**view["context"]))
    if callable(getattr(answer, "decide", None)) and callable(getattr(answer, "start", None)):
        return drive(Context(**view["context"]), view["trace"], answer)
    return answer


def plugin_solution(instance: Instance, answer: Any) -> Solution:
    """A plan mask, ``{"resident": ...}`` or a Solution as a :class:`Solution`.

    Raises
    ------
    TypeError, ValueError
        When ``answer`` is none of these, or a mask of the wrong shape.
    """
    if isinstance(answer, Solution):
        return answer
    if isinstance(answer, Mapping):
        return Solution.from_dict(answer)
    if isinstance(answer, np.ndarray):
        shape = tuple(instance.counts.shape)
        if answer.shape != shape:
            raise TypeError(f"a plan mask must have shape {list(shape)}, got {list(answer.shape)}")
        return Solution.from_mask(answer.astype(bool), policy="plugin")
    raise TypeError(
        "expected a policy object (start, decide), a [steps, layers, experts] mask or "
        "{'resident': ...}"
    )


def size(instance: Instance) -> int:
    """Steps of the trace (the x axis of benchmark plots)."""
    return instance.steps
