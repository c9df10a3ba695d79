"""Lagrangian residency paths: which (expert, step) values an LP solution leaves open.

With the LP's row duals on every row except an expert's own load rows, the
layer MIP splits into one problem per expert: a residency pattern over the
steps (two states, resident or not, a load on every rise) priced by the
reduced costs. A forward and a backward pass of that two-state shortest path
give, for every (expert, step, state), how much more the best pattern
*through* that state costs than the expert's best pattern: the Lagrangian
price of forcing it. :func:`neighbourhood` frees the residency values whose
both states are within a slack of the best and fixes the others at their
cheaper state: a sub-MIP around the LP (a larger RENS neighbourhood; RENS
frees only the fractional values). A heuristic for incumbents: nothing here
bounds or proves anything.
"""

from __future__ import annotations

import numpy as np

#: Free a residency value when both its states are within this share of one copy of the best
#: pattern of its expert (a twentieth of a load; chosen on layers 6, 12 and 17 of seed 1).
PATH_SLACK_COPIES = 0.05

_BIG = 1e30


def path_excess(
    xcol: np.ndarray,
    ycol: np.ndarray,
    load_rows: np.ndarray,
    initial: np.ndarray,
    col_dual: np.ndarray,
    row_dual: np.ndarray,
) -> np.ndarray:
    """Excess price of each state, ``[experts, steps, 2]`` (state 0: not resident, 1: resident).

    ``xcol``, ``ycol`` and ``load_rows`` are ``[experts, steps]`` column / row indices (-1:
    none) of one layer's model, ``initial`` the initial residency of its experts,
    ``col_dual`` the LP's reduced costs and ``row_dual`` its row duals. A state a pattern
    cannot take (outside the expert's window) gets a huge excess.
    """
    E, S = xcol.shape
    live, loadable = xcol >= 0, ycol >= 0
    has_row = load_rows >= 0
    # index -1 (no column / no row) reads an appended 0
    col_dual = np.append(np.asarray(col_dual, dtype=np.float64), 0.0)
    row_dual = np.append(np.asarray(row_dual, dtype=np.float64), 0.0)
    dual = np.where(has_row, row_dual[load_rows], 0.0)
    # add back the load rows' part of the reduced costs: x[s] is +1 in row s, -1 in row s+1
    nxt = np.concatenate([dual[:, 1:], np.zeros((E, 1))], axis=1)
    rx = np.where(live, col_dual[xcol] + dual - nxt, _BIG)
    ry = np.where(loadable, np.maximum(col_dual[ycol] - dual, 0.0), _BIG)
    fwd = np.full((E, S, 2), _BIG)
    bwd = np.zeros((E, S, 2))
    prev0, prev1 = np.zeros(E), np.where(initial, 0.0, _BIG)
    for s in range(S):
        fwd[:, s, 0] = np.minimum(prev0, prev1)
        fwd[:, s, 1] = np.minimum(np.minimum(prev1, prev0 + ry[:, s]) + rx[:, s], _BIG)
        fwd[:, s, 1] = np.where(live[:, s], fwd[:, s, 1], _BIG)
        prev0, prev1 = fwd[:, s, 0], fwd[:, s, 1]
    for s in range(S - 2, -1, -1):
        on = bwd[:, s + 1, 1] + rx[:, s + 1]  # resident at s + 1, its own cost included
        bwd[:, s, 0] = np.minimum(bwd[:, s + 1, 0], np.minimum(on + ry[:, s + 1], _BIG))
        bwd[:, s, 1] = np.minimum(bwd[:, s + 1, 0], np.minimum(on, _BIG))
    best = np.minimum(fwd[:, -1, 0], fwd[:, -1, 1])
    return np.minimum(fwd + bwd, _BIG) - best[:, None, None]


def neighbourhood(
    excess: np.ndarray, live: np.ndarray, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds ``(lower, upper)`` of the live residency values, in ``live``'s row-major order:
    free where both states are within ``slack`` of the best pattern, else the cheaper state."""
    free = (excess[..., 0] <= slack) & (excess[..., 1] <= slack)
    resident = excess[..., 1] <= excess[..., 0]
    lower = np.where(free, 0.0, resident.astype(float))[live]
    upper = np.where(free, 1.0, resident.astype(float))[live]
    return lower, upper
