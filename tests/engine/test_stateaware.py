"""The state-aware decoding rules: sound (a plan ended where they allow passes the
verifier) and complete (every plan the verifier accepts is a path through them, once
steps that change nothing are left out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.llm.prompts import step_line
from engine.llm.stateaware import Applicable, Safe, rules_for
from tests.verifier.test_progress import CASES, _checker
from verifier.model import Plan
from verifier.plan_io import parse_plan
from verifier.spec import load_spec

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
    from engine.symbolic.planning import solve

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


def test_static_preconditions_are_checked_before_grounding() -> None:
    """Robotics' navigate steps are grounded only along roads and battery levels one
    apart; the steps are those of grounding everything and then filtering."""
    import itertools

    from engine.llm.stateaware import _GROUND, _changing, _ground_steps
    from verifier.grounding import Task

    task = Task(_checker("robotics", "p03").problem)  # a task of its own: none grounded yet
    _GROUND.clear()
    kept = [(ga.name, ga.args) for ga, _ in _ground_steps(task)]
    grounded = len(task._actions)
    every = [task.action(schema.name, combo) for schema in task.domain.actions.values()
             for combo in itertools.product(*(task.objects_of(t)
                                              for t in schema.param_types))]
    changing, init = _changing(every), task.initial_state
    assert kept == [(ga.name, ga.args) for ga in every
                    if ga.pre_pos & ~changing & ~init == 0
                    and not ga.pre_neg & ~changing & init]
    assert grounded * 5 < len(every)


class _NoDeadEnds(Safe):
    """The rules without the dead-end checks (every goal counts as reachable, no
    look-ahead)."""

    def goal_reachable(self, state: int, spent: int, once_held: int = 0) -> bool:
        return True

    def options(self, node, *, look: int = 0):
        return super().options(node, look=0)


def _generated(spec_name: str, seed: int, size: int | None = None):
    import importlib
    import random

    from domains.generated import load_generated
    from verifier.validate import Checker

    random_problem = importlib.import_module(f"domains.{spec_name}.problems").random_problem
    spec = load_spec(SPECS / spec_name)
    problem = load_generated(SPECS / spec_name / "domain.pddl",
                             random_problem(random.Random(seed), name=f"t{seed}", size=size))
    return spec, Checker(problem, policies=spec.policies, access=spec.access)


def _can_finish(rules: Safe, node, limit: int = 20_000) -> bool | None:
    """Whether some plan goes on from ``node`` to where it may end (breadth-first over
    the rules' nodes); None past ``limit`` nodes."""
    seen, frontier = {node}, [node]
    while frontier:
        nxt = []
        for n in frontier:
            options, may_end = rules.options(n)
            if may_end:
                return True
            for m in options.values():
                if m not in seen:
                    seen.add(m)
                    nxt.append(m)
        if len(seen) > limit:
            return None
        frontier = nxt
    return False


def test_a_step_that_strands_an_item_is_not_offered() -> None:
    """One robot, which may carry each item once (single-handling): putting the item it
    carries down anywhere but where the goal wants it leaves the goal out of reach, so
    the rules do not offer it; with a second robot that could carry it on, they do."""
    from domains.generated import GeneratedProblem, load_generated
    from verifier.validate import Checker

    spec = load_spec(SPECS / "robotics")
    levels = ("level0", "level1", "level2", "level3", "level4")
    init = [("next", a, b) for a, b in zip(levels, levels[1:], strict=False)] + [
        ("charger", "dock"), ("connected", "dock", "bay"), ("connected", "bay", "dock"),
        ("connected", "dock", "b1"), ("connected", "b1", "dock"),
        ("item-at", "box1", "dock")]
    robots = {1: ["r1"], 2: ["r1", "r2"]}
    for n, names in robots.items():
        facts = init + [f for r in names for f in
                        (("at", r, "dock"), ("battery", r, "level4"), ("free", r))]
        objects = tuple((r, "robot") for r in names) + (
            ("dock", "location"), ("bay", "location"), ("b1", "location"), ("box1", "item"))
        problem = load_generated(SPECS / "robotics" / "domain.pddl", GeneratedProblem(
            f"strand{n}", "robotics", objects, tuple(facts), (("item-at", "box1", "b1"),)))
        rules = Safe(Checker(problem, policies=spec.policies, access=spec.access))
        node = rules.options(rules.initial())[0]["(pick r1 box1 dock)\n"]
        node = rules.options(node)[0]["(navigate r1 dock bay level4 level3)\n"]
        options = rules.options(node)[0]
        assert ("(place r1 box1 bay)\n" in options) == (n == 2), n
        assert "(navigate r1 bay dock level3 level2)\n" in options


def _handoff() -> Any:
    """Robots r1 and r2 with box1 at the bay; the goal: box1 reported at the dock, and
    r1 carrying it at the end."""
    from domains.generated import GeneratedProblem, load_generated
    from verifier.validate import Checker

    spec = load_spec(SPECS / "robotics")
    levels = ("level0", "level1", "level2", "level3", "level4")
    facts = [("next", a, b) for a, b in zip(levels, levels[1:], strict=False)] + [
        ("charger", "dock"), ("connected", "dock", "bay"), ("connected", "bay", "dock"),
        ("item-at", "box1", "bay")] + [
        f for r in ("r1", "r2") for f in (("at", r, "bay"), ("battery", r, "level4"),
                                          ("free", r))]
    objects = (("r1", "robot"), ("r2", "robot"), ("dock", "location"),
               ("bay", "location"), ("box1", "item"))
    goal = (("carrying", "r1", "box1"), ("reported", "box1", "dock"))
    problem = load_generated(SPECS / "robotics" / "domain.pddl", GeneratedProblem(
        "handoff", "robotics", objects, tuple(facts), goal))
    return Checker(problem, policies=spec.policies, access=spec.access)


def test_picking_up_an_item_the_goal_needs_placed_first_is_not_offered() -> None:
    """The goal wants box1 reported at the dock (so placed there) and carried by r1 at the
    end; r1 may carry it once (single-handling). If r1 picks it now, only r1 could put it
    down, which ends its one carry for good: picking it is left out (the goal atom its
    rule holds may never be deleted), while r2 picking it is offered, and a plan exists."""

    rules = Safe(_handoff())
    options = rules.options(rules.initial())[0]
    assert "(pick r1 box1 bay)\n" not in options
    assert "(pick r1 box1 bay)\n" in Applicable(rules.task).options(rules.initial()[0])[0]
    assert "(pick r2 box1 bay)\n" in options
    assert _can_finish(rules, rules.initial()) is True


def test_an_item_a_robot_must_end_carrying_is_picked_up_last() -> None:
    """In the same hand-off, r1's carrying box1 is one interval only (single-handling) and
    the place step deletes it, so the hint's agenda reaches it after the report; the
    robot's battery (functional) is late anyway, the report is not."""
    rules = Safe(_handoff())
    task = rules.task
    late = rules.relaxation.late  # (grounds the steps: the atoms they never change)
    assert rules.progress.once_atoms(task.initial_state, rules._fixed) & task.bit(
        ("carrying", "r1", "box1"))
    assert late & task.bit(("carrying", "r1", "box1"))
    assert not late & task.bit(("reported", "box1", "dock"))


def test_a_step_that_changes_nothing_is_not_offered() -> None:
    """Reporting a placement already reported changes neither the state nor any rule's
    memory: applicable, but not offered (a plan without it reaches the same node), while
    the first report is."""
    checker = _checker("robotics", "p01")
    rules = Safe(checker)
    node = rules.initial()
    for line in ("(pick r1 box1 dock)\n", "(navigate r1 dock shelf level4 level3)\n",
                 "(place r1 box1 shelf)\n"):
        node = rules.options(node)[0][line]
    report = "(report-status r1 box1 shelf)\n"
    options, may_end = rules.options(node)
    assert report in options and not may_end  # report-after-place still owed
    node = options[report]
    options, may_end = rules.options(node)
    assert may_end
    assert report in Applicable(checker.task).options(node[0])[0]
    assert report not in options
    assert all(nxt != node for nxt in options.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), choices=st.lists(st.integers(0, 10_000), max_size=12),
       case=st.sampled_from([("robotics", 1), ("blocksworld", 4)]))
def test_a_step_left_out_as_a_dead_end_is_one(seed, choices, case) -> None:
    """Soundness of the dead-end checks (relaxed reachability, and the look-ahead after
    an ``at-most-once`` step: blocksworld's fragile blocks): from a step the rules leave
    out, no plan reaches a node where it may end (searched exhaustively without the
    checks), on small generated problems."""
    _, checker = _generated(*case)
    rules, full = Safe(checker), _NoDeadEnds(checker)
    node = rules.initial()
    for c in [*choices, 0]:
        offered = rules.options(node)[0]
        for line, nxt in full.options(node)[0].items():
            if line not in offered:
                assert _can_finish(full, nxt) in (False, None), line
        if not offered:
            return
        lines = sorted(offered)
        node = offered[lines[c % len(lines)]]


def _blocks(fragile_first: bool):
    """Three blocks on the table, ``a`` fragile (lifted at most once, carries nothing);
    the goal a on b on c (or b on a on c, where a may go first)."""
    from domains.generated import GeneratedProblem, load_generated
    from verifier.validate import Checker

    spec = load_spec(SPECS / "blocksworld")
    blocks = ("a", "b", "c")
    init = [("ontable", b) for b in blocks] + [("clear", b) for b in blocks] + [
        ("handempty",), ("fragile", "a")]
    goal = (("on", "a", "b"), ("on", "b", "c")) if fragile_first else (
        ("on", "a", "c"), ("on", "b", "a"))
    problem = load_generated(SPECS / "blocksworld" / "domain.pddl", GeneratedProblem(
        "lift", "blocksworld", tuple((b, "block") for b in blocks), tuple(init), goal))
    return Checker(problem, policies=spec.policies, access=spec.access)


def test_lifting_a_fragile_block_before_its_place_is_ready_is_not_offered() -> None:
    """``a`` may be lifted once and nothing may go on it: lifted before b is on c, it can
    go nowhere that keeps the goal reachable (every step on is left out), so the rules
    look one step ahead and do not offer lifting it; without the look-ahead they do.
    Where a must go down first (b goes on a), lifting it is offered."""
    late, early = Safe(_blocks(True)), Safe(_blocks(False))
    lift = "(pick-up a)\n"
    node = late.options(late.initial(), look=0)[0].get(lift)
    assert node is not None  # offered without look-ahead ...
    assert late.options(node, look=0)[0] == {} and not late.options(node)[1]  # a dead end
    assert lift not in late.options(late.initial())[0]  # ... and left out with it
    assert "(pick-up b)\n" in late.options(late.initial())[0]
    assert lift in early.options(early.initial())[0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), spec_name=st.sampled_from(["robotics", "blocksworld"]))
def test_the_symbolic_planners_plans_of_random_problems_pass_the_dead_end_check(
        seed, spec_name) -> None:
    """Completeness on generated problems: Fast Downward's plan (policies compiled in) is
    a path through the rules, dead-end checks included."""
    from engine.symbolic.planning import solve

    spec, checker = _generated(spec_name, seed)
    result = solve(checker.problem, policies=spec.policies, access=spec.access,
                   timeout_s=60, explain=False)
    if result.plan is None:
        return  # unsolvable under the policies: nothing to compare
    rules = Safe(checker)
    node = rules.initial()
    for s in result.plan.steps:
        node = rules.options(node)[0][step_line(s.action, s.args)]
    assert rules.options(node)[1]
