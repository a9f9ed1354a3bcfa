"""The blocksworld domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.blocksworld import problems

__all__ = ["PACK"]

PACK = DomainPack(
    name="blocksworld",
    tools="domains.blocksworld.tools",
    simulator="domains.blocksworld.tools:SIMULATOR",
    random_problem=problems.random_problem,
    phrasing=problems.PHRASING,
    aliases=problems.ALIASES,
    openers=problems.OPENERS,
)
