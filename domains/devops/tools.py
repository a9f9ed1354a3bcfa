"""Simulated DevOps tools: build, test, backup, deploy, health-check, rollback.

Drift (external changes between steps): a build artifact expires from the registry
(services not yet deployed anywhere first), a health check goes stale, a backup expires.
None of these can break a policy by itself. Build, test and health-check are idempotent.
"""

from __future__ import annotations

import random

from domains.faults import FaultPlan, ScheduledFault
from domains.simulator import Simulator
from verifier.model import GroundAtom

__all__ = ["build", "test", "backup", "deploy", "health_check", "rollback", "setup", "observe",
           "SIMULATOR", "DEMO_FAULTS"]


def _drift(facts: frozenset[GroundAtom], rng: random.Random
           ) -> tuple[set[GroundAtom], set[GroundAtom]]:
    deployed = {a[1] for a in facts if a[0] == "deployed"}
    fresh = sorted(a for a in facts if a[0] == "built" and a[1] not in deployed)
    others = sorted(a for a in facts if a[0] in ("built", "healthy", "backed-up"))
    pool = fresh or others
    return (set(), {rng.choice(pool)}) if pool else (set(), set())


DEMO_FAULTS = FaultPlan(seed=7, schedule=(
    ScheduledFault("transient", action="build"),
    ScheduledFault("slow", action="test"),
    ScheduledFault("external", action="deploy"),
    ScheduledFault("wrong-effect", action="health-check"),
))

SIMULATOR = Simulator("devops", idempotent=("build", "test", "health-check"), drift=_drift,
                      timeout_s=0.5, demo_faults=DEMO_FAULTS)
(build, test, backup, deploy, health_check, rollback) = SIMULATOR.tools(
    "build", "test", "backup", "deploy", "health-check", "rollback")
setup, observe = SIMULATOR.setup, SIMULATOR.observe
