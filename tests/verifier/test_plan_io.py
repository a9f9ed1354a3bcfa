"""Plans in JSON and IPC text: parsing, writing, round trips and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.errors import SpecError
from verifier.model import Plan, Provenance, Step
from verifier.plan_io import parse_plan, plan_from_calls, plan_to_json, plan_to_text, read_plan
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker, linearize

# --- parsing ------------------------------------------------------------------------------------


def test_json_plan_parses() -> None:
    text = json.dumps({"steps": [
        {"id": "s1", "action": "build", "args": ["api"], "agent": "ci"},
        {"id": "s2", "action": "test", "args": ["api"], "agent": "ci", "after": ["s1"]},
        {"action": "Deploy", "args": ["API", "prod"]},
    ], "provenance": {"source": "llm", "rounds": 2, "tokens": 40, "seconds": 1.5},
        "goal": "(deployed api prod)"})
    plan = parse_plan(text)
    assert plan.steps == (
        Step("s1", "build", ("api",), "ci"),
        Step("s2", "test", ("api",), "ci", ("s1",)),
        Step("s3", "deploy", ("api", "prod")),  # missing id: s<position>; names lower-cased
    )
    assert plan.provenance == Provenance("llm", 2, 40, 1.5)
    assert plan.goal == "(deployed api prod)"
    assert not plan.is_sequential


def test_json_list_of_steps_is_a_plan() -> None:
    plan = parse_plan('[{"action": "build", "args": ["api"]}]')
    assert plan.steps == (Step("s1", "build", ("api",)),)
    assert plan.is_sequential


def test_ipc_text_plan_parses() -> None:
    text = "; a comment\n(pick-up a)\n(STACK a b)\n\n0: (put-down c)\n; cost = 3 (unit cost)\n"
    plan = parse_plan(text)
    assert plan.steps == (Step("s1", "pick-up", ("a",)), Step("s2", "stack", ("a", "b")),
                          Step("s3", "put-down", ("c",)))


def test_empty_text_is_the_empty_plan() -> None:
    assert parse_plan("").steps == ()
    assert parse_plan('{"steps": []}').steps == ()


def test_read_plan_from_file_and_stdin(tmp_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("(build api)\n")
    assert read_plan(f).steps == (Step("s1", "build", ("api",)),)
    assert read_plan("-", stdin_text='{"steps": [{"action": "build", "args": ["api"]}]}'
                     ).steps == (Step("s1", "build", ("api",)),)


def test_plan_from_calls_numbers_steps() -> None:
    plan = plan_from_calls([("a", ("x",)), ("b", ())])
    assert [s.id for s in plan.steps] == ["s1", "s2"]


# --- round trips --------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
agents = st.none() | st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,6}", fullmatch=True)


@st.composite
def plans(draw, *, sequential: bool = False, with_agents: bool = True,  # noqa: ANN001
          with_ids: bool = True) -> Plan:
    n = draw(st.integers(0, 8))
    if with_ids:
        ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,6}", fullmatch=True),
                            min_size=n, max_size=n, unique=True))
    else:
        ids = [f"s{i}" for i in range(1, n + 1)]
    steps = []
    for i, sid in enumerate(ids):
        after = () if sequential or i == 0 else tuple(draw(st.lists(
            st.sampled_from(ids[:i]), unique=True, max_size=3)))
        steps.append(Step(sid, draw(names), tuple(draw(st.lists(names, max_size=4))),
                          draw(agents) if with_agents else None, after))
    provenance = None
    goal = None
    if not sequential:
        provenance = draw(st.none() | st.builds(
            Provenance, st.sampled_from(["llm", "llm-repaired", "symbolic", "user"]),
            st.integers(0, 9), st.integers(0, 10**6),
            st.integers(0, 10**6).map(lambda ms: ms / 1000), st.none() | names))
        goal = draw(st.none() | st.text(max_size=20))
    return Plan(tuple(steps), provenance, goal)


@given(plans())
def test_json_round_trip(plan: Plan) -> None:
    assert parse_plan(json.dumps(plan_to_json(plan))) == plan


@given(plans())
def test_json_round_trip_pretty_printed(plan: Plan) -> None:
    assert parse_plan(json.dumps(plan_to_json(plan), indent=2)) == plan


@given(plans(sequential=True, with_agents=False, with_ids=False))
def test_text_round_trip(plan: Plan) -> None:
    assert parse_plan(plan_to_text(plan)) == plan


# --- malformed plans ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    pytest.param('{"steps": [\n  {"action": "a",}\n]}', 2, 18, "invalid JSON",
                 id="trailing-comma"),
    pytest.param('{"steps": [\n  {"action": "a"}\n', 3, 1, "invalid JSON", id="truncated"),
    pytest.param('{"steps": [{"action": \'a\'}]}', 1, 23, "invalid JSON", id="single-quotes"),
])
def test_bad_json_gives_position(text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_plan(text, path="plan.json")
    err = info.value
    assert (err.path, err.line, err.col) == ("plan.json", line, col), str(err)
    assert message in err.message and err.hint
    assert str(err).startswith(f"plan.json:{line}:{col}: invalid JSON")


def test_step_without_action_points_at_the_step() -> None:
    text = '{"steps": [\n  {"action": "a"},\n  {"args": ["x"]}\n]}'
    with pytest.raises(SpecError) as info:
        parse_plan(text, path="plan.json")
    assert (info.value.line, info.value.col) == (3, 3)
    assert "steps.1.action" in info.value.message


def test_args_must_be_strings() -> None:
    with pytest.raises(SpecError, match="steps.0.args"):
        parse_plan('{"steps": [{"action": "a", "args": [1]}]}')


def test_unknown_after_id() -> None:
    text = '{"steps": [\n {"id": "s1", "action": "a"},\n {"id": "s2", "action": "b", ' \
           '"after": ["s9"]}\n]}'
    with pytest.raises(SpecError) as info:
        parse_plan(text, path="plan.json")
    err = info.value
    assert "after unknown step 's9'" in err.message
    assert (err.line, err.col) == (3, 2)
    assert "s1, s2" in (err.hint or "")


def test_duplicate_ids() -> None:
    text = '{"steps": [\n {"id": "x", "action": "a"},\n {"id": "x", "action": "b"}\n]}'
    with pytest.raises(SpecError) as info:
        parse_plan(text, path="plan.json")
    assert "duplicate step id 'x'" in info.value.message
    assert info.value.line == 3


@pytest.mark.parametrize("text", [
    pytest.param("(build api", id="unclosed"),
    pytest.param("(build api))", id="extra-close"),
    pytest.param("build api", id="bare-words"),
    pytest.param("((build) api)", id="nested"),
])
def test_bad_plan_text(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_plan(text, path="plan.txt")
    assert info.value.path == "plan.txt" and info.value.hint


def test_read_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="plan file not found"):
        read_plan(tmp_path / "nope.json")


# --- cycles in `after` ---------------------------------------------------------------------------

DOMAIN = """\
(define (domain tiny)
  (:requirements :strips)
  (:predicates (done-a) (done-b))
  (:action a :parameters () :effect (done-a))
  (:action b :parameters () :effect (done-b)))
"""
PROBLEM = "(define (problem t1) (:domain tiny) (:init) (:goal (and (done-a) (done-b))))\n"


@pytest.fixture
def tiny_checker(tmp_path: Path) -> Checker:
    (tmp_path / "domain.pddl").write_text(DOMAIN)
    (tmp_path / "t1.pddl").write_text(PROBLEM)
    spec = load_spec(tmp_path / "domain.pddl")
    return Checker(load_problem(spec, tmp_path / "t1.pddl"), access=spec.access)


@pytest.mark.parametrize("afters", [
    pytest.param({"x": ["y"], "y": ["x"]}, id="two-cycle"),
    pytest.param({"x": ["x"], "y": []}, id="self-loop"),
    pytest.param({"x": ["y"], "y": ["z"], "z": ["x"]}, id="three-cycle"),
])
def test_cycle_in_after_is_malformed(tiny_checker: Checker, afters: dict) -> None:
    steps = [{"id": sid, "action": "a" if sid == "x" else "b", "after": deps}
             for sid, deps in afters.items()]
    if "z" in afters:
        steps[2]["action"] = "a"
    plan = parse_plan(json.dumps({"steps": steps}))
    assert linearize(plan) is None
    verdict = tiny_checker.check(plan)
    assert verdict.status == "invalid"
    assert [v.kind for v in verdict.violations] == ["malformed"]
    assert "cycle" in verdict.violations[0].message


def test_acyclic_after_is_not_malformed(tiny_checker: Checker) -> None:
    plan = parse_plan('{"steps": [{"id": "x", "action": "a", "after": ["y"]},'
                      ' {"id": "y", "action": "b"}]}')
    assert [s.id for s in linearize(plan)] == ["y", "x"]
    assert tiny_checker.check(plan).status != "invalid"
