"""The Executor and Monitor through the API: certified plans only, faults, approvals, order."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domains.base import Observation, PermanentToolError, TransientToolError
from domains.faults import FaultPlan, ScheduledFault
from tests.engine.conftest import applied_counts, step_runs
from verifier.certificate import CertificateError

pytestmark = pytest.mark.timeout(300)


def _noop_tools(spec: Any, record: list[Any] | None = None, **special: Any) -> dict[str, Any]:
    """Tools that report the predicted effects; ``special`` replaces some."""
    from verifier.grounding import Task
    from verifier.model import Const, Problem

    def make(action: str) -> Any:
        async def tool(ctx: Any, *args: str) -> Observation:
            if record is not None:
                record.append(ctx)
            problem = Problem("x", spec.domain, {a: "object" for a in args}, frozenset(),
                              Const(True))
            task = Task(problem)
            ga = task.action(action, tuple(args))
            return Observation(task.atoms_of(ga.add), task.atoms_of(ga.delete))
        return tool

    out = {a: make(a) for a in spec.domain.actions}
    out.update(special)
    return out


def test_completes_with_each_step_journaled_once(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults="none")
    r = e.run("p01")
    assert r.status == "completed" and r.replans == 0 and r.violations_executed == 0
    assert [s["status"] for s in r.steps] == ["completed"] * len(r.steps)
    assert set(step_runs(e.journal, r.run_id).values()) == {1}
    assert set(applied_counts(e.world, r.run_id).values()) == {1}
    assert ("deployed", "api", "staging") in r.final_state
    assert e.journal.verify_chain().ok
    kinds = [ev.kind for ev in e.journal.events(r.run_id)]
    assert kinds[0] == "run-started" and kinds[-1] == "run-finished"
    assert "plan-certified" in kinds and "message" in kinds


def test_tool_context(make_engine, devops_spec) -> None:  # noqa: ANN001
    seen: list[Any] = []
    e = make_engine(tools=_noop_tools(devops_spec, seen))
    r = e.run("p01")
    assert r.status == "completed"
    assert {c.run_id for c in seen} == {r.run_id}
    assert [c.step_id for c in seen] == [s["id"] for s in r.steps]
    assert all(c.agent in ("ci", "release") and len(c.idempotency_key) == 32 for c in seen)
    assert len({c.idempotency_key for c in seen}) == len(seen)


def _certified(e: Any, problem: str = "p01") -> Any:
    return e.plan(problem)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_plan_with_one_byte_changed_is_refused(make_engine, data) -> None:  # noqa: ANN001
    from verifier.errors import SpecError
    from verifier.plan_io import parse_plan, plan_to_json

    e = make_engine(faults="none")
    cp = _certified(e)
    raw = json.dumps({"steps": plan_to_json(cp.plan)["steps"]}).encode()
    i = data.draw(st.integers(0, len(raw) - 1))
    new = data.draw(st.integers(32, 126).filter(lambda b: b != raw[i]))
    changed = raw[:i] + bytes([new]) + raw[i + 1:]
    try:
        plan = parse_plan(changed.decode())
    except (SpecError, UnicodeDecodeError):
        return  # not a plan any more: refused as bad input
    from verifier.certificate import plan_digest

    if plan_digest(plan) == plan_digest(cp.plan):
        return  # the byte was insignificant (whitespace, key order): the same plan
    before = len(e.journal.events(kinds=("step-intent",)))
    with pytest.raises(CertificateError):
        e.run(cp.problem, plan=plan, certificate=cp.certificate)
    assert len(e.journal.events(kinds=("step-intent",))) == before  # nothing ran
    assert e.journal.events(kinds=("refused",))


def test_a_plan_without_a_certificate_is_refused(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults="none")
    cp = _certified(e)
    with pytest.raises(CertificateError):
        e.run(cp.problem, plan=cp.plan)


def test_a_certified_plan_runs(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults="none")
    r = e.run(_certified(e))
    assert r.status == "completed"


def test_a_certificate_of_plansafe_validate_is_accepted(make_engine, devops_spec) -> None:  # noqa: ANN001
    from pathlib import Path

    from verifier.certificate import issue_certificate

    e = make_engine(faults="none")
    cp = _certified(e)
    problem = e.problem("p01")
    cert = issue_certificate(cp.verdict, spec_files=devops_spec.files(),
                             problem_file=Path(problem.path), plan=cp.plan)
    assert e.run(problem, plan=cp.plan, certificate=cert).status == "completed"


def test_access_rules_changed_after_certification_refuse_the_plan(make_engine, devops_spec  # noqa: ANN001
                                                                  ) -> None:
    from verifier.access import AccessRules, Agent, Pattern

    e = make_engine(faults="none")
    cp = _certified(e)
    e.spec = replace(devops_spec, access=AccessRules((Agent("ci", (Pattern("build"),)),)))
    with pytest.raises(CertificateError):
        e.run(cp)


def test_approval_waits_then_approve_and_resume(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults="none")
    r = e.run("p02")
    assert r.status == "waiting-approval" and r.waiting
    step = r.waiting[0]
    assert e.journal.events(r.run_id, kinds=("approval-requested",))
    again = e.resume(r.run_id)  # no approval yet: still waiting, nothing more ran
    assert again.status == "waiting-approval"
    e.approve(r.run_id, step, by="test")
    done = e.resume(r.run_id)
    assert done.status == "completed" and done.violations_executed == 0
    assert set(step_runs(e.journal, r.run_id).values()) == {1}


def test_approval_given_while_waiting_in_process(make_engine) -> None:  # noqa: ANN001
    from engine.runner import RunOptions

    e = make_engine(faults="none", options=RunOptions(approval_wait_s=20.0))

    def approver(ev: Any) -> None:
        if ev.kind == "approval-requested":
            threading.Timer(0.3, lambda: e.approve(ev.run_id, ev.payload["step"],
                                                   by="timer")).start()

    assert e.run("p02", on_event=approver).status == "completed"


def test_rejection_stops_with_an_explanation_and_nothing_unsafe(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults="none")
    r = e.run("p02")
    e.approve(r.run_id, r.waiting[0], approved=False, by="test", reason="freeze")
    done = e.resume(r.run_id)
    assert done.status == "stopped"
    kinds = [x["kind"] for x in done.explanations]
    assert kinds[-1] == "approval-rejected" and done.explanations[-1]["action"] == "stop"
    assert done.violations_executed == 0
    assert ("deployed", "api", "prod") not in done.final_state


def test_transient_faults_are_retried_with_bounded_attempts(make_engine, devops_spec) -> None:  # noqa: ANN001
    calls = {"n": 0}

    async def flaky(ctx: Any, s: str) -> Observation:
        calls["n"] += 1
        if ctx.attempt < 3:
            raise TransientToolError("try again")
        return Observation.of([("built", s)])

    e = make_engine(tools=_noop_tools(devops_spec, build=flaky))
    r = e.run("p01")
    assert r.status == "completed" and r.steps[0]["attempts"] == 3 and calls["n"] == 3
    assert len(e.journal.events(r.run_id, kinds=("retry",))) == 2


def test_a_step_that_always_fails_ends_stopped_not_looping(make_engine, devops_spec) -> None:  # noqa: ANN001
    async def broken(ctx: Any, s: str) -> Observation:
        raise TransientToolError("registry down")

    e = make_engine(tools=_noop_tools(devops_spec, build=broken))
    r = e.run("p01")
    assert r.status == "stopped"
    assert r.explanations[-1]["action"] == "stop"
    assert all(s["attempts"] <= 3 for s in r.steps)


def test_an_exception_is_explained_and_the_call_not_planned_again(make_engine, devops_spec) -> None:  # noqa: ANN001
    async def crash(ctx: Any, s: str) -> Observation:
        raise RuntimeError("segfault in the build farm")

    e = make_engine(tools=_noop_tools(devops_spec, build=crash))
    r = e.run("p01")
    assert r.status == "stopped"
    assert r.explanations[-1]["kind"] == "exception" and "build" in r.explanations[-1]["call"]


def test_permanent_failure_stops_when_no_other_plan_exists(make_engine) -> None:  # noqa: ANN001
    faults = FaultPlan(schedule=(ScheduledFault("permanent", action="deploy", times=99),))
    e = make_engine(faults=faults)
    r = e.run("p01")
    assert r.status == "stopped" and r.explanations[-1]["kind"] == "permanent"
    assert ("deployed", "api", "staging") not in r.final_state


def test_timeouts_are_retried(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults=FaultPlan(schedule=(ScheduledFault("slow", action="test"),)))
    r = e.run("p01")
    assert r.status == "completed"
    results = e.journal.events(r.run_id, kinds=("step-result",))
    assert any(ev.payload.get("kind") == "timeout" for ev in results)
    assert set(applied_counts(e.world, r.run_id).values()) == {1}


def test_a_slow_non_idempotent_step_is_decided_from_the_world(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults=FaultPlan(schedule=(ScheduledFault("slow", action="deploy"),)))
    r = e.run("p01")
    assert r.status == "completed"
    assert set(applied_counts(e.world, r.run_id).values()) == {1}


def test_effect_mismatch_is_explained_and_replanned(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults=FaultPlan(schedule=(ScheduledFault("wrong-effect", action="deploy"),)))
    r = e.run("p01")
    assert r.status == "completed" and r.replans == 1 and r.violations_executed == 0
    x = r.explanations[0]
    assert x["kind"] == "effect-mismatch" and x["action"] == "replan"
    assert ["deployed", "api", "staging"] in x["missing"]
    assert ["deployed", "api", "staging"] in x["unexpected_false"]
    assert "test-before-deploy" in x["policies"]


def test_an_external_change_is_observed_and_replanned(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults=FaultPlan(schedule=(ScheduledFault("external", action="deploy"),)))
    r = e.run("p01")
    assert r.status == "completed" and r.replans == 1
    assert r.explanations[0]["kind"] == "world-changed"
    assert e.journal.events(r.run_id, kinds=("observation",))


def test_history_aware_replanning_keeps_policies_over_the_whole_run(make_engine) -> None:  # noqa: ANN001
    """The health check after a prod deploy fails once: the replan must check again."""
    e = make_engine(faults=FaultPlan(schedule=(ScheduledFault("wrong-effect",
                                                              action="health-check"),)))
    r = e.run("p02", approvals="auto")
    assert r.status == "completed" and r.violations_executed == 0
    assert ("healthy", "api", "prod") in r.final_state
    assert "health-check-after-prod" in r.explanations[0]["policies"]


def test_concurrency_limit_and_parallel_order(make_engine, devops_spec) -> None:  # noqa: ANN001
    pytest.importorskip("verifier.z3check")
    from engine.runner import RunOptions

    state = {"now": 0, "max": 0}

    def tracking(action: str, base: Any) -> Any:
        async def tool(ctx: Any, *args: str) -> Observation:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            await asyncio.sleep(0.02)
            state["now"] -= 1
            return await base(ctx, *args)
        return tool

    base = _noop_tools(devops_spec)
    tools = {a: tracking(a, f) for a, f in base.items()}
    for limit in (1, 2):
        state.update(now=0, max=0)
        e = make_engine(tools=tools, options=RunOptions(concurrency=limit, approvals="auto"))
        r = e.run("p03")
        assert r.status == "completed" and r.violations_executed == 0
        assert r.execution and r.execution[0].startswith("generation 0: parallel")
        assert state["max"] == limit


def test_sequential_when_parallel_is_off(make_engine) -> None:  # noqa: ANN001
    from engine.runner import RunOptions

    e = make_engine(faults="none", options=RunOptions(parallel=False, approvals="auto"))
    r = e.run("p03")
    assert r.status == "completed" and r.execution == ("generation 0: sequential",)


def test_goal_in_pddl(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults="none")
    r = e.run("p01", goal="(and (deployed api staging) (healthy api staging))")
    assert r.status == "completed" and ("healthy", "api", "staging") in r.final_state


def test_arun_and_run_inside_a_loop(make_engine) -> None:  # noqa: ANN001
    from verifier.errors import PlansafeError

    e = make_engine(faults="none")

    async def main() -> Any:
        with pytest.raises(PlansafeError, match="arun"):
            e.run("p01")
        return await asyncio.gather(e.arun("p01"), e.arun("p01"))

    results = asyncio.run(main())
    assert [r.status for r in results] == ["completed", "completed"]
    assert results[0].run_id != results[1].run_id


def test_permanently_failing_tool_error_classification() -> None:
    from engine.monitor import classify
    from engine.tools import ToolTimeout

    assert classify(TransientToolError("x"), idempotent=False) == ("transient", True)
    assert classify(PermanentToolError("x"), idempotent=True) == ("permanent", False)
    assert classify(ToolTimeout("x", finished=True), idempotent=True) == ("timeout", True)
    assert classify(ToolTimeout("x", finished=True), idempotent=False) == ("timeout", False)
    assert classify(ValueError("x"), idempotent=True) == ("exception", False)


def test_no_valid_plan_stops_naming_the_blocking_policy(make_engine) -> None:  # noqa: ANN001
    """With the real symbolic planner: the health check after a prod deploy fails for good;
    no plan can satisfy health-check-after-prod any more, and the run says so."""
    faults = FaultPlan(schedule=(ScheduledFault("permanent", action="health-check", times=99),))
    e = make_engine(faults=faults, planner="symbolic")
    r = e.run("p02", approvals="auto")
    assert r.status == "stopped" and r.violations_executed == 0
    last = r.explanations[-1]
    assert last["action"] == "stop" and last["blocking"] == ["health-check-after-prod"]
    assert [o["rule"] for o in r.extra["open_obligations"]] == ["health-check-after-prod"]


def test_a_lost_effect_is_seen_in_the_world_before_a_guarded_step_runs(make_engine) -> None:  # noqa: ANN001
    """The test tool reports ``tested api`` but the world did not change (a lost effect):
    the deploy that the test-before-deploy policy guards must not run on that report."""
    from domains.world import world_store

    e = make_engine(faults=FaultPlan(schedule=(ScheduledFault("lost-effect", action="test"),)))
    r = e.run("p01")
    assert r.status == "completed" and r.replans == 1
    x = r.explanations[0]
    assert x["kind"] == "effect-mismatch" and ["tested", "api"] in x["unexpected_false"]
    calls = [c for _step, _key, c in world_store(e.world).applied(r.run_id)]
    assert calls.count("(test api)") == 2  # the lost one, and the one after the replan
    assert calls.index("(deploy api staging)") > max(
        i for i, c in enumerate(calls) if c == "(test api)")
