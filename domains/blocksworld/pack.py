"""The blocksworld domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.blocksworld import problems

__all__ = ["PACK"]

PACK = DomainPack.simulated("blocksworld", problems)
