"""The independent judge's delete relaxation, and what the policies add to it soundly or
as guidance (see :mod:`benchmarks.eval.judge`). Code of the judge alone: it reads the
verifier's ground actions (bitmasks) and policy constraints, nothing of Plansafe's planners.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier.order import bits


class Relaxation:
    """The delete-free relaxation of the ground actions (preconditions: their positive
    literals; effects: every add, conditional ones included) and of the goal (its positive
    literals; ``goal is None`` when the goal is not a conjunction of literals).

    ``orderings`` (atom -> atoms that must have held first) split an action that adds such
    an atom into one adding it (needing those atoms too) and one adding the rest. ``guards``
    (atom -> [(atoms, need)]) do the same where the need depends on the state evaluated:
    adding the atom while ``atoms`` hold needs ``need`` (0: never); they come from
    ``always`` rules and guide the search only (see :func:`policy_guards`)."""

    def __init__(self, actions: Sequence[Any], goal: int | None, *, goal_neg: int = 0,
                 orderings: dict[int, int] | None = None,
                 guards: dict[int, list[tuple[int, int]]] | None = None) -> None:
        self.actions = list(actions)
        self.goal, self.goal_neg = goal, goal_neg
        self.pre: list[int] = []
        self.add: list[int] = []
        self.source: list[int] = []  # the ground action each relaxed one comes from
        self.sure: list[int] = []  # the unconditional adds of that ground action
        self.neg: list[int] = []  # negative preconditions no action can make false again
        self.guarded: list[tuple[int, list[tuple[int, int]]]] = []
        deletable = 0
        for ga in self.actions:
            deletable |= ga.delete
            for _, _, c_del in ga.conditional:
                deletable |= c_del
        self.lasting = ~deletable  # atoms that, once true, stay true
        order, guard = orderings or {}, guards or {}
        split = sum(1 << b for b in set(order) | set(guard))
        for i, ga in enumerate(self.actions):
            add = ga.add | cond_adds(ga)
            parts = [(ga.pre_pos, add & ~split, 0)]
            parts += [(ga.pre_pos | order.get(b, 0), 1 << b, b) for b in bits(add & split)]
            for pre, eff, b in parts:
                if eff:
                    if b in guard:
                        self.guarded.append((len(self.pre), guard[b]))
                    self.neg.append(ga.pre_neg & self.lasting)
                    self.pre.append(pre)
                    self.add.append(eff)
                    self.source.append(i)
                    self.sure.append(ga.add)
        self.achievers: dict[int, list[int]] = {}  # bit -> relaxed actions, in call order
        for i, eff in enumerate(self.add):
            for b in bits(eff):
                self.achievers.setdefault(b, []).append(i)

    def _usable(self, state: int, spent: int) -> tuple[list[int], list[int]]:
        """The relaxed actions not ruled out in ``state`` (none of their negative
        preconditions holds for good: true, and no action deletes it; their ground action
        adds no ``spent`` atom, one the policies forbid from now on; no guard forbids them),
        and every relaxed action's precondition in ``state``."""
        lasting, pre = state & self.lasting, self.pre
        off: set[int] = set()
        if spent:
            off.update(i for i, add in enumerate(self.sure) if add & spent)
        if self.guarded:
            pre = list(pre)
            for i, rules in self.guarded:
                for atoms, need in rules:
                    if atoms & state == atoms:
                        pre[i] |= need
                        if not need:
                            off.add(i)
        return [i for i, neg in enumerate(self.neg) if not neg & lasting and i not in off], pre

    def reachable(self, state: int) -> int:
        """Every atom that can hold in the relaxation from ``state`` (a fixpoint)."""
        (todo, pre), reached = self._usable(state, 0), state
        while True:
            new, rest = reached, []
            for i in todo:
                if pre[i] & reached == pre[i]:
                    new |= self.add[i]
                else:
                    rest.append(i)
            if new == reached:
                return reached
            reached, todo = new, rest

    def ff(self, state: int, spent: int = 0) -> tuple[int, frozenset[int]] | None:
        """An FF-style relaxed plan from ``state``: its length and the indices of its actions
        applicable in ``state`` (preferred operators); None when the goal is unreachable even
        relaxed (a dead end). Achievers are chosen as a function of the atom alone (the first
        in call order among those of the layer before), so the value is deterministic."""
        goal = self.goal if self.goal is not None else 0
        if self.goal_neg & state & self.lasting:
            return None  # a negative goal literal is false for good
        level: dict[int, int] = dict.fromkeys(bits(state), 0)
        act_level: dict[int, int] = {}
        (todo, pre), reached, layer = self._usable(state, spent), state, 0
        while goal & reached != goal:
            new, rest = reached, []
            for i in todo:
                if pre[i] & reached == pre[i]:
                    act_level[i] = layer
                    new |= self.add[i]
                else:
                    rest.append(i)
            if new == reached:
                return None
            layer += 1
            for b in bits(new & ~reached):
                level[b] = layer
            reached, todo = new, rest
        chosen: set[int] = set()
        seen: set[int] = set()
        stack = list(bits(goal & ~state))
        while stack:
            b = stack.pop()
            if b in seen:
                continue
            seen.add(b)
            a = next(i for i in self.achievers[b] if act_level.get(i) == level[b] - 1)
            if a not in chosen:
                chosen.add(a)
                stack.extend(bits(pre[a] & ~state))
        return len(chosen), frozenset(self.source[a] for a in chosen if act_level[a] == 0)


def cond_adds(ga: Any) -> int:
    out = 0
    for _, c_add, _ in ga.conditional:
        out |= c_add
    return out


def changing_atoms(actions: Sequence[Any]) -> int:
    """The atoms some of ``actions`` add or delete (the others are static)."""
    import functools
    import operator

    masks = [ga.add | ga.delete for ga in actions]
    masks += [c_add | c_del for ga in actions for _, c_add, c_del in ga.conditional]
    return functools.reduce(operator.or_, masks, 0)


def forbidden_conjunctions(checker: Any, actions: Sequence[Any], state: int
                           ) -> list[tuple[int, int]]:
    """The ``always`` rules that forbid a conjunction of literals (``(not (and ...))``,
    ``(imply (and ...) atom)``) as ``(positive, negative)`` atoms no state may have all
    of, with static atoms read as they are in ``state`` (a rule they make hold is left out)."""
    from verifier import model as m

    task, changing = checker.task, changing_atoms(actions)
    out = []
    for c in checker.constraints():
        op, b = c.constraint.op, dict(c.constraint.binding)
        f = op.arg if isinstance(op, m.Always) else None
        lits = task.literals(f.arg, b) if isinstance(f, m.Not) else None
        if isinstance(f, m.Imply):
            left, right = task.literals(f.left, b), task.literals(f.right, b)
            if left is not None and right is not None and not right[1] and right[0]:
                lits = (left[0], left[1] | right[0]) if right[0] & (right[0] - 1) == 0 \
                    else None
        if lits is None:
            continue
        pos, neg = lits
        if not (pos & ~changing) & ~state and not (neg & ~changing) & state:
            out.append((pos & changing, neg & changing))
    return out


def doomed(ga: Any, forbidden: Sequence[tuple[int, int]]) -> bool:
    """Whether every state ``ga`` leads to has all of a forbidden conjunction (so no
    policy-keeping plan uses it): sound, as the atoms checked hold after it in any state."""
    if ga.conditional:
        return False
    true_after = (ga.pre_pos & ~ga.delete) | ga.add
    false_after = ga.delete | (ga.pre_neg & ~ga.add)
    return any(pos and pos & true_after == pos and neg & false_after == neg
               for pos, neg in forbidden)


def policy_guards(forbidden: Sequence[tuple[int, int]]) -> dict[int, list[tuple[int, int]]]:
    """Guidance from the forbidden conjunctions: adding one of its positive atoms while the
    others hold needs its one negated atom, or is never allowed when it has none. Used by
    the heuristic only, not by any proof."""
    out: dict[int, list[tuple[int, int]]] = {}
    for pos, neg in forbidden:
        if neg & (neg - 1):
            continue  # more than one way out: not a single need
        for p in bits(pos):
            out.setdefault(p, []).append((pos & ~(1 << p), neg))
    return out


def policy_bounds(checker: Any, memory: Any, actions: Sequence[Any], state: int,
                   goal: int) -> tuple[dict[int, int], int, int]:
    """What the policies add to the relaxation, soundly, from a node with policy ``memory``:
    ``orderings`` (atom p -> atoms that must have held before p first holds: a
    ``sometime-before`` whose trigger is p, with static atoms that hold, and whose
    requirement has not held yet) and atoms every valid plan must reach (a ``sometime`` not
    yet met; the requirement of a ``sometime-after`` whose trigger is in the goal) and,
    of those, the atoms that must hold in the final state (the latter)."""
    from verifier import model as m

    task, changing = checker.task, changing_atoms(actions)
    orderings: dict[int, int] = {}
    extra = final = 0
    for c, mem in zip(checker.constraints(), memory, strict=True):
        op, b = c.constraint.op, dict(c.constraint.binding)
        if isinstance(op, m.Sometime) and not mem:
            lits = task.literals(op.arg, b)
            extra |= lits[0] if lits else 0
        if not isinstance(op, (m.SometimeBefore, m.SometimeAfter)):
            continue
        trig, req = task.literals(op.trigger, b), task.literals(op.required, b)
        if trig is None or req is None or trig[1]:
            continue
        if isinstance(op, m.SometimeAfter):
            final |= req[0] if trig[0] & goal == trig[0] else 0
            continue
        moving, fixed = trig[0] & changing, trig[0] & ~changing
        if not mem and fixed & state == fixed and moving and moving & (moving - 1) == 0:
            p = moving.bit_length() - 1
            orderings[p] = orderings.get(p, 0) | req[0]
    return orderings, extra | final, final
