"""Many workers, one journal: ``plansafe worker`` takes ready runs and drives them.

A run is *ready* when it was submitted (:func:`submit`: a ``run-started`` event and no plan
yet; the worker plans it), resumed, or approved, and no live process holds its lease. A
worker takes one with a lease (:meth:`engine.journal_postgres.PostgresJournal.claim`:
``SELECT ... FOR UPDATE SKIP LOCKED``; on SQLite and in memory the journal's own lease,
tried on the runs an incremental scan of the journal's status events finds ready), then
resumes it like ``plansafe resume``: no completed step runs again, a step whose intent was
journaled without a result is recovered as after a crash (a non-idempotent one with an
unknown outcome goes to the Monitor). Two workers never drive one run at once, so never run
the same step; a worker killed with ``kill -9`` stops renewing its lease (PostgreSQL: it
expires after ``lease_s``; on its own host its dead pid frees it at once) and another
worker finishes the run. The journal is the source of truth: a worker keeps nothing else.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.journal import Journal, LeaseLostError
from engine.journal_postgres import RUN_STATUS_OF
from verifier.errors import PlansafeError

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.runner import RunOptions
    from verifier.model import Problem

__all__ = ["submit", "claim", "Worker", "WorkerReport", "RunDone"]

# the planners a worker may pick by the name the journal recorded (never code it names)
_PLANNERS = ("symbolic", "llm", "auto")


def submit(engine: Engine, problem: str | Path | Problem | None = None, *,
           goal: str | None = None, faults: Any = None, run_id: str | None = None,
           extra: Mapping[str, Any] | None = None) -> str:
    """Journal a new run for the workers (``run-started`` with no plan yet): its id.
    ``extra``: more keys for ``run-started`` (``plansafe serve``: the trigger that started it)."""
    from engine.pddl_text import problem_to_pddl
    from engine.runner import new_run_id
    from engine.runstate import atoms_json

    prob = engine.problem(problem, goal=goal)
    fault_json, fault_name = engine._faults(faults)
    run_id = run_id or new_run_id()
    spec = engine.spec
    problem_file = prob.path if Path(str(prob.path)).is_file() else None
    engine.journal.append(run_id, "run-started", {
        "spec": str(Path(spec.root if spec.spec_path else spec.domain_path).resolve()),
        "spec_name": spec.name, "problem": prob.name, "problem_file": problem_file,
        "problem_pddl": problem_to_pddl(prob), "goal_text": goal, "init": atoms_json(prob.init),
        "options": engine.options.to_json(), "faults": fault_json, "faults_label": fault_name,
        "world": engine.world, "planner": engine.planner_ref, "pid": os.getpid(),
        **(extra or {}), "submitted": True})
    return run_id


class _ReadyIndex:
    """Which runs are ready, from the journal's status events read incrementally."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.after = 0

    def refresh(self, journal: Journal) -> list[str]:
        for e in journal.events(after_id=self.after, kinds=tuple(RUN_STATUS_OF)):
            self.status[e.run_id] = RUN_STATUS_OF[e.kind]
            self.after = e.id
        return [r for r, s in self.status.items() if s == "ready"]


def claim(journal: Journal, owner: str, index: _ReadyIndex | None = None,
          skip: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Lease the next ready run to ``owner``: its id, or None."""
    pg_claim: Callable[[str], str | None] | None = getattr(journal, "claim", None)
    if pg_claim is not None and not skip:
        return pg_claim(owner)
    for run_id in (index or _ReadyIndex()).refresh(journal):
        if run_id not in skip and journal.acquire(run_id, owner):
            return run_id
    return None


@dataclass(frozen=True, slots=True)
class RunDone:
    run_id: str
    status: str  # a RunStatus, "error", or "lease-lost" (another worker took the run over)
    seconds: float
    message: str = ""


@dataclass(frozen=True, slots=True)
class WorkerReport:
    owner: str
    runs: tuple[RunDone, ...]

    def to_json(self) -> dict[str, Any]:
        return {"owner": self.owner, "runs": [
            {"run": r.run_id, "status": r.status, "seconds": round(r.seconds, 4),
             "message": r.message} for r in self.runs]}


class Worker:
    """Takes ready runs from ``journal`` until stopped, idle for ``idle_exit_s`` or after
    ``max_runs``. ``planner`` / ``tools`` / ``executor`` override what runs are resumed with
    (default: the planner name the run recorded, the spec's tools, in-process steps;
    ``ray_address``: steps as Ray tasks, ``"auto"`` or ``""`` for $RAY_ADDRESS / local)."""

    def __init__(self, journal: Journal, *, owner: str | None = None,
                 planner: str | Callable[..., Any] | None = None,
                 tools: Mapping[str, Callable[..., Any]] | None = None,
                 poll_s: float = 0.2, on_run: Callable[[RunDone], Any] | None = None,
                 ray_address: str | None = None) -> None:
        self.journal = journal
        self.owner = owner or f"worker-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.planner, self.tools, self.poll_s, self.on_run = planner, tools, poll_s, on_run
        self._engines: dict[tuple[str, str, str | None, bool], Engine] = {}
        self._index = _ReadyIndex()
        self._failed: set[str] = set()
        self.ray_address = ray_address

    def _engine(self, started: Mapping[str, Any]) -> Engine:
        from engine.api import Engine
        from verifier.spec import load_spec

        planner = self.planner
        if planner is None:
            recorded = started.get("planner") or "symbolic"
            planner = recorded if recorded in _PLANNERS else "symbolic"
        from engine.trust import for_run

        # the trust the run's starter gave (engine/trust.py), checked for every run; tool
        # overrides are the caller's own code
        trust = for_run(started) if self.tools is None else None
        key = (str(started["spec"]), repr(planner), started.get("world"),
               trust is not None and trust.trust_spec)
        eng = self._engines.get(key)
        if eng is None:
            eng = Engine(load_spec(started["spec"]), journal=self.journal, planner=planner,
                         tools=self.tools, world=started.get("world"), trust=trust,
                         executor="local" if self.ray_address is None else "ray",
                         ray_address=self.ray_address or None)
            self._engines[key] = eng
        elif trust is not None:
            trust.require(eng.spec, planner=planner if isinstance(planner, str) else None)
        return eng

    async def drive(self, run_id: str) -> RunDone:
        """Resume a run this worker holds the lease of (released at the end)."""
        from engine.api import result_of
        from engine.runner import RunOptions
        from engine.runstate import RunState

        t0 = time.perf_counter()
        try:
            self.journal.require_intact(run_id)
            started = self.journal.events(run_id, kinds=("run-started",))[0].payload
            eng = self._engine(started)
            options: RunOptions = RunOptions.from_json(started.get("options", {}))
            driver = eng._driver(None, options)
            driver.owner = self.owner  # the claim's lease is the driver's
            state: RunState = await driver.resume(run_id)
            status = result_of(state, eng.spec, self.journal).status
            return RunDone(run_id, status, time.perf_counter() - t0)
        except LeaseLostError as e:  # stalled past the lease: another worker drives it now
            self._failed.add(run_id)
            return RunDone(run_id, "lease-lost", time.perf_counter() - t0, str(e))
        except PlansafeError as e:
            self._failed.add(run_id)
            return RunDone(run_id, "error", time.perf_counter() - t0, str(e))
        finally:
            self.journal.release(run_id, self.owner)

    async def arun(self, *, idle_exit_s: float | None = None, max_runs: int | None = None
                   ) -> WorkerReport:
        done: list[RunDone] = []
        idle_since = time.monotonic()
        while max_runs is None or len(done) < max_runs:
            run_id = claim(self.journal, self.owner, self._index, self._failed)
            if run_id is None:
                if idle_exit_s is not None and time.monotonic() - idle_since >= idle_exit_s:
                    break
                await asyncio.sleep(self.poll_s)
                continue
            r = await self.drive(run_id)
            done.append(r)
            if self.on_run is not None:
                self.on_run(r)
            idle_since = time.monotonic()
        return WorkerReport(self.owner, tuple(done))

    def run(self, *, idle_exit_s: float | None = None, max_runs: int | None = None
            ) -> WorkerReport:
        return asyncio.run(self.arun(idle_exit_s=idle_exit_s, max_runs=max_runs))
