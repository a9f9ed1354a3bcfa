"""Goals in the words of an action's describe template, and the hint for a goal's unknown
object (issue 28, item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.goal_templates import template_reading
from engine.goals import translate_goal
from verifier.errors import SpecError
from verifier.spec import load_problem, load_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ward():  # noqa: ANN201
    spec = load_spec(ROOT / "examples" / "hospital")
    return spec, load_problem(spec, "p02")


@pytest.mark.parametrize(("text", "goal"), [
    ("give amox1 to alice", "(and (administered amox1))"),
    ("Give amox1 to alice.", "(and (administered amox1))"),
    ("chart amox1", "(and (charted amox1))"),
    ("give amox2 to alice", None),  # no such dose
    ("give alice to amox1", None),  # wrong types
    ("give amox1 to alice twice", None),  # not the template
])
def test_action_templates_read_as_their_effects(ward, text: str, goal: str | None) -> None:  # noqa: ANN001
    spec, problem = ward
    assert template_reading(spec, problem.objects, text) == goal


def test_translate_goal_reads_an_action_sentence(ward) -> None:  # noqa: ANN001
    spec, problem = ward
    out = translate_goal(spec, problem, "give amox1 to alice")
    assert (out.goal, out.source) == ("(and (administered amox1))", "template")


def test_a_goal_with_an_unknown_object_lists_the_problems_objects(ward) -> None:  # noqa: ANN001
    spec, problem = ward
    with pytest.raises(SpecError) as e:
        translate_goal(spec, problem, "(and (charted aspirin))")
    assert "unknown object 'aspirin'" in e.value.message
    assert "objects of this problem: alice, amox1" in (e.value.hint or "")
    assert "constants" not in (e.value.hint or "")
