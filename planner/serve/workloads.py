"""Helpers for workloads sharing a fleet (the problem's ``workloads``)."""

from __future__ import annotations

from dataclasses import replace

from planner.serve.instance import ServingProblem


def export_problem(problem: ServingProblem) -> ServingProblem:
    """The problem a launch-command export reads: one workload (the servers of every
    workload run the same model; prefix caching is switched on where any workload hits, and
    the longest request is the longest of any workload: vLLM's P/D ``--max-model-len``)."""
    if not problem.shared:
        return problem
    hit = max(w.traffic.prefix_hit_rate for w in problem.workloads)
    longest = max(w.traffic.max_context for w in problem.workloads)
    traffic = replace(problem.traffic, prefix_hit_rate=hit, max_context=longest)
    return replace(problem, workloads=(), traffic=traffic)
