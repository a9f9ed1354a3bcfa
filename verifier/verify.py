"""One verdict everywhere: the single code path behind ``plansafe validate`` and
``Engine.verify``.

A sequential plan goes through the fast validator (:class:`verifier.validate.Checker`); a
partial-order plan, and every plan when ``z3`` is asked for, through the Z3 checker, which
proves every schedule the plan allows safe or gives one that is not. A valid plan gets a
certificate: bound to its problem file when the problem is that file's problem unchanged, or
to a digest of the problem's content (a problem built in memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verifier.certificate import Certificate, issue_certificate, problem_digest
from verifier.errors import PlansafeError
from verifier.model import Plan, Problem, Status, Verdict

if TYPE_CHECKING:
    from verifier.spec import Spec

__all__ = ["Verification", "check_plan", "verify", "problem_file"]


@dataclass(frozen=True, slots=True)
class Verification:
    """A plan's verdict and, when it is valid, its certificate."""

    verdict: Verdict
    certificate: Certificate | None
    plan: Plan  # the plan as checked (agents filled in)
    problem: Problem

    @property
    def status(self) -> Status:
        return self.verdict.status

    @property
    def valid(self) -> bool:
        return self.verdict.valid


def check_plan(spec: Spec, problem: Problem, plan: Plan, *, z3: bool = False) -> Verdict:
    """The verdict alone (no certificate)."""
    from verifier.validate import Checker

    opts = {"policies": spec.policies, "access": spec.access, "describe": spec.describe}
    if z3 or not plan.is_sequential:
        from verifier.z3check import Z3Checker

        return Z3Checker(problem, **opts).check(plan)  # type: ignore[arg-type]
    return Checker(problem, **opts).check(plan)  # type: ignore[arg-type]


def problem_file(spec: Spec, problem: Problem) -> Path | None:
    """The file ``problem`` was read from, if it still says exactly that problem."""
    from verifier.spec import load_problem

    path = Path(str(problem.path))
    if not path.is_file():
        return None
    try:
        on_file = load_problem(spec, path)
    except PlansafeError:
        return None
    return path if problem_digest(on_file) == problem_digest(problem) else None


def verify(spec: Spec, problem: Problem, plan: Plan, *, z3: bool = False) -> Verification:
    """Check ``plan`` and certify it when valid (see the module doc)."""
    verdict = check_plan(spec, problem, plan, z3=z3)
    checked = verdict.plan or plan
    cert = None
    if verdict.valid:
        from verifier.tool_digest import tool_sources

        path = problem_file(spec, problem)
        code = tool_sources(spec)  # the tools' code, checked again before the plan runs
        if path is not None:
            cert = issue_certificate(verdict, spec_files=spec.files(), plan=checked,
                                     problem_file=path, tool_sources=code)
        else:
            cert = issue_certificate(verdict, spec_files=spec.files(), plan=checked,
                                     problem_sha256=problem_digest(
                                         problem, policies=spec.policies, access=spec.access),
                                     tool_sources=code)
    return Verification(verdict, cert, checked, problem)
