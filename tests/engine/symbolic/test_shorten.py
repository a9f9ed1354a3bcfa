"""Greedy action elimination keeps plans valid and drops work nobody asked for."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.llm.stateaware import Safe
from engine.symbolic.planning import solve
from engine.symbolic.shorten import eliminate_redundant_steps
from tests.verifier.test_progress import _checker
from verifier.plan_io import parse_plan
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

SPECS = Path(__file__).resolve().parents[3] / "specs"
GOOD = ("(build api)\n(test api)\n(deploy api staging)\n(backup prod)\n(deploy api prod)\n"
        "(health-check api prod)\n")


def _devops() -> Checker:
    spec = load_spec(SPECS / "devops")
    return Checker(load_problem(spec, "p02"), policies=spec.policies, access=spec.access)


def test_detours_are_removed_and_the_plan_stays_valid() -> None:
    checker = _devops()
    # another service (built already) tested and deployed to staging on the way: not asked for;
    # 'deploy web staging' has no precondition on the test (a policy asks for it), so it
    # goes in a second pass after which 'test web' can go too
    detour = "(test web)\n(deploy web staging)\n(health-check web staging)\n"
    plan = parse_plan(detour + GOOD)
    assert checker.check(plan).valid
    short = eliminate_redundant_steps(checker, plan)
    assert [s.call + "\n" for s in short.steps] == GOOD.splitlines(keepends=True)
    assert [s.id for s in short.steps] == [f"s{i}" for i in range(1, 7)]
    assert checker.check(short).valid


def test_a_minimal_plan_and_an_invalid_plan_come_back_unchanged() -> None:
    checker = _devops()
    good = checker.check(parse_plan(GOOD)).plan
    assert eliminate_redundant_steps(checker, good) is good
    bad = parse_plan("(build api)\n(deploy api prod)\n")
    assert eliminate_redundant_steps(checker, bad) is bad


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_name=st.sampled_from(["blocksworld", "devops", "documents", "robotics"]),
       problem=st.sampled_from(["p01", "p02", "p03"]),
       choices=st.lists(st.integers(0, 10_000), max_size=6))
def test_shortened_plans_are_valid_and_never_longer(spec_name, problem, choices) -> None:
    """A valid plan with random safe steps put in front (the state-aware rules' steps,
    then Fast Downward from there) shortens to a valid plan no longer than it."""
    checker = _checker(spec_name, problem)
    rules = Safe(checker)
    node, lines = rules.initial(), []
    for c in choices:
        options, _ = rules.options(node)
        if not options:
            break
        line = sorted(options)[c % len(options)]
        node = options[line]
        lines.append(line)
    sub = replace(checker.problem, init=checker.task.atoms_of(node[0]))
    spec = load_spec(SPECS / spec_name)
    result = solve(sub, policies=spec.policies, access=spec.access, timeout_s=30,
                   engine="fast-downward", explain=False)
    if result.plan is None:
        return
    plan = parse_plan("".join(lines) + "".join(s.call + "\n" for s in result.plan.steps))
    if not checker.check(plan).valid:
        return  # the policies' memory before the cut can make the joined plan invalid
    short = eliminate_redundant_steps(checker, plan)
    assert checker.check(short).valid
    assert len(short.steps) <= len(plan.steps)
