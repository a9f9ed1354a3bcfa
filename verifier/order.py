"""The partial order of a plan's steps: reachability as bitsets, chains and linear extensions.

Steps are numbered by a fixed topological order (the one :func:`verifier.validate.linearize`
gives), so ``i`` necessarily precedes ``j`` only if ``i < j``. "Is A before B in every
schedule" is a bit test; the schedules that graph reasoning builds (for example "as early
as possible") are plain topological orders over a few blocks of steps.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence

from verifier.deadline import Ticker
from verifier.model import Step

__all__ = ["PartialOrder", "bits"]


def bits(mask: int) -> Iterator[int]:
    """The positions of the set bits of ``mask``, lowest first (one bitset walk for the
    verifier's partial orders and schedules, and the benchmark's judge)."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class PartialOrder:
    """Strict precedence between the steps of a plan given in a topological order."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)
        self.index = {s.id: i for i, s in enumerate(self.steps)}
        n = len(self.steps)
        anc = [0] * n
        succ: list[list[int]] = [[] for _ in range(n)]
        tick = Ticker("encoding", every=64)  # --timeout (bitsets grow with the plan)
        for j, s in enumerate(self.steps):
            tick()
            m = 0
            for d in s.after:
                i = self.index[d]
                if i >= j:
                    raise ValueError("steps are not in a topological order")
                m |= anc[i] | (1 << i)
                succ[i].append(j)
            anc[j] = m
        # descendants from the direct successors, in reverse topological order: one OR per
        # 'after' edge (the transpose of ``anc`` bit by bit was quadratic in the steps:
        # 4,000-step chains took 23 s here)
        desc = [0] * n
        for i in range(n - 1, -1, -1):
            tick()
            m = 0
            for k in succ[i]:
                m |= desc[k] | (1 << k)
            desc[i] = m
        self.anc: tuple[int, ...] = tuple(anc)
        self.desc: tuple[int, ...] = tuple(desc)
        self.all = (1 << n) - 1

    def __len__(self) -> int:
        return len(self.steps)

    # --- relations ----------------------------------------------------------------------------

    def prec(self, i: int, j: int) -> bool:
        """``i`` comes before ``j`` in every schedule."""
        return bool(self.anc[j] >> i & 1)

    def comparable(self, i: int, j: int) -> bool:
        return i == j or self.prec(i, j) or self.prec(j, i)

    def is_chain(self, idx: Iterable[int]) -> bool:
        """Whether the steps are totally ordered (then every schedule runs them in one order)."""
        s = sorted(set(idx))
        return all(self.prec(a, b) for a, b in zip(s, s[1:], strict=False))

    def down_closure(self, mask: int) -> int:
        return mask | self.below(mask)

    def below(self, mask: int) -> int:
        """The steps that necessarily precede some step of ``mask`` (the union of their
        ancestors): one OR per maximal step of the mask, not one per step (the highest-numbered
        step left is maximal; it and everything below it drop out together)."""
        out = 0
        while mask:
            i = mask.bit_length() - 1
            out |= self.anc[i]
            mask &= ~(self.anc[i] | (1 << i))
        return out

    def unordered(self, i: int, mask: int) -> int:
        """The steps of ``mask`` that may run before or after ``i`` (neither precedes)."""
        return mask & ~self.anc[i] & ~self.desc[i] & ~(1 << i)

    def covers(self, subset: Iterable[int]) -> list[tuple[int, int]]:
        """The transitive reduction of the order restricted to ``subset`` (pairs ``i < j``)."""
        sub = sorted(set(subset))
        mask = 0
        for i in sub:
            mask |= 1 << i
        out: list[tuple[int, int]] = []
        for j in sub:
            # the maximal predecessors of j in the subset: the highest-numbered one left is
            # maximal (steps are in a topological order); drop it and everything below it.
            # One step per cover, not per predecessor (that was quadratic on long chains).
            preds = self.anc[j] & mask
            maximal = []
            while preds:
                i = preds.bit_length() - 1
                maximal.append(i)
                preds &= ~(self.anc[i] | (1 << i))
            out.extend((i, j) for i in reversed(maximal))
        return out

    # --- schedules ----------------------------------------------------------------------------

    def blocks(self, *parts: int) -> list[int]:
        """A schedule: the steps of each mask in turn (each in index order), then the rest.

        The caller guarantees that every prefix of the parts is closed under predecessors.
        """
        out: list[int] = []
        seen = 0
        for m in parts:
            m &= ~seen
            out.extend(bits(m))
            seen |= m
        out.extend(bits(self.all & ~seen))
        if not self.is_linearization(out):
            raise ValueError("internal: blocks do not form a schedule")
        return out

    def as_early_as_possible(self, j: int) -> list[int]:
        """Only ``j``'s necessary predecessors, then ``j``, then everything else."""
        return self.blocks(self.anc[j], 1 << j)

    def as_late_as_possible(self, d: int) -> list[int]:
        """Everything that may come before ``d``, then ``d``, then its successors."""
        return self.blocks(self.all & ~(self.desc[d] | 1 << d), 1 << d)

    def latest_before(self, d: int, j: int) -> list[int]:
        """A schedule with ``d`` before ``j`` and only ``d < x < j`` steps between them."""
        between = self.anc[j] & self.desc[d]
        first = self.down_closure(self.anc[d] | (self.anc[j] & ~self.desc[d] & ~(1 << d)))
        return self.blocks(first, 1 << d, between, 1 << j)

    def extend(self, order: Sequence[int]) -> list[int]:
        """A full schedule in which the steps of ``order`` appear in that order.

        ``order`` must be consistent with the partial order (then one always exists).
        """
        n = len(self.steps)
        extra: dict[int, int] = {a: b for a, b in zip(order, order[1:], strict=False)}
        indeg = [0] * n
        succ: list[list[int]] = [[] for _ in range(n)]
        for j, s in enumerate(self.steps):
            for d in s.after:
                i = self.index[d]
                succ[i].append(j)
                indeg[j] += 1
        for a, b in extra.items():
            succ[a].append(b)
            indeg[b] += 1
        ready = [i for i in range(n) if indeg[i] == 0]
        heapq.heapify(ready)
        out = []
        while ready:
            i = heapq.heappop(ready)
            out.append(i)
            for k in succ[i]:
                indeg[k] -= 1
                if indeg[k] == 0:
                    heapq.heappush(ready, k)
        if len(out) != n:
            raise ValueError("internal: the order given contradicts the plan's 'after' relation")
        return out

    def is_linearization(self, order: Sequence[int]) -> bool:
        if sorted(order) != list(range(len(self.steps))):
            return False
        placed = 0
        for i in order:
            if self.anc[i] & ~placed:
                return False
            placed |= 1 << i
        return True

    def ids(self, order: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.steps[i].id for i in order)
