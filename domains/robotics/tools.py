"""Simulated mobile robots: navigate, charge, pick, lift heavy items, place, report.

Drift: somebody moves an item nobody has handled yet to a neighbouring location (items
already placed or carried are left alone, so single-handling cannot be broken by it).
"""

from __future__ import annotations

import random

from domains.faults import FaultPlan, ScheduledFault
from domains.simulator import Simulator
from verifier.model import GroundAtom

__all__ = ["navigate", "charge", "pick", "pick_heavy", "place", "report_status", "setup",
           "observe", "SIMULATOR", "DEMO_FAULTS"]


def _drift(facts: frozenset[GroundAtom], rng: random.Random
           ) -> tuple[set[GroundAtom], set[GroundAtom]]:
    handled = {a[1] for a in facts if a[0] == "placed"} | {a[2] for a in facts
                                                            if a[0] == "carrying"}
    pool = []
    for a in sorted(facts):
        if a[0] == "item-at" and a[1] not in handled:
            pool += [(a, ("item-at", a[1], c[2])) for c in sorted(facts)
                     if c[0] == "connected" and c[1] == a[2]]
    if not pool:
        return set(), set()
    old, new = rng.choice(pool)
    return {new}, {old}


DEMO_FAULTS = FaultPlan(seed=3, schedule=(
    ScheduledFault("transient", action="navigate"),
    ScheduledFault("slow", action="place"),
    ScheduledFault("wrong-effect", action="navigate", nth=3),
))

SIMULATOR = Simulator("robotics", idempotent=("report-status",), drift=_drift, timeout_s=0.5,
                      demo_faults=DEMO_FAULTS)
(navigate, charge, pick, pick_heavy, place, report_status) = SIMULATOR.tools(
    "navigate", "charge", "pick", "pick-heavy", "place", "report-status")
setup, observe = SIMULATOR.setup, SIMULATOR.observe
