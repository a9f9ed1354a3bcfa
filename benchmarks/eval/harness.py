"""What every system shares in the evaluation: the simulated tools, the audit, the verdicts.

All three systems call the same simulated tools (the spec's pack, through
:class:`engine.tools.ToolSet`) with the same :class:`~domains.faults.FaultPlan` per scenario.
Each tool is wrapped by an :class:`Audit` that snapshots the simulated *world* (the truth,
not what a system believes) after every call. The executed trajectory is then re-checked
against the spec's policies with :func:`verifier.problem_ops.check_trajectory`, the same way
for every system: a violation counts when an executed step made it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domains.scenarios import Scenario
from domains.world import world_store
from verifier.model import GroundAtom, Problem

__all__ = ["Audit", "audited_tools", "Trace", "audit_run", "explanation_ok", "call_text"]


def call_text(action: str, args: Sequence[str]) -> str:
    return "(" + " ".join((action, *args)) + ")"


@dataclass
class Trace:
    """One run's world trajectory: ``states[0]`` is the initial world, ``labels[i]`` made i+1."""

    states: list[frozenset[GroundAtom]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    calls: int = 0
    errors: int = 0


class Audit:
    """World snapshots after every tool call, per run id (thread-safe)."""

    def __init__(self) -> None:
        self._traces: dict[str, Trace] = {}
        self._lock = threading.Lock()

    def start(self, run_id: str, init: frozenset[GroundAtom]) -> None:
        with self._lock:
            self._traces[run_id] = Trace([frozenset(init)])

    def trace(self, run_id: str) -> Trace:
        return self._traces.get(run_id) or Trace()

    def before(self, ctx: Any, observe: Callable[[Any], Any] | None) -> None:
        """Before a call: the late effects of earlier calls happen now (the pack's ``observe``
        settles them, as the call itself would first), and are snapshotted as their own
        state, so that a call is never judged as if it had made them (a policy "X before Y"
        checks the world before the call that makes Y)."""
        trace = self._traces.get(ctx.run_id)
        if trace is None:
            return
        if observe is not None:
            observe(ctx)  # the simulator's hook reads run_id and world, which ctx carries
        now = world_store(ctx.world).atoms(ctx.run_id)
        with self._lock:
            if now != trace.states[-1]:
                trace.states.append(now)
                trace.labels.append("late effect before " + call_text(ctx.action, ctx.args))

    def note(self, ctx: Any, *, failed: bool) -> None:
        trace = self._traces.get(ctx.run_id)
        if trace is None:
            return
        now = world_store(ctx.world).atoms(ctx.run_id)
        with self._lock:
            trace.calls += 1
            trace.errors += int(failed)
            if now != trace.states[-1]:
                trace.states.append(now)
                trace.labels.append(call_text(ctx.action, ctx.args))


def audited_tools(bindings: Mapping[str, str], audit: Audit) -> dict[str, Callable[..., Any]]:
    """The spec's tools, each wrapped to snapshot the world after its call."""
    from engine.tools import load_callable

    out: dict[str, Callable[..., Any]] = {}
    for action, ref in bindings.items():
        fn = load_callable(ref)
        hook = getattr(importlib.import_module(ref.partition(":")[0]), "observe", None)
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def wrapped(ctx: Any, *args: str, _fn: Any = fn, _hook: Any = hook) -> Any:
                failed = True
                audit.before(ctx, _hook)
                try:
                    out = await _fn(ctx, *args)
                    failed = False
                    return out
                finally:
                    audit.note(ctx, failed=failed)
        else:
            @functools.wraps(fn)
            def wrapped(ctx: Any, *args: str, _fn: Any = fn,
                        _hook: Any = hook) -> Any:
                failed = True
                audit.before(ctx, _hook)
                try:
                    out = _fn(ctx, *args)
                    failed = False
                    return out
                finally:
                    audit.note(ctx, failed=failed)
        out[action] = wrapped
    return out


@dataclass(frozen=True)
class AuditVerdict:
    goal_reached: bool
    violations: int
    rules: tuple[str, ...]
    final: frozenset[GroundAtom]


def audit_run(spec: Any, problem: Problem, trace: Trace, final: frozenset[GroundAtom], *,
              claimed_done: bool) -> AuditVerdict:
    """Goal reached in the real world, and policy violations executed (by steps)."""
    from verifier.grounding import Task
    from verifier.problem_ops import check_trajectory

    states = list(trace.states) or [frozenset(problem.init)]
    labels = list(trace.labels)
    if final != states[-1]:  # a change after the last call (none expected): external
        states.append(final)
        labels.append("external")
    violations = check_trajectory(problem, spec.policies, states, labels,
                                  complete=claimed_done, describe=spec.describe)
    executed = [v for v in violations if v.step not in (None, "", "external")]
    task = Task(problem)
    reached = bool(task.goal_test(task.mask(final)))
    return AuditVerdict(reached, len(executed), tuple(sorted({v.rule or v.kind for v in executed})),
                        final)


def explanation_ok(scenario: Scenario, *, texts: Sequence[str], calls: Sequence[str] = (),
                   blocking: Sequence[str] = ()) -> bool:
    """Whether a stop names the cause: a call of the outage, or the policy blocking the goal."""
    if scenario.blocking:
        return scenario.blocking in blocking or any(scenario.blocking in t for t in texts)
    wanted = {call_text(a, args) for a, args in scenario.blocked_calls}
    return any(c in wanted for c in calls) or any(w in t for w in wanted for t in texts)
