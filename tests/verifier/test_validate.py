"""The fast validator: well-formedness, access, executability, goals and PDDL features."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from verifier.model import Verdict
from verifier.plan_io import parse_plan
from verifier.spec import Spec, load_problem, load_spec
from verifier.validate import Checker, validate

DOMAIN = """\
(define (domain yard)
  (:requirements :strips :typing :negative-preconditions :conditional-effects
                 :universal-preconditions)
  (:types item place - object crate - item)
  (:constants home - place)
  (:predicates (at ?i - item ?p - place) (open ?p - place) (locked ?p - place)
               (sealed ?c - crate) (lit) (clean ?i - item))
  (:action move
    :parameters (?i - item ?from - place ?to - place)
    :precondition (and (at ?i ?from) (open ?to) (not (locked ?to)))
    :effect (and (at ?i ?to) (not (at ?i ?from))))
  (:action unbar
    :parameters (?p - place)
    :precondition (not (open ?p))
    :effect (open ?p))
  (:action lock :parameters (?p - place) :effect (locked ?p))
  (:action seal :parameters (?c - crate) :effect (sealed ?c))
  (:action switch
    :parameters ()
    :effect (and (when (lit) (not (lit))) (when (not (lit)) (lit))))
  (:action sweep
    :parameters (?p - place)
    :effect (forall (?i - item) (when (at ?i ?p) (clean ?i)))))
"""

SPEC = """\
name: yard
describe:
  at: "{0} is at {1}"
  open: "{0} is open"
  locked: "{0} is locked"
  move: "move {0} from {1} to {2}"
agents:
  porter: {may: [move, unbar, sweep]}
  keeper: {may: [lock, "(unbar home)", seal], may_not: ["(lock home)"]}
"""


def problem_text(goal: str, init: str = "(at box home) (at c1 home) (open home)") -> str:
    return (f"(define (problem q) (:domain yard) (:objects box - item c1 - crate shed - place)"
            f" (:init {init}) (:goal {goal}))\n")


@pytest.fixture
def yard(tmp_path: Path) -> Callable[..., Checker]:
    """``yard(goal, init=..., agents=True)`` -> a Checker on the yard domain."""

    def make(goal: str = "(at box shed)", *, init: str | None = None,
             agents: bool = True) -> Checker:
        (tmp_path / "domain.pddl").write_text(DOMAIN)
        (tmp_path / "spec.yaml").write_text(SPEC if agents else "name: yard\n")
        (tmp_path / "q.pddl").write_text(problem_text(goal) if init is None
                                         else problem_text(goal, init))
        spec: Spec = load_spec(tmp_path)
        return Checker(load_problem(spec, tmp_path / "q.pddl"), policies=spec.policies,
                       access=spec.access, describe=spec.describe)

    return make


def check(checker: Checker, plan: str) -> Verdict:
    return checker.check(parse_plan(plan))


GOOD = "(unbar shed) (move box home shed)"


def test_good_plan_is_valid(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), GOOD)
    assert verdict.status == "valid" and verdict.violations == ()
    assert verdict.checks == ("well-formed", "access", "executable", "goal", "policies")


# --- well-formedness ------------------------------------------------------------------------------


def test_every_well_formedness_violation_is_listed(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), "(mvoe box home shed) (unbar) (seal box) (unbar shde) "
                            "(move box home home)")
    assert verdict.status == "invalid"
    got = [(v.kind, v.step) for v in verdict.violations]
    assert got == [("unknown-action", "s1"), ("arity", "s2"), ("type", "s3"),
                   ("unknown-object", "s4")]
    msgs = [v.message for v in verdict.violations]
    assert "unknown action 'mvoe'" in msgs[0] and "did you mean 'move'?" in msgs[0]
    assert "'unbar' takes 1 arguments, got 0" in msgs[1]
    assert "'box' is a item" in msgs[2] and "must be a crate" in msgs[2]
    assert "unknown object 'shde'" in msgs[3] and "did you mean 'shed'?" in msgs[3]
    assert verdict.checks == ("well-formed", "access")  # nothing simulated


def test_several_bad_arguments_in_one_step_are_all_listed(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), "(move shed boxx home)")
    assert [v.kind for v in verdict.violations] == ["type", "unknown-object"]
    assert all(v.step == "s1" for v in verdict.violations)


def test_subtype_is_accepted(yard) -> None:  # noqa: ANN001
    # c1 is a crate, a subtype of item
    assert check(yard("(at c1 shed)"), "(unbar shed) (move c1 home shed)").status == "valid"


# --- access ---------------------------------------------------------------------------------------


def test_agent_not_permitted(yard) -> None:  # noqa: ANN001
    plan = '{"steps": [{"action": "unbar", "args": ["shed"], "agent": "keeper"},' \
           ' {"action": "move", "args": ["box", "home", "shed"], "agent": "porter"}]}'
    verdict = check(yard(), plan)
    assert verdict.status == "invalid"
    (v,) = verdict.violations
    assert (v.kind, v.step, v.rule) == ("access", "s1", "access")
    assert "agent 'keeper' may not perform (unbar shed)" in v.message
    assert "permitted: porter" in v.message


def test_may_not_exception(yard) -> None:  # noqa: ANN001
    verdict = check(yard("(locked home)"),
                    '[{"action": "lock", "args": ["home"], "agent": "keeper"}]')
    (v,) = verdict.violations
    assert v.kind == "access" and "permitted: no agent" in v.message


def test_unknown_agent_with_hint(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), '[{"action": "unbar", "args": ["shed"], "agent": "portr"},'
                    ' {"action": "move", "args": ["box", "home", "shed"]}]')
    (v,) = verdict.violations
    assert (v.kind, v.step) == ("access", "s1")
    assert "unknown agent 'portr'" in v.message and "did you mean 'porter'?" in v.message


def test_step_without_agent_gets_first_permitted_agent(yard) -> None:  # noqa: ANN001
    verdict = check(yard("(and (at box shed) (open home))"),
                    '[{"id": "a", "action": "unbar", "args": ["shed"]},'
                    ' {"id": "b", "action": "move", "args": ["box", "home", "shed"]}]')
    assert verdict.status == "valid"
    assert [(s.id, s.agent) for s in verdict.plan.steps] == [("a", "porter"), ("b", "porter")]
    # (unbar home) is allowed to porter (unbar) and keeper ((unbar home)): spec order wins
    checker = yard("(open home)", init="(at box home)")
    assert [s.agent for s in check(checker, "(unbar home)").plan.steps] == ["porter"]


def test_no_permitted_agent_at_all(yard) -> None:  # noqa: ANN001
    verdict = check(yard("(lit)"), "(switch)")
    (v,) = verdict.violations
    assert (v.kind, v.step) == ("access", "s1")
    assert "no agent may perform (switch)" in v.message


def test_without_agents_one_default_agent_may_do_everything(yard) -> None:  # noqa: ANN001
    verdict = check(yard("(lit)", agents=False), "(switch)")
    assert verdict.status == "valid"
    assert verdict.plan.steps[0].agent == "default"


# --- executability and goals ----------------------------------------------------------------------


def test_precondition_violation_lists_missing_atoms(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), "(move box home shed) (unbar shed)")
    assert verdict.status == "invalid"
    (v,) = verdict.violations  # simulation stops at the first failing step; no goal check
    assert (v.kind, v.step) == ("precondition", "s1")
    assert v.atoms == (("open", "shed"),)
    assert "step s1 (move box from home to shed) cannot run: needs shed is open" in v.message
    assert "goal" not in verdict.checks


def test_precondition_lists_every_missing_atom(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), "(move c1 shed home)")  # c1 is not at shed, home is open
    (v,) = verdict.violations
    assert v.atoms == (("at", "c1", "shed"),)
    verdict = check(yard(init="(open home)"), "(move box shed shed)")
    (v,) = verdict.violations
    assert set(v.atoms) == {("at", "box", "shed"), ("open", "shed")}


def test_negative_precondition(yard) -> None:  # noqa: ANN001
    verdict = check(yard(), '[{"action": "unbar", "args": ["shed"]},'
                    ' {"action": "lock", "args": ["shed"], "agent": "keeper"},'
                    ' {"action": "move", "args": ["box", "home", "shed"]}]')
    (v,) = verdict.violations
    assert (v.kind, v.step) == ("precondition", "s3")
    assert v.atoms == (("locked", "shed"),)
    assert "needs not shed is locked" in v.message
    verdict = check(yard(), "(unbar home)")  # home is already open
    assert verdict.violations[0].atoms == (("open", "home"),)


def test_goal_violation_lists_missing_atoms(yard) -> None:  # noqa: ANN001
    verdict = check(yard("(and (at box shed) (at c1 shed) (open home))"), GOOD)
    assert verdict.status == "invalid"
    (v,) = verdict.violations
    assert (v.kind, v.step) == ("goal", None)
    assert v.atoms == (("at", "c1", "shed"),)
    assert "missing c1 is at shed" in v.message


def test_empty_plan(yard) -> None:  # noqa: ANN001
    assert check(yard("(at box home)"), "").status == "valid"
    assert [v.kind for v in check(yard(), "").violations] == ["goal"]


# --- conditional and universal effects ------------------------------------------------------------


def test_conditional_effects_toggle(yard) -> None:  # noqa: ANN001
    checker = yard("(lit)", agents=False)
    assert check(checker, "(switch)").status == "valid"
    assert [v.kind for v in check(checker, "(switch) (switch)").violations] == ["goal"]
    assert check(checker, "(switch) (switch) (switch)").status == "valid"
    states = checker.trajectory(parse_plan("(switch) (switch)"))
    assert [checker.task.holds(("lit",), s) for s in states] == [False, True, False]


def test_universal_conditional_effect(yard) -> None:  # noqa: ANN001
    checker = yard("(and (clean box) (clean c1))")
    assert check(checker, "(sweep home)").status == "valid"
    verdict = check(checker, "(unbar shed) (move box home shed) (sweep home)")
    (v,) = verdict.violations
    assert v.kind == "goal" and v.atoms == (("clean", "box"),)


# --- partial orders -------------------------------------------------------------------------------


def test_partial_order_plan_is_unknown_not_valid(yard) -> None:  # noqa: ANN001
    plan = '{"steps": [{"id": "o", "action": "unbar", "args": ["shed"]},' \
           ' {"id": "m", "action": "move", "args": ["box", "home", "shed"], "after": ["o"]},' \
           ' {"id": "w", "action": "sweep", "args": ["home"]}]}'
    verdict = check(yard(), plan)
    assert verdict.status == "unknown"
    assert not verdict.valid and verdict.violations == ()
    assert verdict.reason and "every interleaving" in verdict.reason


def test_partial_order_plan_with_a_bad_linearization_is_invalid(yard) -> None:  # noqa: ANN001
    plan = '{"steps": [{"id": "m", "action": "move", "args": ["box", "home", "shed"],' \
           ' "after": ["w"]}, {"id": "w", "action": "sweep", "args": ["home"]}]}'
    verdict = check(yard(), plan)
    assert verdict.status == "invalid"
    assert verdict.violations[0].kind == "precondition" and verdict.violations[0].step == "m"


def test_validate_function_matches_checker(tmp_path: Path) -> None:
    (tmp_path / "domain.pddl").write_text(DOMAIN)
    (tmp_path / "q.pddl").write_text(problem_text("(at box shed)"))
    spec = load_spec(tmp_path / "domain.pddl")
    problem = load_problem(spec, tmp_path / "q.pddl")
    assert validate(problem, parse_plan(GOOD)).status == "valid"
    assert validate(problem, parse_plan("(move box home shed)")).status == "invalid"
