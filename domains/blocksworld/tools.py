"""Simulated robot arm for Blocksworld (synchronous tools: they run in worker threads).

Drift: a clear block standing on another block is knocked onto the table. This never
puts anything on a fragile block, so it cannot break a policy by itself.
"""

from __future__ import annotations

import random

from domains.faults import FaultPlan, ScheduledFault
from domains.simulator import Simulator
from verifier.model import GroundAtom

__all__ = ["pick_up", "put_down", "stack", "unstack", "setup", "observe", "SIMULATOR",
           "DEMO_FAULTS"]


def _drift(facts: frozenset[GroundAtom], rng: random.Random
           ) -> tuple[set[GroundAtom], set[GroundAtom]]:
    pool = sorted(a for a in facts if a[0] == "on" and ("clear", a[1]) in facts)
    if not pool:
        return set(), set()
    _, x, y = rng.choice(pool)
    return {("ontable", x), ("clear", y)}, {("on", x, y)}


DEMO_FAULTS = FaultPlan(seed=11, schedule=(
    ScheduledFault("transient", action="unstack"),
    ScheduledFault("wrong-effect", action="put-down"),
    ScheduledFault("external", action="stack"),
))

SIMULATOR = Simulator("blocksworld", drift=_drift, sync=True, timeout_s=0.5,
                      demo_faults=DEMO_FAULTS)
(pick_up, put_down, stack, unstack) = SIMULATOR.tools(
    "pick-up", "put-down", "stack", "unstack")
setup, observe = SIMULATOR.setup, SIMULATOR.observe
