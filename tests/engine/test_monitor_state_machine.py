"""A state machine over the Executor and Monitor with random fault schedules, approvals and
in-process crashes (a run aborted between two journal writes, then resumed).

Invariants, after every rule:
- the journal never shows a step run twice, and neither does the simulated world;
- every run is completed, waiting for an approval, or stopped with an explanation;
- no executed prefix violates a policy (re-checked from the journal);
- the journal's hash chain is intact.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from domains.faults import FaultPlan, ScheduledFault
from tests.engine.conftest import applied_counts, step_runs
from tests.engine.planners import bfs_planner

pytestmark = pytest.mark.timeout(900)


class Crash(BaseException):
    """Stands for the process dying: raised from inside a journal write's callback."""


rates = st.sampled_from([0.0, 0.0, 0.1, 0.25])
fault_plans = st.builds(
    FaultPlan, seed=st.integers(0, 10**6), transient=rates, wrong_effect=rates, external=rates,
    slow=st.sampled_from([0.0, 0.0, 0.05]), permanent=st.sampled_from([0.0, 0.0, 0.1]),
    schedule=st.lists(st.builds(ScheduledFault,
                                kind=st.sampled_from(["transient", "wrong-effect", "external",
                                                      "permanent"]),
                                action=st.sampled_from([None, "build", "test", "deploy",
                                                        "backup", "health-check"]),
                                nth=st.integers(1, 3)), max_size=2).map(tuple))


class RuntimeMachine(RuleBasedStateMachine):
    runs = Bundle("runs")

    @initialize()
    def setup(self) -> None:
        from engine.api import Engine
        from verifier.spec import load_spec

        self.tmp = Path(tempfile.mkdtemp(prefix="plansafe-sm-"))
        spec = load_spec(Path(__file__).resolve().parents[2] / "specs" / "devops")
        self.engine = Engine(spec, journal=self.tmp / "j.sqlite", planner=bfs_planner)
        self.results: dict[str, Any] = {}
        self.crashed: set[str] = set()

    def teardown(self) -> None:
        self.engine.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _crasher(self, after: int | None) -> Any:
        if after is None:
            return None
        count = {"n": 0}

        def on_event(ev: Any) -> None:
            count["n"] += 1
            if count["n"] == after:
                raise Crash()
        return on_event

    def _record(self, run_id: str) -> None:
        from hypothesis import event

        r = self.results[run_id] = self.engine.result(run_id)
        event(f"status {r.status}")
        if r.replans:
            event("replanned")
        if any(s.get("recovered") for s in r.steps):
            event("a step recovered from the world after a crash")
        if self.engine.journal.events(run_id, kinds=("run-resumed",)):
            event("resumed")

    @rule(target=runs, problem=st.sampled_from(["p01", "p02"]), faults=fault_plans,
          approvals=st.sampled_from(["auto", "manual"]), concurrency=st.integers(1, 3),
          crash_after=st.one_of(st.none(), st.integers(1, 40)))
    def start(self, problem: str, faults: FaultPlan, approvals: str, concurrency: int,
              crash_after: int | None) -> str:
        from dataclasses import replace

        self.engine.options = replace(self.engine.options, concurrency=concurrency)
        run_id = f"run-sm-{len(self.results)}"
        try:
            self.engine.run(problem, faults=faults, approvals=approvals, run_id=run_id,
                            on_event=self._crasher(crash_after))
        except Crash:
            self.crashed.add(run_id)
        self._record(run_id)
        return run_id

    @rule(run=runs, crash_after=st.one_of(st.none(), st.integers(1, 30)))
    def resume(self, run: str, crash_after: int | None) -> None:
        before = self.results[run]
        try:
            self.engine.resume(run, on_event=self._crasher(crash_after))
        except Crash:
            self.crashed.add(run)
        self._record(run)
        if before.status in ("completed", "stopped"):
            assert self.results[run].status == before.status  # finished runs stay finished

    @rule(run=runs, approve=st.booleans())
    def decide(self, run: str, approve: bool) -> None:
        r = self.results[run]
        if r.status != "waiting-approval" or not r.waiting:
            return
        self.engine.approve(run, r.waiting[0], approved=approve, by="machine")
        self.engine.resume(run)
        self._record(run)

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def no_step_runs_twice(self) -> None:
        for run in self.results:
            assert max(step_runs(self.engine.journal, run).values(), default=1) == 1, run
            assert max(applied_counts(self.engine.world, run).values(), default=1) == 1, run

    @invariant()
    def every_run_ends_properly(self) -> None:
        for run, r in self.results.items():
            if run in self.crashed and r.status == "running":
                continue  # crashed and not resumed yet
            assert r.status in ("completed", "stopped", "waiting-approval"), (run, r.status)
            if r.status == "stopped":
                assert r.explanations and r.explanations[-1]["action"] == "stop"
            if r.status == "completed":
                assert r.extra["goal_reached"] is True

    @invariant()
    def no_executed_prefix_violates_a_policy(self) -> None:
        for r in self.results.values():
            assert r.violations_executed == 0, r.violations_observed

    @invariant()
    def journal_chain_is_intact(self) -> None:
        if hasattr(self, "engine"):
            assert self.engine.journal.verify_chain().ok


RuntimeMachine.TestCase.settings = settings(
    max_examples=int(__import__("os").environ.get("PLANSAFE_SM_EXAMPLES", "12")),
    stateful_step_count=6, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_runtime_state_machine = RuntimeMachine.TestCase
