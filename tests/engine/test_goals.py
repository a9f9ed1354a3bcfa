"""Plain-language goals become formal goals under the goal grammar, or a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.goals import default_problem, parse_goal, translate_goal, with_goal
from engine.llm.backend import Generation, ModelBackend
from verifier.errors import PlansafeError, SpecError
from verifier.spec import load_problem, load_spec


class FixedBackend(ModelBackend):
    name = "fixed"

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        self.calls += 1
        assert grammar is not None and "(unknown)" in grammar
        return [Generation(self.text, 5)]


@pytest.fixture(scope="module")
def devops(specs_dir):
    spec = load_spec(specs_dir / "devops")
    return spec, load_problem(spec, "p02")


def test_pddl_goal_is_parsed_without_the_model(devops):
    spec, problem = devops
    backend = FixedBackend("(unknown)")
    assert parse_goal(spec, problem, "(and (deployed api prod))", backend=backend) == \
        "(and (deployed api prod))"
    assert backend.calls == 0


@pytest.mark.parametrize("text", ["(and (deployed prod api))", "(and (deployed billing prod))",
                                  "(and (deployd api prod)"],
                         ids=["types", "unknown-object", "syntax"])
def test_bad_pddl_goal_is_bad_input(devops, text):
    spec, problem = devops
    with pytest.raises(SpecError):
        parse_goal(spec, problem, text, backend=FixedBackend("(unknown)"))


def test_model_answer_becomes_a_conjunction(devops):
    spec, problem = devops
    t = translate_goal(spec, problem, "ship the api to production",
                       backend=FixedBackend("(deployed api prod)"))
    assert t.goal == "(and (deployed api prod))" and t.source == "llm" and t.tokens == 5


@pytest.mark.parametrize("text,answer,needle", [
    ("make me a sandwich", "(unknown)", "cannot map"),
    ("deploy billing to prod", "(deployed api prod)", "'billing' is not an object"),
    ("have web in production", "(deployed api prod)", "'api'"),  # a guess: refused
    ("   ", "(deployed api prod)", "empty"),
    ("get api live", "(tested api)", "nothing about 'prod'"),  # a named constant dropped
    # the words say healthy (and name three objects: no single atom of them)
    ("check the health of api in prod or staging",
     "(deployed api prod) (deployed api staging)", "speaks of healthy, the reading"),
], ids=["unknown", "absent-object", "unnamed-object", "empty", "dropped-constant",
        "other-predicate"])
def test_unmappable_goals_are_refused(devops, text, answer, needle):
    spec, problem = devops
    with pytest.raises(PlansafeError, match=needle):
        parse_goal(spec, problem, text, backend=FixedBackend(answer))


def test_default_problem_and_goal_replacement(specs_dir):
    spec = load_spec(specs_dir / "devops")
    base = default_problem(spec)
    assert base.name == "p05"  # the example problem with the most objects
    p = with_goal(base, "(and (deployed api prod))")
    assert p.init == base.init and p.objects == base.objects
    assert p.up_problem is not None


def test_embedded_model_maps_a_plain_goal(specs_dir):
    pytest.importorskip("torch")
    from engine.llm import DEFAULT_MODEL_DIR

    if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file():
        pytest.skip("the embedded model is not built")
    spec = load_spec(specs_dir / "devops")
    goal = parse_goal(spec, default_problem(spec), "ship the api to production")
    assert goal == "(and (deployed api prod))"


class RecordingBackend(FixedBackend):
    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        self.prompt = prompt
        return super().generate(prompt, grammar=grammar, k=k, max_new_tokens=max_new_tokens)


def test_goal_prompt_lists_only_the_objects_the_text_names(specs_dir):
    # a big problem reads like a small one: the model sees inv5 and its text, not 30 objects
    spec = load_spec(specs_dir / "documents")
    objects = {f"inv{i}": "invoice" for i in range(1, 9)} | {"acme": "vendor"}
    backend = RecordingBackend("(archived inv5)")
    assert parse_goal(spec, objects, "archive invoice 5", backend=backend) == \
        "(and (archived inv5))"
    assert "objects: inv5\n" in backend.prompt


def test_goal_naming_an_absent_aliased_object_is_refused_before_the_model(specs_dir):
    spec = load_spec(specs_dir / "documents")
    objects = {"inv1": "invoice", "inv2": "invoice", "acme": "vendor"}
    backend = FixedBackend("(paid inv1)")
    with pytest.raises(PlansafeError, match="'inv7' is not an object"):
        parse_goal(spec, objects, "pay invoice 7", backend=backend)
    assert backend.calls == 0


class ByTextBackend(FixedBackend):
    """Answers by the text in the goal prompt (a model that misreads one clause)."""

    def __init__(self, answers: dict[str, str]) -> None:
        super().__init__("(unknown)")
        self.answers = answers

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        text = prompt.split("\ntext: ")[1].split("\nformal:")[0]
        self.text = self.answers.get(text, "(unknown)")
        return super().generate(prompt, grammar=grammar, k=k)


def test_a_clause_that_only_repeats_another_is_read_again_with_its_neighbour(devops):
    spec, problem = devops
    answers = {"deploy api to prod": "(deployed api prod)",
               "have api ok on prod": "(deployed api prod)",  # misread: a repeat
               "deploy api to prod and have api ok on prod":
                   "(deployed api prod) (healthy api prod)"}
    goal = parse_goal(spec, problem, "deploy api to prod, have api ok on prod",
                      backend=ByTextBackend(answers))
    assert goal == "(and (deployed api prod) (healthy api prod))"
    answers["deploy api to prod and have api ok on prod"] = "(deployed api prod)"
    with pytest.raises(PlansafeError, match="only repeats"):
        parse_goal(spec, problem, "deploy api to prod, have api ok on prod",
                   backend=ByTextBackend(answers))


class AskedBackend(ByTextBackend):
    """ByTextBackend that records every text it was asked to read."""

    def __init__(self, answers: dict[str, str]) -> None:
        super().__init__(answers)
        self.asked: list[str] = []

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        self.asked.append(prompt.split("\ntext: ")[1].split("\nformal:")[0])
        return super().generate(prompt, grammar=grammar, k=k)


@pytest.mark.parametrize("text,answers,want", [
    # "it": the one object the clause before names
    ("test api and then deploy it to prod",
     {"test api": "(tested api)", "then deploy api to prod": "(deployed api prod)"},
     "(and (tested api) (deployed api prod))"),
    # no object: the one object the next clause names
    ("build and test web", {"test web": "(tested web)", "build web": "(built web)"},
     "(and (built web) (tested web))"),
    # no object and no later clause naming one: the one object the clause before names
    ("test web and deployed to prod",
     {"test web": "(tested web)", "deployed to prod web": "(deployed web prod)"},
     "(and (tested web) (deployed web prod))"),
], ids=["it", "elided-object", "elided-object-last"])
def test_a_clause_that_leaves_its_object_to_a_neighbour_is_read_with_it(devops, text,
                                                                          answers, want):
    spec, problem = devops
    backend = AskedBackend(answers)
    assert parse_goal(spec, problem, text, backend=backend) == want
    # the clause was first read as written, and with its neighbour, before it was rewritten
    rewritten = [t for t in answers if t not in text]
    assert rewritten and backend.asked.index(rewritten[0]) == len(backend.asked) - 1


@pytest.mark.parametrize("text,answers", [
    # the clause before names two objects: "it" is not resolved
    ("deploy api to prod with web; test it",
     {"deploy api to prod with web": "(deployed api prod) (deployed web prod)",
      "test api": "(tested api)", "test web": "(tested web)"}),
    # the rewritten clause reads only what another clause already says
    ("test web and test it",
     {"test web": "(tested web)"}),
], ids=["two-objects", "repeat"])
def test_a_clause_whose_object_is_unclear_is_refused(devops, text, answers):
    spec, problem = devops
    with pytest.raises(PlansafeError, match="cannot map"):
        parse_goal(spec, problem, text, backend=AskedBackend(answers))


class RankedBackend(FixedBackend):
    """The model's readings, most likely first (what a beam search's n best would give)."""

    def __init__(self, *readings: str) -> None:
        super().__init__(readings[0])
        self.readings = readings

    def best(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256
             ) -> list[Generation]:
        self.calls += 1
        assert grammar is not None and n >= 2
        return [Generation(r, 5) for r in self.readings[:n]]


@pytest.mark.parametrize("readings,want", [
    # the top reading fails its checks, the next one passes them and uses only the
    # predicates the words name ("roll ... back": rolled-back)
    (("(deployed api prod)", "(rolled-back api prod)"), "(and (rolled-back api prod))"),
    (("(unknown)", "(rolled-back api prod)"), "(and (rolled-back api prod))"),
    # a passing top reading wins even over a less likely one that also passes
    (("(rolled-back api prod) (deployed api prod)", "(rolled-back api prod)"),
     "(and (rolled-back api prod) (deployed api prod))"),
], ids=["wrong-predicate-first", "unknown-first", "top-passes"])
def test_a_less_likely_reading_that_passes_the_checks_is_taken(devops, readings, want):
    spec, problem = devops
    assert parse_goal(spec, problem, "roll api back in prod",
                      backend=RankedBackend(*readings)) == want


def test_less_likely_readings_are_held_to_the_words(devops):
    spec, problem = devops
    # a text whose words name no predicate gets its top reading or nothing
    with pytest.raises(PlansafeError, match="cannot map"):
        parse_goal(spec, problem, "make api do its thing in prod",
                   backend=RankedBackend("(unknown)", "(deployed api prod)"))
    # the second reading adds a predicate the words do not name: not taken either; the
    # words alone name rolled-back, of api and prod
    got = translate_goal(spec, problem, "roll api back in prod", backend=RankedBackend(
        "(deployed api prod)", "(rolled-back api prod) (healthy api prod)"))
    assert (got.goal, got.source) == ("(and (rolled-back api prod))", "words")


def test_a_top_reading_adding_a_predicate_no_word_names_gives_way(devops):
    spec, problem = devops
    # "deploy" names deployed; tested is named by no word: the less likely reading the
    # words name wins
    got = translate_goal(spec, problem, "deploy api to prod", backend=RankedBackend(
        "(deployed api prod) (tested api)", "(deployed api prod)"))
    assert (got.goal, got.source) == ("(and (deployed api prod))", "llm")
    # with no such reading the top one stands (the model may read "ok" as healthy)
    got = translate_goal(spec, problem, "deploy api to prod", backend=RankedBackend(
        "(deployed api prod) (tested api)", "(unknown)"))
    assert got.goal == "(and (deployed api prod) (tested api))"


@pytest.mark.parametrize("text,answer,want", [
    ("deploy web to production", "(deployed api prod)", "(and (deployed web prod))"),
    ("check the health of api in prod", "(deployed api prod)", "(and (healthy api prod))"),
])
def test_a_wrong_model_reading_gives_way_to_the_words(devops, text, answer, want):
    spec, problem = devops
    got = translate_goal(spec, problem, text, backend=FixedBackend(answer))
    assert (got.goal, got.source) == (want, "words")


def test_embedded_model_reads_a_goal_its_top_reading_misses(specs_dir, monkeypatch):
    """"have vendor acme checked": the embedded model's most likely reading is
    ``(unknown)``; a less likely one is the right one, and the words name its predicate."""
    pytest.importorskip("torch")
    import engine.goal_clause
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import load_default_backend

    if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file():
        pytest.skip("the embedded model is not built")
    spec = load_spec(specs_dir / "documents")
    backend = load_default_backend(device="cpu")
    text = "have vendor acme checked"
    goal = parse_goal(spec, default_problem(spec), text, backend=backend)
    assert goal == "(and (vendor-checked acme))"
    assert translate_goal(spec, default_problem(spec), text, backend=backend).source == "llm"
    # the top reading alone is refused; the words then name vendor-checked, of acme
    monkeypatch.setattr(engine.goal_clause, "READINGS", 1)
    got = translate_goal(spec, default_problem(spec), text, backend=backend)
    assert (got.goal, got.source) == ("(and (vendor-checked acme))", "words")


@pytest.mark.parametrize("spec_name,objects,text,odd", [
    ("documents", {"inv2": "invoice"}, "reject invoice 2", "'reject'"),
    ("devops", {"worker": "service", "staging": "env"}, "stop worker on staging", "'stop'"),
    ("robotics", {"crate1": "item", "a2": "location"}, "weigh crate1 at a2", "'weigh'"),
])
def test_a_goal_whose_words_name_nothing_in_the_domain_is_refused_before_the_model(
        specs_dir, spec_name, objects, text, odd):
    # the model would write a well-typed guess ((paid inv2) for "reject invoice 2")
    spec = load_spec(specs_dir / spec_name)
    backend = FixedBackend("(unknown)")
    with pytest.raises(PlansafeError, match=f"{odd} names nothing {spec_name} goals can say"):
        parse_goal(spec, objects, text, backend=backend)
    assert backend.calls == 0


@pytest.mark.parametrize("text,answer", [
    ("get api out to prod", "(deployed api prod)"),  # glue words and objects only
    ("please deploy api to production", "(deployed api prod)"),  # an opener, an alias
    ("mark api as deployed on prod", "(deployed api prod)"),  # "mark" is unknown, but
])                                                           # "deployed" names a predicate
def test_goals_in_the_domains_words_are_read(devops, text, answer):
    spec, problem = devops
    assert parse_goal(spec, problem, text, backend=FixedBackend(answer)) == f"(and {answer})"


@pytest.mark.parametrize("text,want", [
    ("build the web service", "(and (built web))"),
    ("roll back api on staging", "(and (rolled-back api staging))"),
])
def test_a_clause_no_reading_fits_is_read_from_its_words(devops, text, want):
    # the model cannot read it ((unknown)); its words name one predicate and its objects
    # fill that predicate's arguments in one well-typed way
    spec, problem = devops
    got = translate_goal(spec, problem, text, backend=FixedBackend("(unknown)"))
    assert (got.goal, got.source) == (want, "words")


def test_a_goal_partly_read_from_its_words_says_so(devops):
    spec, problem = devops
    backend = ByTextBackend({"deploy api to prod": "(deployed api prod)"})
    got = translate_goal(spec, problem, "deploy api to prod and build web", backend=backend)
    assert (got.goal, got.source) == ("(and (deployed api prod) (built web))", "llm+words")


@pytest.mark.parametrize("spec_name,objects,text", [
    # item-at takes an item and a location: r2 is a robot
    ("robotics", {"r2": "robot", "dock": "location"}, "move r2 to the dock"),
    # deployed takes a service and an environment: only a service is named
    ("devops", {"web": "service", "prod": "env"}, "deploy web"),
])
def test_words_that_fit_no_single_atom_are_refused(specs_dir, spec_name, objects, text):
    spec = load_spec(specs_dir / spec_name)
    with pytest.raises(PlansafeError, match="cannot map"):
        parse_goal(spec, objects, text, backend=FixedBackend("(unknown)"))


@pytest.mark.parametrize("text", ["do not deploy api to prod", "never build web",
                                  "don't roll back api on staging"])
def test_a_negated_goal_is_refused_before_the_model(devops, text):
    spec, problem = devops
    backend = FixedBackend("(deployed api prod)")
    with pytest.raises(PlansafeError, match="negates"):
        parse_goal(spec, problem, text, backend=backend)
    assert backend.calls == 0


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_word_reading_is_well_typed_atoms_of_the_named_objects(specs_dir, data):
    """Whatever predicates the words speak of and objects they name, a word reading is a
    goal of the problem over exactly those objects and one of those predicates."""
    from engine.goal_clause import _word_reading
    from verifier.policy import parse_formula

    spec = load_spec(specs_dir / data.draw(st.sampled_from(["devops", "robotics",
                                                             "documents", "blocksworld"])))
    problem = default_problem(spec)
    objects = dict(problem.objects)
    named = data.draw(st.dictionaries(st.sampled_from(sorted(objects)), st.just(""),
                                      max_size=3))
    named = {o: objects[o] for o in named}
    spoken = data.draw(st.sets(st.sampled_from(sorted(spec.domain.predicates)), max_size=3))
    atoms = _word_reading(spec.domain, named, spoken)
    if not atoms:
        return
    parse_formula(f"(and {' '.join(atoms)})", spec.domain, objects, path="<goal>")
    calls = [a.strip("()").split() for a in atoms]
    assert len({c[0] for c in calls}) == 1 and calls[0][0] in spoken  # one predicate
    assert {o for c in calls for o in c[1:]} == set(named)  # every named object, no other
    assert len(set(atoms)) == len(atoms)


@pytest.mark.parametrize("spec_name,objects,text,want", [
    ("devops", {"web": "service", "db": "service"}, "test web and db",
     "(and (tested web) (tested db))"),
    ("robotics", {"box1": "item", "box2": "item", "c3": "location"},
     "bring box1 and box2 to c3", "(and (item-at box1 c3) (item-at box2 c3))"),
    ("documents", {"inv3": "invoice", "inv4": "invoice", "inv6": "invoice"},
     "archive inv3, inv4 and inv6", "(and (archived inv3) (archived inv4) (archived inv6))"),
])
def test_a_text_whose_clauses_cannot_be_read_alone_is_read_whole(specs_dir, spec_name,
                                                                   objects, text, want):
    # the model knows nothing ((unknown)); a clause that is only an object name is not
    # read alone, and the whole text's words give one predicate of all the named objects
    spec = load_spec(specs_dir / spec_name)
    got = translate_goal(spec, objects, text, backend=FixedBackend("(unknown)"))
    assert (got.goal, got.source) == (want, "words")


def test_a_clause_of_object_names_alone_is_not_read(specs_dir):
    spec = load_spec(specs_dir / "documents")
    with pytest.raises(PlansafeError, match="says nothing of what should hold"):
        parse_goal(spec, {"inv6": "invoice"}, "inv6", backend=FixedBackend("(paid inv6)"))


def test_a_whole_reading_must_keep_every_clause(devops):
    """The whole text is read only under its words: a model reading that drops what a
    clause says, or adds a predicate no word names, is not taken."""
    spec, problem = devops
    # "api to prod" names no predicate and cannot be read alone; the whole-text reading
    # leaves out tested, which "test web" says
    backend = ByTextBackend({"test web and api to prod": "(deployed api prod) (built web)"})
    with pytest.raises(PlansafeError, match="cannot map"):
        parse_goal(spec, problem, "test web and api to prod", backend=backend)


def test_then_joins_clauses(devops):
    spec, problem = devops
    backend = AskedBackend({"test api": "(tested api)", "deploy api to prod":
                            "(deployed api prod)"})
    assert parse_goal(spec, problem, "test api then deploy it to prod", backend=backend) == \
        "(and (tested api) (deployed api prod))"


def test_or_is_not_read_as_and(specs_dir):
    # "test web or db" asks for one of them; a goal of atoms asks for all, so no reading
    spec = load_spec(specs_dir / "devops")
    objects = {"web": "service", "db": "service"}
    with pytest.raises(PlansafeError, match="cannot map"):
        parse_goal(spec, objects, "test web or db", backend=FixedBackend("(unknown)"))
    assert parse_goal(spec, objects, "test web and db", backend=FixedBackend("(unknown)")) \
        == "(and (tested web) (tested db))"
