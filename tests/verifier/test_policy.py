"""Policy checking: every PDDL3 operator, satisfied and violated, and a cross-check against a
naive reference implementation of the operators over lists of sets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.model import Problem
from verifier.plan_io import parse_plan
from verifier.policy import Policy, parse_policy_rule
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker, validate

# A depot where (almost) every atom can be switched on and off at will, so any trajectory
# can be written as a plan. Only `ship` has a precondition.
DOMAIN = """\
(define (domain depot)
  (:requirements :strips :typing :negative-preconditions)
  (:types item)
  (:constants a b - item)
  (:predicates (packed ?x - item) (checked ?x - item) (shipped ?x - item) (alarm))
  (:action pack :parameters (?x - item) :effect (packed ?x))
  (:action unpack :parameters (?x - item) :effect (not (packed ?x)))
  (:action check :parameters (?x - item) :effect (checked ?x))
  (:action uncheck :parameters (?x - item) :effect (not (checked ?x)))
  (:action raise-alarm :parameters () :effect (alarm))
  (:action clear-alarm :parameters () :effect (not (alarm)))
  (:action ship :parameters (?x - item) :precondition (packed ?x) :effect (shipped ?x))
  (:action express :parameters (?x - item) :effect (and (checked ?x) (shipped ?x))))
"""

DESCRIBE = """\
describe:
  packed: "{0} is packed"
  checked: "{0} is checked"
  shipped: "{0} is shipped"
  alarm: "the alarm is on"
"""


def write_depot(root: Path, policies: Sequence[tuple[str, str]], *, init: str = "") -> Path:
    """A spec folder with the depot domain, the given policies and one problem ``p1``."""
    (root / "problems").mkdir(parents=True, exist_ok=True)
    (root / "domain.pddl").write_text(DOMAIN)
    (root / "problems" / "p1.pddl").write_text(
        f"(define (problem p1) (:domain depot) (:objects c - item) (:init {init}) (:goal (and)))\n")
    lines = ["name: depot", DESCRIBE.rstrip()] + (["policies:"] if policies else [])
    for pid, rule in policies:
        lines += [f"  - id: {pid}", f"    rule: \"{rule}\""]
    (root / "spec.yaml").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture
def depot(tmp_path: Path) -> Callable[..., Checker]:
    """``depot(rule, init=...)`` -> a Checker for one policy with id ``rule-1``."""

    def make(*rules: str, init: str = "") -> Checker:
        root = write_depot(tmp_path / "spec", [(f"rule-{i}", r) for i, r in enumerate(rules, 1)],
                           init=init)
        spec = load_spec(root)
        problem = load_problem(spec, "p1")
        return Checker(problem, policies=spec.policies, access=spec.access,
                       describe=spec.describe)

    return make


def run(checker: Checker, plan_text: str):  # noqa: ANN201
    return checker.check(parse_plan(plan_text))


def only_policy_violation(verdict):  # noqa: ANN001, ANN201
    assert verdict.status == "invalid", verdict
    vs = [v for v in verdict.violations if v.kind == "policy"]
    assert len(vs) == 1, verdict.violations
    return vs[0]


# --- always -----------------------------------------------------------------------------------

SHIP_CHECKED = "(forall (?x - item) (always (imply (shipped ?x) (checked ?x))))"


def test_always_satisfied(depot) -> None:  # noqa: ANN001
    assert run(depot(SHIP_CHECKED), "(check a) (pack a) (ship a)").status == "valid"


def test_always_violated_names_rule_step_and_describe_text(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot(SHIP_CHECKED), "(pack a) (ship a) (check a)"))
    assert v.kind == "policy" and v.rule == "rule-1" and v.step == "s2"
    assert "rule-1" in v.message
    assert "if a is shipped then a is checked" in v.message
    assert ("shipped", "a") in v.atoms


def test_always_broken_only_in_final_state(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot("(always (not (alarm)))"),
                                  "(pack a) (check a) (raise-alarm)"))
    assert v.step == "s3"
    assert "not the alarm is on must always hold" in v.message


def test_always_broken_in_initial_state(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot("(always (not (alarm)))", init="(alarm)"),
                                  "(clear-alarm)"))
    assert v.step is None and "initial state" in v.message


# --- sometime ---------------------------------------------------------------------------------


def test_sometime_satisfied_midway(depot) -> None:  # noqa: ANN001
    assert run(depot("(sometime (alarm))"), "(raise-alarm) (clear-alarm)").status == "valid"


def test_sometime_satisfied_in_initial_state(depot) -> None:  # noqa: ANN001
    assert run(depot("(sometime (alarm))", init="(alarm)"), "(clear-alarm)").status == "valid"


def test_sometime_violated(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot("(sometime (alarm))"), "(pack a) (check a)"))
    assert v.rule == "rule-1" and v.step is None
    assert "the alarm is on must hold at some point, but it never does" in v.message


def test_sometime_not_reported_on_incomplete_plan(depot) -> None:  # noqa: ANN001
    # (ship b) cannot run: the plan is incomplete, so "never" cannot be judged yet.
    verdict = run(depot("(sometime (alarm))"), "(pack a) (ship b) (raise-alarm)")
    assert verdict.status == "invalid"
    assert [v.kind for v in verdict.violations] == ["precondition"]
    assert verdict.violations[0].step == "s2"


# --- at-most-once -----------------------------------------------------------------------------


def test_at_most_once_one_long_run(depot) -> None:  # noqa: ANN001
    checker = depot("(at-most-once (alarm))")
    assert run(checker, "(raise-alarm) (pack a) (raise-alarm) (check a) (clear-alarm)"
               ).status == "valid"


def test_at_most_once_two_runs(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot("(at-most-once (alarm))"),
                                  "(raise-alarm) (clear-alarm) (pack a) (raise-alarm)"))
    assert v.rule == "rule-1" and v.step == "s4"
    assert "the alarm is on may become true at most once" in v.message


def test_at_most_once_run_from_initial_state_counts(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot("(at-most-once (alarm))", init="(alarm)"),
                                  "(clear-alarm) (raise-alarm)"))
    assert v.step == "s2"


def test_at_most_once_with_forall_is_per_object(depot) -> None:  # noqa: ANN001
    checker = depot("(forall (?x - item) (at-most-once (packed ?x)))")
    assert run(checker, "(pack a) (unpack a) (pack b)").status == "valid"
    v = only_policy_violation(run(checker, "(pack a) (unpack a) (pack b) (pack a)"))
    assert v.step == "s4" and "a is packed" in v.message


# --- sometime-before --------------------------------------------------------------------------

CHECK_BEFORE_SHIP = "(forall (?x - item) (sometime-before (shipped ?x) (checked ?x)))"


def test_sometime_before_satisfied(depot) -> None:  # noqa: ANN001
    assert run(depot(CHECK_BEFORE_SHIP),
               "(check a) (uncheck a) (pack a) (ship a)").status == "valid"


def test_sometime_before_violated(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot(CHECK_BEFORE_SHIP), "(check b) (pack a) (ship a)"))
    assert v.rule == "rule-1" and v.step == "s3"
    assert "a is shipped after step s3, but a is checked never held before" in v.message
    assert v.atoms == (("shipped", "a"), ("checked", "a"))


def test_sometime_before_is_strict(depot) -> None:  # noqa: ANN001
    # (express a) makes trigger and requirement true in the same state: too late.
    v = only_policy_violation(run(depot(CHECK_BEFORE_SHIP), "(express a)"))
    assert v.step == "s1"


def test_sometime_before_trigger_in_initial_state(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot(CHECK_BEFORE_SHIP, init="(shipped a) (checked a)"),
                                  "(pack b)"))
    assert v.step is None
    assert "a is shipped in the initial state" in v.message


# --- sometime-after ---------------------------------------------------------------------------

CHECK_AFTER_PACK = "(forall (?x - item) (sometime-after (packed ?x) (checked ?x)))"


def test_sometime_after_satisfied_later(depot) -> None:  # noqa: ANN001
    assert run(depot(CHECK_AFTER_PACK), "(pack a) (pack b) (check b) (check a)"
               ).status == "valid"


def test_sometime_after_satisfied_in_same_state(depot) -> None:  # noqa: ANN001
    assert run(depot(CHECK_AFTER_PACK), "(check a) (pack a)").status == "valid"


def test_sometime_after_violated(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot(CHECK_AFTER_PACK), "(check a) (uncheck a) (pack a)"))
    assert v.rule == "rule-1" and v.step == "s3"
    assert "a is packed after step s3, but a is checked never holds afterwards" in v.message


def test_sometime_after_retriggered(depot) -> None:  # noqa: ANN001
    v = only_policy_violation(run(depot(CHECK_AFTER_PACK),
                                  "(pack a) (check a) (unpack a) (uncheck a) (pack a)"))
    assert v.step == "s5"


def test_sometime_after_not_reported_on_incomplete_plan(depot) -> None:  # noqa: ANN001
    verdict = run(depot(CHECK_AFTER_PACK), "(pack a) (ship b)")
    assert [v.kind for v in verdict.violations] == ["precondition"]


# --- connectives inside state formulas ----------------------------------------------------------


@pytest.mark.parametrize(("rule", "good", "bad", "step", "words"), [
    pytest.param("(always (imply (alarm) (forall (?x - item) (checked ?x))))",
                 "(check a) (check b) (check c) (raise-alarm)",
                 "(check a) (check b) (raise-alarm)", "s3",
                 "for every ?x - item: ?x is checked", id="forall-inside"),
    pytest.param("(sometime-before (alarm) (exists (?x - item) (checked ?x)))",
                 "(check c) (uncheck c) (raise-alarm)", "(pack c) (raise-alarm)", "s2",
                 "for some ?x - item", id="exists-inside"),
    pytest.param("(always (or (not (shipped a)) (checked a)))",
                 "(check a) (pack a) (ship a)", "(pack a) (ship a)", "s2",
                 "not a is shipped or a is checked", id="or-not"),
    pytest.param("(sometime (and (packed a) (checked b)))",
                 "(pack a) (check b)", "(pack a) (unpack a) (check b)", None,
                 "a is packed and b is checked", id="and"),
    pytest.param("(forall (?x ?y - item) (always (imply (and (shipped ?x) (shipped ?y)) "
                 "(= ?x ?y))))",
                 "(pack a) (pack b) (ship a)", "(pack a) (pack c) (ship a) (ship c)", "s4",
                 "a = c", id="equality"),
    pytest.param("(and (sometime (alarm)) (always (not (shipped b))))",
                 "(raise-alarm)", "(raise-alarm) (pack b) (ship b)", "s3",
                 "not b is shipped", id="and-of-rules"),
])
def test_state_formula_connectives(depot, rule: str, good: str, bad: str,  # noqa: ANN001
                                   step: str | None, words: str) -> None:
    checker = depot(rule)
    assert run(checker, good).status == "valid"
    verdict = run(checker, bad)
    assert verdict.status == "invalid"
    # one violation per violated binding (equality: both (a, c) and (c, a))
    assert {(v.kind, v.rule, v.step) for v in verdict.violations} == {("policy", "rule-1", step)}
    assert any(words in v.message for v in verdict.violations)


def test_every_violated_policy_is_listed(depot) -> None:  # noqa: ANN001
    checker = depot(CHECK_BEFORE_SHIP, "(sometime (alarm))", "(at-most-once (packed a))")
    verdict = run(checker, "(pack a) (ship a) (unpack a) (pack a)")
    assert {(v.rule, v.step) for v in verdict.violations} == {
        ("rule-1", "s2"), ("rule-2", None), ("rule-3", "s4")}


def test_says_is_quoted_in_message(tmp_path: Path) -> None:
    root = write_depot(tmp_path, [])
    (root / "spec.yaml").write_text(
        "name: depot\npolicies:\n  - id: quiet\n    says: The alarm stays off.\n"
        "    rule: (always (not (alarm)))\n")
    spec = load_spec(root)
    verdict = validate(load_problem(spec, "p1"), parse_plan("(raise-alarm)"),
                       policies=spec.policies, access=spec.access, describe=spec.describe)
    v = only_policy_violation(verdict)
    assert v.rule == "quiet" and "(The alarm stays off)" in v.message
    assert "(alarm)" in v.message  # no describe template: the atom itself


# --- PDDL3 semantics cross-check ------------------------------------------------------------------

OBJECTS = ("a", "b", "c")  # constants a, b and the problem object c, all of type item
CONSTANTS = ("a", "b")
Atomset = frozenset[tuple[str, ...]]


def ref_eval(f: tuple, state: Atomset, env: dict[str, str]) -> bool:
    """Truth of a formula tree in one state (a set of ground atoms)."""
    tag = f[0]
    if tag == "atom":
        return (f[1], *(env.get(t, t) for t in f[2:])) in state
    if tag == "not":
        return not ref_eval(f[1], state, env)
    if tag == "and":
        return ref_eval(f[1], state, env) and ref_eval(f[2], state, env)
    if tag == "or":
        return ref_eval(f[1], state, env) or ref_eval(f[2], state, env)
    if tag == "imply":
        return (not ref_eval(f[1], state, env)) or ref_eval(f[2], state, env)
    if tag == "eq":
        return env.get(f[1], f[1]) == env.get(f[2], f[2])
    if tag == "forall":
        return all(ref_eval(f[2], state, {**env, f[1]: o}) for o in OBJECTS)
    if tag == "exists":
        return any(ref_eval(f[2], state, {**env, f[1]: o}) for o in OBJECTS)
    raise AssertionError(tag)


def ref_holds(op: str, phi: list[bool], psi: list[bool]) -> bool:
    """PDDL3 state-trajectory semantics (Gerevini & Long 2005) over truth values per state."""
    n = len(phi)
    if op == "always":
        return all(phi)
    if op == "sometime":
        return any(phi)
    if op == "at-most-once":
        starts = [i for i in range(n) if phi[i] and (i == 0 or not phi[i - 1])]
        return len(starts) <= 1
    if op == "sometime-before":
        return all(any(psi[j] for j in range(i)) for i in range(n) if phi[i])
    if op == "sometime-after":
        return all(any(psi[j] for j in range(i, n)) for i in range(n) if phi[i])
    raise AssertionError(op)


def to_text(f: tuple) -> str:
    tag = f[0]
    if tag == "atom":
        return "(" + " ".join(f[1:]) + ")"
    if tag == "eq":
        return f"(= {f[1]} {f[2]})"
    if tag in ("forall", "exists"):
        return f"({tag} ({f[1]} - item) {to_text(f[2])})"
    return "(" + " ".join((tag, *(to_text(x) for x in f[1:]))) + ")"


@st.composite
def formulas(draw, bound: tuple[str, ...] = (), depth: int = 0) -> tuple:  # noqa: ANN001
    terms = st.sampled_from(CONSTANTS + bound)
    leaves = st.one_of(
        st.tuples(st.sampled_from(["packed", "checked"]).map(lambda p: ("atom", p)), terms)
        .map(lambda pt: (*pt[0], pt[1])),
        st.just(("atom", "alarm")),
        st.tuples(st.just("eq"), terms, terms),
    )
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(leaves)
    tag = draw(st.sampled_from(["not", "and", "or", "imply", "forall", "exists"]))
    if tag == "not":
        return ("not", draw(formulas(bound, depth + 1)))
    if tag in ("forall", "exists"):
        var = f"?v{depth}"
        return (tag, var, draw(formulas(bound + (var,), depth + 1)))
    return (tag, draw(formulas(bound, depth + 1)), draw(formulas(bound, depth + 1)))


TOGGLES = [f"({a} {o})" for a in ("pack", "unpack", "check", "uncheck") for o in OBJECTS] + [
    "(raise-alarm)", "(clear-alarm)"]


def trajectory(calls: Sequence[str], init: Atomset) -> list[Atomset]:
    """States S0..Sn written out by hand for the toggle actions."""
    states, state = [init], set(init)
    for call in calls:
        words = call.strip("()").split()
        name, args = words[0], tuple(words[1:])
        pred = {"pack": "packed", "unpack": "packed", "check": "checked", "uncheck": "checked",
                "raise-alarm": "alarm", "clear-alarm": "alarm"}[name]
        atom = (pred, *args)
        if name.startswith(("un", "clear")):
            state.discard(atom)
        else:
            state.add(atom)
        states.append(frozenset(state))
    return states


@pytest.fixture(scope="module")
def depot_problem(tmp_path_factory: pytest.TempPathFactory) -> Problem:
    root = write_depot(tmp_path_factory.mktemp("depot"), [])
    return load_problem(load_spec(root), "p1")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    op=st.sampled_from(["always", "sometime", "at-most-once", "sometime-before",
                        "sometime-after"]),
    quantified=st.booleans(),
    data=st.data(),
    calls=st.lists(st.sampled_from(TOGGLES), max_size=7),
    init=st.sets(st.sampled_from([("packed", "a"), ("checked", "b"), ("alarm",),
                                  ("checked", "c")])),
)
def test_policy_verdict_matches_pddl3_reference(depot_problem: Problem, op: str,
                                                quantified: bool, data: st.DataObject,
                                                calls: list[str], init: set) -> None:
    bound = ("?t",) if quantified else ()
    args = [data.draw(formulas(bound)) for _ in range(1 if op in ("always", "sometime",
                                                                   "at-most-once") else 2)]
    body = f"({op} {' '.join(to_text(a) for a in args)})"
    text = f"(forall (?t - item) {body})" if quantified else body
    rule = parse_policy_rule(text, depot_problem.domain)
    problem = Problem(depot_problem.name, depot_problem.domain, depot_problem.objects,
                      frozenset(init), depot_problem.goal, depot_problem.path)
    verdict = Checker(problem, policies=[Policy("p", rule, text)]).check(
        parse_plan(" ".join(calls)))

    states = trajectory(calls, frozenset(init))
    expected_ok = True
    for obj in (OBJECTS if quantified else (None,)):
        env = {"?t": obj} if obj else {}
        truth = [[ref_eval(a, s, env) for s in states] for a in args]
        if not ref_holds(op, truth[0], truth[-1]):
            expected_ok = False
    assert verdict.status == ("valid" if expected_ok else "invalid"), (text, calls, verdict)
    assert all(v.kind == "policy" and v.rule == "p" for v in verdict.violations)


def test_reference_itself_on_textbook_cases() -> None:
    t, f = True, False
    assert ref_holds("at-most-once", [f, t, t, f], [])
    assert not ref_holds("at-most-once", [t, f, t], [])
    assert not ref_holds("sometime-before", [t], [t])
    assert ref_holds("sometime-before", [f, t], [t, f])
    assert ref_holds("sometime-after", [t], [t])
    assert not ref_holds("sometime-after", [f, t, f], [t, f, f])
