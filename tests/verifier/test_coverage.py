"""The strategies exercise the spec: problems shaped like the examples (static facts, goals
that need several steps) and a coverage report that shows what the drawn plans did."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import strategies as ps
from verifier.model import Plan

ROOT = Path(__file__).resolve().parents[2]
SPECS = ["blocksworld", "devops", "documents", "onboarding", "release",
         pytest.param("robotics", marks=pytest.mark.slow)]


@pytest.mark.parametrize("name", SPECS)
def test_coverage_of_every_built_in_spec_is_not_trivial(name: str) -> None:
    spec = ps.load(ROOT / "specs" / name)
    report = ps.coverage(spec, n=20)
    assert report.problems > 0 and report.multi_step_goals > 0, report
    assert report.reached_goal > 0 and report.valid > 0, report
    assert report.violated, report  # some drawn plan broke some rule
    static = spec.domain.static_predicates
    if any(a[0] in static for name in spec.problems for a in ps.problem(spec, name).init):
        assert report.with_static_facts == report.problems, report  # the examples' are kept
    assert str(report).startswith(f"{report.plans} plans:")


def test_default_problems_keep_the_examples_static_facts() -> None:
    spec = ps.load(ROOT / "specs" / "onboarding")  # (hired ?p) is static: no action adds it
    static = spec.domain.static_predicates

    @settings(max_examples=15, deadline=None, database=None)
    @given(ps.problems(spec))
    def run(problem):  # noqa: ANN001
        assert any(a[0] in static for a in problem.init)
        assert not ps.reaches_goal(problem, Plan(()))  # the goal is not true already

    run()


def test_drawn_objects_get_static_facts_with_the_examples_density() -> None:
    spec = ps.load(ROOT / "specs" / "onboarding")
    seen: list[int] = []

    @settings(max_examples=15, deadline=None, database=None)
    @given(ps.problems(spec, objects={"person": (2, 3)}))
    def run(problem):  # noqa: ANN001
        seen.append(sum(1 for a in problem.init if a[0] == "hired"))

    run()
    assert sum(seen) > 0  # init=0.0 (the old default) gave none


def test_coverage_names_rules_no_plan_broke() -> None:
    spec = ps.load(ROOT / "examples" / "hospital")
    problem = ps.problem(spec, "p02")
    report = ps.coverage(spec, problems_from=st.just(problem), n=10,
                         plans=lambda p: ps.nearly_valid_plans(p, mutation=0.0))
    assert report.problems == 1 and report.plans == 10
    assert set(report.never_violated) <= {p.id for p in spec.policies}
    assert report.reached_goal == report.executable
