"""``adapter: event``: a step that waits for an outside event (``plansafe event RUN NAME``).

Events are rows of a small SQLite file beside the run's journal (``<journal>.events.sqlite``,
:func:`events_path`), so a posted event outlives any process: a wait interrupted by a crash
(``kill -9``) is a step whose outcome is unknown, and because waiting is idempotent ``plansafe
resume`` waits again and finds an event posted in between. An event's JSON data with
``holds`` / ``not_holds`` is the step's observation. No event within ``timeout_s`` (default
one hour) is a permanent failure the Monitor explains.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from domains.base import Observation, PermanentToolError, ToolContext
from engine.adapters.common import observation_from, render, values_for
from verifier.errors import PlansafeError
from verifier.tool_binding import ToolBinding

__all__ = ["EventWait", "events_path", "post_event", "find_event"]

DEFAULT_TIMEOUT_S = 3600.0
POLL_S = 0.1

_SCHEMA = ("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, "
           "name TEXT NOT NULL, data TEXT NOT NULL, posted_at REAL NOT NULL)")


def events_path(journal: str | Path) -> Path:
    """The events file of a journal (``j.sqlite`` -> ``j.events.sqlite``)."""
    jp = Path(journal)
    return jp.with_name(jp.stem + ".events.sqlite")


def _from_world(world: str | None) -> Path:
    if not world:
        raise PermanentToolError("an event step needs a journal file (the run has none: "
                                 "give the Engine a journal path)")
    w = Path(world)
    stem = w.name.removesuffix(".world.sqlite")
    return w.with_name(stem + ".events.sqlite")


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(_SCHEMA)
    return con


def post_event(journal: str | Path, run_id: str, name: str,
               data: dict[str, Any] | None = None) -> int:
    """Post event ``name`` to run ``run_id`` (durable once this returns)."""
    if not run_id or not name:
        raise PlansafeError("an event needs a run id and a name")
    con = _connect(events_path(journal))
    try:
        cur = con.execute("INSERT INTO events (run_id, name, data, posted_at) VALUES "
                          "(?, ?, ?, ?)", (run_id, name, json.dumps(data or {}), time.time()))
        return int(cur.lastrowid or 0)
    finally:
        con.close()


def find_event(path: Path, run_id: str, name: str) -> dict[str, Any] | None:
    if not path.exists():
        return None
    con = _connect(path)
    try:
        row = con.execute("SELECT data FROM events WHERE run_id = ? AND name = ? ORDER BY id "
                          "LIMIT 1", (run_id, name)).fetchone()
    finally:
        con.close()
    return None if row is None else dict(json.loads(row[0]))


class EventWait:
    def __init__(self, binding: ToolBinding) -> None:
        self.binding = binding
        self.wait_s = binding.timeout_s or DEFAULT_TIMEOUT_S
        # the Executor's own timeout fires only if this one did not (its failure is ours)
        self.timeout_s = self.wait_s + 30
        self.idempotent = True  # waiting again is harmless
        self.__name__ = f"event:{binding.event}"

    def __call__(self, ctx: ToolContext, *args: str) -> Observation | None:
        name = str(render(self.binding.event or "", values_for(self.binding, ctx)))
        path = _from_world(ctx.world)
        deadline = time.monotonic() + self.wait_s
        while True:
            data = find_event(path, ctx.run_id, name)
            if data is not None:
                return observation_from(data)
            if ctx.cancelled:
                raise PermanentToolError(f"stopped waiting for event '{name}'")
            if time.monotonic() > deadline:
                raise PermanentToolError(
                    f"no event '{name}' within {self.wait_s:g} s (post it with: plansafe "
                    f"event {ctx.run_id} {name})")
            time.sleep(POLL_S)
