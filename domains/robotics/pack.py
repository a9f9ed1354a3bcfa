"""The robotics domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.robotics import problems

__all__ = ["PACK"]

PACK = DomainPack.simulated("robotics", problems, scenarios=True,
                            object_names=(*problems.ITEMS, *problems.LOCATIONS))
