"""The Engine's cache of certified plans: keyed by spec and problem digests, dropped when the
spec's files change, and never holding a plan the verifier refuses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.plan_cache import PlanCache, cached_planner
from tests.engine.planners import bfs_planner, counting

pytestmark = pytest.mark.timeout(120)


def test_a_second_run_of_one_problem_does_not_plan_again(make_engine) -> None:  # noqa: ANN001
    planner = counting(bfs_planner)
    e = make_engine(planner=planner)
    first, second = e.run("p01"), e.run("p01")
    assert first.status == second.status == "completed"
    assert planner.calls == 1 and e.plan_cache.hits == 1
    e.run("p02", approvals="auto")  # another problem: planned
    assert planner.calls == 2


def test_the_cache_is_dropped_when_the_spec_changes(specs_dir: Path, tmp_path: Path) -> None:
    from verifier.spec import load_spec

    root = tmp_path / "devops"
    shutil.copytree(specs_dir / "devops", root)
    spec = load_spec(root)
    planner = counting(bfs_planner)
    cache = PlanCache()
    plan = cached_planner(spec, planner, cache)
    problem = _read(spec, "p01")
    kw: dict[str, Any] = {"policies": spec.policies, "access": spec.access,
                          "describe": spec.describe, "timeout_s": 10.0}
    plan(problem, **kw)
    plan(problem, **kw)
    assert (planner.calls, cache.hits) == (1, 1)
    domain = root / "domain.pddl"
    domain.write_text(domain.read_text() + "\n; edited\n")
    plan(problem, **kw)
    assert planner.calls == 2 and cache.invalidations == 1


def test_a_plan_the_verifier_refuses_is_not_kept(devops_spec: Any) -> None:
    from engine.symbolic.planning import PlanResult
    from verifier.model import Plan

    calls = []

    def empty(problem: Any, **kw: Any) -> PlanResult:  # "solved" with a plan reaching nothing
        calls.append(1)
        return PlanResult("solved", Plan(()), None, "test", 0.0)

    cache = PlanCache()
    plan = cached_planner(devops_spec, empty, cache)
    problem = _read(devops_spec, "p01")
    plan(problem, policies=devops_spec.policies, access=devops_spec.access)
    plan(problem, policies=devops_spec.policies, access=devops_spec.access)
    assert len(calls) == 2 and len(cache) == 0


def _read(spec: Any, name: str) -> Any:
    from verifier.pddl import read_problem

    return read_problem(spec.domain_path, spec.problems[name])
