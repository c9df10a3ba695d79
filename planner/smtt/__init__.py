"""Single-machine total (weighted) tardiness: 1||ΣTj and 1||ΣwjTj."""

from planner.smtt.instance import Instance, Solution

__all__ = ["Instance", "Solution"]
