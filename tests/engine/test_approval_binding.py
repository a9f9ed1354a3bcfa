"""An approval binds to the exact ground action, agent and plan generation (issue 27, item 0)."""

from __future__ import annotations

from typing import Any

import pytest

from domains.base import Observation
from engine.executor import idempotency_key
from engine.journal import MemoryJournal
from engine.runstate import RunState


def _plan(gen: int, action: str, args: list[str]) -> dict[str, Any]:
    return {"generation": gen, "reason": "test", "init": [], "forbidden": [],
            "certificate": {"id": "x"},
            "plan": {"steps": [{"id": "r1.s1", "action": action, "args": args,
                                "agent": "lead"}]}}


def test_a_replan_reusing_a_step_id_for_another_action_is_not_approved() -> None:
    j = MemoryJournal()
    j.append("r", "run-started", {"init": []})
    j.append("r", "plan-certified", _plan(0, "deploy", ["web", "prod"]))
    j.append("r", "approval-requested", {"step": "r1.s1"})
    j.append("r", "approval", {"step": "r1.s1", "approved": True, "by": "alice",
                               "generation": 0, "action": "deploy", "args": ["web", "prod"],
                               "agent": "lead"})
    st = RunState.fold("r", j.events("r"))
    assert st.approvals.get(st.steps["r1.s1"].binding) == (True, "alice", "")
    j.append("r", "plan-certified", _plan(1, "deploy", ["api", "prod"]))
    st = RunState.fold("r", j.events("r"))
    s = st.steps["r1.s1"]
    assert s.call == "(deploy api prod)"
    assert st.approvals.get(s.binding) is None and s.binding not in st.requested
    # the same call in a new generation also waits for its own approval
    j.append("r", "plan-certified", _plan(2, "deploy", ["web", "prod"]))
    st = RunState.fold("r", j.events("r"))
    assert st.approvals.get(st.steps["r1.s1"].binding) is None


def test_an_approval_that_names_no_call_binds_nothing() -> None:
    j = MemoryJournal()
    j.append("r", "run-started", {"init": []})
    j.append("r", "plan-certified", _plan(0, "deploy", ["web", "prod"]))
    j.append("r", "approval", {"step": "r1.s1", "approved": True, "by": "mallory"})
    st = RunState.fold("r", j.events("r"))
    assert st.approvals == {}


def test_idempotency_keys_bind_to_the_exact_call() -> None:
    a = idempotency_key("run", "r1.s1", 0, "lead", "deploy", ("web", "prod"))
    assert a != idempotency_key("run", "r1.s1", 0, "lead", "deploy", ("api", "prod"))
    assert a != idempotency_key("run", "r1.s1", 1, "lead", "deploy", ("web", "prod"))
    assert a != idempotency_key("run", "r1.s1", 0, "release", "deploy", ("web", "prod"))
    assert a == idempotency_key("run", "r1.s1", 0, "lead", "deploy", ("web", "prod"))


def test_approve_refuses_when_the_step_is_now_another_call(make_engine) -> None:  # noqa: ANN001
    from verifier.errors import PlansafeError

    e = make_engine(faults="none")
    r = e.run("p02")
    step = r.waiting[0]
    s = RunState.fold(r.run_id, e.journal.events(r.run_id)).steps[step]
    with pytest.raises(PlansafeError, match="nothing approved"):
        e.approve(r.run_id, step, call="(deploy nothing prod)")
    with pytest.raises(PlansafeError, match="nothing approved"):
        e.approve(r.run_id, step, generation=s.gen + 1)
    ev = e.approve(r.run_id, step, call=s.call, generation=s.gen)
    assert ev.payload["action"] == s.action and ev.payload["generation"] == s.gen


def test_after_a_replan_an_approved_step_waits_for_a_new_approval(make_engine) -> None:  # noqa: ANN001
    from tests.engine.test_executor import _noop_tools

    e0 = make_engine(faults="none")
    calls: list[tuple[str, ...]] = []
    failed: list[bool] = []

    def tools(spec: Any) -> dict[str, Any]:
        base = _noop_tools(spec)

        async def deploy(ctx: Any, *args: str) -> Any:
            calls.append(args)
            if args[1] == "prod" and not failed:
                failed.append(True)
                # it did nothing: an effect mismatch, then a replan from the observed state
                return Observation.of(not_holds=[("deployed", *args)])
            return await base["deploy"](ctx, *args)
        return {**base, "deploy": deploy}

    e = make_engine(faults="none", tools=tools(e0.spec))
    r = e.run("p02")
    assert r.status == "waiting-approval"
    first = r.waiting[0]
    e.approve(r.run_id, first, by="alice")
    r2 = e.resume(r.run_id)
    st = RunState.fold(r.run_id, e.journal.events(r.run_id))
    assert failed and st.replans >= 1
    # the replan's prod deploy (whatever its id) is not covered by alice's approval
    assert r2.status == "waiting-approval", r2.message
    waiting = [st.steps[w] for w in r2.waiting]
    assert waiting and all(w.gen == st.gen and st.approvals.get(w.binding) is None
                           for w in waiting)
    prod_calls = [c for c in calls if c[1] == "prod"]
    assert len(prod_calls) == 1  # only the approved call ran
