"""``plansafe check``: lint a spec and analyse its policies (:meth:`engine.api.Engine.check`
calls :func:`check_report`; ``plan`` and ``validate`` are in :mod:`engine.plan_commands`,
the runtime commands in :mod:`engine.run_commands`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.results import CheckReport, ProblemSummary
from verifier.errors import SpecError
from verifier.spec import Spec

if TYPE_CHECKING:
    from verifier.analysis import Analysis
    from verifier.model import Problem, Violation

__all__ = ["check_spec", "check_report"]


def check_spec(path: Path, *, problem: str | None = None, horizon: int | None = None,
               analysis_timeout_s: float = 2.0) -> CheckReport:
    """:func:`check_report` of the spec at ``path``."""
    from verifier.spec import load_spec

    return check_report(load_spec(path), problem=problem, horizon=horizon,
                        analysis_timeout_s=analysis_timeout_s)


def check_report(spec: Spec, *, problem: str | None = None, horizon: int | None = None,
                 analysis_timeout_s: float = 2.0) -> CheckReport:
    """Lint ``spec`` (every problem, or ``problem``) and analyse its policies."""
    errors: list[str] = []
    warnings: list[str] = []
    names = list(spec.problems) if problem is None else [problem]
    problems, analyses = _check_problems(spec, names, horizon, analysis_timeout_s, errors)
    for action in spec.domain.actions:
        if spec.spec_path is not None and not any(a.permits(action, ()) or any(
                p.action == action for p in a.may) for a in spec.access.agents):
            warnings.append(f"no agent may perform '{action}'")
        if spec.spec_path is not None and spec.tools and action not in spec.tools:
            warnings.append(f"no tool bound to '{action}'")
    warnings.extend(_vacuous_everywhere(analyses))
    if getattr(spec, "adapters", None):  # shell/http/mcp tools: MCP servers started, checked
        from engine.adapters import check_bindings

        errors.extend(check_bindings(spec.adapters))
    from verifier.lint import rule_warnings
    from verifier.toolcheck import check_tool_bindings

    lint = rule_warnings(spec.policies, spec.domain)
    warnings.extend(str(w) for w in lint)
    from verifier.lint import unbreakable_warnings

    warnings.extend(str(w) for w in unbreakable_warnings(analyses, spec.policies,
                                                         skip={w.policy for w in lint}))
    errors.extend(str(e) for e in check_tool_bindings(spec))  # resolved, never imported
    return CheckReport(
        status="ok" if not errors else "error",
        spec=spec.name,
        domain=str(spec.source_domain_path or spec.domain_path),
        policies=tuple(spec.policies),
        agents=tuple(spec.access.names),
        problems=tuple(problems),
        warnings=tuple(warnings),
        errors=tuple(errors),
        analysis=tuple(analyses),
        triggers=tuple(t.to_json() for t in spec.triggers),
    )


def _check_problems(spec: Spec, names: list[str], horizon: int | None,
                    analysis_timeout_s: float, errors: list[str]
                    ) -> tuple[list[ProblemSummary], list[Analysis]]:
    """Each problem read (errors noted) and checked for a policy already broken in its
    initial state; with policies, analysed (:func:`_analyse`)."""
    from verifier.spec import load_problem
    from verifier.validate import Checker

    problems: list[ProblemSummary] = []
    analyses: list[Analysis] = []
    for name in names:
        try:
            prob = load_problem(spec, name)
        except SpecError as e:
            errors.append(str(e))
            continue
        checker = Checker(prob, policies=spec.policies, access=spec.access,
                          describe=spec.describe)
        # A policy already broken in the initial state makes every plan invalid.
        from verifier.model import Plan

        v = checker.check(Plan(()))
        broken = [x for x in v.violations if x.kind == "policy" and x.step is None
                  and "initial state" in x.message]
        for b in broken:
            errors.append(f"{prob.path}: {b.message}")
        problems.append(ProblemSummary(name, str(prob.path), len(prob.objects),
                                       len(prob.init)))
        if spec.policies:
            analyses.append(_analyse(spec, prob, broken, horizon, analysis_timeout_s,
                                     errors))
    return problems, analyses


def _analyse(spec: Spec, problem: Problem, broken: list[Violation], horizon: int | None,
             timeout_s: float, errors: list[str]) -> Analysis:
    """Policy analysis of one problem (bounded model checking); errors appended."""
    from verifier.analysis import DEFAULT_HORIZON, analyze

    h = horizon or DEFAULT_HORIZON
    a = analyze(problem, policies=spec.policies, access=spec.access, horizon=h,
                timeout_s=timeout_s)
    already = {b.rule for b in broken}
    for ids in a.conflicts:
        if len(ids) == 1 and ids[0] in already:
            continue  # reported above: broken in the initial state
        what = (f"policies {', '.join(ids)} cannot all hold together" if len(ids) > 1
                else f"policy {ids[0]} can never hold")
        errors.append(f"{problem.path}: {what} (from the initial state, checked within "
                      f"{2 * h} steps)")
    if a.goal == "blocked":
        errors.append(f"{problem.path}: the goal is unreachable under policies "
                      f"{', '.join(a.blocking)} (reachable without them; checked within "
                      f"{2 * h} steps)")
    return a


def _vacuous_everywhere(analyses: list[Analysis]) -> list[str]:
    """Warnings for policies whose trigger never holds in any problem analysed."""
    if not analyses:
        return []
    out = []
    never = set.intersection(*(set(a.never_triggered) for a in analyses))
    vac = set.intersection(*(set(a.vacuous) | set(a.never_triggered) for a in analyses)) - never
    for pid in sorted(never):
        out.append(f"policy {pid} is vacuous: what triggers it can never become true "
                   "(no action adds it) in any problem")
    for pid in sorted(vac):
        out.append(f"policy {pid} is vacuous: what triggers it never holds in a reachable "
                   f"state within {analyses[0].horizon} steps in any problem")
    return out
