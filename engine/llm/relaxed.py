"""The delete relaxation the state-aware rules reason with (:class:`engine.llm.stateaware.Safe`).

Over the steps the rules offer (ground actions with an allowed agent), ignoring deletes
and negative preconditions, with two sound refinements:

- an atom already used up under an ``at-most-once`` rule (*spent*) may not be added again;
- an atom whose ``at-most-once`` rule holds now, read by :meth:`reachable` as one the goal
  needs (*guarded*), may not be deleted: deleting it spends it, so the goal could never
  hold again (a robot that must end carrying an item it picked may not put it down);
- an atom that holds and that no offered step deletes holds for ever (*kept*): a step
  whose negative preconditions name one can never be taken again, and a goal that needs
  one false can never be reached. (A document flagged for good can no longer be paid.)

From it: whether the goal can still be reached (False is a proof that no valid plan goes
on; True proves nothing), a distance (the sum over the goal's atoms of the layer each first
holds in; a measure of progress, no proof), and FF's relaxed plan length
after each allowed step (the hint of engine/llm/hint.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from engine.llm.relaxed_np import PACK_FROM, Packed

if TYPE_CHECKING:
    from engine.llm.projection import Projections

__all__ = ["Relaxation", "layers"]

Steps = list[tuple[int, int]]  # (positive preconditions, adds) bitmasks


class Relaxation:
    """The relaxation of one task's offered ``steps`` (ground action, plan line) towards a
    goal given as ``literals`` (positive atoms, negative atoms; None: not literals)."""

    def __init__(self, steps: Iterable[tuple[Any, str]], literals: tuple[int, int] | None
                 ) -> None:
        self.literal = literals is not None
        self.pos, self.neg = literals or (0, 0)
        deletable = 0
        self._steps: list[tuple[int, int, int]] = []  # (pre_pos, pre_neg, adds incl. conditional)
        #: per step, the atoms it may delete (conditional deletes included)
        self.deletes: list[int] = []
        #: per step, the atoms it surely deletes (unconditionally, and no effect adds them)
        self._sure_deletes: list[int] = []
        for ga, _ in steps:
            adds, dels = ga.add, ga.delete
            for _, c_add, c_del in ga.conditional:
                adds, dels = adds | c_add, dels | c_del
            deletable |= dels
            self._steps.append((ga.pre_pos, ga.pre_neg, adds))
            self.deletes.append(dels)
            self._sure_deletes.append(ga.delete & ~adds)
        #: goal atoms the hint reaches after the others (:mod:`engine.llm.agenda`; 0: none)
        self.late = 0
        #: lower bounds the hint takes beside FF's relaxed plan for the whole goal
        #: (:class:`engine.llm.projection.Projections`; None: none)
        self.projections: Projections | None = None
        addable = 0
        for _, _, adds in self._steps:
            addable |= adds
        self._addable = addable
        #: the steps the hint's relaxed plans take (:meth:`heed_before`): the same steps,
        #: with what ``sometime-before`` rules require before their triggers
        self._heeded: list[tuple[int, int, int]] = self._steps
        #: atoms no offered step deletes: once they hold, they hold for ever
        self.kept = ~deletable
        self._cache: dict[tuple[int, int, bool, int], Steps] = {}
        self._packed: dict[tuple[int, bool, int], Packed] = {}  # the steps as numpy words
        self._lengths: dict[tuple[int, int], int] = {}  # (state, goal | owed) -> FF's length

    def masks(self) -> list[tuple[int, int, int]]:
        """The offered steps as (positive preconditions, adds, deletes) bitmasks,
        conditional effects included (:func:`engine.llm.agenda.late_goals` reads them)."""
        return [(pre, adds, dels) for (pre, _, adds), dels in zip(self._steps, self.deletes,
                                                                  strict=True)]

    def heed_before(self, rules: Iterable[tuple[int, int, int]], initial: int) -> None:
        """Rules ``sometime-before trigger required`` for the hint's relaxed plans to heed,
        as (trigger atoms, required atoms, marker) bitmasks. The marker is an atom no
        action touches; it stands for "the requirement has held": a step that adds one of
        the requirement's atoms adds it too (all of them, for a requirement of one atom; a
        step of its own that needs them all, otherwise), and a step that adds one of the
        trigger's atoms needs it, unless the trigger's other atoms can never hold (false
        in ``initial`` and added by no step). The caller adds the markers of the rules
        whose requirement has held to the state (``held`` of :meth:`plan_length`). Only
        the hint heeds them: the reachability the rules prove things with does not."""
        never = ~initial & ~self._addable
        heeded = list(self._heeded)
        for trigger, required, marker in rules:
            single = required & (required - 1) == 0
            for j, (pre, neg, adds) in enumerate(heeded):
                if single and adds & required:
                    adds |= marker
                if adds & trigger and not trigger & ~adds & never:
                    pre |= marker
                heeded[j] = (pre, neg, adds)
            if not single:
                heeded.append((required, 0, marker))
        self._heeded = heeded
        self._cache.clear()
        self._packed.clear()

    def steps(self, spent: int, state: int, heed: bool = False, guarded: int = 0) -> Steps:
        """The steps that add no ``spent`` atom, delete no ``guarded`` one and that an
        atom kept true in ``state`` does not block for ever, as (preconditions, adds);
        ``heed``: those of :meth:`heed_before`."""
        blocked = state & self.kept
        key = (spent, blocked, heed, guarded)
        todo = self._cache.get(key)
        if todo is None:
            todo = [(pre, adds) for pre, neg, adds in self._unspent(spent, heed, guarded)
                    if not neg & blocked]
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = todo
        return todo

    def _unspent(self, spent: int, heed: bool, guarded: int = 0
                 ) -> list[tuple[int, int, int]]:
        """The steps (heeded ones with ``heed``) that add no ``spent`` atom and delete no
        ``guarded`` one, as (preconditions, blocking atoms, adds). (A heeded list's own
        steps come after the offered ones and delete nothing.)"""
        rows = self._heeded if heed else self._steps
        dels = self._sure_deletes if guarded else ()
        return [(pre, neg, adds & ~spent) for j, (pre, neg, adds) in enumerate(rows)
                if not adds & spent and not (j < len(dels) and dels[j] & guarded)]

    def _walker(self, spent: int, heed: bool = False, guarded: int = 0) -> Packed | None:
        """The steps that add no ``spent`` atom and delete no ``guarded`` one packed into
        numpy words (:mod:`engine.llm.relaxed_np`), with the atoms that block each (a walk
        from a state leaves out those its kept atoms block, as :meth:`steps` does), when
        there are enough of them for that to pay; None otherwise. One per (spent, heed,
        guarded): the states of a decoding share it."""
        key = (spent, heed, guarded)
        got = self._packed.get(key)
        if got is None:
            rows = self._unspent(spent, heed, guarded)
            if len(rows) < PACK_FROM:
                return None
            if len(self._packed) > 16:
                self._packed.clear()
            got = self._packed[key] = Packed([(pre, adds) for pre, _, adds in rows],
                                             [neg for _, neg, _ in rows])
        return got

    def _layers(self, state: int, spent: int, guarded: int = 0) -> list[int] | None:
        walker = self._walker(spent, guarded=guarded)
        return (layers(state, self.pos, self.steps(spent, state, guarded=guarded))
                if walker is None else walker.layers(state, self.pos, state & self.kept))

    def reachable(self, state: int, spent: int = 0, once_held: int = 0) -> bool:
        """Whether the goal may still be reached from ``state`` (False: it cannot).
        ``once_held``: atoms of ``at-most-once`` rules that hold now; those the goal needs
        are guarded (no step may delete them)."""
        if not self.literal:
            return True
        if self.neg & state & self.kept:
            return False
        return self._layers(state, spent, once_held & self.pos & state) is not None

    def distance(self, state: int) -> int | None:
        """The sum over the goal's atoms of the relaxed layer each first holds in (0: the
        goal's atoms hold; 10**6: out of reach); None when the goal is not literals."""
        if not self.literal:
            return None
        if self.neg & state & self.kept:
            return 10**6
        counts = self._layers(state, 0)
        return 10**6 if counts is None else sum((i + 1) * c for i, c in enumerate(counts))

    def closest(self, successors: Mapping[str, tuple[int, int, int]]) -> frozenset[str]:
        """The steps (plan line -> the state after it, atoms then owed besides the goal,
        markers of :meth:`heed_before` held) after which FF's relaxed plan is
        shortest: with late goal atoms (:attr:`late`), to the other atoms first and then
        to the whole goal; among steps alike so far, those after which more of the goal's
        (other) atoms hold (a step that reaches a goal atom and owes a report for it is
        no further than one that changes nothing); none when all are alike or the goal
        is not literals."""
        if not self.literal or len(successors) < 2:
            return frozenset()
        early = self.pos & ~self.late
        hs = {line: (self._whole(state, owed, held) if not self.late else
                     self.plan_length(state, owed, goal=early, held=held),
                     -(state & early).bit_count())  # ties: the step that reaches a goal atom
              for line, (state, owed, held) in successors.items()}
        best = min(hs.values())
        tied = [line for line, h in hs.items() if h == best]
        if self.late and len(tied) > 1:  # then the whole goal, for those still alike
            whole = {line: self._whole(*successors[line]) for line in tied}
            if len(tied) == len(hs) and min(whole.values()) == max(whole.values()):
                return frozenset()
            low = min(whole.values())
            return frozenset(line for line in tied if whole[line] == low)
        if len(tied) == len(hs):
            return frozenset()
        return frozenset(tied)

    def _whole(self, state: int, owed: int, held: int) -> int:
        """FF's relaxed plan length to the whole goal (and ``owed``), or where larger a
        projection's distance (:attr:`projections`), which a delete relaxation cannot see."""
        h = self.plan_length(state, owed, held=held)
        return h if self.projections is None else max(h, self.projections.distance(state))

    def plan_length(self, state: int, owed: int = 0, *, goal: int | None = None,
                    held: int | None = None) -> int:
        """The length of FF's relaxed plan from ``state`` to the goal's atoms (or those of
        ``goal``) and the ``owed`` ones (10**6: out of reach); ``held``: over the steps of
        :meth:`heed_before`, with those markers in the state."""
        want = (self.pos if goal is None else goal) | owed
        heed = held is not None
        start = state | (held or 0)
        key = (-start - 1 if heed else start, want)  # heeded or not: apart in the cache
        h = self._lengths.get(key)
        if h is None:
            from engine.llm.hint import relaxed_plan

            walker = self._walker(0, heed)
            got = (None if self.neg & state & self.kept else
                   relaxed_plan(start, want, self.steps(0, state, heed))
                   if walker is None else walker.relaxed_plan(start, want, state & self.kept))
            h = 10**6 if got is None else got[1]
            if len(self._lengths) > 100_000:
                self._lengths.clear()
            self._lengths[key] = h
        return h


def layers(reached: int, need: int, todo: Steps) -> list[int] | None:
    """The delete relaxation's layers from state ``reached``: how many of the ``need``
    atoms first hold in each layer until all do; None when some never does."""
    counts: list[int] = []
    while need & ~reached:
        rest, before = [], reached
        for pre, adds in todo:
            if pre & ~before:
                rest.append((pre, adds))
            else:
                reached |= adds
        if reached == before:
            return None
        counts.append((need & reached & ~before).bit_count())
        todo = rest
    return counts
