"""The delete relaxation of :mod:`engine.llm.relaxed` over numpy words: the same answers,
layer by layer over every step at once.

:func:`engine.llm.relaxed.layers` and :func:`engine.llm.hint.relaxed_plan` walk the steps
one by one in Python, each layer over every step not yet taken; on a 24-block blocksworld
(about 1,200 offered steps) that is some 3 ms a call, and a decoding asks thousands of
times (the state-aware rules' reachability check, the hint's relaxed plans: most of the
decoding's time, benchmarks/results/llm_hint.md). Here the steps' preconditions and adds
are packed into ``(steps, words)`` arrays of 64-bit words, so one layer is a handful of
array operations: the steps whose preconditions all hold, and the union of their adds.
The relaxed plan is read backwards as before, each atom's achiever being the first step
(in the steps' order) that adds it in the layer where it first holds: the very plan the
Python walk reads, so the hint and the rules see the same numbers
(tests/engine/test_relaxed_np.py compares both on random tasks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["Packed", "PACK_FROM"]

#: below this many steps the Python walk is as fast (numpy's per-call overhead)
PACK_FROM = 64


class Packed:
    """``steps`` ((preconditions, adds) bitmasks over atoms) as numpy word arrays;
    ``negs``: per step, atoms that block it while they hold (a walk's ``blocked`` atoms
    leave those steps out, as :meth:`engine.llm.relaxed.Relaxation.steps` does)."""

    def __init__(self, steps: Sequence[tuple[int, int]], negs: Sequence[int] = ()) -> None:
        self.steps = list(steps)
        top = max((max(p.bit_length(), a.bit_length()) for p, a in self.steps), default=1)
        top = max(top, max((n.bit_length() for n in negs), default=1))
        self.words = max(1, (top + 63) // 64)
        self._nbytes = self.words * 8
        self._full = (1 << (64 * self.words)) - 1
        self.pre = self._pack([p for p, _ in self.steps])
        self.adds = self._pack([a for _, a in self.steps])
        self.neg = self._pack(list(negs)) if any(negs) else None
        self._adders: dict[int, int] = {}  # atom -> the steps that add it (a bitmask)
        self._open: dict[int, Any] = {}  # blocked atoms -> the steps they leave

    def _allowed(self, blocked: int) -> Any:
        """The steps no ``blocked`` atom blocks (a boolean row per step)."""
        import numpy as np

        blocked &= self._full
        if self.neg is None or not blocked:
            return np.ones(len(self.steps), dtype=bool)
        got = self._open.get(blocked)
        if got is None:
            if len(self._open) > 256:
                self._open.clear()
            got = self._open[blocked] = ~(self.neg & self._vec(blocked)).any(axis=1)
        return got.copy()

    def _pack(self, masks: Sequence[int]) -> Any:
        import numpy as np

        raw = b"".join(m.to_bytes(self._nbytes, "little") for m in masks)
        return np.frombuffer(raw, dtype="<u8").reshape(len(masks), self.words)

    def _vec(self, mask: int) -> Any:
        import numpy as np

        return np.frombuffer((mask & self._full).to_bytes(self._nbytes, "little"),
                             dtype="<u8")

    def _int(self, vec: Any) -> int:
        return int.from_bytes(vec.tobytes(), "little")

    def _walk(self, state: int, goal: int, blocked: int = 0
              ) -> tuple[list[Any], list[int]] | None:
        """Forward layers until every ``goal`` atom holds, over the steps ``blocked``
        leaves: per layer the steps taken in it (a boolean row per layer) and the atoms
        first reached in it; None when some goal atom is never reached."""
        import numpy as np

        if goal & ~state & ~self._full:
            return None  # an atom no step adds and that does not hold
        reached, need = self._vec(state), goal & ~state
        todo = self._allowed(blocked)
        taken: list[Any] = []
        fresh: list[int] = []
        got = state & self._full
        while need & ~got:
            now = todo & ~(self.pre & ~reached).any(axis=1)
            if not now.any():
                return None
            added = np.bitwise_or.reduce(self.adds[now], axis=0) | reached
            new = self._int(added)
            if new == got:
                return None
            taken.append(now)
            fresh.append(new & ~got)
            reached, got, todo = added, new, todo & ~now
        return taken, fresh

    def layers(self, state: int, need: int, blocked: int = 0) -> list[int] | None:
        """:func:`engine.llm.relaxed.layers`: how many of the ``need`` atoms first hold in
        each layer until all do; None when some never does."""
        walked = self._walk(state, need, blocked)
        if walked is None:
            return None
        return [(need & f).bit_count() for f in walked[1]]

    def relaxed_plan(self, state: int, goal: int, blocked: int = 0
                     ) -> tuple[int, int] | None:
        """:func:`engine.llm.hint.relaxed_plan`: the atoms FF's relaxed plan needs at layer 1
        and its length; None when the goal is out of reach ignoring deletes."""
        if not goal & ~state:
            return 0, 0
        walked = self._walk(state, goal, blocked)
        if walked is None:
            return None
        import numpy as np

        taken, fresh = walked
        k = len(taken)
        # need[j]: the atoms the plan needs first reached in layer j (1-based)
        rest = goal & ~state
        need = [0] + [rest & f for f in fresh]
        chosen = 0  # the plan's steps, a bitmask over step indices
        adders, steps = self._adders, self.steps
        for j in range(k, 0, -1):
            todo = need[j]
            if not todo:
                continue
            # the steps taken in layer j as a bitmask over step indices: an atom's
            # achiever is the lowest index both adding it and taken there
            here = int.from_bytes(np.packbits(taken[j - 1], bitorder="little").tobytes(),
                                  "little")
            pre = 0  # the preconditions of the steps chosen here
            while todo:
                low = todo & -todo
                todo ^= low
                b = low.bit_length() - 1
                got = adders.get(b)
                both = (self._adders_of(b) if got is None else got) & here
                step = both & -both
                if not chosen & step:
                    chosen |= step
                    pre |= steps[step.bit_length() - 1][0]
            pre &= ~state  # each first reached in an earlier layer
            for i in range(1, j):
                need[i] |= pre & fresh[i - 1]
        return need[1], chosen.bit_count()

    def _adders_of(self, b: int) -> int:
        """The steps that add atom ``b``, a bitmask over step indices."""
        got = self._adders.get(b)
        if got is None:
            import numpy as np

            word, bit = divmod(b, 64)
            rows = ((self.adds[:, word] >> np.uint64(bit)) & np.uint64(1)).astype(bool)
            got = self._adders[b] = int.from_bytes(
                np.packbits(rows, bitorder="little").tobytes(), "little")
        return got
