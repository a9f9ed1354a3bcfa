"""The onboarding domain pack: simulated tools only (no problem generator, no phrasing)."""

from __future__ import annotations

from domains.base import DomainPack

__all__ = ["PACK"]

PACK = DomainPack.simulated("onboarding")
