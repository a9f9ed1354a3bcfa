"""A goal agenda for the state-aware hint: which of the goal's atoms to reach last
(after Koehler & Hoffmann 2000, "On reasonable and forced goal orderings").

FF's relaxed plan ignores deletes, so it does not see that some goal atoms are undone by
almost every way to the others: a robot that must end with a full battery, or at a given
place, loses both as soon as it moves. Counted alongside the others, such an atom pulls
the hint towards it early (back to the charger, away from an item about to be placed).
Here an atom ``g`` of the goal is *late* when, from a state where ``g`` holds, the other
goal atoms cannot be reached (deletes ignored) by steps that keep ``g``: reaching them
undoes ``g``, so ``g`` is better reached after them. The hint then ranks steps first by
the relaxed plan to the other atoms and only then by the whole goal
(:meth:`engine.llm.relaxed.Relaxation.closest`).

"A state where ``g`` holds" is the initial state with ``g`` added and the atoms ``g``
excludes taken out: those of a *functional* predicate (every action that adds
``(p x ...)`` deletes another ``(p x ...)`` with the same first argument, as a robot's
``battery`` or ``at``) that share ``g``'s first argument. This is an approximation of a
reasonable ordering, computed once per problem; it only orders the hint, proves nothing,
and every plan is verified as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["functional_predicates", "late_goals"]

#: whether goal atoms of functional predicates are late whatever the reasonable-order test
#: says (ablation switch for benchmarks; the test alone misses a robot's battery when another
#: robot could do its work)
FUNCTIONAL_LAST = True


def functional_predicates(domain: Any) -> frozenset[str]:
    """Predicates of two or more arguments of which each action that adds one deletes
    another with the same first argument (unconditionally), and that some action adds."""
    adds: set[str] = set()
    bad: set[str] = set()
    for schema in domain.actions.values():
        plain = [e for e in schema.effects if not e.forall and _always(e.condition)]
        for e in schema.effects:
            if not e.positive:
                continue
            pred = e.atom.pred
            adds.add(pred)
            if len(e.atom.args) < 2 or e not in plain or not any(
                    not d.positive and d.atom.pred == pred and d.atom.args[:1] ==
                    e.atom.args[:1] and d.atom.args != e.atom.args for d in plain):
                bad.add(pred)
    return frozenset(adds - bad)


def _always(condition: Any) -> bool:
    from verifier import model

    return isinstance(condition, model.Const) and bool(condition.value)


def late_goals(task: Any, steps: Sequence[tuple[int, int, int]], goal: int, *,
               once: int = 0) -> int:
    """The goal atoms (a bitmask within ``goal``) to reach after the others.

    ``task``: the grounded problem (:class:`verifier.grounding.Task`); ``steps``: the
    offered steps as (positive preconditions, adds, deletes) bitmasks; ``once``: atoms an
    ``at-most-once`` rule lets hold in one interval only (a robot's carrying an item under
    single-handling): one of the goal that some step deletes is late too, since it must
    hold from the step that adds it to the end (a robot that must end carrying an item
    picks it up last, not before the item was placed and reported where the goal says).
    None of the goal is late when all of it would be, or when the goal cannot be reached
    from the initial state even ignoring deletes."""
    from engine.llm.relaxed import layers
    from verifier.order import bits

    init = task.initial_state
    plain = [(pre, adds) for pre, adds, _ in steps]
    if layers(init, goal, plain) is None:
        return 0
    functional = functional_predicates(task.domain)
    held = [(task.bit(a), a) for a in task.atoms_of(init) if a[0] in functional]
    deletable = 0
    for _, _, dels in steps:
        deletable |= dels
    late = goal & once & deletable & ~init if goal & ~once else 0
    for b in bits(goal):
        g = 1 << b
        others = goal & ~g
        if not others:
            continue
        (atom,) = task.atoms_of(g)
        if atom[0] in functional and FUNCTIONAL_LAST:
            late |= g  # where an agent ends, or its battery: for it to keep, it comes last
            continue
        rivals = 0
        if atom[0] in functional:
            for bit, other in held:
                if other[0] == atom[0] and other[1:2] == atom[1:2] and other != atom:
                    rivals |= bit
        start = (init & ~rivals) | g
        keeping = [(pre, adds) for pre, adds, dels in steps if not dels & g]
        if layers(start, others, keeping) is None:
            late |= g
    return 0 if late == goal else late
