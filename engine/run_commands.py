"""What ``plansafe run / runs / show / approve / resume`` do (printing kept in one place).

Exit codes of ``run`` and ``resume``: 0 completed, 1 stopped (or refused), 3 waiting for an
approval, 2 bad input.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.journal import Event, journal_url, open_journal
from engine.render import timeline
from engine.results import ApprovalReport, RunSummary, ShowReport
from verifier.errors import PlansafeError

if TYPE_CHECKING:
    from domains.faults import FaultPlan
    from engine.api import Engine, RunResult

__all__ = ["journal_path", "run_workflow", "list_runs", "show_run", "approve_step",
           "resume_run", "exit_code", "Progress", "timeline"]


def journal_path(given: Path | None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("PLANSAFE_JOURNAL")
    return Path(env) if env else Path(".plansafe") / "journal.sqlite"


def exit_code(status: str) -> int:
    return {"completed": 0, "waiting-approval": 3}.get(status, 1)


def _faults(text: str | None) -> str | FaultPlan:
    """none | demo | random:SEED[:RATE] | a JSON file with a FaultPlan."""
    from domains.faults import FaultPlan

    if text is None or text in ("none", "demo"):
        return text or "none"
    if text.startswith("random"):
        parts = text.split(":")
        seed = int(parts[1]) if len(parts) > 1 and parts[1] else 0
        rate = float(parts[2]) if len(parts) > 2 else 0.1
        return FaultPlan.random(seed, rate)
    p = Path(text)
    if p.is_file():
        return FaultPlan.from_json(json.loads(p.read_text(encoding="utf-8")))
    raise PlansafeError(f"--faults {text!r}: use none, demo, random:SEED[:RATE] or a JSON file")


# --- live progress ------------------------------------------------------------------------------


# the one-line progress messages that need only the event's payload, by event kind
_PROGRESS_LINES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "retry": lambda p: f"  retry {p['step']} (attempt {p['attempt']}) in {p['delay_s']:.2f} s",
    "observation": lambda p: (f"[yellow]world changed[/]: +{len(p['add'])} -{len(p['del'])} "
                              f"atoms ({p.get('source')})"),
    "explanation": lambda p: (f"[yellow]explanation[/] ({p['kind']}, {p['action']}): "
                              f"{p['message']}"),
    "replan": lambda p: f"[cyan]replan #{p['count']}[/] ({p['reason']})",
    "approval-requested": lambda p: f"[magenta]waiting for approval[/]: {p['step']} {p['call']}",
    "approval": lambda p: (f"approval {p['step']}: "
                           f"{'approved' if p['approved'] else 'rejected'} by {p.get('by')}"),
}


class Progress:
    """Readable progress lines on standard error while a run goes on."""

    def __init__(self, *, verbose_steps: int = 60, journal: Any = None) -> None:
        from engine.render import console

        self.out = console(stderr=True)
        self.total = 0
        self.done = 0
        self.verbose_steps = verbose_steps
        self.t0 = time.perf_counter()
        self.journal = journal  # a resumed run: its plan and done steps are read from here

    def _catch_up(self, run_id: str) -> None:
        """On resume: the current plan's size and its steps already done (no more '(1/0)')."""
        self.journal, journal = None, self.journal
        events = journal.events(run_id, kinds=("plan-certified", "step-result"))
        certified = [i for i, ev in enumerate(events) if ev.kind == "plan-certified"]
        if certified:
            last = certified[-1]
            self.total = len(events[last].payload["plan"]["steps"])
            self.done = sum(1 for ev in events[last:] if ev.kind == "step-result"
                            and ev.payload.get("status") in ("ok", "mismatch"))

    def __call__(self, e: Event) -> None:
        p, k = e.payload, e.kind
        if self.journal is not None and k != "plan-certified":
            self._catch_up(e.run_id)
        t = f"[dim]{time.perf_counter() - self.t0:6.2f}s[/]"
        if k == "plan-certified":
            self.total = len(p["plan"]["steps"])
            self.done = 0
            self.out.print(f"{t} [bold]plan[/] generation {p['generation']}: {self.total} steps, "
                           f"certificate {p['certificate']['id']}")
        elif k == "message" and p.get("about") == "schedule":
            self.out.print(f"{t}   order: {p['order']}")
        elif k == "step-result":
            if p["status"] in ("ok", "mismatch"):
                self.done += 1
                if self.total <= self.verbose_steps or self.done % 100 == 0:
                    mark = "[green]✓[/]" if p["status"] == "ok" else "[yellow]≠[/]"
                    self.out.print(f"{t} {mark} {p['step']} ({self.done}/{self.total}) "
                                   f"{p.get('ms', 0):.1f} ms"
                                   + (" [dim](recovered from the world)[/]"
                                      if p.get("recovered") else ""))
            else:
                self.out.print(f"{t} [red]✗[/] {p['step']} attempt {p.get('attempt')}: "
                               f"{p.get('kind')}: {p.get('error')}")
        elif k == "step-intent" and self.total <= self.verbose_steps:
            self.out.print(f"{t} → {p['step']} ({' '.join([p['action'], *p['args']])}) "
                           f"by {p.get('agent')}")
        elif k in _PROGRESS_LINES:
            self.out.print(f"{t} {_PROGRESS_LINES[k](p)}")
        elif k in ("run-finished", "run-suspended", "refused"):
            self.out.print(f"{t} [bold]{k}[/] {p.get('status', p.get('reason', ''))}")


# --- commands -----------------------------------------------------------------------------------


def _engine(spec: Path, journal: Path, **kw: Any) -> Engine:
    from engine.api import Engine

    return Engine.from_spec(spec, journal=journal, **kw)


def run_workflow(spec: Path, *, problem: str | None, goal: str | None, journal: Path,
                 faults: str | None, approve_all: bool, concurrency: int, max_replans: int,
                 plan_file: Path | None, certificate_file: Path | None,
                 progress: bool, planner: str = "symbolic",
                 memory: bool | None = None, trust_spec: bool = False,
                 token: str | None = None, users: Path | None = None) -> RunResult:
    """``trust_spec``: trust the spec's own code (engine/trust.py; the defaults and the
    trust file apply either way); ``token``: who starts the run (with a users file)."""
    from dataclasses import replace

    from engine.runner import RunOptions
    from engine.trust import Trust

    eng = _engine(spec, journal, faults=_faults(faults), planner=planner, memory=memory,
                  trust=Trust.load(trust_spec=trust_spec), users=users)
    eng.options = replace(RunOptions(), concurrency=concurrency, max_replans=max_replans,
                          approvals="auto" if approve_all else "manual")
    on_event = Progress() if progress else None
    try:
        kw: dict[str, Any] = {"on_event": on_event}
        if plan_file is not None:
            from verifier.certificate import Certificate
            from verifier.plan_io import read_plan

            if certificate_file is None:
                raise PlansafeError("--plan needs --certificate (only certified plans run)")
            data = json.loads(certificate_file.read_text(encoding="utf-8"))
            kw["plan"] = read_plan(plan_file)
            kw["certificate"] = Certificate.from_json(data.get("certificate", data))
        return eng.run(problem, goal=goal, token=token, **kw)
    finally:
        eng.close()


def _started(journal: Path, run_id: str) -> dict[str, Any]:
    """The run's ``run-started`` payload, read only from a journal whose chain verifies."""
    if journal_url(journal) is None and not journal.exists():
        raise PlansafeError(f"no journal at {journal} (give --journal or set PLANSAFE_JOURNAL)")
    j = open_journal(journal)
    try:
        j.require_intact(run_id)
        ev = j.events(run_id, kinds=("run-started",))
    finally:
        j.close()
    if not ev:
        raise PlansafeError(f"no run {run_id!r} in {journal} (see plansafe runs)")
    return ev[0].payload


# The planners a resume may pick by the name the journal recorded; the journal never names
# code to import (a ``module:callable`` planner recorded there resumes with the symbolic one).
_RESUME_PLANNERS = ("symbolic", "llm", "auto")


def resume_run(run_id: str, *, journal: Path, progress: bool, trust_spec: bool = False
               ) -> RunResult:
    """Go on with a run, under the trust its starter gave (engine/trust.py: for_run)."""
    from engine.trust import for_run

    started = _started(journal, run_id)
    planner = started.get("planner") or "symbolic"
    eng = _engine(Path(started["spec"]), journal,
                  planner=planner if planner in _RESUME_PLANNERS else "symbolic",
                  trust=for_run(started, trust_spec=trust_spec))
    try:
        return eng.resume(run_id, on_event=Progress(journal=eng.journal) if progress else None)
    finally:
        eng.close()


def approve_step(run_id: str, step: str, *, journal: Path, reject: bool, by: str,
                 reason: str, token: str | None = None, users: Path | None = None
                 ) -> ApprovalReport:
    started = _started(journal, run_id)
    eng = _engine(Path(started["spec"]), journal, users=users)
    try:
        e = eng.approve(run_id, step, approved=not reject, by=by, reason=reason, token=token)
        return ApprovalReport(run_id, step, not reject, str(e.payload.get("by", by)), e.id)
    finally:
        eng.close()


def list_runs(*, journal: Path) -> list[RunSummary]:
    from engine.runstate import RunState

    if journal_url(journal) is None and not journal.exists():
        return []
    j = open_journal(journal)
    try:
        out = []
        for rid in j.runs():
            events = j.events(rid)
            st = RunState.fold(rid, events)
            steps = st.gen_steps()
            out.append(RunSummary(
                rid, st.started.get("spec_name"), st.started.get("problem"), st.status,
                sum(1 for s in steps if s.status == "completed"), len(steps), st.replans,
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(events[0].ts)),
                len(events)))
        return out
    finally:
        j.close()


def show_run(run_id: str, *, journal: Path) -> ShowReport:
    """:meth:`engine.api.Engine.show` of a run, with the spec the journal names; a journal
    whose chain is broken is still shown (what can be read of it)."""
    from engine.api import Engine
    from engine.runstate import RunState
    from verifier.spec import load_spec

    if journal_url(journal) is None and not journal.exists():
        raise PlansafeError(f"no journal at {journal} (give --journal or set PLANSAFE_JOURNAL)")
    j = open_journal(journal)
    try:
        events = j.events(run_id)
        if not events:
            raise PlansafeError(f"no run {run_id!r} in {journal} (see plansafe runs)")
        try:
            spec = load_spec(RunState.fold(run_id, events).started["spec"])
        except (PlansafeError, KeyError) as e:
            chain = j.verify_chain()
            if chain.ok:
                raise
            return ShowReport.unreadable(run_id, events, chain, f"cannot read the run: {e}")
        return Engine(spec, journal=j).show(run_id)
    finally:
        j.close()
