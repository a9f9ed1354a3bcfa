"""The plan and goal grammars accept exactly the well-typed actions and atoms (llguidance)."""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("llguidance")
pytest.importorskip("transformers")

from engine.llm.grammar import goal_grammar, plan_grammar  # noqa: E402
from verifier.spec import load_problem, load_spec  # noqa: E402


@pytest.fixture(scope="module")
def lltok():
    import llguidance.hf

    from engine.llm.train import train_tokenizer

    tok = train_tokenizer(["plan\n(unstack b c)\n(deploy api prod)\n{\"steps\": []}"], 300)
    return llguidance.hf.from_tokenizer(tok)


def accepts(lltok, grammar: str, text: str) -> bool:
    import llguidance as llg

    m = llg.LLMatcher(lltok, llg.grammar_from("lark", grammar))
    return bool(m.consume_tokens(lltok.tokenize_str(text))) and not m.is_error() \
        and m.is_accepting()


@pytest.fixture(scope="module")
def devops(specs_dir):
    spec = load_spec(specs_dir / "devops")
    return spec, load_problem(spec, "p02")


@pytest.mark.parametrize("text,ok", [
    ("", True),
    ("(deploy api prod)\n", True),
    ("(build web)\n(test web)\n(deploy web staging)\n", True),
    ("(deploy prod api)\n", False),        # wrong types
    ("(deploy api)\n", False),             # arity
    ("(deploy api prod staging)\n", False),
    ("(launch api)\n", False),             # unknown action
    ("(build billing)\n", False),          # not an object of this problem
    ("(build api)", False),                # unfinished step
    ("(build  api)\n", False),             # only the canonical spelling
], ids=["empty", "deploy", "sequence", "types", "arity-short", "arity-long", "unknown-action",
        "unknown-object", "unfinished", "spacing"])
def test_text_plan_grammar(lltok, devops, text, ok):
    spec, problem = devops
    assert accepts(lltok, plan_grammar(spec.domain, problem.objects), text) is ok


@pytest.mark.parametrize("text,ok", [
    ('{"steps": []}', True),
    ('{"steps": [{"action": "build", "args": ["api"]}, {"action": "deploy", "args": '
     '["api", "prod"]}]}', True),
    ('{"steps": [{"action": "deploy", "args": ["prod", "api"]}]}', False),
    ('{"steps": [{"action": "build", "args": []}]}', False),
], ids=["empty", "two-steps", "types", "arity"])
def test_json_plan_grammar(lltok, devops, text, ok):
    spec, problem = devops
    assert accepts(lltok, plan_grammar(spec.domain, problem.objects, fmt="json"), text) is ok


def test_every_ground_call_accepted_iff_well_typed(lltok, specs_dir):
    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p01")
    domain = spec.domain
    grammar = plan_grammar(domain, problem.objects)
    objs = sorted(problem.objects)
    for name, schema in domain.actions.items():
        for n in range(len(schema.params) + 2):
            for args in itertools.product(objs, repeat=n):
                typed = n == len(schema.params) and all(
                    domain.is_subtype(problem.objects[a], t)
                    for a, t in zip(args, schema.param_types, strict=False))
                text = "(" + " ".join((name, *args)) + ")\n"
                assert accepts(lltok, grammar, text) is typed, text


def test_typed_positions_robotics(lltok, specs_dir):
    spec = load_spec(specs_dir / "robotics")
    problem = load_problem(spec, "p01")
    g = plan_grammar(spec.domain, problem.objects)
    schema = spec.domain.actions["navigate"]
    good = ["r1", "dock", "shelf", "level4", "level3"]
    assert len(good) == len(schema.params)
    assert accepts(lltok, g, "(navigate " + " ".join(good) + ")\n")
    assert not accepts(lltok, g, "(navigate " + " ".join(["dock", "r1", *good[2:]]) + ")\n")


@pytest.mark.parametrize("text,ok", [
    ("(deployed api prod)", True),
    ("(deployed api prod) (healthy api prod) (built web)", True),
    ("(unknown)", True),
    ("(deployed prod api)", False),
    ("(deployed api)", False),
    ("(flying api)", False),
    ("(deployed api prod)(built web)", False),
], ids=["one", "three", "unknown", "types", "arity", "predicate", "spacing"])
def test_goal_grammar(lltok, devops, text, ok):
    spec, problem = devops
    assert accepts(lltok, goal_grammar(spec.domain, problem.objects), text) is ok


@pytest.mark.parametrize("text,ok", [
    ("(at r1 dock)", True),
    ("(item-at box1 shelf)", True),
    ("(connected dock shelf)", False),  # no action changes these: never a goal
    ("(charger dock)", False),
    ("(at r1 dock) (connected dock shelf)", False),
], ids=["at", "item-at", "connected", "charger", "with-static"])
def test_goal_grammar_leaves_out_predicates_no_action_changes(lltok, specs_dir, text, ok):
    spec = load_spec(specs_dir / "robotics")
    problem = load_problem(spec, "p01")
    assert accepts(lltok, goal_grammar(spec.domain, problem.objects), text) is ok


def test_grammar_is_cached(devops):
    spec, problem = devops
    assert plan_grammar(spec.domain, problem.objects) is plan_grammar(spec.domain,
                                                                        dict(problem.objects))
