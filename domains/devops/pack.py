"""The devops domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.devops import problems

__all__ = ["PACK"]

PACK = DomainPack(
    name="devops",
    tools="domains.devops.tools",
    simulator="domains.devops.tools:SIMULATOR",
    random_problem=problems.random_problem,
    scenarios="domains.devops.scenarios",
    phrasing=problems.PHRASING,
    aliases=problems.ALIASES,
    openers=problems.OPENERS,
    object_names=problems.SERVICES,
)
