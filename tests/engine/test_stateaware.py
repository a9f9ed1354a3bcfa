"""The state-aware decoding rules: sound (a plan ended where they allow passes the
verifier) and complete (every plan the verifier accepts is a path through them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.llm.prompts import step_line
from engine.llm.stateaware import Applicable, Safe, rules_for
from verifier.model import Plan
from verifier.plan_io import parse_plan
from verifier.spec import load_spec
from tests.verifier.test_progress import CASES, _checker

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_rules_for_picks_by_what_it_is_given() -> None:
    checker = _checker("devops", "p02")
    assert isinstance(rules_for(checker), Safe)
    assert isinstance(rules_for(checker.task), Applicable)


def test_unsafe_steps_are_not_offered_and_the_plan_ends_only_at_the_goal() -> None:
    checker = _checker("devops", "p02")
    rules = Safe(checker)
    node = rules.initial()
    walk = ["(build api)\n", "(test api)\n", "(deploy api staging)\n"]
    for line in walk:
        options, may_end = rules.options(node)
        assert not may_end  # the goal (api deployed to prod) does not hold yet
        node = options[line]
    options, _ = rules.options(node)
    # applicable, but it breaks backup-before-prod: never offered, so never chosen
    assert "(deploy api prod)\n" in Applicable(checker.task).options(node[0])[0]
    assert "(deploy api prod)\n" not in options
    node = options["(backup prod)\n"]
    node = rules.options(node)[0]["(deploy api prod)\n"]
    options, may_end = rules.options(node)
    assert not may_end  # goal reached, but health-check-after-prod is still owed
    node = options["(health-check api prod)\n"]
    assert rules.options(node)[1]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_every_plan_of_the_symbolic_planner_is_a_path_through_the_rules(case) -> None:
    """Completeness: the rules never rule out a valid plan (Fast Downward's, policies
    compiled in)."""
    from verifier.planning import solve

    spec = load_spec(SPECS / case[0])
    checker = _checker(*case)
    result = solve(checker.problem, policies=spec.policies, access=spec.access,
                   timeout_s=60, explain=False)
    if result.plan is None:
        pytest.skip(f"{case}: no plan under the policies ({result.status})")
    rules = Safe(checker)
    node = rules.initial()
    for s in result.plan.steps:
        node = rules.options(node)[0][step_line(s.action, s.args)]
    assert rules.options(node)[1]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), choices=st.lists(st.integers(0, 10_000), max_size=20))
def test_a_plan_ended_where_the_rules_allow_passes_the_verifier(case, choices) -> None:
    """Soundness: walk allowed steps at random; wherever the rules let the plan end, the
    verifier accepts it, and no prefix has an access or policy violation that is final."""
    checker = _checker(*case)
    rules = Safe(checker)
    node = rules.initial()
    lines: list[str] = []
    for choice in [*choices, None]:
        options, may_end = rules.options(node)
        plan = parse_plan("".join(lines)) if lines else Plan(())
        if may_end:
            assert checker.check(plan).valid, (case, lines)
        states = checker.trajectory(plan)
        assert not checker.prefix_violations(states, plan.steps), (case, lines)
        if choice is None or not options:
            break
        line = sorted(options)[choice % len(options)]
        lines.append(line)
        node = options[line]


def test_a_broken_initial_state_offers_nothing() -> None:
    """A rule already broken in the initial state leaves no step and the plan ends: the
    verifier then says why."""
    checker = _checker("blocksworld", "p01")
    rules = Safe(checker)
    rules.progress.start = lambda state: None  # as if an 'always' rule failed at once
    assert rules.options(rules.initial()) == ({}, True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), choices=st.lists(st.integers(0, 10_000), max_size=25))
def test_steps_left_out_for_static_facts_are_never_applicable(case, choices) -> None:
    """The rules consider only ground steps whose preconditions on facts no action
    changes hold initially; along any walk, every applicable ground action is one of
    them."""
    import itertools

    from engine.llm.stateaware import _ground_steps

    task = _checker(*case).task
    kept = {line for _, line in _ground_steps(task)}
    every = [task.action(schema.name, combo) for schema in task.domain.actions.values()
             for combo in itertools.product(*(task.objects_of(t)
                                              for t in schema.param_types))]
    assert len(kept) <= len(every)
    state = task.initial_state
    for c in [0, *choices]:
        applicable = [ga for ga in every if ga.applicable(state)]
        assert {step_line(ga.name, ga.args) for ga in applicable} <= kept
        if not applicable:
            break
        state = applicable[c % len(applicable)].apply(state)
