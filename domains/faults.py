"""Seeded, deterministic fault injection for simulated tools.

A :class:`FaultPlan` decides, for one tool call, which faults happen:

- ``transient``: the call raises :class:`~domains.base.TransientToolError` (retrying helps),
- ``permanent``: the call raises :class:`~domains.base.PermanentToolError` every time,
- ``wrong-effect``: the call "succeeds" but changes nothing; its observation says so,
- ``external``: before the call, the world changes by itself (a domain-specific drift),
- ``slow``: the call takes longer than its timeout.

and, scheduled only, ways the world differs from the PDDL model (``WORLD_DIFFERENCES``):

- ``hidden-precondition``: the call is refused for a reason the domain does not name,
- ``lost-effect``: the call reports its effects but nothing changed,
- ``late-effect``: the call reports its effects; they happen just before the run's next call,
- ``side-effect``: the call acts, and the world also changes in a way the action does not say,
- ``partial-observation``: the call acts but reports nothing of what it saw.

Decisions come from random rates, seeded and keyed by the step, call and attempt (so the
same plan meets the same faults again), and from an explicit ``schedule`` ("the 1st
``deploy`` call is slow"). Rates are bounded so runs stay finite: transient faults and
slowness hit only a step's first two attempts, wrong effects and external changes only
its first attempt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from verifier.errors import PlansafeError

__all__ = ["FaultKind", "FAULT_KINDS", "WORLD_DIFFERENCES", "ScheduledFault", "FaultPlan"]

FaultKind = Literal["transient", "permanent", "wrong-effect", "external", "slow",
                    "hidden-precondition", "lost-effect", "late-effect", "side-effect",
                    "partial-observation"]
#: ways the simulated world differs from the PDDL model (scheduled only, see the simulator)
WORLD_DIFFERENCES: tuple[str, ...] = ("hidden-precondition", "lost-effect", "late-effect",
                                      "side-effect", "partial-observation")
FAULT_KINDS: tuple[str, ...] = ("transient", "permanent", "wrong-effect", "external", "slow",
                                *WORLD_DIFFERENCES)


@dataclass(frozen=True, slots=True)
class ScheduledFault:
    """``kind`` hits calls ``nth .. nth+times-1`` (1-based, attempts included) that match."""

    kind: str
    action: str | None = None
    args: tuple[str, ...] | None = None
    nth: int = 1
    times: int = 1

    def matches(self, action: str, args: tuple[str, ...]) -> bool:
        return (self.action is None or self.action == action) and \
            (self.args is None or tuple(self.args) == tuple(args))


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """The faults simulated tool calls meet: random ones at the given rates (0..1), drawn from
    ``seed`` keyed by step, call and attempt so that the same plan meets the same faults
    again, and the ones in ``schedule``."""

    seed: int = 0
    transient: float = 0.0
    permanent: float = 0.0
    wrong_effect: float = 0.0
    external: float = 0.0
    slow: float = 0.0
    slow_s: float | None = None  # None: twice the call's timeout
    schedule: tuple[ScheduledFault, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("transient", "permanent", "wrong_effect", "external", "slow"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise PlansafeError(f"fault rate {name}={v} must be within 0..1")
        for s in self.schedule:
            if s.kind not in FAULT_KINDS:
                raise PlansafeError(f"unknown fault kind {s.kind!r} (use one of "
                                    f"{', '.join(FAULT_KINDS)})")

    @staticmethod
    def none() -> FaultPlan:
        return FaultPlan()

    @staticmethod
    def random(seed: int, rate: float = 0.1, *, permanent: float = 0.0) -> FaultPlan:
        """Every kind of recoverable fault at ``rate``; permanent failures only if asked."""
        return FaultPlan(seed=seed, transient=rate, wrong_effect=rate / 2, external=rate / 2,
                         slow=rate / 2, permanent=permanent)

    @property
    def active(self) -> bool:
        return bool(self.schedule) or any(
            (self.transient, self.permanent, self.wrong_effect, self.external, self.slow))

    def decide(self, *, step_id: str, action: str, args: tuple[str, ...], attempt: int,
               nth_matching: Mapping[int, int] | None = None) -> frozenset[str]:
        """The faults of one call. ``nth_matching[i]``: this call's 1-based index among the
        run's calls that match ``schedule[i]``."""
        call = "(" + " ".join((action, *args)) + ")"
        out: set[str] = set()
        if attempt <= 2 and _unit(self.seed, "transient", step_id, call, attempt) < self.transient:
            out.add("transient")
        if _unit(self.seed, "permanent", call) < self.permanent:
            out.add("permanent")
        if attempt == 1 and _unit(self.seed, "wrong", step_id, call) < self.wrong_effect:
            out.add("wrong-effect")
        if attempt == 1 and _unit(self.seed, "external", step_id, call) < self.external:
            out.add("external")
        if attempt <= 2 and _unit(self.seed, "slow", step_id, call, attempt) < self.slow:
            out.add("slow")
        for i, s in enumerate(self.schedule):
            n = (nth_matching or {}).get(i)
            if n is not None and s.nth <= n < s.nth + s.times:
                out.add(s.kind)
        return frozenset(out)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["schedule"] = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(s).items()}
                         for s in self.schedule]
        return d

    @staticmethod
    def from_json(data: Mapping[str, Any] | None) -> FaultPlan:
        if not data:
            return FaultPlan()
        d = dict(data)
        sched = tuple(ScheduledFault(
            kind=str(s["kind"]), action=s.get("action"),
            args=tuple(s["args"]) if s.get("args") is not None else None,
            nth=int(s.get("nth", 1)), times=int(s.get("times", 1)))
            for s in d.pop("schedule", ()) or ())
        known = {"seed", "transient", "permanent", "wrong_effect", "external", "slow", "slow_s"}
        unknown = set(d) - known
        if unknown:
            raise PlansafeError(f"unknown fault plan keys: {', '.join(sorted(unknown))}")
        return FaultPlan(schedule=sched, **d)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:12]
