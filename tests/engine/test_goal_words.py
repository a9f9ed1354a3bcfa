"""engine/goal_words.py: which predicates a goal's words speak of."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.goal_words import (
    named_by_any,
    predicate_words,
    spoken_of,
    unknown_words,
    vocabulary,
)
from engine.llm.dataset import _spec, generator_module

PHRASED = ("devops", "documents", "robotics", "blocksworld")


def _words_of(spec_name: str) -> dict[str, frozenset[str]]:
    domain = _spec(spec_name).domain
    return predicate_words(domain.predicates, generator_module(spec_name).PHRASING,
                           types=domain.types)


def test_shared_words_name_what_they_share_and_type_names_nothing() -> None:
    words = _words_of("devops")
    assert "roll" in words["deployed"] and "roll" in words["rolled-back"]
    assert not any("servic" in ws for ws in words.values())  # a type name
    assert set(words) == set(generator_module("devops").PHRASING)  # phrased predicates only
    # "roll" names deployed and rolled-back, "back" backed-up and rolled-back
    assert spoken_of("roll api back in prod", words) == {"rolled-back"}
    assert spoken_of("roll out api to prod", words) == {"deployed", "rolled-back"}
    assert spoken_of("back up prod", words) == {"backed-up", "rolled-back"}
    # two words naming the same two predicates: a reading of either is accepted
    assert spoken_of("roll the release out", words) == {"deployed", "rolled-back"}


def test_without_a_phrasing_every_predicate_is_named_by_its_name() -> None:
    words = predicate_words(["deployed", "healthy", "rolled-back"], None)
    assert spoken_of("get web deployed", words) == {"deployed"}
    assert spoken_of("the web is rolled back", words) == {"rolled-back"}


@pytest.mark.parametrize("spec_name,text,want", [
    ("documents", "have inv1 classified", {"classified"}),
    ("documents", "classify invoice 2", {"classified"}),
    ("devops", "check the health of worker on production", {"healthy"}),
    ("devops", "deploy api and test it", {"deployed", "tested"}),
    ("devops", "bring api up in production", set()),  # no predicate's words: not checked
    ("devops", "roll api back and run a health check", {"healthy"}),  # only health is plain
    ("robotics", "park r3 at the dock", {"at"}),
])
def test_spoken_of(spec_name, text, want) -> None:
    assert spoken_of(text, _words_of(spec_name)) == want


def test_named_by_any_keeps_what_a_shared_word_names() -> None:
    words = _words_of("devops")
    # spoken_of drops "release" (deployed or rolled-back); named_by_any keeps both
    text = "release worker to staging and make sure it is healthy there"
    assert spoken_of(text, words) == {"healthy"}
    assert named_by_any(text, words) == {"deployed", "rolled-back", "healthy"}
    assert named_by_any("bring api up in production", words) == set()
    assert named_by_any("test the api service", words, names=["api"]) == {"tested"}


def test_object_names_are_not_predicate_words() -> None:
    words = _words_of("devops")
    assert spoken_of("deploy payments", words) == {"deployed"}
    assert spoken_of("test the healthcheck service", words, names=["healthcheck"]) == \
        {"tested"}


@settings(max_examples=300, deadline=None)
@given(spec_name=st.sampled_from(PHRASED), data=st.data())
def test_a_template_text_never_speaks_only_of_other_predicates(spec_name, data) -> None:
    """So the check never refuses the right reading of a phrasing the model trained on."""
    phrasing = generator_module(spec_name).PHRASING
    pred = data.draw(st.sampled_from(sorted(phrasing)))
    template = data.draw(st.sampled_from(phrasing[pred]))
    names = data.draw(st.lists(st.from_regex(r"[a-z]{1,6}[0-9]{0,2}", fullmatch=True),
                               min_size=3, max_size=3))
    text = template.format(*names)
    spoken = spoken_of(text, _words_of(spec_name), names=names)
    assert not spoken or pred in spoken, (text, spoken)


def test_unknown_words_are_the_content_words_no_known_stem_matches() -> None:
    known = vocabulary(["pay {0}", "get {0} paid", "archive {0}", "invoice", "please "])
    assert unknown_words("please reject invoice 2", known) == ["reject"]
    assert unknown_words("get the invoices paid", known) == []  # stems: invoices, paid
    assert unknown_words("archiving inv2", known, names=["inv2"]) == []
    # glue, short words and object names are never unknown; each word is named once
    assert unknown_words("do it to zz and to qux qux", known, names=["qux"]) == []
    assert unknown_words("shred and shred inv1", known) == ["shred", "inv"]


@given(st.lists(st.sampled_from(["pay", "archive", "paid", "archived", "get", "the", "it"]),
                max_size=8))
@settings(max_examples=50, deadline=None)
def test_texts_in_known_words_have_no_unknown_words(words: list[str]) -> None:
    known = vocabulary(["pay {0}", "get {0} paid", "archive {0}", "get {0} archived"])
    assert unknown_words(" ".join(words), known) == []
