"""The delete relaxation the state-aware rules reason with (engine/llm/relaxed.py) over the
ground steps of a small spec written here: atoms kept true for ever, dead ends they make,
the atoms a ``sometime-after`` rule still owes, and the steps that bring the goal closest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.llm.prompts import step_line
from engine.llm.relaxed import Relaxation
from engine.llm.stateaware import Applicable, Safe
from tests.engine.test_stateaware import _can_finish, _NoDeadEnds

# A bill is paid once stamped, unless it was flagged: nothing clears a flag, so a flagged
# bill can never be paid. A stamp can be taken back. A reviewed document must be archived
# afterwards (the policy).
DOMAIN = """(define (domain office)
  (:requirements :strips :typing :negative-preconditions)
  (:types doc)
  (:predicates (flagged ?d - doc) (stamped ?d - doc) (paid ?d - doc)
               (reviewed ?d - doc) (archived ?d - doc))
  (:action flag :parameters (?d - doc)
    :precondition (and (not (flagged ?d)))
    :effect (and (flagged ?d)))
  (:action stamp :parameters (?d - doc)
    :precondition (and (not (stamped ?d)))
    :effect (and (stamped ?d)))
  (:action unstamp :parameters (?d - doc)
    :precondition (and (stamped ?d))
    :effect (and (not (stamped ?d))))
  (:action pay :parameters (?d - doc)
    :precondition (and (stamped ?d) (not (flagged ?d)))
    :effect (and (paid ?d)))
  (:action review :parameters (?d - doc)
    :precondition (and (not (reviewed ?d)))
    :effect (and (reviewed ?d)))
  (:action archive :parameters (?d - doc)
    :precondition (and (reviewed ?d))
    :effect (and (archived ?d))))
"""

SPEC = """name: office
summary: Pay bills, review and archive documents.
domain: domain.pddl
problems: problems
describe:
  flagged: "{0} is flagged"
  stamped: "{0} is stamped"
  paid: "{0} is paid"
  reviewed: "{0} is reviewed"
  archived: "{0} is archived"
  flag: "flag {0}"
  stamp: "stamp {0}"
  unstamp: "take the stamp off {0}"
  pay: "pay {0}"
  review: "review {0}"
  archive: "archive {0}"
agents:
  clerk: {may: [flag, stamp, unstamp, pay, review, archive]}
policies:
  - id: archive-after-review
    says: A reviewed document is archived afterwards.
    rule: (forall (?d - doc) (sometime-after (reviewed ?d) (archived ?d)))
"""

PROBLEM = """(define (problem p1) (:domain office)
  (:objects bill memo - doc)
  (:init)
  (:goal (and (paid bill))))
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Safe:
    from verifier.spec import load_problem, load_spec
    from verifier.validate import Checker

    root: Path = tmp_path_factory.mktemp("office")
    (root / "problems").mkdir()
    (root / "domain.pddl").write_text(DOMAIN)
    (root / "spec.yaml").write_text(SPEC)
    (root / "problems" / "p1.pddl").write_text(PROBLEM)
    spec = load_spec(root)
    problem = load_problem(spec, "p1")
    return Safe(Checker(problem, policies=spec.policies, access=spec.access))


def _bit(rules: Safe, *atom: str) -> int:
    return int(rules.task.bit(atom))


def _line(name: str, *args: str) -> str:
    return step_line(name, args)


def _walk(rules: Safe, *lines: str) -> Any:
    node = rules.initial()
    for line in lines:
        node = rules.options(node)[0][line]
    return node


def test_atoms_no_offered_step_deletes_are_kept(rules: Safe) -> None:
    kept = rules.relaxation.kept
    assert kept & _bit(rules, "flagged", "bill")
    assert kept & _bit(rules, "paid", "bill")
    assert not kept & _bit(rules, "stamped", "bill")  # unstamp deletes it


def test_a_kept_atom_that_blocks_the_only_achiever_makes_the_goal_unreachable(rules: Safe
                                                                             ) -> None:
    relax: Relaxation = rules.relaxation
    start = rules.task.initial_state
    flagged = start | _bit(rules, "flagged", "bill")
    assert relax.reachable(start)
    assert relax.distance(start) == 2  # stamp, then pay: the goal's atom holds at layer 2
    assert relax.plan_length(start) == 2
    assert not relax.reachable(flagged)
    assert relax.distance(flagged) == 10**6
    assert relax.plan_length(flagged) == 10**6
    # a flag on another document blocks nothing the goal needs
    other = start | _bit(rules, "flagged", "memo")
    assert relax.reachable(other) and relax.distance(other) == 2


def test_the_step_that_blocks_the_goal_for_ever_is_not_offered(rules: Safe) -> None:
    """Flagging the bill spends no at-most-once atom, so before atoms kept true for ever
    were reasoned with (694f4ae) the rules offered it."""
    node: Any = rules.initial()
    options, may_end = rules.options(node)
    flag_bill = _line("flag", "bill")
    assert not may_end
    assert flag_bill in Applicable(rules.task).options(node[0])[0]  # it is applicable
    assert flag_bill not in options
    for kept in (_line("flag", "memo"), _line("stamp", "bill"), _line("review", "bill")):
        assert kept in options, kept
    # and it was a dead end: no plan reaches the goal from there (the walk is exhaustive)
    full = _NoDeadEnds(rules.checker)  # the same rules without the dead-end check
    assert _can_finish(full, full.options(node)[0][flag_bill]) is False


def test_a_sometime_after_rule_owes_its_requirement_until_it_holds(rules: Safe) -> None:
    archived = _bit(rules, "archived", "bill")
    assert rules.owed(_walk(rules)[1]) == 0
    reviewed = _walk(rules, _line("review", "bill"))
    assert rules.owed(reviewed[1]) & archived
    assert not rules.owed(reviewed[1]) & _bit(rules, "archived", "memo")
    assert not rules.options(_walk(rules, _line("stamp", "bill"), _line("review", "bill"),
                                   _line("pay", "bill")))[1]  # the goal holds, archive owed
    done = _walk(rules, _line("review", "bill"), _line("archive", "bill"))
    assert rules.owed(done[1]) == 0


def test_closest_is_the_one_step_that_brings_the_goal_closer(rules: Safe) -> None:
    """From the start: stamping the bill leaves one step to the goal; stamping or flagging
    the memo leaves two; reviewing leaves three (the archive is then owed)."""
    node = rules.initial()
    options = rules.options(node)[0]
    assert len(options) > 2
    assert rules.closest(node, options) == frozenset({_line("stamp", "bill")})


def test_closest_is_empty_when_every_step_is_alike(rules: Safe) -> None:
    node = rules.initial()
    options = rules.options(node)[0]
    alike = {line: options[line] for line in (_line("stamp", "memo"), _line("flag", "memo"))}
    assert rules.closest(node, alike) == frozenset()
    one = {_line("stamp", "bill"): options[_line("stamp", "bill")]}
    assert rules.closest(node, one) == frozenset()
