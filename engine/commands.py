"""What the command-line commands do, returning JSON-ready dicts (kept apart from printing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError, SpecError

__all__ = ["check_spec", "make_plan", "validate_plan", "verdict_to_json"]


def check_spec(path: Path) -> dict[str, Any]:
    from verifier.spec import load_problem, load_spec
    from verifier.validate import Checker

    spec = load_spec(path)
    errors: list[str] = []
    warnings: list[str] = []
    problems = []
    for name in spec.problems:
        try:
            problem = load_problem(spec, name)
        except SpecError as e:
            errors.append(str(e))
            continue
        checker = Checker(problem, policies=spec.policies, access=spec.access,
                          describe=spec.describe)
        # A policy already broken in the initial state makes every plan invalid.
        from verifier.model import Plan

        v = checker.check(Plan(()))
        broken = [x for x in v.violations if x.kind == "policy" and x.step is None
                  and "initial state" in x.message]
        for b in broken:
            errors.append(f"{problem.path}: {b.message}")
        problems.append({"name": name, "path": str(problem.path), "objects": len(problem.objects),
                         "init": len(problem.init)})
    for action in spec.domain.actions:
        if spec.spec_path is not None and not any(a.permits(action, ()) or any(
                p.action == action for p in a.may) for a in spec.access.agents):
            warnings.append(f"no agent may perform '{action}'")
        if spec.spec_path is not None and spec.tools and action not in spec.tools:
            warnings.append(f"no tool bound to '{action}'")
    return {
        "status": "ok" if not errors else "error",
        "spec": spec.name,
        "domain": str(spec.domain_path),
        "policies": [{"id": p.id, "rule": p.text, "says": p.says} for p in spec.policies],
        "agents": list(spec.access.names),
        "problems": problems,
        "warnings": warnings,
        "errors": errors,
    }


def _problem_and_spec(spec_path: Path, problem_ref: str | None) -> tuple[Any, Any]:
    from verifier.spec import load_problem, load_spec

    spec = load_spec(spec_path)
    if problem_ref is None:
        raise SpecError("no problem given", path=str(spec_path),
                        hint="name a problem file or one of: " + ", ".join(spec.problems))
    return spec, load_problem(spec, problem_ref)


def make_plan(spec_path: Path, problem_ref: str | None, *, goal: str | None, planner: str,
              engine: str, timeout_s: float, k: int = 4, rounds: int = 3,
              model: Path | None = None) -> dict[str, Any]:
    """Plan with the symbolic planner, the language model (``llm``) or both (``auto``).

    With ``goal`` (plain words or PDDL) the goal replaces the problem's; without a problem
    the spec's default problem (see :func:`engine.goals.default_problem`) gives objects
    and initial state.
    """
    from verifier.plan_io import plan_to_json
    from verifier.planning import solve

    if planner not in ("symbolic", "llm", "auto"):
        raise PlansafeError(f"unknown planner '{planner}' (use llm, symbolic or auto)")
    backend = None
    if model is not None:
        from engine.llm.backend import TransformersBackend

        backend = TransformersBackend(model)
    translation = None
    if goal is not None:
        from engine.goals import default_problem, translate_goal, with_goal
        from verifier.spec import load_problem, load_spec

        spec = load_spec(spec_path)
        base = load_problem(spec, problem_ref) if problem_ref is not None \
            else default_problem(spec)
        translation = translate_goal(spec, base, goal, backend=backend)
        problem = with_goal(base, translation.goal)
    else:
        spec, problem = _problem_and_spec(spec_path, problem_ref)
    if planner == "symbolic":
        result = solve(problem, policies=spec.policies, access=spec.access,
                       describe=spec.describe, engine=engine, timeout_s=timeout_s)
        out: dict[str, Any] = {"status": result.status, "problem": problem.name,
                               "engine": result.engine, "seconds": round(result.seconds, 4)}
        if result.plan is not None:
            out.update(plan_to_json(result.plan))
        else:
            out["steps"] = None
            out["message"] = result.message
            out["blocking"] = list(result.blocking)
    else:
        from engine.planner import PlannerAgent

        agent = PlannerAgent.for_planner(spec, planner, backend=backend, k=k,  # type: ignore
                                         rounds=rounds, engine=engine, timeout_s=timeout_s)
        plan, _verdict = agent.plan(problem)
        report = agent.last
        status = "solved" if plan is not None else (report.fallback_status or
                                                     "no-valid-proposal")
        out = {"status": status, "problem": problem.name, "planner": planner,
               "engine": engine, "seconds": round(report.seconds, 4)}
        if plan is not None:
            out.update(plan_to_json(plan))
            out["provenance"]["per_round"] = [r.to_json() for r in report.rounds]
        else:
            out["steps"] = None
            out["message"] = report.message
            out["blocking"] = list(report.blocking)
        out["agent"] = report.to_json()
    if translation is not None:
        out["goal"] = translation.goal
        out["goal_text"] = translation.text
        out["goal_source"] = translation.source
    return out


def verdict_to_json(verdict: Any, certificate: Any = None) -> dict[str, Any]:
    return {
        "status": verdict.status,
        "violations": [v.to_json() for v in verdict.violations],
        "checks": list(verdict.checks),
        "reason": verdict.reason,
        "certificate": certificate.to_json() if certificate is not None else None,
    }


def validate_plan(spec_path: Path, problem_ref: str, plan_ref: str, *,
                  stdin_text: str | None = None) -> dict[str, Any]:
    from verifier.plan_io import read_plan
    from verifier.validate import Checker

    spec, problem = _problem_and_spec(spec_path, problem_ref)
    plan = read_plan(plan_ref, stdin_text=stdin_text)
    verdict = Checker(problem, policies=spec.policies, access=spec.access,
                      describe=spec.describe).check(plan)
    cert = None
    if verdict.valid and verdict.plan is not None:
        from verifier.certificate import issue_certificate

        cert = issue_certificate(verdict, spec_files=spec.files(),
                                 problem_file=Path(problem.path), plan=verdict.plan)
    return verdict_to_json(verdict, cert)
