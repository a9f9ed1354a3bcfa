"""Random devops problems (services part-way through build, test, staging, prod) and phrasings."""

from __future__ import annotations

import random

from domains.generated import GeneratedProblem, drawn_progress

__all__ = ["random_problem", "PHRASING", "ALIASES", "OPENERS", "SERVICES", "pipeline_progress"]

SERVICES = ("api", "web", "worker", "db", "auth", "billing", "search", "notify", "cache",
            "gateway", "frontend", "backend", "payments", "queue", "ingest", "reports",
            "mailer", "scheduler")
PHRASING = {
    "deployed": ("deploy {0} to {1}", "ship {0} to {1}", "ship the {0} to {1}",
                 "release {0} to {1}", "roll out {0} to {1}", "get {0} running on {1}",
                 "put {0} on {1}", "deploy the {0} service to {1}", "push {0} to {1}",
                 "have {0} deployed on {1}"),
    "healthy": ("make sure {0} is healthy on {1}", "health-check {0} on {1}",
                "verify the health of {0} on {1}", "check that {0} is healthy in {1}"),
    "tested": ("test {0}", "run the tests of {0}", "get {0} tested"),
    "built": ("build {0}", "get {0} built", "compile {0}"),
    "backed-up": ("back up {0}", "take a backup of {0}", "make a backup of {0}"),
    "rolled-back": ("roll back {0} on {1}", "revert {0} on {1}", "undo the release of {0} on {1}"),
}
ALIASES = {
    "prod": ("prod", "production", "production", "live", "the production environment"),
    "staging": ("staging", "staging", "stage", "the staging environment"),
}
OPENERS = ("", "", "please ", "I want to ", "goal: ", "can you ", "we need to ", "let's ")


def pipeline_progress(rng: random.Random, services: list[str], *, built_below: float,
                      tested_below: float) -> list[tuple[str, ...]]:
    """How far each service already is: one draw each; under ``built_below`` it is built,
    else under ``tested_below`` built and tested, else neither."""
    stages = ((built_below, ("built",)), (tested_below, ("built", "tested")))
    return [atom for s in services for atom in drawn_progress(rng, s, stages)]


def random_problem(rng: random.Random, *, name: str = "gen", size: int | None = None
                   ) -> GeneratedProblem:
    n = size or rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
    services = rng.sample(SERVICES, n)
    init = pipeline_progress(rng, services, built_below=0.3, tested_below=0.5)
    for e in ("staging", "prod"):
        if rng.random() < 0.2:
            init.append(("backed-up", e))
    goal: list[tuple[str, ...]] = []
    for s in rng.sample(services, rng.randint(1, min(3, n))):
        r = rng.random()
        if r < 0.35:
            goal.append(("deployed", s, "prod"))
        elif r < 0.6:
            goal.append(("deployed", s, "staging"))
        elif r < 0.85:
            goal += [("deployed", s, "prod"), ("healthy", s, "prod")]
        elif r < 0.92:
            goal.append(("tested", s))
        else:
            goal += [("deployed", s, "staging"), ("healthy", s, "staging")]
    goal = [g for g in goal if g not in init] or [("deployed", services[0], "staging")]
    return GeneratedProblem(name, "devops", tuple((s, "service") for s in services),
                            tuple(init), tuple(goal))
