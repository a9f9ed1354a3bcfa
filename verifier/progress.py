"""Policies judged step by step: a plan prefix's policy memory in a few bits per rule.

:class:`Checker` judges a whole trajectory at once. A decoder that builds a plan one step
at a time needs the same judgement incrementally: after each step, is a rule already
broken beyond repair, and could the plan end here? :class:`PolicyProgress` keeps, per
ground constraint, exactly the memory the checker's scan keeps (``at-most-once``: has it
held, does it hold now; ``sometime-before``: has the requirement held yet; ``sometime``:
has it held; ``sometime-after``: is a trigger still waiting), so a prefix's verdict
depends only on its last state and that memory. Two prefixes with the same (state,
memory) have the same valid continuations, which is what lets a decoder cache by it.

The answers agree with :meth:`Checker.check` and :meth:`Checker.prefix_violations`
(property-tested in ``tests/verifier/test_progress.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from verifier.model import Always, AtMostOnce, Sometime, SometimeAfter, SometimeBefore

__all__ = ["PolicyProgress", "Memory"]

#: one small int per ground constraint; ``None`` where a rule is broken for good
Memory = tuple[int, ...]

_ALWAYS, _SOMETIME, _AT_MOST_ONCE, _BEFORE, _AFTER = range(5)
_KIND = {Always: _ALWAYS, Sometime: _SOMETIME, AtMostOnce: _AT_MOST_ONCE,
         SometimeBefore: _BEFORE, SometimeAfter: _AFTER}


class PolicyProgress:
    """Incremental policy verdicts for one :class:`verifier.validate.Checker`."""

    def __init__(self, checker: Any) -> None:
        self._rules = [(_KIND[type(c.constraint.op)], c.trigger, c.required, c.mask)
                       for c in checker.constraints()]
        # at-most-once rules over a few atoms: (index, atoms read, trigger)
        self._once = [(i, mask, test) for i, (kind, test, _, mask) in enumerate(self._rules)
                      if kind == _AT_MOST_ONCE and mask > 0]
        self._once_all = tuple(i for i, (kind, _, _, _) in enumerate(self._rules)
                               if kind == _AT_MOST_ONCE)
        # which rules read each atom (bit), and those that quantify (read every atom)
        self._by_bit: dict[int, list[int]] = {}
        self._always_read: list[int] = []
        for i, (_, _, _, mask) in enumerate(self._rules):
            if mask < 0:
                self._always_read.append(i)
                continue
            while mask:
                low = mask & -mask
                self._by_bit.setdefault(low.bit_length() - 1, []).append(i)
                mask ^= low

    def start(self, state: int) -> Memory | None:
        """The memory after the initial state, or ``None`` if it already breaks a rule."""
        memory: list[int] = []
        for kind, test, required, _ in self._rules:
            m = _update(kind, 0, test, required, state)
            if m is None:
                return None
            memory.append(m)
        return tuple(memory)

    def advance(self, memory: Memory, before: int, after: int) -> Memory | None:
        """The memory after a step from state ``before`` to ``after``; ``None`` if the step
        breaks a rule no later step can mend (``always``, ``at-most-once``,
        ``sometime-before``). A rule whose atoms did not change keeps its memory."""
        changed = before ^ after
        if not changed:
            return memory
        touched = set(self._always_read)
        while changed:  # an action changes a few atoms: visit only the rules that read them
            low = changed & -changed
            touched.update(self._by_bit.get(low.bit_length() - 1, ()))
            changed ^= low
        out: list[int] | None = None
        for i in sorted(touched):
            kind, test, required, _ = self._rules[i]
            m = _update(kind, memory[i], test, required, after)
            if m is None:
                return None
            if m != memory[i]:
                if out is None:
                    out = list(memory)
                out[i] = m
        return memory if out is None else tuple(out)

    def spent(self, memory: Memory, state: int = 0, fixed: int = 0) -> int:
        """Atoms no later state may hold (bits): for each ``at-most-once`` rule that has
        held and holds no longer, the one atom it reads that may still change (``fixed``:
        atoms no step changes, as they are in ``state``) when making it hold would make
        the rule's condition hold again."""
        out = 0
        for i, mask, test in self._once:
            if memory[i] != 2:
                continue
            free = mask & ~fixed
            if free and free & (free - 1) == 0 and test((state & ~free) | free):
                out |= free
        return out

    def held_once(self, memory: Memory, state: int = 0, fixed: int = 0) -> int:
        """Atoms no later step may delete (bits): those of :meth:`once_atoms` whose rule
        holds now. Deleting one ends the rule's one interval, and adding it again would
        start a second: such an atom, once false, stays false for the rest of a valid
        plan."""
        out = 0
        for i, free in self._single(state, fixed):
            if memory[i] == 3 and state & free:
                out |= free
        return out

    def once_atoms(self, state: int = 0, fixed: int = 0) -> int:
        """Atoms (bits) each the whole condition of an ``at-most-once`` rule: the one atom
        it reads that may still change (``fixed``: atoms no step changes, as they are in
        ``state``), the rule's condition holding exactly when that atom does. Such an atom
        may hold in one interval of a plan only."""
        out = 0
        for _, free in self._single(state, fixed):
            out |= free
        return out

    def _single(self, state: int, fixed: int) -> Iterator[tuple[int, int]]:
        """(rule index, atom) for each ``at-most-once`` rule whose condition, the atoms
        of ``fixed`` as in ``state``, is exactly that one atom holding."""
        for i, mask, test in self._once:
            free = mask & ~fixed
            if free and free & (free - 1) == 0 and test((state & ~free) | free) \
                    and not test(state & ~free):
                yield i, free

    def once_moved(self, before: Memory, after: Memory) -> bool:
        """Whether an ``at-most-once`` rule's memory differs between ``before`` and
        ``after`` (its condition began to hold, or stopped holding for good)."""
        return before is not after and any(before[i] != after[i] for i in self._once_all)

    def may_end(self, memory: Memory) -> bool:
        """Whether a plan may end with this memory as far as the policies go: every
        ``sometime`` rule has held and no ``sometime-after`` trigger is still waiting."""
        for (kind, _, _, _), m in zip(self._rules, memory, strict=False):
            if (kind == _SOMETIME and not m) or (kind == _AFTER and m):
                return False
        return True


def _update(kind: int, m: int, test: Any, required: Any, state: int) -> int | None:
    """One state of the checker's scan (``Checker._check_constraint``) for one rule."""
    if kind == _ALWAYS:
        return 0 if test(state) else None
    if kind == _SOMETIME:
        return 1 if m or test(state) else 0
    if kind == _AT_MOST_ONCE:  # bit 1: it has held; bit 0: it holds now
        cur = bool(test(state))
        if cur and not m & 1:
            if m & 2:
                return None  # true a second time
            return 3
        return (m & 2) | int(cur)
    if kind == _BEFORE:  # 1: the requirement has held
        if test(state) and not m:
            return None
        return 1 if m or required(state) else 0
    # _AFTER: 1 while a trigger waits for the requirement
    if required(state):
        return 0
    return 1 if m or test(state) else 0
