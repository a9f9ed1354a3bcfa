"""Scaled devops problems for the benchmark scenarios: ``n`` services part-way to production.

``build(rng, n)`` gives a problem whose plan has about ``4.5 n`` steps. ``outages`` lists the
groups of calls one broken resource would make fail for good (a service's pipeline step,
production backups); the devops action model has a single route to every goal, so none of
them leaves an alternative: they serve the *unrecoverable* scenarios only. ``blocked_goals``
gives goals that the spec's policies make unreachable from the start.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from domains.devops.problems import SERVICES, pipeline_progress
from domains.generated import GeneratedProblem, call_outages
from verifier.model import GroundAtom

__all__ = ["build", "outages", "blocked_goals", "STEPS_PER_OBJECT"]

STEPS_PER_OBJECT = 4.5
Call = tuple[str, tuple[str, ...]]


def _names(rng: random.Random, n: int) -> list[str]:
    pool = list(SERVICES)
    rng.shuffle(pool)
    return pool[:n] + [f"svc{i:02d}" for i in range(len(pool) + 1, n + 1)]


def build(rng: random.Random, n: int, *, name: str) -> GeneratedProblem:
    services = _names(rng, max(1, n))
    init: list[GroundAtom] = pipeline_progress(rng, services, built_below=0.25, tested_below=0.4)
    if rng.random() < 0.2:
        init.append(("backed-up", "staging"))
    goal: list[GroundAtom] = []
    for s in services:
        r = rng.random()
        if r < 0.55:
            goal += [("deployed", s, "prod"), ("healthy", s, "prod")]
        elif r < 0.75:
            goal.append(("deployed", s, "prod"))
        elif r < 0.92:
            goal.append(("deployed", s, "staging"))
        else:
            goal += [("deployed", s, "staging"), ("healthy", s, "staging")]
    return GeneratedProblem(name, "devops", tuple((s, "service") for s in services),
                            tuple(init), tuple(goal))


def outages(problem: GeneratedProblem, plan: Sequence[Call]) -> list[tuple[str, list[Call]]]:
    """(label, calls): resources whose failure would make every call of the group fail."""
    return call_outages(plan, {"backup": "the backup service of {0} is down",
                               "deploy": "the {1} cluster rejects {0}",
                               "build": "the {action} of {0} is broken",
                               "test": "the {action} of {0} is broken"})


def blocked_goals(problem: GeneratedProblem) -> list[tuple[str, str]]:
    """(extra goal literal, the policy that blocks it) for goals no valid plan reaches."""
    out = []
    for atom in problem.goal:
        if atom[0] == "deployed" and atom[2] == "prod":
            out.append((f"(not (deployed {atom[1]} staging))", "prod-mirrors-staging"))
    return out
