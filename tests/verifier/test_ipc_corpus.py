"""The IPC corpus (../shared/data/ipc): every problem parses, Fast Downward solves it, and both
our validator and unified-planning's accept the plan; known-invalid plans are rejected."""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from engine.symbolic.planning import solve
from tests.conftest import DATA
from verifier.model import Const, Not, Plan, Problem
from verifier.pddl import read_problem
from verifier.plan_io import read_plan
from verifier.validate import validate

IPC = DATA / "ipc"
DEFAULT_PER_DOMAIN = 2  # the first pairs of each domain run by default; the rest are slow


def _manifest() -> dict[str, Any]:
    try:
        return json.loads((IPC / "manifest.json").read_text(encoding="utf-8"))
    except OSError:
        return {}


def _pairs(*, slow_after: int | None = None) -> list[Any]:
    domains = _manifest().get("domains", {})
    out = []
    for name, info in domains.items():
        for i, pair in enumerate(info["pairs"]):
            marks = [pytest.mark.slow] if slow_after is not None and i >= slow_after else []
            out.append(pytest.param(name, pair["domain"], pair["problem"], marks=marks,
                                    id=f"{name}/{Path(pair['problem']).stem}"))
    return out or [pytest.param(None, None, None, id="no-data")]


def _negative_plans() -> list[Any]:
    out = [pytest.param(e, id=f"{e['domain']}/{Path(e['plan']).name}")
           for e in _manifest().get("negative_plans", [])]
    return out or [pytest.param(None, id="no-data")]


ALL_PAIRS = _pairs()
PAIRS = _pairs(slow_after=DEFAULT_PER_DOMAIN)


@functools.cache
def _problem(domain: str, domain_file: str, problem_file: str) -> Problem:
    return read_problem(IPC / domain / domain_file, IPC / domain / problem_file)


def up_verdict(problem: Problem, plan: Plan) -> bool:
    """unified-planning's sequential plan validator on ``problem.up_problem``."""
    import unified_planning.shortcuts as up
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.plans import ActionInstance, SequentialPlan

    upp = problem.up_problem
    plan_up = SequentialPlan([ActionInstance(upp.action(s.action),
                                             tuple(upp.object(a) for a in s.args))
                              for s in plan.steps])
    with warnings.catch_warnings():  # elevators' cost table: "cannot establish whether ..."
        warnings.simplefilter("ignore", UserWarning)
        with up.PlanValidator(name="sequential_plan_validator") as validator:
            result = validator.validate(upp, plan_up)
    return result.status == ValidationResultStatus.VALID


@pytest.mark.parametrize(("domain", "domain_file", "problem_file"), ALL_PAIRS)
def test_problem_parses(data_dir: Path, domain: str, domain_file: str, problem_file: str
                        ) -> None:
    problem = _problem(domain, domain_file, problem_file)
    assert problem.domain.actions
    assert problem.objects
    assert problem.init
    assert problem.up_problem is not None


@pytest.mark.parametrize(("domain", "domain_file", "problem_file"), PAIRS)
def test_fast_downward_plan_is_valid_for_both_validators(
        data_dir: Path, domain: str, domain_file: str, problem_file: str) -> None:
    problem = _problem(domain, domain_file, problem_file)
    result = solve(problem, engine="fast-downward", timeout_s=60.0)
    assert result.status == "solved", result.message
    assert result.plan is not None and result.plan.steps
    verdict = validate(problem, result.plan)
    assert verdict.status == "valid", [v.message for v in verdict.violations]
    assert up_verdict(problem, result.plan)


def test_logistics00_in_keeps_both_arguments(data_dir: Path) -> None:
    # The IPC-2000 file declares (in ?obj ?obj); unified-planning alone reads arity 1.
    problem = _problem("logistics00", "domain.pddl", "problogistics-4-0.pddl")
    assert len(problem.domain.predicates["in"]) == 2
    assert problem.up_problem.fluent("in").arity == 2


def test_elevators_action_costs_are_read_and_ignored_for_validity(data_dir: Path) -> None:
    problem = _problem("elevators-opt08", "p01-domain.pddl", "p01.pddl")
    assert "ACTIONS_COST" in problem.up_problem.kind.features
    assert set(problem.domain.predicates) >= {"lift-at", "boarded", "passengers"}
    assert "travel-slow" not in problem.domain.predicates  # numeric, not a predicate


def test_miconic_simpleadl_has_conditional_effects_and_negative_preconditions(
        data_dir: Path) -> None:
    problem = _problem("miconic-simpleadl", "domain.pddl", "s1-0.pddl")
    stop = problem.domain.actions["stop"]
    conditional = [e for e in stop.effects if e.forall and not isinstance(e.condition, Const)]
    assert conditional
    assert any(isinstance(c, Not) for e in conditional for c in getattr(e.condition, "args", ()))
    features = problem.up_problem.kind.features
    assert {"CONDITIONAL_EFFECTS", "NEGATIVE_CONDITIONS"} <= features


@pytest.mark.parametrize("entry", _negative_plans())
def test_known_invalid_plan_is_rejected(data_dir: Path, entry: dict[str, Any] | None) -> None:
    assert entry is not None
    folder = IPC / entry["domain"]
    plan_path = folder / entry["plan"]
    if not plan_path.is_file():
        pytest.skip(f"{entry['domain']}/{entry['plan']} is not in the corpus")
    info = _manifest()["domains"][entry["domain"]]
    pair = next(p for p in info["pairs"] if p["problem"] == entry["problem"])
    problem = _problem(entry["domain"], pair["domain"], pair["problem"])
    plan = read_plan(plan_path)
    verdict = validate(problem, plan)
    assert entry["expected_valid"] is False
    assert verdict.status == "invalid"
    assert verdict.violations[0].kind in ("precondition", "goal")
    assert up_verdict(problem, plan) is False
