"""Simulated invoice processing: classify, extract, check vendors, validate, flag, review,
approve, pay, void payments, archive.

Drift: a vendor check expires, or extracted fields of an unpaid invoice are lost. Policies
never mention either, so drift cannot break one by itself. Read-only steps are idempotent.
"""

from __future__ import annotations

import random

from domains.faults import FaultPlan, ScheduledFault
from domains.simulator import Simulator
from verifier.model import GroundAtom

__all__ = ["classify", "extract", "check_vendor", "validate", "flag", "review", "approve", "pay",
           "void_payment", "archive", "setup", "observe", "SIMULATOR", "DEMO_FAULTS"]


def _drift(facts: frozenset[GroundAtom], rng: random.Random
           ) -> tuple[set[GroundAtom], set[GroundAtom]]:
    paid = {a[1] for a in facts if a[0] in ("paid", "archived")}
    pool = sorted(a for a in facts if a[0] == "vendor-checked"
                  or (a[0] == "extracted" and a[1] not in paid))
    return (set(), {rng.choice(pool)}) if pool else (set(), set())


DEMO_FAULTS = FaultPlan(seed=5, schedule=(
    ScheduledFault("transient", action="extract"),
    ScheduledFault("external", action="validate"),
    ScheduledFault("wrong-effect", action="approve"),
))

SIMULATOR = Simulator("documents", idempotent=("classify", "extract", "check-vendor", "validate"),
                      drift=_drift, timeout_s=0.5, demo_faults=DEMO_FAULTS)
(classify, extract, check_vendor, validate, flag, review, approve, pay, void_payment,
 archive) = SIMULATOR.tools(
    "classify", "extract", "check-vendor", "validate", "flag", "review", "approve", "pay",
    "void-payment", "archive")
setup, observe = SIMULATOR.setup, SIMULATOR.observe
