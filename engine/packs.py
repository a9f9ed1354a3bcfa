"""The domain-pack registry: the built-in packs under ``domains/`` by spec name.

A pack (:class:`domains.base.DomainPack`) declares what a domain offers beyond its spec:
simulated tools, a problem generator, benchmark scenarios and how its goals are phrased
in words. Add one: ``domains/<name>/pack.py`` with ``PACK = DomainPack(name=..., ...)`` and
``DOMAIN_PACKS.register("<name>", "domains.<name>.pack:PACK")``. A spec without a pack
gets :func:`pack_for`'s empty pack (no phrasing, no generator).
"""

from __future__ import annotations

from domains.base import DomainPack
from engine.registry import Registry

__all__ = ["DOMAIN_PACKS", "pack_for"]

DOMAIN_PACKS: Registry[DomainPack] = Registry("domain pack", {
    "blocksworld": "domains.blocksworld.pack:PACK",
    "devops": "domains.devops.pack:PACK",
    "documents": "domains.documents.pack:PACK",
    "robotics": "domains.robotics.pack:PACK",
    "onboarding": "domains.onboarding.pack:PACK",
})


def pack_for(spec_name: str) -> DomainPack:
    """The pack registered for a spec, or an empty one (every part left out)."""
    return DOMAIN_PACKS.get(spec_name) if spec_name in DOMAIN_PACKS else DomainPack(spec_name)
