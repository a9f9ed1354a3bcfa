"""Drives a run: plan, certify, execute, monitor, replan, until completed or stopped.

Everything a run decides is journaled first; ``resume`` folds the journal back into a
:class:`~engine.runstate.RunState` and goes on from there.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from domains.base import RunInfo
from engine.executor import Executor, Generation
from engine.journal import Event, Journal
from engine.monitor import Failure, Replanner, RetryPolicy, explain, state_key
from engine.parallel import schedule
from engine.pddl_text import formula_pddl as _formula_pddl
from engine.pddl_text import problem_from_pddl, problem_to_pddl
from engine.refusals import after_refusal, forbidden_now
from engine.runstate import Recorder, RunState, atoms_from_json, atoms_json
from engine.tools import ToolSet
from verifier.certificate import (
    Certificate,
    CertificateError,
    certificate_matches,
    issue_certificate,
    problem_digest,
)
from verifier.errors import PlansafeError
from verifier.model import Plan, Problem
from verifier.tool_digest import ToolCodeChanged, changed_tools, tool_sources

if TYPE_CHECKING:
    from engine.diagnose import Diagnosis

__all__ = ["RunOptions", "RunDriver", "problem_to_pddl", "problem_from_pddl", "new_run_id"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    concurrency: int = 4
    max_replans: int = 5
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    approvals: str = "manual"  # manual | auto
    approval_wait_s: float = 0.0
    tool_timeout_s: float = 30.0
    plan_timeout_s: float = 60.0
    parallel: bool = True  # deorder and run in parallel when the order can be verified

    def to_json(self) -> dict[str, Any]:
        return {"concurrency": self.concurrency, "max_replans": self.max_replans,
                "retry": self.retry.to_json(),
                "approvals": self.approvals, "approval_wait_s": self.approval_wait_s,
                "tool_timeout_s": self.tool_timeout_s, "plan_timeout_s": self.plan_timeout_s,
                "parallel": self.parallel}

    @staticmethod
    def from_json(d: dict[str, Any]) -> RunOptions:
        return RunOptions(int(d.get("concurrency", 4)), int(d.get("max_replans", 5)),
                          RetryPolicy.from_json(d.get("retry", {})),
                          str(d.get("approvals", "manual")), float(d.get("approval_wait_s", 0)),
                          float(d.get("tool_timeout_s", 30)), float(d.get("plan_timeout_s", 60)),
                          bool(d.get("parallel", True)))


def _tools_changed(changed: list[str]) -> str:
    return ("the code of tool " + ", ".join(changed) + " changed since the plan was certified "
            "(certify it again: plansafe validate, or start a new run)")


def new_run_id() -> str:
    return "run-" + uuid.uuid4().hex[:10]


# --- the driver ---------------------------------------------------------------------------------


class RunDriver:
    def __init__(self, *, spec: Any, journal: Journal, tools: ToolSet, planner: Any,
                 options: RunOptions, world: str | None,
                 on_event: Callable[[Event], Any] | None = None,
                 z3check: Callable[..., Any] | None = None, planner_ref: str = "") -> None:
        self.spec, self.journal, self.tools, self.planner = spec, journal, tools, planner
        self.options, self.world, self.on_event, self.z3check = options, world, on_event, z3check
        self.planner_ref = planner_ref
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.orders: dict[int, str] = {}
        self._announced: tuple[str, int] | None = None
        self._rec: Recorder | None = None
        # who started the run ({"user": NAME | None, "os_user": ...}; engine/approvals.py)
        self.started_by: dict[str, Any] | None = None
        self.trust: dict[str, Any] | None = None  # what the starter trusted (engine/trust.py)

    # --- starting -----------------------------------------------------------------------------

    async def start(self, problem: Problem, *, plan: Plan | None = None,
                    certificate: Certificate | None = None, goal_text: str | None = None,
                    faults: dict[str, Any] | None = None, run_id: str | None = None,
                    faults_label: str = "") -> RunState:
        run_id = run_id or new_run_id()
        state = RunState(run_id)
        self._base_problem = (run_id, problem)
        rec = Recorder(self.journal, state, self.on_event)
        if not self.journal.acquire(run_id, self.owner):
            raise PlansafeError(f"run {run_id} is already being driven by another process")
        try:
            problem_file = problem.path if Path(str(problem.path)).is_file() else None
            rec.emit("run-started", {
                "spec": str(Path(self.spec.root if self.spec.spec_path
                                 else self.spec.domain_path).resolve()),
                "spec_name": self.spec.name, "problem": problem.name,
                "problem_file": problem_file, "problem_pddl": problem_to_pddl(problem),
                "goal_text": goal_text, "init": atoms_json(problem.init),
                "options": self.options.to_json(), "faults": faults,
                "faults_label": faults_label, "world": self.world,
                "planner": self.planner_ref, "started_by": self.started_by,
                "trust": self.trust,
                "pid": os.getpid()})
            replanner = Replanner(self.spec, problem, self.planner, self.options.plan_timeout_s)
            if plan is not None:
                if certificate is None:
                    self._refuse(rec, "no certificate: only certified plans run")
                from verifier.verify import check_plan

                # one verdict everywhere: a partial-order plan is checked (as ``validate``
                # certified it) by the Z3 checker, over every schedule it allows
                verdict = check_plan(self.spec, problem, plan)
                # The plan must be the certified one. A plan that names no agent at all
                # leaves the choice to the verifier; then the certificate binds the plan
                # with the agents the verifier chose (as ``plansafe validate`` issues it).
                checked = plan
                if verdict.plan is not None and all(st.agent is None for st in plan.steps):
                    checked = verdict.plan
                if not self._cert_ok(certificate, checked, problem, 0, [], problem_file):
                    self._refuse(rec, "the certificate does not match this plan, spec and "
                                 "problem (changed after certification?)")
                changed = changed_tools(certificate.tool_sources, self.spec)
                if changed:
                    self._refuse(rec, _tools_changed(changed), ToolCodeChanged)
                if not verdict.valid:
                    self._refuse(rec, "the plan fails verification: " + (
                        "; ".join(v.message for v in verdict.violations[:3])
                        or f"{verdict.status}: {verdict.reason or 'no verdict'}"))
                replanner.seen[state_key(problem.init, [])] = 1
                self._certified(rec, 0, checked, certificate, problem.init, [], reason="given")
            else:
                rec.emit("message", {"from": "executor", "to": "planner", "about": "plan",
                                     "goal": _formula_pddl(problem.goal)})
                if not self._replan(rec, replanner, reason="initial"):
                    return state
            self._setup(state)
            return await self._drive(rec, replanner)
        finally:
            self.journal.release(run_id, self.owner)

    def _refuse(self, rec: Recorder, why: str,
                error: type[CertificateError] = CertificateError) -> NoReturn:
        rec.emit("refused", {"reason": why})
        rec.emit("run-finished", {"status": "refused", "reason": why})
        raise error(f"refused to run: {why}")

    def _info(self, state: RunState) -> RunInfo:
        return RunInfo(state.run_id, self.spec.domain, self._base(state).objects, state.init,
                       self.world, state.started.get("faults"))

    def _setup(self, state: RunState) -> None:
        self.tools.setup(self._info(state))

    def _base(self, state: RunState) -> Problem:
        cached = getattr(self, "_base_problem", None)
        if cached is None or cached[0] != state.run_id:
            problem = problem_from_pddl(self.spec.domain_path, state.started["problem_pddl"],
                                        name=state.started.get("problem", "problem"))
            if state.started.get("problem_file"):
                problem = replace(problem, path=state.started["problem_file"],
                                  up_problem=problem.deferred_up_problem())
            self._base_problem = (state.run_id, problem)
            cached = self._base_problem
        return cached[1]

    # --- resuming -----------------------------------------------------------------------------

    async def resume(self, run_id: str) -> RunState:
        # The lease first, then the events: a resume that stalled before taking the lease
        # reads the run as the process that held it left it (finished: nothing to do).
        if not self.journal.acquire(run_id, self.owner):
            raise PlansafeError(f"run {run_id} is being driven by a live process; wait for it")
        try:
            events = self.journal.events(run_id)
            if not events:
                raise PlansafeError(f"no run {run_id!r} in {self.journal.path or 'this journal'}")
            self.journal.require_intact(run_id)  # never act on a forged or broken journal
            state = RunState.fold(run_id, events)
            if state.status in ("completed", "stopped", "refused"):
                return state
            self._check_spec(state)
            rec = Recorder(self.journal, state, self.on_event)
            rec.emit("run-resumed", {"pid": os.getpid(), "after_event": state.last_id})
            base = self._base(state)
            replanner = Replanner(self.spec, base, self.planner, self.options.plan_timeout_s)
            for st in state.plans.values():
                k = state_key(atoms_from_json(st["init"]),
                              [(a, tuple(b)) for a, b in st.get("forbidden", [])])
                replanner.seen[k] = replanner.seen.get(k, 0) + 1
            # died before the first plan was certified: plan now
            if state.gen < 0 and not self._replan(rec, replanner, reason="initial"):
                return state
            self._setup(state)
            return await self._drive(rec, replanner)
        finally:
            self.journal.release(run_id, self.owner)

    def _check_spec(self, state: RunState) -> None:
        """The spec's files must be those the run's latest plan was certified against (a
        swapped or edited spec folder is refused before any of its tools is loaded)."""
        from verifier.certificate import files_digest

        if state.gen < 0 or state.gen not in state.plans:
            return
        cert = state.plans[state.gen].get("certificate") or {}
        want = cert.get("spec_sha256")
        have = files_digest(self.spec.files())
        if want != have:
            raise CertificateError(f"run {state.run_id}: the spec's files ({self.spec.root}) "
                                   f"differ from those generation {state.gen} was certified "
                                   f"against (spec sha256 {str(want)[:12]}…, now "
                                   f"{have[:12]}…); refusing to resume")

    # --- the loop -----------------------------------------------------------------------------

    async def _drive(self, rec: Recorder, replanner: Replanner) -> RunState:
        state = rec.state
        self._rec = rec
        info = self._info(state)
        ex = Executor(self.spec, self.tools, rec, info, self.options.concurrency,
                      self.options.retry, self.options.approvals, self.options.approval_wait_s)
        while True:
            others: tuple[Failure, ...] = ()
            failure: Failure | None
            if state.open_failure is not None:
                failure = _failure_from(state.open_failure, state)
            else:
                g = self._generation(state, replanner)
                try:
                    self.tools.check([st.action for st in g.plan.steps])
                except PlansafeError as e:  # a tool is missing: stop before anything runs
                    self._stop(rec, Failure("no-tool", str(e)), str(e))
                    return state
                outcome = await ex.run(g)
                if outcome.kind == "waiting-approval":
                    return state
                failure = outcome.failure if outcome.kind == "failed" else \
                    self._final_check(rec, ex, replanner)
                if failure is None:
                    rec.emit("run-finished", {"status": "completed", "replans": state.replans})
                    return state
                if outcome.kind != "failed":
                    ex._fail(failure)
                others = outcome.others
            for extra in others:
                rec.emit("explanation", explain(
                    extra, policies=self.spec.policies, describe=self.spec.describe,
                    action="replan", detail="another failure in the same parallel batch; the "
                    "replan below starts from the state observed after all of them").to_json())
            if not self._monitor(rec, ex, replanner, failure):
                return state

    def _final_check(self, rec: Recorder, ex: Executor, replanner: Replanner) -> Failure | None:
        """The plan ran: does the observed world satisfy goal and (history-aware) policies?"""
        from verifier.validate import Checker

        state = rec.state
        world = self.tools.observe(ex.info)
        if world is not None:
            ex.note_world(world, source="world")
        now = frozenset(state.belief)
        history = [s for _, s in state.states()][:-1]
        problem, policies, access = replanner.context(now, history, state.forbidden,
                                                      name=f"{state.run_id}-final")
        v = Checker(problem, policies=policies, access=access,
                    describe=self.spec.describe).check(Plan(()))
        if v.valid:
            return None
        missing = tuple(a for x in v.violations for a in x.atoms if a not in now)
        return Failure("goal-not-reached", "; ".join(x.message for x in v.violations[:3]),
                       missing=missing)

    def _monitor(self, rec: Recorder, ex: Executor, replanner: Replanner,
                 failure: Failure) -> bool:
        """Explain the failure and replan; False when the run stops."""
        state = rec.state
        rec.emit("message", {"from": "executor", "to": "monitor", "about": "failure",
                             "kind": failure.kind, "step": failure.step})
        if failure.kind in ("world-changed", "effect-mismatch", "timeout", "unknown-outcome",
                            "goal-not-reached", "exception", "permanent", "transient"):
            world = self.tools.observe(ex.info)
            if world is not None:
                before = frozenset(state.belief)
                ex.note_world(world, source="world", step=failure.step)
                if failure.predicted is None and before != world:
                    failure = replace(failure, predicted=before, observed=world)
        forbidden, scoped = forbidden_now(state)
        if failure.forbids_call and failure.call is not None and failure.call not in forbidden:
            forbidden.append(failure.call)
        stop_reason = None
        if failure.kind == "unknown-outcome":
            stop_reason = "the outcome of a non-idempotent step is unknown; replanning could " \
                          "repeat it"
        elif failure.kind in ("access", "deadlock"):
            stop_reason = f"{failure.kind}: cannot continue safely"
        elif state.replans >= self.options.max_replans:
            stop_reason = f"replan limit reached ({self.options.max_replans})"
        if stop_reason is not None:
            self._stop(rec, failure, stop_reason)
            return False
        if failure.kind == "refused" and failure.call is not None:
            return after_refusal(self, rec, replanner, failure, forbidden, scoped)
        return self._replan(rec, replanner, reason=failure.kind, failure=failure,
                            forbidden=forbidden, scoped=scoped)

    def _stop(self, rec: Recorder, failure: Failure, why: str,
              blocking: tuple[str, ...] = (), diagnosis: Diagnosis | None = None) -> None:
        e = explain(failure, policies=self.spec.policies, describe=self.spec.describe,
                    action="stop", blocking=blocking, detail=why, diagnosis=diagnosis)
        rec.emit("explanation", e.to_json())
        rec.emit("run-finished", {"status": "stopped", "reason": why,
                                  "replans": rec.state.replans})

    def _replan(self, rec: Recorder, replanner: Replanner, *, reason: str,
                failure: Failure | None = None,
                forbidden: list[tuple[str, tuple[str, ...]]] | None = None,
                scoped: list[tuple[str, tuple[str, ...]]] | None = None, quiet: bool = False,
                detail: str = "") -> bool:
        """Plan from the observed state; False when no plan comes back: the run stops with
        its diagnosis (``quiet``: nothing is journaled, the caller tries something else)."""
        state = rec.state
        forbidden = list(state.forbidden) if forbidden is None else forbidden
        now = frozenset(state.belief)
        history = [s for _, s in state.states()][:-1]
        gen = state.gen + 1
        if failure is not None:
            rec.emit("message", {"from": "monitor", "to": "planner", "about": "replan",
                                 "kind": failure.kind, "state_atoms": len(now),
                                 "forbidden": [[a, list(b)] for a, b in forbidden]})
        out = replanner.plan(now, history, forbidden, name=f"{state.run_id}-g{gen}",
                             prefix="" if gen == 0 else f"r{gen}.")
        if out.plan is None and quiet and not out.loop:
            return False
        if out.plan is None:
            f = failure or Failure("no-plan", out.message or out.status)
            if failure is None:
                f = Failure("no-plan", "no valid plan exists for the goal"
                            + (f" ({out.message})" if out.message else ""))
            diagnosis = None
            if not out.loop:  # the real cause, by planning with one thing relaxed at a time
                from engine.diagnose import diagnose

                diagnosis = diagnose(replanner, now, history, forbidden, failure,
                                     blocking=out.blocking)
            self._stop(rec, f, out.message or out.status, out.blocking, diagnosis)
            return False
        if failure is not None:
            e = explain(failure, policies=self.spec.policies, describe=self.spec.describe,
                        action="replan", detail=f"replanned from the observed state "
                        f"({len(out.plan.steps)} steps)" + (f"; {detail}" if detail else ""))
            rec.emit("explanation", e.to_json())
            rec.emit("replan", {"count": state.replans + 1, "from_gen": state.gen,
                                "to_gen": gen, "reason": reason,
                                "steps": len(out.plan.steps)})
        rec.emit("message", {"from": "planner", "to": "verifier", "about": "plan",
                             "steps": len(out.plan.steps)})
        assert out.verdict is not None
        digest = problem_digest(out.problem, policies=out.policies, access=out.access)
        cert = issue_certificate(out.verdict, spec_files=self.spec.files(), plan=out.plan,
                                 problem_sha256=digest, tool_sources=tool_sources(self.spec))
        rec.emit("message", {"from": "verifier", "to": "executor", "about": "certificate",
                             "certificate": cert.id, "checks": list(cert.checks)})
        self._certified(rec, gen, out.plan, cert, now, forbidden, reason=reason,
                        scoped=scoped or [])
        return True

    def _certified(self, rec: Recorder, gen: int, plan: Plan, cert: Certificate,
                   init: frozenset[Any], forbidden: list[tuple[str, tuple[str, ...]]], *,
                   reason: str, scoped: list[tuple[str, tuple[str, ...]]] | None = None) -> None:
        from verifier.plan_io import plan_to_json

        payload: dict[str, Any] = {
            "generation": gen, "reason": reason, "plan": plan_to_json(plan),
            "certificate": cert.to_json(), "init": atoms_json(init),
            "trajectory_len": len(rec.state.trajectory),
            "forbidden": [[a, list(b)] for a, b in forbidden]}
        if scoped:  # of those, ruled out only in this state (refused calls)
            payload["refused"] = [[a, list(b)] for a, b in scoped]
        rec.emit("plan-certified", payload)

    def _cert_ok(self, cert: Certificate, plan: Plan, problem: Problem, gen: int,
                 forbidden: list[Any], problem_file: str | None,
                 policies: Any = None, access: Any = None) -> bool:
        digest = problem_digest(problem, policies=self.spec.policies if policies is None
                                else policies, access=self.spec.access if access is None
                                else access)
        if certificate_matches(cert, spec_files=self.spec.files(), plan=plan,
                               problem_sha256=digest):
            return True
        return gen == 0 and not forbidden and problem_file is not None and certificate_matches(
            cert, spec_files=self.spec.files(), plan=plan, problem_file=Path(problem_file))

    def _generation(self, state: RunState, replanner: Replanner) -> Generation:
        """The current plan generation, its certificate checked again before anything runs."""
        from verifier.plan_io import parse_plan
        from verifier.validate import Checker

        p = state.plans[state.gen]
        plan = parse_plan(json.dumps(p["plan"]))
        cert = Certificate.from_json(p["certificate"])
        states = [s for _, s in state.states()]
        n = int(p.get("trajectory_len", 0))
        history, start = states[:n], states[n]
        if start != atoms_from_json(p["init"]):
            raise CertificateError(f"run {state.run_id}: the journal's trajectory does not lead "
                                   f"to the state generation {state.gen} was certified from")
        forbidden = [(a, tuple(b)) for a, b in p.get("forbidden", [])]
        problem, policies, access = replanner.context(start, history, forbidden,
                                                      name=f"{state.run_id}-g{state.gen}")
        if not self._cert_ok(cert, plan, problem, state.gen, forbidden,
                             state.started.get("problem_file"), policies, access):
            raise CertificateError(f"run {state.run_id}: generation {state.gen}'s plan does not "
                                   "match its certificate; refusing to run it")
        changed = changed_tools(cert.tool_sources, self.spec)
        if changed:
            raise ToolCodeChanged(f"run {state.run_id}: {_tools_changed(changed)}")
        checker = Checker(problem, policies=policies, access=access, describe=self.spec.describe)
        if plan.is_sequential:
            verdict = checker.check(plan)
        else:  # a certified partial order runs as such, checked again by the Z3 checker
            from verifier.z3check import Z3Checker

            verdict = Z3Checker(problem, policies=policies, access=access,
                                describe=self.spec.describe).check(plan)
        if not verdict.valid:
            raise CertificateError(f"run {state.run_id}: generation {state.gen}'s plan fails "
                                   "verification: " + ("; ".join(v.message for v in
                                                                 verdict.violations[:3])
                                                       or f"{verdict.status}: {verdict.reason}"))
        deps, order, po = schedule(plan, problem, policies, access, checker.task,
                                   parallel=self.options.parallel, z3check=self.z3check)
        g = Generation(state.gen, plan, cert, problem, policies, access, checker.task, deps, order)
        self.orders[state.gen] = order
        if self._announced != (state.run_id, state.gen) and self._rec is not None:
            self._announced = (state.run_id, state.gen)
            self._rec.emit("message", self._schedule_message(state.gen, order, po, deps,
                                                             problem, policies, access))
        return g

    def _schedule_message(self, gen: int, order: str, po: Any, deps: dict[str, tuple[str, ...]],
                          problem: Problem, policies: Any, access: Any) -> dict[str, Any]:
        """The verifier's message to the executor: generation ``gen``'s schedule, with a
        certificate for the partial order ``po`` when one will run."""
        payload: dict[str, Any] = {"from": "verifier", "to": "executor",
                                   "about": "schedule", "generation": gen, "order": order}
        if po is not None:  # certify the partial order that will run
            po_plan, po_verdict = po
            po_cert = issue_certificate(po_verdict, spec_files=self.spec.files(),
                                        plan=po_plan, problem_sha256=problem_digest(
                                            problem, policies=policies, access=access),
                                        tool_sources=tool_sources(self.spec))
            payload["certificate"] = po_cert.to_json()
            payload["after"] = {k: list(v) for k, v in deps.items() if v}
        return payload


def _failure_from(p: dict[str, Any], state: RunState) -> Failure:
    s = state.steps.get(p.get("step") or "")
    call = (s.action, s.args) if s is not None else None
    if p.get("call"):
        call = (p["call"][0], tuple(p["call"][1]))
    return Failure(str(p.get("kind", "exception")), str(p.get("message", "")), p.get("step"),
                   call, s.agent if s else None, int(p.get("attempt", 0) or 0),
                   tuple(atoms_from_json(p.get("missing"))))
