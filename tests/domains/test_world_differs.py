"""The simulated world differs from the PDDL model where a scenario says so (issue 26):
hidden preconditions, lost and late effects, side effects, partial observation."""

from __future__ import annotations

import asyncio

import pytest

from domains.base import Observation, RunInfo, ToolContext, ToolRefused
from domains.faults import WORLD_DIFFERENCES, FaultPlan, ScheduledFault
from domains.scenarios import world_difference
from domains.world import world_store
from engine.tools import ToolSet
from verifier.spec import load_problem, load_spec

BUILT = ("built", "api")


def _run(specs_dir, tmp_path, kind: str):  # type: ignore[no-untyped-def]  # noqa: ANN001
    spec = load_spec(specs_dir / "devops")
    problem = load_problem(spec, "p01")
    tools = ToolSet(spec.tools)
    faults = FaultPlan(seed=3, schedule=(ScheduledFault(kind, None, None, 1, 1),))
    info = RunInfo(f"r-{kind}", spec.domain, problem.objects, problem.init,
                   str(tmp_path / "w.sqlite"), faults.to_json())
    tools.setup(info)

    def call(step: str, action: str, *args: str):  # type: ignore[no-untyped-def]
        ctx = ToolContext(info.run_id, step, None, f"k-{step}", action, args, 1, 0.5,
                          info.world)
        out = tools.tool(action)(ctx, *args)
        return asyncio.run(out) if asyncio.iscoroutine(out) else out

    return tools, info, call


def test_hidden_precondition_refuses_for_a_reason_the_domain_does_not_name(
        specs_dir, tmp_path) -> None:  # noqa: ANN001
    tools, info, call = _run(specs_dir, tmp_path, "hidden-precondition")
    with pytest.raises(ToolRefused, match="refused: ") as e:  # not an outage: it may pass
        call("s1", "build", "api")
    assert "does not hold" not in str(e.value)  # no PDDL precondition is named
    assert BUILT not in tools.observe(info)
    call("s2", "build", "api")  # the condition passed
    assert BUILT in tools.observe(info)


def test_lost_effect_reports_an_effect_that_did_not_happen(specs_dir, tmp_path) -> None:  # noqa: ANN001
    tools, info, call = _run(specs_dir, tmp_path, "lost-effect")
    obs = call("s1", "build", "api")
    assert obs == Observation.of([BUILT], [])
    assert BUILT not in tools.observe(info)


def test_late_effect_happens_before_the_next_look(specs_dir, tmp_path) -> None:  # noqa: ANN001
    tools, info, call = _run(specs_dir, tmp_path, "late-effect")
    assert call("s1", "build", "api") == Observation.of([BUILT], [])
    assert BUILT not in world_store(info.world).atoms(info.run_id)  # not yet
    assert BUILT in tools.observe(info)  # then it happened


def test_side_effect_changes_what_the_action_does_not_say(specs_dir, tmp_path) -> None:  # noqa: ANN001
    tools, info, call = _run(specs_dir, tmp_path, "side-effect")
    obs = call("s1", "build", "api")
    assert obs == Observation.of([BUILT], [])
    assert BUILT not in tools.observe(info)  # devops' drift undid the fresh build


def test_partial_observation_reports_nothing(specs_dir, tmp_path) -> None:  # noqa: ANN001
    tools, info, call = _run(specs_dir, tmp_path, "partial-observation")
    assert call("s1", "build", "api") == Observation()
    assert BUILT in tools.observe(info)


def test_a_third_of_scenarios_differ_and_every_kind_occurs() -> None:
    kinds = [world_difference(f"devops-{i:03d}")[0] for i in range(100)]
    assert sum(1 for k in kinds if k) >= 30
    assert set(kinds) - {""} == set(WORLD_DIFFERENCES)
    assert world_difference("no-index") == ("", 0)
