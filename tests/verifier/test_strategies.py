"""The public hypothesis strategies, and the README's property-testing example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from verifier import strategies as ps
from verifier.model import Plan, Step
from verifier.validate import Checker, linearize

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "README.md"


@pytest.fixture(scope="module")
def devops():
    spec = ps.load(ROOT / "specs" / "devops")
    return spec, ps.problem(spec, "p03")


STRUCTURAL = {"unknown-action", "arity", "type", "unknown-object", "malformed"}


def test_ground_actions_are_well_typed(devops):
    spec, problem = devops
    checker = Checker(problem)

    @settings(max_examples=60, deadline=None, database=None)
    @given(ps.ground_actions(problem, access=spec.access))
    def run(g):
        v = checker.check(Plan((Step("s1", g.name, g.args),)))
        assert not STRUCTURAL & {x.kind for x in v.violations}
        assert spec.access.permitted(g.name, g.args)

    run()


def test_states(devops):
    _, problem = devops

    @settings(max_examples=40, deadline=None, database=None)
    @given(ps.states(problem), ps.states(problem, reachable=True))
    def run(any_state, reachable):
        assert all(isinstance(a, tuple) and a for a in any_state | reachable)
        assert problem.init & {a for a in problem.init if a[0] == "built"} <= reachable

    run()


def test_executable_plans_are_executable(devops):
    _, problem = devops

    @settings(max_examples=60, deadline=None, database=None)
    @given(ps.sequential_plans(problem, max_steps=12, executable=True),
           ps.nearly_valid_plans(problem, mutation=0.0))
    def run(walk, near):
        assert ps.executable(problem, walk) and ps.executable(problem, near)

    run()


def test_nearly_valid_plans_reach_the_policy_checks(devops):
    spec, problem = devops
    plans = ps.nearly_valid_plans(problem, respect=spec.policies)

    def verdict(p):
        return ps.verdict(spec, problem, p)

    valid = find(plans, lambda p: verdict(p).valid, settings=settings(database=None))
    assert ps.reaches_goal(problem, valid)
    broken = find(plans, lambda p: ps.executable(problem, p) and ps.reaches_goal(problem, p)
                  and bool(verdict(p).violations), settings=settings(database=None,
                                                                  max_examples=500))
    assert {x.kind for x in verdict(broken).violations} == {"policy"}


def test_partial_order_plans_are_acyclic_and_parallel(devops):
    _, problem = devops

    @settings(max_examples=60, deadline=None, database=None)
    @given(ps.partial_order_plans(problem, base=ps.nearly_valid_plans(problem, max_steps=8)))
    def run(plan):
        assert linearize(plan) is not None
        if len(plan.steps) > 1:
            assert not plan.is_sequential
        orders = list(ps.schedules(plan, limit=20))
        assert orders and all(o.is_sequential for o in orders)
        assert {s.id for s in orders[0].steps} == {s.id for s in plan.steps}

    run()


def test_random_problems_are_real_problems(devops):
    spec, _ = devops

    @settings(max_examples=8, deadline=None, database=None)
    @given(ps.problems(spec, objects={"service": (1, 3)}, init=0.1))
    def run(problem):
        services = [o for o, t in problem.objects.items() if t == "service"]
        assert 1 <= len(services) <= 3 and problem.up_problem is not None
        Checker(problem).check(Plan(()))  # grounds and evaluates without error

    run()


def test_policy_holds_rejects_unknown_ids(devops):
    spec, problem = devops
    with pytest.raises(ValueError, match="policy_id='nope'"):
        ps.policy_holds(spec, problem, Plan(()), "nope")


def test_readme_example_runs(monkeypatch):
    """The python block of the README's property-testing section, run as written."""
    section = DOC.read_text().split("## Property-based testing", 1)[1].split("\n## ", 1)[0]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    assert "ps.nearly_valid_plans" in code
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "property_testing_example"}
    # the block's own source under its own name, so that inspect (hypothesis reads a test's
    # source) sees these lines and not README.md's lines at the same numbers
    import linecache

    name = f"{DOC} (property-testing example)"
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    exec(compile(code, name, "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert len(tests) == 4
    for test in tests:
        test()


def test_strategies_compose_with_st_data(devops):
    spec, problem = devops

    @settings(max_examples=20, deadline=None, database=None)
    @given(st.data())
    def run(data):
        plan = data.draw(ps.sequential_plans(problem, max_steps=4))
        assert len(plan.steps) <= 4

    run()
