"""Projections of the task onto one object's functional atoms: what a delete relaxation
cannot count (pattern databases, after Edelkamp 2001, "Planning with pattern databases").

FF's relaxed plan keeps every atom it ever reached, so a robot that must end at a place
with a given battery level looks one move away from it whenever it stands there with more
charge: moving off "reaches" the level and the place is never lost. The true answer may be a
trip to a charger and back by a path of just the right length. For each object ``o`` that
the goal names in atoms of *functional* predicates (:func:`engine.llm.agenda.functional_predicates`:
``(at r l)``, ``(battery r l)``), the projection keeps only the atoms of those predicates
with first argument ``o`` (its place and level) and the offered steps' effect on them;
other preconditions are dropped, except static atoms (a road, a charger), which are
decided by the initial state. Its abstract states (at most :data:`LIMIT`) are enumerated
from the initial one and their distances to the goal's part computed once per problem by
breadth-first search. A projection's distance never exceeds the true one (it is a
relaxation), so the largest over the projections is a lower bound, and "unreachable" in
one is a proof. The hint (:meth:`engine.llm.relaxed.Relaxation.closest`) uses it beside
FF's relaxed plan when it ranks steps by the whole goal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

__all__ = ["Projections", "LIMIT", "UNREACHABLE"]

#: projections with more abstract states than this are not kept (too costly to enumerate)
LIMIT = 4000
UNREACHABLE = 10**6


class Projections:
    """The projections of ``task`` (its offered ``steps`` as (positive preconditions, adds,
    deletes) bitmasks) for the goal's positive atoms ``goal``."""

    def __init__(self, task: Any, steps: Sequence[tuple[int, int, int]], goal: int) -> None:
        from engine.llm.agenda import functional_predicates

        functional = functional_predicates(task.domain)
        init = task.initial_state
        changing = 0
        seen = init | goal
        for pre, adds, dels in steps:
            changing |= adds | dels
            seen |= pre | adds | dels
        static = ~changing
        owners = {atom[1] for atom in task.atoms_of(goal) if atom[0] in functional}
        patterns = dict.fromkeys(sorted(owners), 0)
        for atom in task.atoms_of(seen):  # one pass over the atoms
            if atom[0] in functional and atom[1] in patterns:
                patterns[atom[1]] |= task.bit(atom)
        #: (pattern mask, distance to the goal's part by abstract state)
        self.tables: list[tuple[int, dict[int, int]]] = []
        for pattern in patterns.values():
            table = _distances(pattern, init, goal & pattern, [
                (pre & pattern, adds & pattern, dels & pattern)
                for pre, adds, dels in steps
                if (adds | dels) & pattern and not pre & static & ~init])
            if table is not None:
                self.tables.append((pattern, table))

    def stranded(self, state: int) -> bool:
        """Whether a projection of ``state`` can never reach its part of the goal (a proof
        that the goal is out of reach: each projection is a relaxation)."""
        return any(table.get(state & pattern, 0) >= UNREACHABLE
                   for pattern, table in self.tables)

    def distance(self, state: int) -> int:
        """The largest distance of ``state``'s projections to the goal (0 with none;
        :data:`UNREACHABLE` when one cannot reach it)."""
        return max((table.get(state & pattern, 0) for pattern, table in self.tables),
                   default=0)


def _distances(pattern: int, init: int, goal: int,
               steps: list[tuple[int, int, int]]) -> dict[int, int] | None:
    """Abstract states reachable from ``init``'s projection, each with its distance to a
    state holding ``goal`` (:data:`UNREACHABLE` for none); None past :data:`LIMIT`."""
    start = init & pattern
    moves = list({(pre, adds, dels) for pre, adds, dels in steps})
    succ: dict[int, set[int]] = {}
    todo = [start]
    while todo:
        s = todo.pop()
        if s in succ:
            continue
        if len(succ) >= LIMIT:
            return None
        nxt = {(s & ~dels) | adds for pre, adds, dels in moves if not pre & ~s}
        nxt.discard(s)
        succ[s] = nxt
        todo.extend(t for t in nxt if t not in succ)
    pred: dict[int, list[int]] = {s: [] for s in succ}
    for s, ts in succ.items():
        for t in ts:
            pred[t].append(s)
    dist = {s: 0 for s in succ if not goal & ~s}
    queue = deque(dist)
    while queue:
        t = queue.popleft()
        for s in pred[t]:
            if s not in dist:
                dist[s] = dist[t] + 1
                queue.append(s)
    return {s: dist.get(s, UNREACHABLE) for s in succ}
