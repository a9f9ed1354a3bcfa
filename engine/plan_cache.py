"""A cache of certified plans, keyed by the spec's digest and the problem's.

The key is ``(spec digest, problem digest)``: the digest of the spec's files (domain and
spec.yaml, as certificates bind them) and :func:`verifier.certificate.problem_digest` of the
problem planned (objects, initial state, goal) with the policies and access rules it was
planned under (so a replan with a call ruled out is another key), plus a digest of the
problem's domain as read (a domain derived in memory, e.g. with some action rules
compiled in for a diagnosis, is another key). Only a plan the verifier
passed for that key is stored, and a hit is verified again by whoever runs it (the
Replanner and ``Engine.plan`` check every plan they get), so a cached plan is never trusted
on the cache's word. When the spec's files change, the digest changes and every entry is
dropped (checked on each lookup). Entries are evicted least recently used first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["PlanCache", "cached_planner"]


class PlanCache:
    """Certified planner results by (spec digest, problem digest); see the module."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self.spec_digest: str | None = None
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.invalidations = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _current(self, spec_digest: str) -> None:
        if spec_digest != self.spec_digest:  # the spec changed: nothing stored holds
            if self._entries:
                self.invalidations += 1
            self._entries.clear()
            self.spec_digest = spec_digest

    def get(self, spec_digest: str, key: str) -> Any | None:
        with self._lock:
            self._current(spec_digest)
            hit = self._entries.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, spec_digest: str, key: str, result: Any) -> None:
        with self._lock:
            self._current(spec_digest)
            self._entries[key] = result
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def cached_planner(spec: Any, planner: Callable[..., Any], cache: PlanCache
                   ) -> Callable[..., Any]:
    """``planner`` answering from ``cache`` where it can; solved, verified results stored."""
    from verifier.certificate import files_digest, problem_digest
    from verifier.validate import Checker

    domains: dict[int, tuple[Any, str]] = {}  # id -> (the domain, kept alive; its digest)

    def domain_digest(domain: Any) -> str:
        got = domains.get(id(domain))
        if got is None or got[0] is not domain:
            got = (domain, hashlib.sha256(repr(domain).encode()).hexdigest())
            domains[id(domain)] = got
        return got[1]

    def plan(problem: Any, **kw: Any) -> Any:
        spec_digest = files_digest(spec.files())
        key = domain_digest(problem.domain) + problem_digest(
            problem, policies=kw.get("policies", ()), access=kw.get("access"))
        hit = cache.get(spec_digest, key)
        if hit is not None:
            return hit
        result = planner(problem, **kw)
        if getattr(result, "plan", None) is not None and Checker(
                problem, policies=kw.get("policies", ()), access=kw.get("access"),
                describe=kw.get("describe", spec.describe)).check(result.plan).valid:
            cache.put(spec_digest, key, result)
        return result

    plan.__wrapped__ = planner  # type: ignore[attr-defined]
    plan.prover = getattr(planner, "prover", None)  # type: ignore[attr-defined]
    plan.cache = cache  # type: ignore[attr-defined]
    return plan
