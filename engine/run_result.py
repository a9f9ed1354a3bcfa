"""A run's typed result: :class:`RunResult` and its :data:`RunStatus`, and :func:`result_of`,
which computes one from the run's journal state (violations re-checked, never copied)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.journal import Journal
from engine.runner import problem_from_pddl
from engine.runstate import EXTERNAL, RunState, atoms_json
from verifier.errors import PlansafeError
from verifier.model import GroundAtom, Problem, Violation
from verifier.spec import Spec

__all__ = ["RunResult", "RunStatus", "RUN_STATUSES", "run_status", "result_of"]

#: how a run stands: ``refused`` (a plan or certificate that does not check), ``running``
#: (a run that died mid-way; ``plansafe resume`` goes on)
RunStatus = Literal["completed", "stopped", "waiting-approval", "refused", "running"]
RUN_STATUSES: tuple[RunStatus, ...] = ("completed", "stopped", "waiting-approval", "refused",
                                       "running")


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: RunStatus
    steps: tuple[dict[str, Any], ...]
    final_state: frozenset[GroundAtom]
    explanations: tuple[dict[str, Any], ...]
    journal: str | None
    replans: int = 0
    violations_executed: int = 0
    violations_observed: tuple[dict[str, Any], ...] = ()
    execution: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run_id, "status": self.status,
                "steps": [{k: s[k] for k in ("id", "action", "args", "status", "attempts",
                                             "agent", "generation", "error", "recovered")
                           if k in s} for s in self.steps],
                "replans": self.replans, "explanations": list(self.explanations),
                "violations_executed": self.violations_executed,
                "violations_observed": list(self.violations_observed),
                "execution": list(self.execution), "waiting": list(self.waiting),
                "message": self.message, "final_state": atoms_json(self.final_state),
                "journal": self.journal, **self.extra}


def run_status(status: str) -> RunStatus:
    """A journal's run status as a :data:`RunStatus` (an unknown one is a PlansafeError)."""
    for known in RUN_STATUSES:
        if status == known:
            return known
    raise PlansafeError(f"unknown run status {status!r} in the journal")


def result_of(state: RunState, spec: Spec, journal: Journal, *,
              orders: Mapping[int, str] | None = None, base: Problem | None = None
              ) -> RunResult:
    """A run's result, computed from its journal state (violations re-checked honestly)."""
    from verifier.problem_ops import check_trajectory

    violations: list[Violation] = []
    open_obligations: list[dict[str, Any]] = []
    goal_reached = None
    if state.started.get("problem_pddl"):
        from verifier.grounding import Task

        if base is None:
            base = problem_from_pddl(spec.domain_path, state.started["problem_pddl"],
                                     name=state.started.get("problem", "problem"))
        task = Task(base)
        goal_reached = bool(task.goal_test(task.mask(state.belief)))
        pairs = list(state.states())
        states, labels = [s for _, s in pairs], [lbl or "" for lbl, _ in pairs[1:]]
        violations = check_trajectory(base, spec.policies, states, labels,
                                      complete=state.status == "completed",
                                      describe=spec.describe)
        if state.status != "completed":  # obligations a stopped run leaves open
            closed = {(v.rule, v.step) for v in violations}
            open_obligations = [v.to_json() for v in check_trajectory(
                base, spec.policies, states, labels, complete=True, describe=spec.describe)
                if (v.rule, v.step) not in closed]
    executed = [v for v in violations if v.step not in (None, EXTERNAL, "")]
    waiting = tuple(s.id for s in state.gen_steps() if s.status == "waiting-approval")
    all_orders = {**state.orders, **(orders or {})}
    order_notes = [f"generation {g}: {o}" for g, o in sorted(all_orders.items())]
    message = ""
    if state.finished is not None:
        message = str(state.finished.get("reason", ""))
    elif waiting:
        which = waiting[0] if len(waiting) == 1 else "STEP"  # the step, when it is known
        message = "waiting for approval of " + ", ".join(waiting) + \
            f" (plansafe approve {state.run_id} {which}, then plansafe resume {state.run_id})"
    return RunResult(
        state.run_id, run_status(state.status), tuple(s.to_json() for s in state.steps.values()),
        frozenset(state.belief), tuple(state.explanations), journal.path, state.replans,
        len(executed), tuple(v.to_json() for v in violations), tuple(order_notes), waiting,
        message, {"goal_reached": goal_reached, "problem": state.started.get("problem"),
                  "faults": state.started.get("faults_label"), "events": state.events,
                  "open_obligations": open_obligations})
