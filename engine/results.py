"""Typed results of the application layer (:class:`engine.api.Engine`) and the commands.

Frozen dataclasses with ``Literal`` statuses; ``to_json()`` is the ``--json`` contract of
the command line (../shared/DESIGN.md "Command line contract": these names are kept,
more fields are welcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from verifier.certificate import Certificate
from verifier.model import Plan, Verdict

if TYPE_CHECKING:
    from engine.api import RunResult
    from engine.goals import GoalTranslation
    from engine.journal import ChainReport, Event
    from engine.planner import AgentReport
    from verifier.analysis import Analysis
    from verifier.policy import Policy

__all__ = ["CheckReport", "ProblemSummary", "PlanStatus", "Planning", "PlanReport",
           "CertificateCheck", "ValidationReport", "ApprovalReport", "ShowReport", "RunSummary",
           "RunLink", "TrainingReport", "plan_exit_code"]


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    name: str
    path: str
    objects: int
    init: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "objects": self.objects, "init": self.init}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """``plansafe check``: the spec's lint and policy analysis (``errors``: exit 2)."""

    status: Literal["ok", "error"]
    spec: str
    domain: str
    policies: tuple[Policy, ...]
    agents: tuple[str, ...]
    problems: tuple[ProblemSummary, ...]
    warnings: tuple[str, ...]
    errors: tuple[str, ...]
    analysis: tuple[Analysis, ...]
    triggers: tuple[dict[str, Any], ...] = ()  # spec.yaml triggers: (docs/EVENTS.md)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "spec": self.spec,
            "domain": self.domain,
            "policies": [{"id": p.id, "rule": p.text, "says": p.says} for p in self.policies],
            "agents": list(self.agents),
            "problems": [p.to_json() for p in self.problems],
            "warnings": list(self.warnings),
            "errors": list(self.errors),
            "analysis": [_analysis_json(a) for a in self.analysis],
            "triggers": list(self.triggers),
        }


def _analysis_json(a: Analysis) -> dict[str, Any]:
    return {"problem": a.problem, "horizon": a.horizon, "conflicts": [list(c) for c in
                                                                      a.conflicts],
            "vacuous": list(a.vacuous), "never_triggered": list(a.never_triggered),
            "goal": a.goal, "blocking": list(a.blocking),
            "witness_steps": len(a.plan.steps) if a.plan is not None else None,
            "notes": list(a.notes)}


#: a planner's outcome; ``no-valid-proposal``: the model planner (no fallback) found none;
#: ``invalid``: a planner's plan failed the Engine's own verification
PlanStatus = Literal["solved", "unsolvable-proven", "unsolvable-incompletely", "timeout",
                     "unsupported", "error", "no-valid-proposal", "invalid"]


def plan_exit_code(status: PlanStatus) -> int:
    """``plansafe plan``: 0 a plan, 2 bad input / unsupported, 1 none exists."""
    return 0 if status == "solved" else 2 if status in ("unsupported", "error") else 1


@dataclass(frozen=True, slots=True)
class Planning:
    """How a plan was proposed: the planner's name, outcome, engine, time and report."""

    planner: str
    status: PlanStatus
    engine: str
    seconds: float
    message: str = ""
    blocking: tuple[str, ...] = ()
    #: the Planner agent's report (model planners only) and the decoding and beams it used
    agent: AgentReport | None = None
    decoding: str | None = None
    beams: int | None = None
    #: memory of past runs (engine/memory.py): the runs whose outcomes gave the action costs
    memory_runs: int | None = None


@dataclass(frozen=True, slots=True)
class PlanReport:
    """``plansafe plan``: the certified plan (or why there is none) and how it was found."""

    problem: str
    planning: Planning
    plan: Plan | None = None
    certificate: Certificate | None = None
    translation: GoalTranslation | None = None

    @property
    def status(self) -> PlanStatus:
        return self.planning.status

    def to_json(self) -> dict[str, Any]:
        from verifier.plan_io import plan_to_json

        p = self.planning
        out: dict[str, Any] = {"status": p.status, "problem": self.problem}
        if p.agent is not None:
            out["planner"] = p.planner
        out.update({"engine": p.engine, "seconds": round(p.seconds, 4)})
        if self.plan is not None:
            out.update(plan_to_json(self.plan))
            if p.agent is not None:
                out["provenance"]["per_round"] = [r.to_json() for r in p.agent.rounds]
            if self.certificate is not None:
                out["certificate_id"] = self.certificate.id
                out["certificate"] = self.certificate.to_json()
        else:
            out["steps"] = None
            out["message"] = p.message
            out["blocking"] = list(p.blocking)
        if p.agent is not None:
            out["agent"] = {"decoding": p.decoding, "beams": p.beams, **p.agent.to_json()}
        if p.memory_runs is not None:
            out["memory"] = {"runs": p.memory_runs}
        if self.translation is not None:
            out["goal"] = self.translation.goal
            out["goal_text"] = self.translation.text
            out["goal_source"] = self.translation.source
        return out


@dataclass(frozen=True, slots=True)
class CertificateCheck:
    """Whether a certificate file matches the spec, problem and plan."""

    file: str
    id: str
    matches: bool

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "id": self.id, "matches": self.matches}


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """``plansafe validate``: the verdict, its certificate when valid, a certificate check."""

    verdict: Verdict
    certificate: Certificate | None = None
    certificate_check: CertificateCheck | None = None

    @property
    def status(self) -> Literal["valid", "invalid", "unknown"]:
        return self.verdict.status

    @property
    def exit_code(self) -> int:
        ok = self.verdict.valid and (self.certificate_check is None
                                     or self.certificate_check.matches)
        return 0 if ok else 1

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        out: dict[str, Any] = {
            "status": v.status,
            "violations": [x.to_json() for x in v.violations],
            "checks": list(v.checks),
            "reason": v.reason,
            "certificate": self.certificate.to_json() if self.certificate is not None else None,
        }
        if self.certificate_check is not None:
            out["certificate_check"] = self.certificate_check.to_json()
        return out


@dataclass(frozen=True, slots=True)
class ApprovalReport:
    """``plansafe approve``: the decision, journaled as event ``event``."""

    run: str
    step: str
    approved: bool
    by: str
    event: int

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run, "step": self.step, "approved": self.approved, "by": self.by,
                "event": self.event, "next": f"plansafe resume {self.run}"}


@dataclass(frozen=True, slots=True)
class RunLink:
    """A parent or child run (a sub-workflow step's child is ``<parent>.<step>``)."""

    run: str
    status: str
    step: str | None = None  # a child: the parent's step it runs

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run, "status": self.status, "step": self.step}


@dataclass(frozen=True, slots=True)
class ShowReport:
    """``plansafe show``: a run's result, readable timeline, events and chain check.

    ``result`` is None when the run cannot be read and the journal's chain is broken
    (``error`` says why; ``status`` and ``replans`` are what the events say). ``parent`` and
    ``children``: the run's parent run and its child runs (sub-workflows)."""

    run: str
    result: RunResult | None
    timeline: tuple[str, ...]
    events: tuple[Event, ...]
    chain: ChainReport
    status: str = ""
    replans: int = 0
    error: str = ""
    parent: RunLink | None = None
    children: tuple[RunLink, ...] = ()

    @staticmethod
    def unreadable(run: str, events: Sequence[Event], chain: ChainReport, error: str
                   ) -> ShowReport:
        """What can be shown of a run in a journal whose chain is broken."""
        from engine.render import timeline
        from engine.runstate import RunState

        st = RunState.fold(run, list(events))
        return ShowReport(run, None, tuple(timeline(list(events))), tuple(events), chain,
                          st.status, st.replans, error)

    def to_json(self) -> dict[str, Any]:
        result = self.result.to_json() if self.result is not None else {
            "status": self.status, "replans": self.replans, "violations_executed": 0,
            "error": self.error}
        return {"run": self.run, "result": result,
                "timeline": list(self.timeline), "events": [e.to_json() for e in self.events],
                "chain": {"ok": self.chain.ok, "checked": self.chain.checked,
                          "message": self.chain.message, "bad_event": self.chain.bad_id},
                "parent": self.parent.to_json() if self.parent else None,
                "children": [c.to_json() for c in self.children]}


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One row of ``plansafe runs``."""

    run: str
    spec: str | None
    problem: str | None
    status: str
    done: int
    steps: int
    replans: int
    started: str
    events: int

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run, "spec": self.spec, "problem": self.problem,
                "status": self.status, "done": self.done, "steps": self.steps,
                "replans": self.replans, "started": self.started, "events": self.events}


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What :meth:`engine.api.Engine.train` made: the model folder (where ``plan`` and
    ``run`` find it), its optimiser steps, final loss and, when problems were held out,
    the share of first proposals valid on them (None: not measured)."""

    model_dir: str
    steps: int
    final_loss: float
    examples: int
    problems: int
    validity: float | None
    seconds: float
    card: str | None

    def to_json(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir, "steps": self.steps,
                "final_loss": round(self.final_loss, 4), "examples": self.examples,
                "problems": self.problems, "validity": self.validity,
                "seconds": round(self.seconds, 1), "card": self.card}
