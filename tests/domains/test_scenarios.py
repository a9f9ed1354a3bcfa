"""Scenario generation: an external fault's drift is predicted exactly as the simulator makes it."""

from __future__ import annotations

import asyncio

from domains.base import RunInfo, ToolContext
from domains.faults import FaultPlan, ScheduledFault
from domains.robotics.tools import SIMULATOR
from domains.scenarios import _first_hit, realized_drift
from engine.tools import ToolSet
from verifier.spec import load_problem, load_spec


def test_realized_drift_is_the_simulators(specs_dir, tmp_path) -> None:  # noqa: ANN001
    spec = load_spec(specs_dir / "robotics")
    problem = load_problem(spec, "p01")
    tools = ToolSet(spec.tools)
    state = frozenset(problem.init)
    # the first applicable action of p01, with an external fault before it
    import itertools

    from verifier.grounding import Task

    task = Task(problem)
    mask = task.mask(problem.init)
    call = next((name, args) for name, act in sorted(spec.domain.actions.items())
                for args in itertools.product(*(task.objects_of(t) for _, t in act.params))
                if task.action(name, args).applicable(mask))
    seed = 4242
    change = realized_drift(SIMULATOR.drift, seed, "s1", call, state)
    assert change[0] or change[1], "p01 has an item that can drift"
    faults = FaultPlan(seed=seed, schedule=(ScheduledFault("external", call[0], call[1]),))
    info = RunInfo("r1", spec.domain, problem.objects, problem.init, str(tmp_path / "w.sqlite"),
                   faults.to_json())
    tools.setup(info)
    fn = tools.tool(call[0])
    ctx = ToolContext("r1", "s1", None, "k1", call[0], call[1], 1, 0.5, info.world)
    out = fn(ctx, *call[1])
    if asyncio.iscoroutine(out):
        asyncio.run(out)
    add, delete = change
    after = tools.observe(info)
    assert add <= after and not (delete & after)


def test_first_hit_is_the_first_broken_call() -> None:
    plan = [("move", ("a", "b")), ("pick", ("x",)), ("move", ("b", "c"))]
    assert _first_hit(plan, [("move", ("b", "c")), ("pick", ("x",))]) == 1
    assert _first_hit(plan, [("drop", ("x",))]) is None
