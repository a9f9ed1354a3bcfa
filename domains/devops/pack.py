"""The devops domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.devops import problems

__all__ = ["PACK"]

PACK = DomainPack.simulated("devops", problems, scenarios=True, object_names=problems.SERVICES)
