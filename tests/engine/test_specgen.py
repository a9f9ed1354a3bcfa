"""Training problems made from any spec's own examples (engine/llm/specgen.py): no domain
pack, reachable goals, static facts kept, names renamed, teacher plans verified."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.engine.spec_fixtures import write_library_spec


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture(scope="module")
def records(library: Path) -> list[dict]:
    from engine.llm.specgen import spec_records

    return spec_records(library, 8, seed=1)


def test_records_are_solved_and_verified_under_the_policies(library, records):
    from engine.llm.specgen import _problem, load_source
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    assert len(records) == 8
    spec = load_source(library).spec
    for rec in records:
        init = [tuple(a.strip("()").split()) for a in rec["init"]]
        goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
        problem = _problem("t", spec.domain, rec["types"], init, goal)
        verdict = Checker(problem, policies=spec.policies, access=spec.access).check(
            parse_plan("".join(c + "\n" for c in rec["plan"])))
        assert verdict.valid, rec
        assert not set(rec["goal"]) <= set(rec["init"])  # a goal that asks for something


def test_objects_are_renamed_and_static_facts_kept(library, records):
    example_names = {"dune", "emma", "ulysses", "fiction", "classics", "poetry"}
    for rec in records:
        assert not example_names & set(rec["objects"])
        # every book is at the desk or shelved: walks keep the domain's invariants
        for o, t in rec["types"].items():
            if t == "book":
                assert any(a.startswith(("(at-desk " + o + ")", "(shelved " + o + " "))
                           for a in rec["init"]), (o, rec["init"])


def test_size_curriculum_scales_the_examples(library):
    from engine.llm.specgen import spec_records

    recs = spec_records(library, 10, seed=2, scales=(3.0,))
    assert max(len(r["objects"]) for r in recs) >= 6  # 2 books + 1 shelf, three times


def test_examples_rename_symbols_for_a_share_and_phrase_goals(library, records):
    from engine.llm.specgen import load_source, spec_examples

    spec = load_source(library).spec
    exs = spec_examples(records, spec, seed=0, renamings=4, rename_share=0.5)
    plans = [e for e in exs if e.task == "plan"]
    goals = [e for e in exs if e.task == "goal"]
    assert plans and goals
    renamed = [e for e in plans if "(label " not in e.completion
               and "(shelve " not in e.completion and "(catalogue " not in e.completion]
    assert 0 < len(renamed) < len(plans)
    texts = " | ".join(e.prompt for e in goals)
    assert "is catalogued" in texts or "is labelled" in texts or "is on" in texts
    assert any(e.completion == "(unknown)" for e in goals) or len(goals) < 8
    for e in goals:
        assert e.prompt.startswith("goal\ndomain: library\n")


def test_every_reads_as_a_conjunction_over_the_objects(library):
    from engine.llm.specgen import _every, load_source, phrasing_of

    spec = load_source(library).spec
    rec = {"types": {"b1": "book", "b2": "book", "s": "shelf"}, "constants": []}
    text, atoms = _every(random.Random(0), phrasing_of(spec), rec)
    assert "every book" in text or "each book" in text
    assert len(atoms) == 2 and {a.split()[1].rstrip(")") for a in atoms} == {"b1", "b2"}


def test_a_spec_without_problems_is_refused(tmp_path):
    from engine.llm.specgen import load_source
    from verifier.errors import PlansafeError

    root = write_library_spec(tmp_path)
    for p in (root / "problems").iterdir():
        p.unlink()
    with pytest.raises(PlansafeError, match="example problems"):
        load_source(root)


def test_model_folder_of_a_spec(tmp_path):
    from engine.llm.specgen import spec_model_dir

    assert spec_model_dir(tmp_path) == tmp_path / ".plansafe-model"
    assert spec_model_dir(tmp_path / "d.pddl") == tmp_path / ".plansafe-model-d"


def test_compact_examples_are_the_prompts_fitted_past_the_context(specs_dir):
    """Training's compact prompts (static groups left out, the largest first) are the very
    prompts :func:`engine.llm.prompts.fitted_prompt` makes at plan time."""
    from engine.llm.prompts import atom_text, fitted_prompt, goal_parts, problem_prompt
    from engine.llm.specgen import compact_prompt, spec_examples
    from verifier.spec import load_problem, load_spec

    spec = load_spec(specs_dir / "robotics")
    problem = load_problem(spec, "p02")
    static = frozenset(spec.domain.static_predicates)
    rec = {"objects": sorted(problem.objects), "types": dict(problem.objects),
           "constants": [], "init": sorted(atom_text(a) for a in problem.init),
           "goal": goal_parts(problem.goal), "plan": ["(noop)"]}
    groups = {a[0] for a in problem.init if a[0] in static}
    assert len(groups) >= 2
    for k in range(1, len(groups) + 1):
        want = compact_prompt(rec, static, k)
        assert want is not None and want != problem_prompt(problem)
        assert fitted_prompt(problem, lambda text, w=want: text == w) == want
    exs = spec_examples([rec], spec, seed=0, compact_share=1.0)
    plans = [e.prompt for e in exs if e.task == "plan"]
    assert len(plans) == 4  # the record, two renamings and one compact prompt
    assert sum("(connected " not in p for p in plans) == 1
    assert spec_examples([rec], spec, seed=0, compact_share=0.0) != exs
