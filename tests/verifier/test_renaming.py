"""Renaming a spec's names: the renamed spec loads and checks, mapping back gives the same
model, and a plan renamed alike keeps its verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SPECS
from verifier.errors import PlansafeError
from verifier.model import Domain, Problem
from verifier.plan_io import parse_plan, plan_to_text, read_plan
from verifier.renaming import (
    KINDS,
    Renaming,
    fresh_renaming,
    rename_problem,
    rename_spec,
    rename_text,
)
from verifier.spec import Spec, load_problem, load_spec
from verifier.validate import Checker

BUILTIN = sorted(p.name for p in SPECS.iterdir() if (p / "spec.yaml").is_file())


def _domain_key(d: Domain) -> tuple[Any, ...]:
    return (d.name, d.types, d.predicates, d.actions, d.constants)


def _problem_key(p: Problem) -> tuple[Any, ...]:
    return (p.name, p.objects, p.init, p.goal)


def _spec_key(spec: Spec) -> tuple[Any, ...]:
    return (spec.name, _domain_key(spec.domain), [(p.id, p.text, p.says) for p in spec.policies],
            spec.describe, spec.tools, [p.text for p in spec.approval], repr(spec.access),
            sorted(spec.problems),
            [_problem_key(load_problem(spec, name)) for name in sorted(spec.problems)])


def _problems(spec: Spec) -> list[Problem]:
    return [load_problem(spec, name) for name in sorted(spec.problems)]


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(BUILTIN), seed=st.integers(0, 10**6),
       kinds=st.sets(st.sampled_from(KINDS), min_size=1))
def test_renamed_spec_loads_and_maps_back(tmp_path_factory: Any, name: str, seed: int,
                                          kinds: set[str]) -> None:
    tmp = tmp_path_factory.mktemp("ren")
    spec = load_spec(SPECS / name)
    problems = _problems(spec)
    renaming = fresh_renaming(spec.domain, problems, seed=seed, kinds=kinds)  # type: ignore[arg-type]
    renamed = load_spec(rename_spec(SPECS / name, tmp / "renamed", renaming))
    # every name of a renamed kind is gone, each replaced by its new name
    if "predicates" in kinds:
        assert set(renamed.domain.predicates) == {renaming.names[p] for p in spec.domain.predicates}
    if "actions" in kinds:
        assert set(renamed.domain.actions) == {renaming.names[a] for a in spec.domain.actions}
        assert set(renamed.tools) == {renaming.names[a] for a in spec.tools}
    if "objects" in kinds:
        for p, q in zip(problems, _problems(renamed), strict=True):
            assert set(q.objects) == {renaming.name(o) for o in p.objects}
    assert [p.id for p in renamed.policies] == [p.id for p in spec.policies]
    back = load_spec(rename_spec(tmp / "renamed", tmp / "back", renaming.inverse()))
    assert _spec_key(back) == _spec_key(spec)


def test_every_name_of_a_builtin_spec_is_replaced(tmp_path: Path) -> None:
    for name in BUILTIN:
        spec = load_spec(SPECS / name)
        problems = _problems(spec)
        renaming = fresh_renaming(spec.domain, problems, seed=3)
        renamed = load_spec(rename_spec(SPECS / name, tmp_path / name, renaming))
        old = (set(spec.domain.types) | set(spec.domain.predicates) | set(spec.domain.actions)
               | {o for p in problems for o in p.objects}) - {"object"}
        new = (set(renamed.domain.types) | set(renamed.domain.predicates)
               | set(renamed.domain.actions) | {o for p in _problems(renamed) for o in p.objects})
        assert not old & new, name
        text = (tmp_path / name / "domain.pddl").read_text() + "".join(
            p.read_text() for p in (tmp_path / name / "problems").glob("*.pddl"))
        assert spec.domain.name not in text.split() and ";" not in text


def test_renamed_spec_passes_plansafe_check(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    spec = load_spec(SPECS / "devops")
    dst = rename_spec(SPECS / "devops", tmp_path / "devops",
                      fresh_renaming(spec.domain, _problems(spec), seed=5))
    result = CliRunner().invoke(app, ["check", str(dst), "--problem", "p01", "--horizon", "4"])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_a_renamed_plan_keeps_its_verdict(tmp_path: Path) -> None:
    spec = load_spec(SPECS / "onboarding")
    problem = load_problem(spec, "p01")
    renaming = fresh_renaming(spec.domain, [problem], seed=11)
    renamed = load_spec(rename_spec(SPECS / "onboarding", tmp_path / "on", renaming))
    moved = rename_problem(problem, renaming, renamed.domain_path, tmp_path / "p.pddl")
    assert _problem_key(rename_problem(moved, renaming.inverse(), spec.domain_path,
                                       tmp_path / "q.pddl")) == _problem_key(problem)
    # the ordered plan as a sequence (its text)
    plan = parse_plan(plan_to_text(read_plan(SPECS / "onboarding" / "plans" / "p01-ordered.json")))
    good = Checker(problem, policies=spec.policies, access=spec.access).check(plan)
    assert good.valid
    new_plan = parse_plan(rename_text(plan_to_text(plan), renaming))
    ren = Checker(moved, policies=renamed.policies, access=renamed.access)
    assert ren.check(new_plan).valid
    # the same plan without its first step breaks the renamed check-before-account policy
    short = parse_plan("".join(rename_text(plan_to_text(plan), renaming).splitlines(True)[1:]))
    assert not ren.check(short).valid


def test_a_renaming_is_one_to_one_and_leaves_keywords_alone() -> None:
    with pytest.raises(PlansafeError, match="one to one"):
        Renaming({"a": "x", "b": "x"})
    with pytest.raises(PlansafeError, match="reserved"):
        Renaming({"and": "x"})
    r = Renaming({"on": "zu", "a": "ko"})
    assert rename_text("(forall (?x - block) (always (not (on a ?x))))", r) == \
        "(forall (?x - block) (always (not (zu ko ?x))))"
