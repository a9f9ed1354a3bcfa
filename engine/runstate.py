"""A run's state, folded from its journal events (the one code path for live runs and resume).

The journal is the source of truth: :meth:`RunState.apply` is called for every event the
run appends and, on ``resume``, for every event read back. The state keeps the plan of
each generation (the first plan is generation 0, each replan adds one), the steps and
their attempts, the believed world state, and the executed trajectory as deltas
(``label, add, delete``; labels are step ids, or ``external`` for changes that the
tools observed but no step made).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.journal import Event, Journal
from verifier.model import GroundAtom

__all__ = ["RunState", "StepRecord", "Recorder", "atoms_json", "atoms_from_json", "EXTERNAL",
           "approval_binding"]

EXTERNAL = "external"


def atoms_json(atoms: Iterable[GroundAtom]) -> list[list[str]]:
    return sorted(list(a) for a in atoms)


def approval_binding(gen: int, agent: str | None, action: str, args: Iterable[str]) -> str:
    """What an approval binds to: the exact ground action, its agent and the plan generation.

    A replan that reuses a step id for another action (or another agent, or simply a new
    generation) gets a new binding, so it waits for an approval of its own.
    """
    return json.dumps([int(gen), agent, action, list(args)], separators=(",", ":"))


def atoms_from_json(data: Iterable[Iterable[str]] | None) -> frozenset[GroundAtom]:
    return frozenset(tuple(a) for a in (data or ()))


@dataclass(slots=True)
class StepRecord:
    id: str
    gen: int
    action: str
    args: tuple[str, ...]
    agent: str | None
    status: str = "pending"  # pending | running | completed | failed | superseded |
    #                          waiting-approval | rejected
    attempts: int = 0
    open_attempt: int | None = None  # an intent without a result (a crash in between)
    key: str | None = None
    error: str | None = None
    fail_kind: str | None = None
    recovered: bool = False

    @property
    def call(self) -> str:
        return "(" + " ".join((self.action, *self.args)) + ")"

    @property
    def binding(self) -> str:
        """The key an approval of this step must carry (see :func:`approval_binding`)."""
        return approval_binding(self.gen, self.agent, self.action, self.args)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "action": self.action, "args": list(self.args),
                               "agent": self.agent, "status": self.status,
                               "attempts": self.attempts, "generation": self.gen}
        if self.error:
            out["error"] = self.error
        if self.recovered:
            out["recovered"] = True
        return out


@dataclass
class RunState:
    run_id: str
    started: dict[str, Any] = field(default_factory=dict)
    gen: int = -1
    plans: dict[int, dict[str, Any]] = field(default_factory=dict)  # plan-certified payloads
    steps: dict[str, StepRecord] = field(default_factory=dict)
    belief: set[GroundAtom] = field(default_factory=set)
    trajectory: list[tuple[str, frozenset[GroundAtom], frozenset[GroundAtom]]] = \
        field(default_factory=list)
    # approvals and requests keyed by the step's binding (generation, agent, ground action)
    approvals: dict[str, tuple[bool, str, str]] = field(default_factory=dict)
    # every decision on a binding, by approver (a rule may need several different approvers)
    approvers: dict[str, dict[str, bool]] = field(default_factory=dict)
    requested: set[str] = field(default_factory=set)
    forbidden: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[int, str] = field(default_factory=dict)  # how each generation was scheduled
    replans: int = 0
    open_failure: dict[str, Any] | None = None  # a failure the Monitor has not handled yet
    status: str = "running"
    finished: dict[str, Any] | None = None
    last_id: int = 0
    events: int = 0

    @staticmethod
    def fold(run_id: str, events: Iterable[Event]) -> RunState:
        st = RunState(run_id)
        for e in events:
            st.apply(e)
        return st

    @property
    def init(self) -> frozenset[GroundAtom]:
        return atoms_from_json(self.started.get("init"))

    def gen_steps(self, gen: int | None = None) -> list[StepRecord]:
        g = self.gen if gen is None else gen
        return [s for s in self.steps.values() if s.gen == g]

    def states(self) -> Iterator[tuple[str | None, frozenset[GroundAtom]]]:
        """``(label, state)`` for the initial state (label None) and after each change."""
        cur = set(self.init)
        yield None, frozenset(cur)
        for label, add, delete in self.trajectory:
            cur -= delete
            cur |= add
            yield label, frozenset(cur)

    def _change(self, label: str, add: frozenset[GroundAtom], delete: frozenset[GroundAtom]
                ) -> None:
        self.belief -= delete
        self.belief |= add
        self.trajectory.append((label, add, delete))

    # --- the fold -----------------------------------------------------------------------------

    def apply(self, e: Event) -> None:  # noqa: C901 - one branch per event kind
        p = e.payload
        self.last_id = max(self.last_id, e.id)
        self.events += 1
        k = e.kind
        if k == "run-started":
            self.started = p
            self.belief = set(atoms_from_json(p.get("init")))
        elif k == "plan-certified":
            self._on_plan_certified(p)
        elif k == "step-intent":
            s = self.steps[p["step"]]
            s.attempts = max(s.attempts, int(p["attempt"]))
            s.open_attempt = int(p["attempt"])
            s.key = p.get("key")
            s.status = "running"
        elif k == "step-result":
            self._on_step_result(p)
        elif k == "observation":
            add, delete = atoms_from_json(p.get("add")), atoms_from_json(p.get("del"))
            if add or delete:
                self._change(EXTERNAL, add, delete)
        elif k == "approval-requested":
            asked = self.steps.get(p["step"])
            if asked is not None:
                self.requested.add(asked.binding)
            if asked is not None and asked.status == "pending":
                asked.status = "waiting-approval"
        elif k == "approval":
            self._on_approval(p)
        elif k == "failure":
            self._on_failure(p)
        elif k == "explanation":
            self.explanations.append(p)
        elif k == "message" and p.get("about") == "schedule":
            self.orders[int(p.get("generation", self.gen))] = str(p.get("order", ""))
        elif k == "replan":
            self.replans = max(self.replans, int(p.get("count", self.replans + 1)))
        elif k == "run-suspended":
            self.status = "waiting-approval"
        elif k == "run-resumed":
            if self.status == "waiting-approval":
                self.status = "running"
        elif k == "run-finished":
            self.status = p["status"]
            self.finished = p
            self.open_failure = None
            for s in self.steps.values():
                if s.status in ("pending", "waiting-approval", "running"):
                    s.status = "not-run"

    def _on_plan_certified(self, p: dict[str, Any]) -> None:
        """A new certified plan: older steps superseded, its steps recorded."""
        gen = int(p["generation"])
        for s in self.steps.values():
            if s.gen < gen and s.status in ("pending", "waiting-approval", "running"):
                s.status = "superseded"
        self.gen = gen
        self.plans[gen] = p
        self.forbidden = [(a, tuple(args)) for a, args in p.get("forbidden", [])]
        for s in p["plan"]["steps"]:
            self.steps[s["id"]] = StepRecord(s["id"], gen, s["action"], tuple(s["args"]),
                                             s.get("agent"))
        self.open_failure = None
        if self.status in ("waiting-approval", "failed"):
            self.status = "running"

    def _on_step_result(self, p: dict[str, Any]) -> None:
        """A step's result: completed (its effects applied) or failed, maybe finally."""
        s = self.steps[p["step"]]
        s.open_attempt = None
        s.attempts = max(s.attempts, int(p.get("attempt", s.attempts)))
        if p["status"] in ("ok", "mismatch"):
            s.status = "completed"
            s.recovered = bool(p.get("recovered"))
            self._change(s.id, atoms_from_json(p.get("add")), atoms_from_json(p.get("del")))
            if p["status"] == "mismatch":
                s.fail_kind = "effect-mismatch"
                self.open_failure = {"kind": "effect-mismatch", "step": s.id,
                                     "message": p.get("error") or "effect mismatch"}
        else:
            final = p.get("final", True)
            s.status = "failed" if final else "pending"
            s.error = p.get("error")
            s.fail_kind = p.get("kind")
            if final:
                self.open_failure = {"kind": p.get("kind") or "exception", "step": s.id,
                                     "message": p.get("error") or ""}

    def _on_approval(self, p: dict[str, Any]) -> None:
        """An approval or rejection of one exact call (its binding)."""
        if "generation" not in p or "action" not in p:
            return  # an approval that names no exact call (an older format) binds nothing
        key = approval_binding(int(p["generation"]), p.get("agent"), str(p["action"]),
                               [str(a) for a in p.get("args", [])])
        self.approvals[key] = (bool(p["approved"]), str(p.get("by", "")),
                               str(p.get("reason", "")))
        self.approvers.setdefault(key, {})[str(p.get("by", ""))] = bool(p["approved"])
        decided = self.steps.get(p["step"])
        if decided is not None and decided.binding == key \
                and decided.status == "waiting-approval":
            if not p["approved"]:
                decided.status = "rejected"
            elif p.get("released", True):  # False: the rule needs more approvers
                decided.status = "pending"

    def _on_failure(self, p: dict[str, Any]) -> None:
        """A failure: open, and the step it names failed or rejected."""
        self.open_failure = p
        failed = self.steps.get(p.get("step") or "")
        if failed is not None and failed.status not in ("completed",):
            failed.status = "rejected" if p.get("kind") == "approval-rejected" else "failed"
        if failed is not None:
            failed.error = p.get("message")
            failed.fail_kind = p.get("kind")

class Recorder:
    """Appends a run's events to the journal, folds them into its state, tells ``on_event``."""

    def __init__(self, journal: Journal, state: RunState,
                 on_event: Callable[[Event], Any] | None = None) -> None:
        self.journal, self.state, self.on_event = journal, state, on_event
        self._watermark = state.last_id
        from engine.telemetry import observer

        self.telemetry = observer()  # OpenTelemetry spans and metrics; None when off

    def emit(self, kind: str, payload: dict[str, Any]) -> Event:
        e = self.journal.append(self.state.run_id, kind, payload)
        self.state.apply(e)
        if self.telemetry is not None:
            self.telemetry(self.state, e)
        if self.on_event is not None:
            with contextlib.suppress(Exception):  # a broken callback must not break the run
                self.on_event(e)
        return e

    def refresh_approvals(self) -> int:
        """Fold approvals that other writers (``plansafe approve``, the API) appended."""
        new = self.journal.events(self.state.run_id, after_id=self._watermark,
                                  kinds=("approval",))
        for e in new:
            self.state.apply(e)
        if new:
            self._watermark = max(e.id for e in new)
        return len(new)
