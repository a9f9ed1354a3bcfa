"""Random invoice problems (invoices at different stages, vendors checked or not) and phrasings."""

from __future__ import annotations

import random

from domains.generated import GeneratedProblem, drawn_progress

__all__ = ["random_problem", "PHRASING", "ALIASES", "OPENERS", "VENDORS",
           "invoice_progress"]

VENDORS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka",
           "tyrell", "cyberdyne", "soylent", "vandelay")
PHRASING = {
    "paid": ("pay {0}", "get {0} paid", "settle {0}", "pay out {0}", "make the payment for {0}"),
    "archived": ("archive {0}", "file {0} away", "get {0} archived", "close out {0}"),
    "approved": ("approve {0}", "get {0} approved", "sign off {0}"),
    "validated": ("validate {0}", "get {0} validated", "check {0} against its vendor"),
    "extracted": ("extract the fields of {0}", "extract {0}"),
    "classified": ("classify {0}", "sort {0}"),
    "vendor-checked": ("check vendor {0}", "vet {0}", "verify the vendor {0}"),
}
OPENERS = ("", "", "please ", "I want to ", "goal: ", "can you ", "we need to ")


def _aliases(i: int) -> tuple[str, ...]:
    return (f"inv{i}", f"invoice {i}", f"invoice inv{i}", f"inv{i}")


ALIASES = {f"inv{i}": _aliases(i) for i in range(1, 20)}


def invoice_progress(rng: random.Random, invoice: str, *, large: float, classified_below: float,
                     extracted_below: float) -> list[tuple[str, ...]]:
    """An invoice's size and how far it is: large with probability ``large``; then one draw,
    under ``classified_below`` classified, else under ``extracted_below`` classified and
    extracted, else neither."""
    init: list[tuple[str, ...]] = []
    if rng.random() < large:
        init.append(("large", invoice))
    return init + drawn_progress(rng, invoice, ((classified_below, ("classified",)),
                                                (extracted_below, ("classified", "extracted"))))


def random_problem(rng: random.Random, *, name: str = "gen", size: int | None = None
                   ) -> GeneratedProblem:
    n = size or rng.choice((1, 1, 2, 2, 3, 3, 4))
    invoices = [f"inv{i}" for i in range(1, n + 1)]
    vendors = rng.sample(VENDORS, rng.randint(1, min(3, n + 1)))
    init: list[tuple[str, ...]] = []
    for i in invoices:
        init += [("received", i), ("issued-by", i, rng.choice(vendors))]
        init += invoice_progress(rng, i, large=0.3, classified_below=0.25, extracted_below=0.45)
    for v in vendors:
        if rng.random() < 0.4:
            init.append(("vendor-checked", v))
    goal: list[tuple[str, ...]] = []
    for i in rng.sample(invoices, rng.randint(1, n)):
        goal.append((rng.choice(("paid", "paid", "paid", "archived", "approved", "validated")), i))
    objects = tuple((i, "invoice") for i in invoices) + tuple((v, "vendor") for v in vendors)
    return GeneratedProblem(name, "documents", objects, tuple(init), tuple(goal))
