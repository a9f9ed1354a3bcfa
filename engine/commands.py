"""What the command-line commands do, returning JSON-ready dicts (kept apart from printing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError, SpecError

__all__ = ["check_spec", "make_plan", "validate_plan", "verdict_to_json"]


def check_spec(path: Path, *, problem: str | None = None, horizon: int | None = None,
               analysis_timeout_s: float = 2.0) -> dict[str, Any]:
    from verifier.spec import load_problem, load_spec
    from verifier.validate import Checker

    spec = load_spec(path)
    errors: list[str] = []
    warnings: list[str] = []
    problems = []
    analyses: list[Any] = []
    names = list(spec.problems) if problem is None else [problem]
    for name in names:
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
        if spec.policies:
            analyses.append(_analyse(spec, problem, broken, horizon, analysis_timeout_s,
                                     errors))
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

    warnings.extend(str(w) for w in rule_warnings(spec.policies, spec.domain))
    errors.extend(str(e) for e in check_tool_bindings(spec))  # resolved, never imported
    return {
        "status": "ok" if not errors else "error",
        "spec": spec.name,
        "domain": str(spec.source_domain_path or spec.domain_path),
        "policies": [{"id": p.id, "rule": p.text, "says": p.says} for p in spec.policies],
        "agents": list(spec.access.names),
        "problems": problems,
        "warnings": warnings,
        "errors": errors,
        "analysis": [_analysis_json(a) for a in analyses],
    }


def _analyse(spec: Any, problem: Any, broken: list[Any], horizon: int | None,
             timeout_s: float, errors: list[str]) -> Any:
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


def _vacuous_everywhere(analyses: list[Any]) -> list[str]:
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


def _analysis_json(a: Any) -> dict[str, Any]:
    return {"problem": a.problem, "horizon": a.horizon, "conflicts": [list(c) for c in
                                                                      a.conflicts],
            "vacuous": list(a.vacuous), "never_triggered": list(a.never_triggered),
            "goal": a.goal, "blocking": list(a.blocking),
            "witness_steps": len(a.plan.steps) if a.plan is not None else None,
            "notes": list(a.notes)}


def _problem_and_spec(spec_path: Path, problem_ref: str | None) -> tuple[Any, Any]:
    from verifier.spec import load_problem, load_spec

    spec = load_spec(spec_path)
    if problem_ref is None:
        raise SpecError("no problem given", path=str(spec_path),
                        hint="name a problem file or one of: " + ", ".join(spec.problems))
    return spec, load_problem(spec, problem_ref)


def make_plan(spec_path: Path, problem_ref: str | None, *, goal: str | None, planner: str,
              engine: str, timeout_s: float, k: int = 4, rounds: int = 3,
              model: Path | None = None, decoding: str = "state-aware",
              beams: int | None = None) -> dict[str, Any]:
    """Plan with the symbolic planner, the language model (``llm``) or both (``auto``).

    ``decoding`` (state-aware, applicable, grammar or guided; see
    :mod:`engine.llm.stateaware`) chooses how the model writes its plans; ``beams`` the
    beam width of each round's first proposal (1: greedy).

    With ``goal`` (plain words or PDDL) the goal replaces the problem's; without a problem
    the spec's default problem (see :func:`engine.goals.default_problem`) gives objects
    and initial state.
    """
    from verifier.plan_io import plan_to_json
    from verifier.planning import solve

    if planner not in ("symbolic", "llm", "auto"):
        raise PlansafeError(f"unknown planner '{planner}' (use llm, symbolic or auto)")
    from engine.planner import DECODINGS

    if decoding not in DECODINGS:
        raise PlansafeError(f"unknown decoding '{decoding}' (use {', '.join(DECODINGS)})")
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
                                         rounds=rounds, engine=engine, timeout_s=timeout_s,
                                         decoding=decoding, beams=beams)
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
        out["agent"] = {"decoding": agent.decoding if agent.use_llm else None,
                        "beams": agent.beams if agent.use_llm else None,
                        **report.to_json()}
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
                  stdin_text: str | None = None, z3: bool = False,
                  certificate_file: Path | None = None) -> dict[str, Any]:
    """Validate a plan. Partial-order plans (and every plan with ``z3``) go through the Z3
    checker, which proves every schedule safe or gives one that is not."""
    from verifier.plan_io import read_plan
    from verifier.verify import verify

    spec, problem = _problem_and_spec(spec_path, problem_ref)
    plan = read_plan(plan_ref, stdin_text=stdin_text)
    checked = verify(spec, problem, plan, z3=z3)  # the one code path (Engine.verify too)
    verdict, cert = checked.verdict, checked.certificate
    out = verdict_to_json(verdict, cert)
    if certificate_file is not None:
        out["certificate_check"] = _check_certificate(certificate_file, spec, problem,
                                                      verdict.plan or plan)
    return out


def _check_certificate(path: Path, spec: Any, problem: Any, plan: Any) -> dict[str, Any]:
    """Whether a certificate file (bare, or ``validate --json`` output) matches."""
    import json

    from verifier.certificate import Certificate, CertificateError, certificate_matches

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        cert = Certificate.from_json(data.get("certificate") or data)
    except FileNotFoundError:
        raise SpecError("certificate file not found", path=str(path),
                        hint="give the JSON that plansafe validate --json printed") from None
    except (json.JSONDecodeError, AttributeError, CertificateError) as e:
        raise SpecError(f"not a certificate: {e}", path=str(path),
                        hint="give the JSON that plansafe validate --json printed") from None
    ok = certificate_matches(cert, spec_files=spec.files(), problem_file=Path(problem.path),
                             plan=plan)
    return {"file": str(path), "id": cert.id, "matches": ok}
