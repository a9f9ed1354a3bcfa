"""Symbolic planning: policies and access rules compiled in, the plan verified, honest statuses."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.symbolic.planning import PlanResult, solve
from verifier.errors import PlansafeError
from verifier.plan_io import plan_from_calls
from verifier.spec import Spec, load_problem, load_spec
from verifier.validate import Checker

DOMAIN = """\
(define (domain release)
  (:requirements :strips :typing)
  (:types service env)
  (:constants staging prod - env)
  (:predicates (built ?s - service) (tested ?s - service) (deployed ?s - service ?e - env)
               (backed-up ?e - env) (retired ?s - service))
  (:action build :parameters (?s - service) :effect (built ?s))
  (:action test :parameters (?s - service) :precondition (built ?s) :effect (tested ?s))
  (:action backup :parameters (?e - env) :effect (backed-up ?e))
  (:action deploy :parameters (?s - service ?e - env) :precondition (built ?s)
    :effect (deployed ?s ?e)))
"""

TEST_FIRST = "(forall (?s - service ?e - env) (sometime-before (deployed ?s ?e) (tested ?s)))"
NEVER_PROD = "(forall (?s - service) (always (not (deployed ?s prod))))"
AGENTS = """\
agents:
  ci: {may: [build, test, backup]}
  release: {may: [deploy], may_not: ["(deploy ?s prod)"]}
  lead: {may: ["(deploy ?s prod)"]}
"""


@pytest.fixture
def release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple]:
    """``release(goal, policies={id: rule}, agents=yaml)`` -> (spec, problem)."""
    monkeypatch.chdir(tmp_path)  # planners may leave files in the working directory
    root = tmp_path / "spec"

    def make(goal: str, *, policies: dict[str, str] | None = None, agents: str = "") -> tuple:
        root.mkdir(exist_ok=True)
        (root / "domain.pddl").write_text(DOMAIN)
        lines = ["name: release", agents.rstrip()]
        if policies:
            lines.append("policies:")
            for pid, rule in policies.items():
                lines += [f"  - id: {pid}", f"    rule: \"{rule}\""]
        (root / "spec.yaml").write_text("\n".join(x for x in lines if x) + "\n")
        (root / "p.pddl").write_text(
            "(define (problem p) (:domain release) (:objects api web - service) (:init)"
            f" (:goal {goal}))\n")
        spec: Spec = load_spec(root)
        return spec, load_problem(spec, root / "p.pddl")

    return make


def run(spec: Spec, problem, **kw) -> PlanResult:  # noqa: ANN001
    return solve(problem, policies=spec.policies, access=spec.access, describe=spec.describe,
                 timeout_s=kw.pop("timeout_s", 60.0), **kw)


def calls(result: PlanResult) -> list[tuple[str, tuple[str, ...]]]:
    assert result.plan is not None
    return [(s.action, s.args) for s in result.plan.steps]


def test_solved_plan_is_verified(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api staging))")
    result = run(spec, problem)
    assert result.status == "solved" and result.solved
    assert result.verdict is not None and result.verdict.valid
    assert calls(result) == [("build", ("api",)), ("deploy", ("api", "staging"))]
    assert result.plan.provenance.source == "symbolic"
    assert Checker(problem, access=spec.access).check(result.plan).valid


def test_policy_is_compiled_in(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api staging))", policies={"test-first": TEST_FIRST})
    # the unconstrained shortest plan breaks the policy ...
    shortest = plan_from_calls([("build", ("api",)), ("deploy", ("api", "staging"))])
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    assert [v.rule for v in checker.check(shortest).violations] == ["test-first"]
    # ... so the planner must find one that tests first
    result = run(spec, problem)
    assert result.status == "solved"
    steps = calls(result)
    assert steps.index(("test", ("api",))) < steps.index(("deploy", ("api", "staging")))
    assert checker.check(result.plan).valid


def test_several_policy_kinds_compiled_in(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api staging))", policies={
        "test-first": TEST_FIRST,
        "backup-sometime": "(sometime (backed-up prod))",
        "staging-then-backup": "(forall (?s - service) (sometime-after (deployed ?s staging) "
                               "(backed-up staging)))",
    })
    result = run(spec, problem)
    assert result.status == "solved"
    assert ("backup", ("prod",)) in calls(result) and ("backup", ("staging",)) in calls(result)
    assert Checker(problem, policies=spec.policies).check(result.plan).valid


def test_access_rules_compiled_in(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api prod) (deployed web staging))", agents=AGENTS)
    result = run(spec, problem)
    assert result.status == "solved"
    for step in result.plan.steps:
        assert step.agent in spec.access.permitted(step.action, step.args), step
    agents = {(s.action, s.args): s.agent for s in result.plan.steps}
    assert agents[("deploy", ("api", "prod"))] == "lead"  # only lead may deploy to prod
    assert agents[("deploy", ("web", "staging"))] == "release"
    assert agents[("build", ("api",))] == "ci"


def test_access_rules_can_make_goal_unreachable(release) -> None:  # noqa: ANN001
    agents = "agents:\n  ci: {may: [build]}\n  release: {may: [\"(deploy ?s staging)\"]}\n"
    spec, problem = release("(and (deployed api prod))", agents=agents)
    assert run(spec, problem).status in ("unsolvable-proven", "unsolvable-incompletely")
    spec, problem = release("(and (deployed api staging))", agents=agents)
    assert run(spec, problem).status == "solved"


def test_impossible_goal_is_unsolvable(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (retired api))", policies={"test-first": TEST_FIRST})
    result = run(spec, problem)
    assert result.status in ("unsolvable-proven", "unsolvable-incompletely")
    assert result.plan is None and not result.solved
    assert result.blocking == ()  # unreachable without any policy: no policy is to blame


def test_blocking_policies_are_named(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api prod))",
                            policies={"test-first": TEST_FIRST, "never-prod": NEVER_PROD})
    result = run(spec, problem)
    assert result.status in ("unsolvable-proven", "unsolvable-incompletely")
    assert result.blocking == ("never-prod",)
    assert "never-prod" in result.message


def test_pyperplan_solves_a_small_problem(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api staging) (tested web))", agents=AGENTS)
    result = run(spec, problem, engine="pyperplan")
    assert result.status == "solved" and result.engine == "pyperplan"
    assert result.verdict is not None and result.verdict.valid
    assert set(calls(result)) >= {("deploy", ("api", "staging")), ("test", ("web",))}


def test_unknown_engine_raises(release) -> None:  # noqa: ANN001
    spec, problem = release("(and (deployed api staging))")
    with pytest.raises(PlansafeError, match="unknown engine 'lama'"):
        run(spec, problem, engine="lama")


def _big_blocksworld(n: int, seed: int) -> str:
    rng = random.Random(seed)
    blocks = [f"b{i}" for i in range(n)]

    def towers() -> list[list[str]]:
        order = blocks[:]
        rng.shuffle(order)
        out: list[list[str]] = []
        for b in order:
            if out and rng.random() < 0.7:
                out[-1].append(b)
            else:
                out.append([b])
        return out

    def facts(ts: list[list[str]], *, goal: bool) -> str:
        fs = []
        for t in ts:
            fs.append(f"(ontable {t[0]})")
            fs += [f"(on {t[i + 1]} {t[i]})" for i in range(len(t) - 1)]
            if not goal:
                fs.append(f"(clear {t[-1]})")
        return " ".join(fs + ([] if goal else ["(handempty)"]))

    return (f"(define (problem big) (:domain blocksworld) (:objects {' '.join(blocks)} - block)"
            f" (:init {facts(towers(), goal=False)}) (:goal (and {facts(towers(), goal=True)})))")


BLOCKS = """\
(define (domain blocksworld)
  (:requirements :strips :typing)
  (:types block)
  (:predicates (on ?x - block ?y - block) (ontable ?x - block) (clear ?x - block)
               (holding ?x - block) (handempty))
  (:action pick-up :parameters (?x - block)
    :precondition (and (clear ?x) (ontable ?x) (handempty))
    :effect (and (holding ?x) (not (ontable ?x)) (not (clear ?x)) (not (handempty))))
  (:action put-down :parameters (?x - block) :precondition (holding ?x)
    :effect (and (ontable ?x) (clear ?x) (handempty) (not (holding ?x))))
  (:action stack :parameters (?x - block ?y - block) :precondition (and (holding ?x) (clear ?y))
    :effect (and (on ?x ?y) (clear ?x) (handempty) (not (holding ?x)) (not (clear ?y))))
  (:action unstack :parameters (?x - block ?y - block)
    :precondition (and (on ?x ?y) (clear ?x) (handempty))
    :effect (and (holding ?x) (clear ?y) (not (on ?x ?y)) (not (clear ?x)) (not (handempty)))))
"""


def test_pyperplan_timeout_is_enforced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyperplan ignores its own timeout; the child-process deadline must stop it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "domain.pddl").write_text(BLOCKS)
    (tmp_path / "big.pddl").write_text(_big_blocksworld(40, seed=7))
    spec = load_spec(tmp_path / "domain.pddl")
    problem = load_problem(spec, tmp_path / "big.pddl")
    result = solve(problem, access=spec.access, engine="pyperplan", timeout_s=0.5)
    assert result.status == "timeout"
    assert result.plan is None and result.blocking == ()
