"""One deadline for a whole command: ``--timeout`` bounds every phase, not only the search.

A :class:`Deadline` is a point in time (``time.monotonic``) and the limit it came from. The
command that owns ``--timeout`` opens it with :func:`within`; every phase that may take long
on a large input — reading (spec, PDDL, plans), grounding, compiling, search, building the
Z3 encoding, checking — calls :func:`checkpoint` in its loops, and gets a
:class:`DeadlineExceeded` (a :class:`~verifier.errors.PlansafeError`) naming the phase and
the limit once the time is up. Sub-budgets (the planner's search time, Z3's own timeout)
are cut to :func:`seconds_left`.

The deadline travels in a :class:`contextvars.ContextVar` rather than through every
signature: the loops that check it are deep (the s-expression reader, grounding), their
callers are many, and a planner plugged in by name keeps its ``timeout_s`` contract. Without
an open deadline every check is a no-op (one context-variable read).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from verifier.errors import PlansafeError

__all__ = ["Deadline", "DeadlineExceeded", "Phase", "within", "checkpoint", "current",
           "seconds_left", "Ticker"]

#: what was running when the time ran out
Phase = Literal["reading", "grounding", "compiling", "search", "encoding", "checking"]

_WHAT: dict[str, str] = {
    "reading": "reading the input (spec, PDDL, plan)",
    "grounding": "grounding the problem",
    "compiling": "compiling the policies into the task",
    "search": "searching for a plan",
    "encoding": "building the Z3 encoding",
    "checking": "checking the plan",
}


class DeadlineExceeded(PlansafeError):
    """The time given with ``--timeout`` ran out; ``phase`` says during what."""

    def __init__(self, phase: Phase, limit_s: float) -> None:
        self.phase, self.limit_s = phase, limit_s
        super().__init__(f"timeout: {_WHAT[phase]} did not finish within the {limit_s:g} s "
                         f"limit (--timeout; phase: {phase})")


@dataclass(frozen=True, slots=True)
class Deadline:
    """``at``: a ``time.monotonic()`` instant; ``limit_s``: the limit it was made from."""

    at: float
    limit_s: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        if not seconds > 0 or math.isnan(seconds):
            raise PlansafeError(f"a timeout must be a positive number of seconds (got {seconds})")
        return cls(time.monotonic() + seconds, seconds)

    def left(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def check(self, phase: Phase) -> None:
        """Raise :class:`DeadlineExceeded` for ``phase`` when the time is up."""
        if time.monotonic() >= self.at:
            raise DeadlineExceeded(phase, self.limit_s)


_CURRENT: ContextVar[Deadline | None] = ContextVar("plansafe_deadline", default=None)


def current() -> Deadline | None:
    """The deadline open in this context, if any."""
    return _CURRENT.get()


@contextmanager
def within(limit: float | Deadline | None) -> Iterator[Deadline | None]:
    """Open a deadline for the block (seconds from now, or a Deadline; None: none new).

    Nested deadlines never extend an outer one: the earlier of the two applies."""
    outer = _CURRENT.get()
    if limit is None:
        yield outer
        return
    mine = limit if isinstance(limit, Deadline) else Deadline.after(limit)
    if outer is not None and outer.at <= mine.at:
        mine = outer
    token = _CURRENT.set(mine)
    try:
        yield mine
    finally:
        _CURRENT.reset(token)


def checkpoint(phase: Phase) -> None:
    """Raise :class:`DeadlineExceeded` if the open deadline (if any) has passed."""
    d = _CURRENT.get()
    if d is not None and time.monotonic() >= d.at:
        raise DeadlineExceeded(phase, d.limit_s)


def seconds_left(budget_s: float) -> float:
    """``budget_s`` cut to the open deadline's remaining time (at least a millisecond)."""
    d = _CURRENT.get()
    if d is None:
        return budget_s
    return max(0.001, min(budget_s, d.left()))


class Ticker:
    """A cheap checkpoint for hot loops: looks at the clock every ``every`` calls.

        tick = Ticker("grounding")
        for combo in combos:
            tick()
    """

    __slots__ = ("phase", "every", "_n", "_deadline")

    def __init__(self, phase: Phase, every: int = 256) -> None:
        self.phase, self.every, self._n = phase, every, 0
        self._deadline = _CURRENT.get()

    def __call__(self) -> None:
        if self._deadline is None:
            return
        self._n += 1
        if self._n >= self.every:
            self._n = 0
            self._deadline.check(self.phase)
