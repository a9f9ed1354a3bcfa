"""Domain packs: simulated tools act by the action model, faults are seeded and deterministic."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domains.base import (
    Observation,
    PermanentToolError,
    PreconditionFailed,
    RunInfo,
    ToolContext,
    TransientToolError,
)
from domains.faults import FaultPlan, ScheduledFault
from domains.world import WorldStore
from engine.tools import ToolSet, load_callable
from verifier.spec import load_problem, load_spec

SPECS = ("devops", "blocksworld", "documents", "robotics")


@pytest.fixture(scope="module")
def specs(specs_dir):  # noqa: ANN001
    return {name: load_spec(specs_dir / name) for name in SPECS}


def _setup(spec, problem, run_id: str, world: str, faults: FaultPlan | None = None):  # noqa: ANN001
    tools = ToolSet(spec.tools)
    info = RunInfo(run_id, spec.domain, problem.objects, problem.init, world,
                   faults.to_json() if faults else None)
    tools.setup(info)
    return tools, info


def _call(tools: ToolSet, info: RunInfo, step: str, action: str, *args: str,
          attempt: int = 1, key: str | None = None):  # noqa: ANN201
    fn = tools.tool(action)
    ctx = ToolContext(info.run_id, step, None, key or f"k-{step}", action, tuple(args), attempt,
                      0.5, info.world)
    out = fn(ctx, *args)
    return asyncio.run(out) if asyncio.iscoroutine(out) else out


@pytest.mark.parametrize("name", SPECS)
def test_every_action_has_a_loadable_tool_and_hooks(specs, name: str) -> None:  # noqa: ANN001
    spec = specs[name]
    assert set(spec.tools) == set(spec.domain.actions)
    for ref in spec.tools.values():
        fn = load_callable(ref)
        assert callable(fn) and getattr(fn, "timeout_s", None)
    tools = ToolSet(spec.tools)
    assert tools.can_observe and tools.demo_faults() is not None


def test_devops_tools_follow_the_action_model(specs, tmp_path) -> None:  # noqa: ANN001
    spec = specs["devops"]
    problem = load_problem(spec, "p01")
    tools, info = _setup(spec, problem, "r1", str(tmp_path / "w.sqlite"))
    obs = _call(tools, info, "s1", "build", "api")
    assert obs == Observation.of([("built", "api")], [])
    assert ("built", "api") in tools.observe(info)
    with pytest.raises(PreconditionFailed) as e:  # built already: (not (built api)) fails
        _call(tools, info, "s2", "build", "api")
    assert ("built", "api") in e.value.observation.holds
    _call(tools, info, "s3", "deploy", "api", "staging")
    assert ("deployed", "api", "staging") in tools.observe(info)


def test_idempotent_tools_act_once_per_key(specs, tmp_path) -> None:  # noqa: ANN001
    spec = specs["devops"]
    problem = load_problem(spec, "p01")
    tools, info = _setup(spec, problem, "r1", str(tmp_path / "w.sqlite"))
    assert tools.idempotent("build") and not tools.idempotent("deploy")
    first = _call(tools, info, "s1", "build", "api", key="same")
    again = _call(tools, info, "s1", "build", "api", key="same", attempt=2)
    assert first == again
    store = WorldStore(str(tmp_path / "w.sqlite"))
    assert [row[0] for row in store.applied("r1")] == ["s1"]


def test_world_survives_reopening_and_setup_keeps_it(specs, tmp_path) -> None:  # noqa: ANN001
    spec = specs["devops"]
    problem = load_problem(spec, "p01")
    tools, info = _setup(spec, problem, "r1", str(tmp_path / "w.sqlite"))
    _call(tools, info, "s1", "build", "api")
    tools.setup(info)  # a resume: the world stays as it is
    assert ("built", "api") in tools.observe(info)
    assert ("built", "api") in WorldStore(str(tmp_path / "w.sqlite")).atoms("r1")


def test_scheduled_faults(specs, tmp_path) -> None:  # noqa: ANN001
    spec = specs["devops"]
    problem = load_problem(spec, "p01")
    plan = FaultPlan(schedule=(ScheduledFault("transient", action="build"),
                               ScheduledFault("permanent", action="test"),
                               ScheduledFault("wrong-effect", action="deploy")))
    tools, info = _setup(spec, problem, "r1", str(tmp_path / "w.sqlite"), plan)
    with pytest.raises(TransientToolError):
        _call(tools, info, "s1", "build", "api")
    assert _call(tools, info, "s1", "build", "api", attempt=2).holds == {("built", "api")}
    with pytest.raises(PermanentToolError):
        _call(tools, info, "s2", "test", "api")
    obs = _call(tools, info, "s3", "deploy", "api", "staging")
    assert ("deployed", "api", "staging") in obs.not_holds
    assert ("deployed", "api", "staging") not in tools.observe(info)


def test_slow_async_tool_is_cancelled_by_its_timeout(specs, tmp_path) -> None:  # noqa: ANN001
    from engine.tools import ToolTimeout, call_tool

    spec = specs["devops"]
    problem = load_problem(spec, "p01")
    plan = FaultPlan(schedule=(ScheduledFault("slow", action="deploy"),))
    tools, info = _setup(spec, problem, "r1", str(tmp_path / "w.sqlite"), plan)
    _call(tools, info, "s1", "build", "api")
    ctx = ToolContext("r1", "s2", None, "k", "deploy", ("api", "staging"), 1, 0.05, info.world)
    with pytest.raises(ToolTimeout):
        asyncio.run(call_tool(tools.tool("deploy"), ctx, timeout_s=0.05))
    assert ("deployed", "api", "staging") not in tools.observe(info)  # cancelled before acting


def test_slow_sync_tool_stops_when_cancelled(specs, tmp_path) -> None:  # noqa: ANN001
    from engine.tools import ToolTimeout, call_tool

    spec = specs["blocksworld"]
    problem = load_problem(spec, "p01")
    plan = FaultPlan(schedule=(ScheduledFault("slow", action="unstack"),))
    tools, info = _setup(spec, problem, "r1", str(tmp_path / "w.sqlite"), plan)
    ctx = ToolContext("r1", "s1", None, "k", "unstack", ("a", "b"), 1, 0.05, info.world)
    with pytest.raises(ToolTimeout) as e:
        asyncio.run(call_tool(tools.tool("unstack"), ctx, timeout_s=0.05))
    assert e.value.finished
    assert ("on", "a", "b") in tools.observe(info)


@given(seed=st.integers(0, 2**32), rate=st.floats(0, 1), attempt=st.integers(1, 5),
       step=st.text("abcs0123456789.", min_size=1, max_size=6))
def test_fault_decisions_are_deterministic_and_bounded(seed: int, rate: float, attempt: int,
                                                       step: str) -> None:
    plan = FaultPlan.random(seed, rate)
    a = plan.decide(step_id=step, action="deploy", args=("api", "prod"), attempt=attempt)
    b = FaultPlan.from_json(plan.to_json()).decide(step_id=step, action="deploy",
                                                   args=("api", "prod"), attempt=attempt)
    assert a == b
    if attempt > 2:
        assert not a & {"transient", "slow", "wrong-effect", "external"}
    assert "permanent" not in a  # random plans inject no permanent failure unless asked


def test_fault_plan_rejects_bad_input() -> None:
    from verifier.errors import PlansafeError

    with pytest.raises(PlansafeError):
        FaultPlan(transient=1.5)
    with pytest.raises(PlansafeError):
        FaultPlan(schedule=(ScheduledFault("explode"),))
    with pytest.raises(PlansafeError):
        FaultPlan.from_json({"sed": 1})


@pytest.mark.parametrize("name,problem", [("devops", "p03"), ("blocksworld", "p02"),
                                          ("documents", "p02"), ("robotics", "p02")])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_drift_never_breaks_a_policy_by_itself(specs, name: str, problem: str, data) -> None:  # noqa: ANN001
    """From states reached by random executable walks, a drift keeps every policy that held."""
    import importlib

    from verifier.problem_ops import check_trajectory
    from verifier.validate import Checker

    spec = specs[name]
    prob = load_problem(spec, problem)
    checker = Checker(prob, policies=spec.policies)
    task = checker.task
    state = task.initial_state
    rng = random.Random(data.draw(st.integers(0, 10**6)))
    states = [task.atoms_of(state)]
    for _ in range(data.draw(st.integers(0, 8))):
        options = [ga for ga in task.applicable_actions(state)]
        if not options:
            break
        state = rng.choice(options).apply(state)
        states.append(task.atoms_of(state))
    before = check_trajectory(prob, spec.policies, states, [f"s{i}" for i in
                                                            range(1, len(states))],
                              complete=False)
    drift = importlib.import_module(f"domains.{name}.tools").SIMULATOR.drift
    add, delete = drift(frozenset(states[-1]), rng)
    after_state = (frozenset(states[-1]) - delete) | add
    after = check_trajectory(prob, spec.policies, [*states, after_state],
                             [f"s{i}" for i in range(1, len(states))] + ["external"],
                             complete=False)
    assert {v.rule for v in after} <= {v.rule for v in before}
