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

from verifier.order import bits

__all__ = ["Packed", "PACK_FROM"]

#: below this many steps the Python walk is as fast (numpy's per-call overhead)
PACK_FROM = 64


class Packed:
    """``steps`` ((preconditions, adds) bitmasks over atoms) as numpy word arrays."""

    def __init__(self, steps: Sequence[tuple[int, int]]) -> None:
        self.steps = list(steps)
        top = max((max(p.bit_length(), a.bit_length()) for p, a in self.steps), default=1)
        self.words = max(1, (top + 63) // 64)
        self._nbytes = self.words * 8
        self._full = (1 << (64 * self.words)) - 1
        self.pre = self._pack([p for p, _ in self.steps])
        self.adds = self._pack([a for _, a in self.steps])
        self._adders: dict[int, Any] = {}  # atom -> indices of the steps that add it

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

    def _walk(self, state: int, goal: int) -> tuple[list[Any], list[int]] | None:
        """Forward layers until every ``goal`` atom holds: per layer the steps taken in it
        (a boolean row per layer) and the atoms first reached in it; None when some goal
        atom is never reached."""
        import numpy as np

        if goal & ~state & ~self._full:
            return None  # an atom no step adds and that does not hold
        reached, need = self._vec(state), goal & ~state
        todo = np.ones(len(self.steps), dtype=bool)
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

    def layers(self, state: int, need: int) -> list[int] | None:
        """:func:`engine.llm.relaxed.layers`: how many of the ``need`` atoms first hold in
        each layer until all do; None when some never does."""
        walked = self._walk(state, need)
        if walked is None:
            return None
        return [(need & f).bit_count() for f in walked[1]]

    def relaxed_plan(self, state: int, goal: int) -> tuple[int, int] | None:
        """:func:`engine.llm.hint.relaxed_plan`: the atoms FF's relaxed plan needs at layer 1
        and its length; None when the goal is out of reach ignoring deletes."""
        if not goal & ~state:
            return 0, 0
        walked = self._walk(state, goal)
        if walked is None:
            return None
        taken, fresh = walked
        k = len(taken)

        def layer(b: int) -> int:
            return next(i for i, f in enumerate(fresh, 1) if f >> b & 1)

        need = [0] * (k + 1)
        for b in bits(goal & ~state):
            need[layer(b)] |= 1 << b
        chosen: set[int] = set()
        for j in range(k, 0, -1):
            for b in bits(need[j]):
                adders = self._adders_of(b)
                a = int(adders[taken[j - 1][adders]][0])
                if a not in chosen:
                    chosen.add(a)
                    for p in bits(self.steps[a][0] & ~state):
                        need[layer(p)] |= 1 << p
        return need[1], len(chosen)

    def _adders_of(self, b: int) -> Any:
        got = self._adders.get(b)
        if got is None:
            import numpy as np

            word, bit = divmod(b, 64)
            got = self._adders[b] = np.flatnonzero(
                (self.adds[:, word] >> np.uint64(bit)) & np.uint64(1))
        return got
