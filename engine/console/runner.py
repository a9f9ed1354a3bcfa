"""What ``plansafe serve`` runs in the background: runs, events, triggers and cron.

:class:`RunService` owns three kinds of threads beside the web server:

- a **dispatcher** that takes ready runs from the journal (:func:`engine.worker.claim`: the
  run's lease, as ``plansafe resume`` and ``plansafe worker`` take it) and drives each in a
  thread of its own (:meth:`engine.worker.Worker.drive`), so a run waiting an hour for an event
  holds up no other. Ready means submitted (``POST /api/runs``, a trigger), resumed, approved,
  or left running by a process that died (``kill -9`` of ``plansafe serve`` itself: its dead
  pid frees the lease, and the restarted server resumes the run: no completed step runs again);
- a **cron** thread that starts the runs of ``cron:`` triggers once a minute (the run id is
  derived from the trigger and the minute, so a restart within the minute starts none twice);
- the request handlers call :meth:`RunService.submit` and :meth:`RunService.deliver`, which
  journal and return at once.

An event (``POST /api/events``) goes to the same durable store ``plansafe event`` writes (a
SQLite file beside the journal, :mod:`engine.adapters.event`): to the run it names, or to every
run not finished; then each served spec's ``on:`` trigger for it starts a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.journal import Journal, journal_url, open_journal
from engine.journal_postgres import RUN_STATUS_OF
from engine.runlinks import parent_id
from verifier.errors import PlansafeError
from verifier.spec import Spec
from verifier.triggers import EVENT_NAME, Trigger

__all__ = ["RunService", "Delivery", "Started", "MAX_EVENT_BYTES"]

log = logging.getLogger("plansafe.serve")

#: the largest event a client may post (its JSON fields)
MAX_EVENT_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Started:
    """A run a request or a trigger started (``duplicate``: it existed already)."""

    run: str
    spec: str
    trigger: str | None = None
    duplicate: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run, "spec": self.spec, "trigger": self.trigger,
                "duplicate": self.duplicate}


@dataclass(frozen=True, slots=True)
class Delivery:
    """What ``POST /api/events`` did: the runs the event was posted to and the runs started."""

    event: str
    delivered: tuple[str, ...]
    started: tuple[Started, ...]

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "delivered": list(self.delivered),
                "started": [s.to_json() for s in self.started]}


def _open_runs(journal: Journal) -> list[str]:
    """Runs not finished (started, resumed, approved or suspended), oldest first."""
    status: dict[str, str] = {}
    for e in journal.events(kinds=tuple(RUN_STATUS_OF)):
        status[e.run_id] = RUN_STATUS_OF[e.kind]
    return [r for r, s in status.items() if s != "done"]


class RunService:
    """Starts and drives runs for ``plansafe serve`` (see the module's docstring)."""

    def __init__(self, journal: Path, specs: Mapping[str, Spec], *, poll_s: float = 0.2,
                 max_active: int = 32, clock: Callable[[], datetime] = datetime.now,
                 trust: Mapping[str, Any] | None = None) -> None:
        """``trust``: what the runs it starts record as their starter's code trust
        (``run-started``: ``trust``, engine/trust.py; ``{"spec": True}``: serve --trust-spec)."""
        self.journal = journal
        self.specs = dict(specs)  # the served specs by name: only these start runs
        self.trust = dict(trust) if trust is not None else None
        self.poll_s, self.max_active, self.clock = poll_s, max_active, clock
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._active: dict[str, threading.Thread] = {}
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        self.errors: dict[str, str] = {}  # run -> why driving it failed

    # --- starting runs ------------------------------------------------------------------------

    def spec(self, name: str) -> Spec:
        spec = self.specs.get(name)
        if spec is None:
            raise PlansafeError(f"no served spec {name!r} (served: "
                                f"{', '.join(sorted(self.specs)) or 'none'}; plansafe serve "
                                "--spec FOLDER)")
        return spec

    def submit(self, spec_name: str, *, problem: str | None = None, goal: str | None = None,
               extra: Mapping[str, Any] | None = None, key: str | None = None) -> Started:
        """Journal a new run of a served spec (a worker thread plans and drives it). ``key``
        makes it idempotent: the same key names the same run, started once."""
        from engine.api import Engine
        from engine.worker import submit

        spec = self.spec(spec_name)
        if problem is None and goal is None:
            raise PlansafeError("give a problem (a name in the spec's problems/) or a goal")
        run_id = None
        if key is not None:
            run_id = "run-" + hashlib.sha256(f"{spec.name}\0{key}".encode()).hexdigest()[:12]
        eng = Engine(spec, journal=self.journal)
        try:
            if run_id is not None and eng.journal.events(run_id, kinds=("run-started",)):
                return Started(run_id, spec.name, (extra or {}).get("trigger", {}).get("name"),
                               duplicate=True)
            more = {**(extra or {}), **({"trust": self.trust} if self.trust is not None else {})}
            rid = submit(eng, problem, goal=goal, run_id=run_id, extra=more)
        finally:
            eng.close()
        trigger = (extra or {}).get("trigger") or {}
        return Started(rid, spec.name, trigger.get("name"))

    def _fire(self, spec: Spec, t: Trigger, fields: Mapping[str, Any], key: str | None,
              origin: Mapping[str, Any], by: Mapping[str, Any] | None = None) -> Started:
        goal = t.goal_for(fields)
        extra: dict[str, Any] = {"trigger": {"name": t.name, "spec": spec.name, **origin,
                                             "fields": dict(fields)}}
        if by is not None:
            extra["started_by"] = dict(by)
        return self.submit(spec.name, problem=t.problem, goal=goal, extra=extra, key=key)

    # --- events --------------------------------------------------------------------------------

    def deliver(self, name: str, fields: Mapping[str, Any] | None = None, *,
                run: str | None = None, event_id: str | None = None,
                by: Mapping[str, Any] | None = None) -> Delivery:
        """Start the runs of the served specs' ``on: name`` triggers (``event_id`` makes that
        idempotent), then post event ``name`` durably to ``run`` (or to every run that was not
        finished before)."""
        from engine.adapters.event import post_event

        if journal_url(self.journal) is not None:
            raise PlansafeError("events need a SQLite journal (their store is a file beside "
                                "it, as for plansafe event); this server's is a database")
        fields = dict(fields or {})
        if not EVENT_NAME.match(name or ""):
            raise PlansafeError(f"{name!r} is not an event name (letters, digits, '.', '_', "
                                "':', '-'; at most 128)")
        if len(json.dumps(fields)) > MAX_EVENT_BYTES:
            raise PlansafeError(f"the event's fields exceed {MAX_EVENT_BYTES} bytes")
        matching = [(s, t) for s in self.specs.values() for t in s.triggers if t.on == name]
        for _s, t in matching:  # every goal renders before anything is posted or started
            t.goal_for(fields)
        j = open_journal(self.journal)
        try:
            if run is not None and not j.events(run, kinds=("run-started",)):
                raise PlansafeError(f"no run {run!r} in {self.journal}")
            targets = [run] if run is not None else _open_runs(j)
        finally:
            j.close()
        # the triggered runs first: a goal that does not read is a 400 with nothing posted
        started = [self._fire(s, t, fields, None if event_id is None else
                              f"{t.name}\0event\0{event_id}", {"event": name}, by)
                   for s, t in matching]
        for r in targets:
            post_event(self.journal, r, name, fields)
        return Delivery(name, tuple(targets), tuple(started))

    # --- cron ---------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> list[Started]:
        """Start the runs of the cron triggers due in the minute of ``now`` (once each)."""
        minute = (now or self.clock()).replace(second=0, microsecond=0)
        out = []
        for s in self.specs.values():
            for t in s.triggers:
                if t.cron is not None and t.cron.matches(minute):
                    try:
                        out.append(self._fire(s, t, {}, f"{t.name}\0cron\0{minute.isoformat()}",
                                              {"cron": t.cron.text, "at": minute.isoformat()}))
                    except PlansafeError as e:
                        log.warning("cron trigger %s of %s: %s", t.name, s.name, e)
        return out

    def _cron_loop(self) -> None:
        last: datetime | None = None
        while not self._stop.is_set():
            minute = self.clock().replace(second=0, microsecond=0)
            if minute != last:
                self.tick(minute)
                last = minute
            self._stop.wait(1.0)

    # --- driving runs -------------------------------------------------------------------------

    def _drive(self, run_id: str, owner: str) -> None:
        import asyncio

        from engine.worker import Worker

        j = open_journal(self.journal)
        try:
            done = asyncio.run(Worker(j, owner=owner).drive(run_id))
            if done.status in ("error", "lease-lost"):
                self._failed.add(run_id)
                self.errors[run_id] = done.message
                log.warning("run %s: %s", run_id, done.message)
        except Exception as e:  # noqa: BLE001 - one run's failure must not stop the service
            self._failed.add(run_id)
            self.errors[run_id] = f"{type(e).__name__}: {e}"
            log.exception("run %s failed", run_id)
        finally:
            j.close()
            with self._lock:
                self._active.pop(run_id, None)

    def _dispatch_loop(self) -> None:
        from engine.worker import _ReadyIndex, claim

        j = open_journal(self.journal)
        index = _ReadyIndex()
        try:
            while not self._stop.wait(self.poll_s):
                with self._lock:
                    if len(self._active) >= self.max_active:
                        continue
                    skip = set(self._active) | self._failed
                # a sub-workflow's child run is resumed by its parent's step, never alone
                try:
                    index.refresh(j)
                except PlansafeError as e:
                    log.warning("reading the journal: %s", e)
                    continue
                skip |= {r for r in index.status if parent_id(r) in index.status}
                owner = f"serve-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                try:
                    run_id = claim(j, owner, index, skip)
                except PlansafeError as e:
                    log.warning("claiming a run: %s", e)
                    continue
                if run_id is None:
                    continue
                t = threading.Thread(target=self._drive, args=(run_id, owner), daemon=True,
                                     name=f"plansafe-run-{run_id}")
                with self._lock:
                    self._active[run_id] = t
                t.start()
        finally:
            j.close()

    def active(self) -> list[str]:
        with self._lock:
            return sorted(self._active)

    def start(self) -> RunService:
        """Start the dispatcher and (when a served spec has cron triggers) the cron thread."""
        loops: Sequence[tuple[str, Callable[[], None]]] = [("dispatch", self._dispatch_loop)]
        if any(t.cron is not None for s in self.specs.values() for t in s.triggers):
            loops = [*loops, ("cron", self._cron_loop)]
        for name, target in loops:
            th = threading.Thread(target=target, daemon=True, name=f"plansafe-{name}")
            th.start()
            self._threads.append(th)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop taking runs; runs being driven go on in daemon threads (their leases say who
        drives them, and a restart resumes them)."""
        self._stop.set()
        for th in self._threads:
            th.join(timeout_s)

