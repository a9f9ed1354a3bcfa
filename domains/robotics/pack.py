"""The robotics domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.robotics import problems

__all__ = ["PACK"]

PACK = DomainPack(
    name="robotics",
    tools="domains.robotics.tools",
    simulator="domains.robotics.tools:SIMULATOR",
    random_problem=problems.random_problem,
    scenarios="domains.robotics.scenarios",
    phrasing=problems.PHRASING,
    aliases=problems.ALIASES,
    openers=problems.OPENERS,
    object_names=(*problems.ITEMS, *problems.LOCATIONS),
)
