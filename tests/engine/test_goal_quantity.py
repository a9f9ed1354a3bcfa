"""Quantities in plain goals ("every person was welcomed") read as the conjunction over the
problem's objects of the type, restricted only where the initial state decides it; every
other quantity refused (engine.goal_quantity)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.goal_quantity import Quantified, Quantity, expand, quantified, type_words
from engine.goals import translate_goal
from engine.llm.backend import Generation, ModelBackend
from verifier.errors import PlansafeError
from verifier.spec import load_problem, load_spec


class Answer(ModelBackend):
    """The model double: one fixed answer; ``(unknown)`` leaves the reading to the words."""

    name = "answer"

    def __init__(self, text: str = "(unknown)") -> None:
        self.text = text
        self.prompts: list[str] = []

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        self.prompts.append(prompt)
        return [Generation(self.text, 3)]


@pytest.fixture(scope="module")
def onboarding(specs_dir):
    spec = load_spec(specs_dir / "onboarding")
    return spec, load_problem(spec, "p04")  # alice bob carol, all hired; carol checked


def _all(pred: str, *rest: str) -> set[str]:
    return {f"({pred} {p}{''.join(' ' + r for r in rest)})" for p in ("alice", "bob", "carol")}


def _atoms(goal: str) -> set[str]:
    import re

    return set(re.findall(r"\([^()]*\)", goal))


@pytest.mark.parametrize("text,pred,rest", [
    ("every person was welcomed", "welcomed", ()),
    ("ship equipment to every person", "equipped", ()),
    ("make sure each person has an account", "has-account", ()),
    ("all people were welcomed", "welcomed", ()),
    ("each of the persons has an account", "has-account", ()),
    ("give every person access to wiki", "access", ("wiki",)),
    ("ensure that every hired person completed the security training", "trained", ()),
    ("every person who is hired was welcomed", "welcomed", ()),
])
def test_every_person_reads_as_the_conjunction_over_the_problems_persons(onboarding, text,
                                                                        pred, rest):
    spec, problem = onboarding
    t = translate_goal(spec, problem, text, backend=Answer())
    assert _atoms(t.goal) == _all(pred, *rest)
    assert t.source.startswith("quantity+")


def test_the_models_reading_of_one_person_is_written_for_every_person(onboarding):
    spec, problem = onboarding
    backend = Answer("(welcomed alice)")
    t = translate_goal(spec, problem, "send every person the welcome message", backend=backend)
    assert _atoms(t.goal) == _all("welcomed") and t.source == "quantity+llm"
    assert backend.prompts and "text: send alice the welcome message" in backend.prompts[0]


def test_two_quantities_give_every_pair(onboarding):
    spec, problem = onboarding
    t = translate_goal(spec, problem, "give every person access to every system",
                       backend=Answer())
    assert _atoms(t.goal) == {f"(access {p} {s})" for p in ("alice", "bob", "carol")
                              for s in ("email", "payroll", "wiki")}


def test_a_quantity_next_to_a_named_object(onboarding):
    spec, problem = onboarding
    t = translate_goal(spec, problem, "every person was welcomed and alice has an account",
                       backend=Answer())
    assert _atoms(t.goal) == _all("welcomed") | {"(has-account alice)"}


def test_a_restriction_the_initial_state_decides(onboarding, specs_dir):
    spec, problem = onboarding
    t = translate_goal(spec, problem, "make sure that all people who passed the background "
                       "check have an account", backend=Answer())
    assert _atoms(t.goal) == {"(has-account carol)"}  # carol alone is checked in p04
    docs = load_spec(specs_dir / "documents")
    from engine.goals import default_problem

    p = default_problem(docs)
    large = {a[1] for a in p.init if a[0] == "large"}
    for text in ("all large invoices must be approved", "approve each invoice which is large"):
        got = translate_goal(docs, p, text, backend=Answer())
        assert _atoms(got.goal) == {f"(approved {i})" for i in large}, text


@pytest.mark.parametrize("text,needle", [
    ("every manager was welcomed", "'manager' is not a type of onboarding"),
    ("every new hire was welcomed", "'new' is not a type"),
    ("every other person was welcomed", "'other' in front of 'person'"),
])
def test_a_quantity_over_a_word_that_is_no_type_is_refused(onboarding, text, needle):
    spec, problem = onboarding
    with pytest.raises(PlansafeError, match=needle):
        translate_goal(spec, problem, text, backend=Answer("(welcomed alice)"))


@pytest.mark.parametrize("text", [
    "welcome every person hired last week",  # a time the domain cannot see
    "every person except bob has an account",
    "every person who is hired and trained was welcomed",  # where does it end?
    "every person, who is hired, was welcomed",
    "every person given access to wiki was welcomed",
    "send every person hired the welcome message",  # a reduced relative clause
    "every person on the team was welcomed",
    "every person is welcomed or trained",
    "every person who has an account was welcomed",  # nobody has one in p04
])
def test_a_restriction_that_cannot_be_decided_is_refused(onboarding, text):
    spec, problem = onboarding
    for answer in ("(unknown)", "(welcomed alice)"):
        with pytest.raises(PlansafeError, match="cannot map the goal"):
            translate_goal(spec, problem, text, backend=Answer(answer))


def test_a_received_this_week_restriction_is_refused(specs_dir):
    from engine.goals import default_problem

    docs = load_spec(specs_dir / "documents")
    with pytest.raises(PlansafeError, match="restriction"):
        translate_goal(docs, default_problem(docs), "all invoices received this week should "
                       "be paid", backend=Answer("(paid inv1)"))


def test_a_type_word_that_is_also_an_objects_name_is_refused(onboarding):
    spec, _ = onboarding
    with pytest.raises(PlansafeError, match="ambiguous"):
        translate_goal(spec, {"person": "person", "alice": "person"},
                       "every person was welcomed", backend=Answer())


def test_a_restriction_without_a_problem_is_refused(onboarding):
    spec, _ = onboarding
    with pytest.raises(PlansafeError, match="no problem to decide it"):
        translate_goal(spec, {"alice": "person", "bob": "person"},
                       "every person who is hired was welcomed", backend=Answer())


def test_named_objects_after_each_are_no_quantity(specs_dir):
    docs = load_spec(specs_dir / "documents")
    from engine.goals import default_problem

    assert quantified(docs, default_problem(docs),
                      "each of inv2, inv3 and inv5 should be archived") is None


def test_a_reading_that_says_nothing_of_the_quantity_is_refused():
    q = Quantified("alice was welcomed", (Quantity("every person", "person", ("alice", "bob"),
                                                   "alice"),), "every person was welcomed")
    assert expand(q, "(and (welcomed alice))") == "(and (welcomed alice) (welcomed bob))"
    with pytest.raises(PlansafeError, match="says nothing of 'every person'"):
        expand(q, "(and (welcomed carol))")


def test_type_words_singular_and_plural(onboarding):
    words = type_words(onboarding[0].domain)
    assert words["people"] == words["persons"] == words["person"] == frozenset({"person"})
    assert words["systems"] == frozenset({"system"}) and "object" not in words


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(1, 99), min_size=1, max_size=8), st.sampled_from(
    ["every person was welcomed", "ship equipment to all persons",
     "make sure each person has an account"]))
def test_the_conjunction_covers_exactly_the_objects_of_the_type(onboarding, numbers, text):
    spec, _ = onboarding
    people = {f"zu{n}": "person" for n in numbers}
    got = _atoms(translate_goal(spec, {**people, "wiki": "system"}, text,
                                backend=Answer()).goal)
    assert {a.strip("()").split()[1] for a in got} == set(people)
    assert len({a.split()[0] for a in got}) == 1
