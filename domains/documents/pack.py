"""The documents domain pack: its tools, simulator, problem generator and phrasing."""

from __future__ import annotations

from domains.base import DomainPack
from domains.documents import problems

__all__ = ["PACK"]

PACK = DomainPack.simulated(
    "documents", problems, scenarios=True, object_names=problems.VENDORS,
    # invoices are named inv1, inv2, ...: a refusal example names one not there
    absent_names=tuple(f"inv{i}" for i in range(1, 12)))
