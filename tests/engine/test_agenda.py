"""The hint's goal agenda (engine/llm/agenda.py) and its heed of ``sometime-before`` rules
(engine/llm/relaxed.py): a small courier spec written here, and a built-in blocksworld
problem whose goal has a reasonable order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.llm.agenda import functional_predicates, late_goals
from engine.llm.prompts import step_line
from engine.llm.stateaware import Safe

ROOT = Path(__file__).resolve().parents[2]

# A robot moves between linked places, one battery level a move; charging fills it. It
# carries one package at a time; a delivered package must be logged afterwards, and a heavy
# one lifted only after the robot's battery was full.
DOMAIN = """(define (domain courier)
  (:requirements :strips :typing)
  (:types robot place pkg level)
  (:constants level0 level1 level2 level3 - level)
  (:predicates (at ?r - robot ?p - place) (battery ?r - robot ?l - level)
               (next ?lower - level ?higher - level) (link ?p - place ?q - place)
               (charger ?p - place) (pkg-at ?k - pkg ?p - place) (holding ?r - robot ?k - pkg)
               (empty ?r - robot) (heavy ?k - pkg) (delivered ?k - pkg ?p - place)
               (logged ?k - pkg ?p - place))
  (:action move :parameters (?r - robot ?from - place ?to - place ?b - level ?b2 - level)
    :precondition (and (at ?r ?from) (link ?from ?to) (battery ?r ?b) (next ?b2 ?b))
    :effect (and (at ?r ?to) (battery ?r ?b2) (not (at ?r ?from)) (not (battery ?r ?b))))
  (:action charge :parameters (?r - robot ?p - place ?b - level)
    :precondition (and (at ?r ?p) (charger ?p) (battery ?r ?b))
    :effect (and (battery ?r level3) (not (battery ?r ?b))))
  (:action lift :parameters (?r - robot ?k - pkg ?p - place)
    :precondition (and (at ?r ?p) (pkg-at ?k ?p) (empty ?r))
    :effect (and (holding ?r ?k) (not (pkg-at ?k ?p)) (not (empty ?r))))
  (:action drop :parameters (?r - robot ?k - pkg ?p - place)
    :precondition (and (at ?r ?p) (holding ?r ?k))
    :effect (and (pkg-at ?k ?p) (delivered ?k ?p) (empty ?r) (not (holding ?r ?k))))
  (:action log :parameters (?r - robot ?k - pkg ?p - place)
    :precondition (and (at ?r ?p) (delivered ?k ?p))
    :effect (and (logged ?k ?p))))
"""

SPEC = """name: courier
summary: Robots deliver packages and log each delivery.
domain: domain.pddl
problems: problems
agents:
  fleet: {may: [move, charge, lift, drop, log]}
policies:
  - id: log-after-delivery
    says: Every delivery is logged afterwards.
    rule: (forall (?k - pkg ?p - place) (sometime-after (delivered ?k ?p) (logged ?k ?p)))
  - id: full-before-heavy
    says: A heavy package is lifted only by a robot whose battery was full before.
    rule: (forall (?r - robot ?k - pkg)
      (sometime-before (and (heavy ?k) (holding ?r ?k)) (battery ?r level3)))
"""

LEVELS = "(next level0 level1) (next level1 level2) (next level2 level3)"

# r1 holds the (light) box at b, where it goes; the goal also wants r1 full again, and
# the only charger is at a. r2 idles at a.
AGENDA = f"""(define (problem agenda) (:domain courier)
  (:objects r1 r2 - robot a b - place box - pkg)
  (:init (at r1 b) (at r2 a) (battery r1 level2) (battery r2 level3) {LEVELS}
         (link a b) (link b a) (charger a) (holding r1 box) (empty r2))
  (:goal (and (delivered box b) (battery r1 level3))))
"""

# r1 is at the charger with a low battery beside a heavy crate that goes to b.
HEAVY = f"""(define (problem heavy) (:domain courier)
  (:objects r1 - robot a b - place crate - pkg)
  (:init (at r1 a) (battery r1 level1) {LEVELS} (link a b) (link b a) (charger a)
         (pkg-at crate a) (heavy crate) (empty r1))
  (:goal (and (delivered crate b))))
"""


@pytest.fixture(scope="module")
def courier(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from verifier.spec import load_spec

    root: Path = tmp_path_factory.mktemp("courier")
    (root / "problems").mkdir()
    (root / "domain.pddl").write_text(DOMAIN)
    (root / "spec.yaml").write_text(SPEC)
    (root / "problems" / "agenda.pddl").write_text(AGENDA)
    (root / "problems" / "heavy.pddl").write_text(HEAVY)
    return load_spec(root)


def _rules(spec: Any, name: str) -> Safe:
    from verifier.spec import load_problem
    from verifier.validate import Checker

    return Safe(Checker(load_problem(spec, name), policies=spec.policies,
                        access=spec.access))


def _line(name: str, *args: str) -> str:
    return step_line(name, args)


def _steps(rules: Safe) -> list[tuple[int, int, int]]:
    return rules.relaxation.masks()


def test_functional_predicates_are_those_each_adder_moves(courier: Any) -> None:
    """``move`` adds (at r to) and deletes (at r from); ``charge`` and ``move`` both move
    the battery. ``drop`` adds (pkg-at k p) without deleting another place: not functional."""
    assert functional_predicates(courier.domain) == frozenset({"at", "battery"})


def test_the_battery_goal_comes_last(courier: Any) -> None:
    rules = _rules(courier, "agenda")
    late = rules.relaxation.late
    assert late == rules.task.bit(("battery", "r1", "level3"))
    assert not late & rules.task.bit(("delivered", "box", "b"))


def test_a_goal_that_every_way_to_the_others_undoes_comes_last() -> None:
    """Blocksworld p03: b4 must go onto b1 before b6 can stay on b4, so (on b6 b4), which
    holds at the start, is reached last; the tower's base (on b1 b5) is not."""
    from verifier.spec import load_problem, load_spec
    from verifier.validate import Checker

    spec = load_spec(ROOT / "specs" / "blocksworld")
    rules = Safe(Checker(load_problem(spec, "p03"), policies=spec.policies,
                         access=spec.access))
    task = rules.task
    assert rules.relaxation.late == task.bit(("on", "b6", "b4"))
    literals = task.literals(rules.checker.problem.goal, {})
    assert literals is not None
    # the deletes make it late: were no step to delete anything, nothing would be
    keeps_all = [(pre, adds, 0) for pre, adds, _ in _steps(rules)]
    assert late_goals(task, keeps_all, literals[0]) == 0


def test_the_hint_places_first_and_then_goes_to_charge(courier: Any) -> None:
    """Counting the battery alongside the delivery, dropping the box (which then owes the
    log) and heading to the charger are alike; with the agenda the drop comes first. And
    r2's idle move, as far from the goal as the drop, loses the tie: the drop reaches a
    goal atom."""
    rules = _rules(courier, "agenda")
    node = rules.initial()
    options = rules.options(node)[0]
    drop, away, idle = (_line("drop", "r1", "box", "b"),
                        _line("move", "r1", "b", "a", "level2", "level1"),
                        _line("move", "r2", "a", "b", "level3", "level2"))
    assert {drop, away, idle} <= set(options)
    relax = rules.relaxation
    whole = {line: relax.plan_length(options[line][0], rules.owed(options[line][1]))
             for line in (drop, away)}
    assert whole[drop] == whole[away]  # the whole goal alone cannot tell them apart
    assert rules.closest(node, options) == frozenset({drop})
    # once the box is down and logged, only the battery is left: the way to the charger
    done = options[drop]
    done = rules.options(done)[0][_line("log", "r1", "box", "b")]
    after = rules.options(done)[0]
    assert rules.closest(done, after) == frozenset({_line("move", "r1", "b", "a", "level2",
                                                          "level1")})


def test_a_sometime_before_rule_not_yet_met_lengthens_the_relaxed_plan(courier: Any
                                                                       ) -> None:
    """The crate may be lifted only after a full charge: the relaxed plan that heeds the
    rule charges first (4 steps), the plain one does not (3); once charged, both agree."""
    rules = _rules(courier, "heavy")
    node = rules.initial()
    relax = rules.relaxation
    assert rules.held(node[1]) == 0
    assert relax.plan_length(node[0]) == 3  # lift, move, drop
    assert relax.plan_length(node[0], held=rules.held(node[1])) == 4  # charge first
    options = rules.options(node)[0]
    charge = _line("charge", "r1", "a", "level1")
    charged = options[charge]
    assert rules.held(charged[1]) != 0
    assert relax.plan_length(charged[0], held=rules.held(charged[1])) == 3
    assert _line("lift", "r1", "crate", "a") not in options  # the rules forbid it anyway
    assert rules.closest(node, options) == frozenset({charge})
    # the rules' own reachability (a proof) does not heed it: the lift stays possible there
    assert relax.reachable(node[0])
