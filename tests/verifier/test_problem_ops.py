"""Replanning problems: a new initial state, and policies rewritten against the history."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.model import Plan, Step
from verifier.problem_ops import (
    check_trajectory,
    forbid_calls,
    residual_policies,
    with_initial_state,
)
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

CASES = [("devops", "p03"), ("documents", "p02"), ("blocksworld", "p02"), ("robotics", "p02")]


@pytest.fixture(scope="module")
def loaded(specs_dir):  # noqa: ANN001, ANN201
    out = {}
    for name, prob in CASES:
        spec = load_spec(specs_dir / name)
        out[name] = (spec, load_problem(spec, prob))
    return out


def test_with_initial_state_changes_only_the_initial_state(loaded) -> None:  # noqa: ANN001
    from verifier.pddl import convert_problem

    spec, problem = loaded["devops"]
    new = frozenset({("built", "api"), ("tested", "api")})
    p2 = with_initial_state(problem, new, name="later")
    assert p2.init == new and p2.objects == problem.objects and p2.goal == problem.goal
    back = convert_problem(p2.up_problem, domain_path=str(spec.domain_path),
                           problem_path="<x>")
    assert back.init == new
    assert problem.init != new  # the original is untouched
    assert convert_problem(problem.up_problem, domain_path=str(spec.domain_path),
                           problem_path="<x>").init == problem.init


def _walk(problem, n: int, rng: random.Random) -> list[Step]:  # noqa: ANN001
    checker = Checker(problem)
    task = checker.task
    state, steps = task.initial_state, []
    for i in range(n):
        options = list(task.applicable_actions(state))
        if not options:
            break
        ga = rng.choice(options)
        steps.append(Step(f"s{i + 1}", ga.name, ga.args))
        state = ga.apply(state)
    return steps


@pytest.mark.parametrize("name", [c[0] for c in CASES])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**9), n=st.integers(1, 10), data=st.data())
def test_residual_policies_equal_the_whole_trajectory(loaded, name: str, seed: int, n: int,  # noqa: ANN001
                                                      data) -> None:  # noqa: ANN001
    """After a safe prefix, a suffix passes the residual policies from the current state
    exactly when prefix + suffix passes the original policies."""
    spec, problem = loaded[name]
    steps = _walk(problem, n, random.Random(seed))
    if not steps:
        return
    checker = Checker(problem)
    states = [checker.task.atoms_of(s) for s in checker.trajectory(Plan(tuple(steps)))]
    k = data.draw(st.integers(0, len(steps)))
    prefix_bad = check_trajectory(problem, spec.policies, states[:k + 1],
                                  [s.id for s in steps[:k]], complete=False)
    if prefix_bad:
        return  # the executor never gets past a violating prefix
    whole = {v.rule for v in check_trajectory(problem, spec.policies, states,
                                              [s.id for s in steps], complete=True)}
    later = with_initial_state(problem, states[k], name="later")
    residual = residual_policies(spec.policies, later, states[:k])
    verdict = Checker(later, policies=residual, access=spec.access).check(
        Plan(tuple(steps[k:])))
    rest = {v.rule for v in verdict.violations if v.kind == "policy"}
    assert rest == whole


def test_forbid_calls_takes_a_call_away_from_everyone(loaded) -> None:  # noqa: ANN001
    spec, _ = loaded["devops"]
    access = forbid_calls(spec.access, [("deploy", ("api", "prod"))])
    assert spec.access.permitted("deploy", ("api", "prod")) == ("lead",)
    assert access.permitted("deploy", ("api", "prod")) == ()
    assert access.permitted("deploy", ("web", "prod")) == ("lead",)
