"""Certificates: a verified plan's proof of checking, bound to the exact spec, problem and plan.

A certificate holds SHA-256 hashes of the spec's files (domain.pddl, spec.yaml), the problem
file and the plan's canonical JSON, the checks that ran and the tool versions. Changing any
byte of the spec or problem files, or anything in the plan, makes it stop matching.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError
from verifier.model import Plan, Verdict

__all__ = ["Certificate", "issue_certificate", "certificate_matches", "plan_digest",
           "files_digest", "problem_digest", "CertificateError"]

FORMAT_VERSION = 1


class CertificateError(PlansafeError):
    """A plan was presented without a certificate that matches it."""


@dataclass(frozen=True, slots=True)
class Certificate:
    id: str
    spec_sha256: str
    problem_sha256: str
    plan_sha256: str
    checks: tuple[str, ...]
    tools: tuple[tuple[str, str], ...]
    issued_at: str
    version: int = FORMAT_VERSION
    # (action, digest of its tool's source): verifier/tool_digest.py; () in older certificates
    tool_sources: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["checks"] = list(self.checks)
        d["tools"] = dict(self.tools)
        d["tool_sources"] = dict(self.tool_sources)
        if not self.tool_sources:
            del d["tool_sources"]
        return d

    @staticmethod
    def from_json(data: dict[str, Any]) -> Certificate:
        try:
            return Certificate(
                id=str(data["id"]), spec_sha256=str(data["spec_sha256"]),
                problem_sha256=str(data["problem_sha256"]), plan_sha256=str(data["plan_sha256"]),
                checks=tuple(data["checks"]), tools=tuple(sorted(dict(data["tools"]).items())),
                issued_at=str(data["issued_at"]), version=int(data.get("version", 1)),
                tool_sources=tuple(sorted((str(a), str(d)) for a, d in
                                          dict(data.get("tool_sources") or {}).items())),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise CertificateError(f"malformed certificate: {e}") from None


def plan_digest(plan: Plan) -> str:
    """SHA-256 of the plan's canonical JSON (steps, args, agents, order; not provenance)."""
    canon = [[s.id, s.action, list(s.args), s.agent, sorted(s.after)] for s in plan.steps]
    return hashlib.sha256(json.dumps(canon, separators=(",", ":")).encode()).hexdigest()


def files_digest(paths: tuple[Path, ...] | list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        data = Path(p).read_bytes()
        h.update(str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


def _versions() -> tuple[tuple[str, str], ...]:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("plansafe", "unified-planning", "z3-solver"):
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            continue
    return tuple(out)


def problem_digest(problem: Any, *, policies: Any = (), access: Any = None) -> str:
    """SHA-256 of a problem's content: objects, initial state, goal, and (when given) the
    policies and access rules it is checked under. For problems built in memory (a
    replan from an observed state, a goal given as text), where there is no file to hash."""
    canon = {
        "domain": problem.domain.name,
        "objects": sorted([o, t] for o, t in problem.objects.items()),
        "init": sorted(list(a) for a in problem.init),
        "goal": repr(problem.goal),
        "policies": [[p.id, repr(p.rule)] for p in policies],
        "access": repr(access) if access is not None else None,
    }
    return hashlib.sha256(json.dumps(canon, separators=(",", ":")).encode()).hexdigest()


def issue_certificate(verdict: Verdict, *, spec_files: tuple[Path, ...],
                      problem_file: Path | None = None, plan: Plan,
                      problem_sha256: str | None = None,
                      tool_sources: tuple[tuple[str, str], ...] = ()) -> Certificate:
    """A certificate for a plan the verifier found valid (refuses anything else).

    The problem is bound by its file (``problem_file``) or, for a problem that lives in
    memory, by a content digest (``problem_sha256``, see :func:`problem_digest`).
    ``tool_sources``: the digests of the tools' code (:func:`verifier.tool_digest.
    tool_sources`), checked again before the plan runs."""
    if verdict.status != "valid":
        raise CertificateError(f"cannot certify a plan whose verdict is {verdict.status}")
    if (problem_file is None) == (problem_sha256 is None):
        raise CertificateError("give exactly one of problem_file and problem_sha256")
    spec_h, plan_h = files_digest(spec_files), plan_digest(plan)
    prob_h = files_digest([problem_file]) if problem_file is not None else str(problem_sha256)
    cid = hashlib.sha256(f"{spec_h}:{prob_h}:{plan_h}".encode()).hexdigest()[:16]
    return Certificate(cid, spec_h, prob_h, plan_h, tuple(verdict.checks), _versions(),
                       time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       tool_sources=tuple(tool_sources))


def certificate_matches(cert: Certificate, *, spec_files: tuple[Path, ...],
                        problem_file: Path | None = None, plan: Plan,
                        problem_sha256: str | None = None) -> bool:
    if problem_file is not None:
        prob_ok = cert.problem_sha256 == files_digest([problem_file])
    elif problem_sha256 is not None:
        prob_ok = cert.problem_sha256 == problem_sha256
    else:
        return False
    return (prob_ok and cert.spec_sha256 == files_digest(spec_files)
            and cert.plan_sha256 == plan_digest(plan))
