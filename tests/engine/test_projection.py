"""engine/llm/projection.py: distances a delete relaxation cannot see (a robot's place and
battery together), lower bounds of the true ones, and the hint that uses them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from verifier.spec import load_problem, load_spec


@pytest.fixture(scope="module")
def robotics(specs_dir):
    return load_spec(specs_dir / "robotics")


def _at_shelf(spec, level: str, goal_level: str):
    """Robotics p01 with r1 at the shelf (no charger there) holding ``level``; the goal: r1
    at the shelf with ``goal_level``."""
    from verifier.model import And, Atom

    base = load_problem(spec, "p01")
    init = {a for a in base.init if a[0] not in ("at", "battery")}
    init |= {("at", "r1", "shelf"), ("battery", "r1", level)}
    goal = And((Atom("at", ("r1", "shelf")), Atom("battery", ("r1", goal_level))))
    return replace(base, init=frozenset(init), goal=goal)


def _safe(spec, problem):
    from engine.llm.stateaware import Safe
    from verifier.validate import Checker

    return Safe(Checker(problem, policies=spec.policies, access=spec.access))


def test_a_battery_level_at_a_place_needs_a_trip_to_the_charger(robotics):
    """At the shelf with level2, ending there with level1 takes five steps (to the dock,
    charge, and three moves back); FF's relaxed plan says one (a move away "reaches"
    level1 and the shelf is never lost)."""
    safe = _safe(robotics, _at_shelf(robotics, "level2", "level1"))
    relax = safe.relaxation
    init = safe.task.initial_state
    assert relax.plan_length(init) == 1
    assert relax.projections is not None and relax.projections.distance(init) == 5
    # after the move to the dock the projection says 4 (charge, three moves) where FF's
    # relaxed plan says at most 1
    node = safe.initial()
    lines, _ = safe.options(node)
    (move,) = [line for line in lines if line.startswith("(navigate r1 shelf dock")]
    after = lines[move][0]
    assert relax.projections.distance(after) == 4 and relax.plan_length(after) <= 1


def test_out_of_reach_in_a_projection_is_out_of_reach(robotics):
    """At the shelf with level0 the robot can never move: no level1 there, ever."""
    from engine.llm.projection import UNREACHABLE

    safe = _safe(robotics, _at_shelf(robotics, "level0", "level1"))
    assert safe.relaxation.projections.distance(safe.task.initial_state) == UNREACHABLE


def test_projection_distances_never_exceed_the_true_ones(robotics):
    """For every start level and goal level at the shelf, the projection's distance is at
    most the shortest plan's length (breadth-first over the real task)."""
    from collections import deque

    from engine.llm.projection import UNREACHABLE

    levels = [f"level{i}" for i in range(5)]
    for start in levels:
        for want in levels:
            problem = _at_shelf(robotics, start, want)
            safe = _safe(robotics, problem)
            task = safe.task
            init = task.initial_state
            # the true distance: breadth-first over the ground actions
            seen, queue, true = {init: 0}, deque([init]), UNREACHABLE
            while queue:
                s = queue.popleft()
                if task.goal_test(s):
                    true = seen[s]
                    break
                for a in task.applicable_actions(s):
                    t = a.apply(s)
                    if t not in seen:
                        seen[t] = seen[s] + 1
                        queue.append(t)
            got = safe.relaxation.projections.distance(init)
            assert got <= true, (start, want, got, true)


def test_the_rules_offer_no_step_towards_a_goal_a_projection_rules_out(robotics):
    """A road dock - shelf - far, the charger at the dock, the robot at far with level2,
    the goal: at far with level1. Every way from the charger to far is of even length, so
    the robot arrives with level4 - 2k and never with level1: out of reach. The delete
    relaxation keeps the level it had and sees a way (move off, level1 "holds", far still
    "holds"); the projection enumerates the robot's places and levels and does not, so the
    rules offer no step at all."""
    from engine.llm import stateaware
    from verifier.model import And, Atom

    base = load_problem(robotics, "p01")
    init = {a for a in base.init if a[0] not in ("at", "battery")}
    init |= {("connected", "shelf", "far"), ("connected", "far", "shelf"),
             ("at", "r1", "far"), ("battery", "r1", "level2")}
    problem = replace(base, objects=dict(base.objects) | {"far": "location"},
                      init=frozenset(init),
                      goal=And((Atom("at", ("r1", "far")), Atom("battery", ("r1", "level1")))))
    safe = _safe(robotics, problem)
    assert safe.relaxation.reachable(safe.task.initial_state)  # FF alone sees a way
    assert safe.relaxation.projections.stranded(safe.task.initial_state)
    lines, _ = safe.options(safe.initial())
    assert lines == {}
    try:
        stateaware.PROJECTIONS = False
        without = _safe(robotics, problem)
        lines, _ = without.options(without.initial())
        assert [line.strip() for line in lines] == ["(navigate r1 far shelf level2 level1)"]
    finally:
        stateaware.PROJECTIONS = True
