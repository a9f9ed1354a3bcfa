"""Descriptions of a named object ("box1, which is currently at a1, ...") checked against the
initial state and dropped, or the goal refused (engine.goal_relative); "the <type> that ..."
read as the one object that fits (engine.goal_quantity)."""

from __future__ import annotations

import pytest

from engine.goal_relative import without_descriptions
from engine.goals import default_problem, translate_goal
from tests.engine.test_goal_quantity import Answer
from verifier.errors import PlansafeError
from verifier.spec import load_spec


@pytest.fixture(scope="module")
def robotics(specs_dir):
    spec = load_spec(specs_dir / "robotics")
    return spec, default_problem(spec)


def _where(problem, pred: str) -> dict[str, str]:
    return {a[1]: a[2] for a in problem.init if a[0] == pred}


def test_a_description_the_initial_state_confirms_is_no_part_of_the_goal(robotics):
    spec, problem = robotics
    here = _where(problem, "item-at")["box1"]
    text = f"box1, which is currently at {here}, should be moved to c1"
    assert without_descriptions(spec, problem, text) == "box1 should be moved to c1"
    got = translate_goal(spec, problem, text, backend=Answer(f"(item-at box1 {here})"))
    assert got.goal == "(and (item-at box1 c1))"  # the model's echo of the description fails


def test_a_description_the_initial_state_contradicts_is_refused(robotics):
    spec, problem = robotics
    elsewhere = next(p for p in ("a1", "c4") if p != _where(problem, "item-at")["box1"])
    with pytest.raises(PlansafeError, match="does not hold"):
        translate_goal(spec, problem, f"box1, which is at {elsewhere}, should go to c1",
                       backend=Answer())


def test_a_description_in_no_sentence_of_the_domain_is_left_to_the_reader(robotics):
    spec, problem = robotics
    text = "box1, which arrived yesterday, should be moved to c1"
    assert without_descriptions(spec, problem, text) == text


def test_the_robot_that_is_at_the_dock_is_the_one_robot_there(robotics):
    spec, problem = robotics
    at_dock = sorted(r for r, p in _where(problem, "at").items() if p == "dock")
    assert len(at_dock) == 1
    got = translate_goal(spec, problem, "the robot that is at the dock should drive to c2",
                         backend=Answer())
    assert got.goal == f"(and (at {at_dock[0]} c2))"


def test_a_singular_description_that_fits_none_or_several_is_refused(robotics):
    spec, problem = robotics
    empty = next(p for p in ("c3", "b1", "a2") if p not in _where(problem, "at").values())
    with pytest.raises(PlansafeError, match="no object"):
        translate_goal(spec, problem, f"the robot that is at {empty} should drive to c2",
                       backend=Answer())
    docs = load_spec(spec.root.parent / "documents")
    with pytest.raises(PlansafeError, match="cannot map"):
        translate_goal(docs, default_problem(docs), "the vendor that issued inv1 has to be "
                       "checked", backend=Answer("(validated inv1)"))


def test_the_invoices_that_fit_are_all_of_them_and_the_invoice_one(specs_dir):
    docs = load_spec(specs_dir / "documents")
    problem = default_problem(docs)
    large = sorted(a[1] for a in problem.init if a[0] == "large")
    assert len(large) > 1
    got = translate_goal(docs, problem, "approve the invoices that are large", backend=Answer())
    assert got.goal == "(and " + " ".join(f"(approved {i})" for i in large) + ")"
    with pytest.raises(PlansafeError, match=f"{len(large)} fit"):
        translate_goal(docs, problem, "approve the invoice that is large", backend=Answer())
