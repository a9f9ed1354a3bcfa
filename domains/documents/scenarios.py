"""Scaled invoice batches for the benchmark scenarios: ``n`` invoices, some from two vendors.

``build(rng, n)`` gives a batch whose plan has about ``7 n`` steps. About one invoice in five
is issued jointly by two vendors (a reseller and the maker), so it can be validated against
either: when one vendor's registry is down for good, the other is an alternative route.
``outages`` lists what a broken resource makes fail (a vendor registry for one invoice, the
vendor check, the payment rail for one invoice, an approver); ``blocked_goals`` gives goals
the spec's policies make unreachable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from domains.documents.problems import VENDORS, invoice_progress
from domains.generated import GeneratedProblem, call_outages
from verifier.model import GroundAtom

__all__ = ["build", "outages", "alternatives", "blocked_goals", "STEPS_PER_OBJECT"]

STEPS_PER_OBJECT = 7.0
Call = tuple[str, tuple[str, ...]]


def build(rng: random.Random, n: int, *, name: str) -> GeneratedProblem:
    n = max(1, n)
    invoices = [f"inv{i}" for i in range(1, n + 1)]
    pool = list(VENDORS)
    rng.shuffle(pool)
    k = max(2, min(len(pool), (n + 2) // 3))
    vendors = pool[:k] + [f"vendor{i:02d}" for i in range(len(pool) + 1, (n + 2) // 3 + 1)]
    init: list[GroundAtom] = []
    for n_inv, i in enumerate(invoices):
        issuers = [rng.choice(vendors)]
        if len(vendors) > 1 and rng.random() < (0.5 if n_inv == 0 else 0.2):
            issuers.append(rng.choice([v for v in vendors if v != issuers[0]]))
        init.append(("received", i))
        init += [("issued-by", i, v) for v in issuers]
        init += invoice_progress(rng, i, large=0.3, classified_below=0.2, extracted_below=0.35)
    for v in vendors:
        if rng.random() < 0.3:
            init.append(("vendor-checked", v))
    goal: list[GroundAtom] = []
    for i in invoices:
        goal.append((rng.choice(("paid", "paid", "paid", "paid", "approved", "validated",
                                 "archived")), i))
    objects = tuple((i, "invoice") for i in invoices) + tuple((v, "vendor") for v in vendors)
    return GeneratedProblem(name, "documents", objects, tuple(init), tuple(goal))


def outages(problem: GeneratedProblem, plan: Sequence[Call]) -> list[tuple[str, list[Call]]]:
    return call_outages(plan, {"validate": "{1}'s registry cannot validate {0}",
                               "check-vendor": "the vendor registry of {0} is down",
                               "pay": "the bank rejects the payment of {0}",
                               "extract": "{0} is unreadable"})


def alternatives(problem: GeneratedProblem, plan: Sequence[Call]
                 ) -> list[tuple[str, list[Call]]]:
    """The outages likely to leave a route: validation of a jointly issued invoice."""
    joint = {i for i in {a[1] for a in problem.init if a[0] == "issued-by"}
             if sum(1 for a in problem.init if a[0] == "issued-by" and a[1] == i) > 1}
    return [(label, calls) for label, calls in outages(problem, plan)
            if calls[0][0] == "validate" and calls[0][1][0] in joint]


def blocked_goals(problem: GeneratedProblem) -> list[tuple[str, str]]:
    out = []
    for atom in problem.goal:
        if atom[0] == "paid":
            out.append((f"(not (archived {atom[1]}))", "archive-after-pay"))
    return out
