"""The run journal: an append-only, hash-chained event log (SQLite WAL by default).

Every event has an increasing id, a run id, a kind, a JSON payload, a timestamp, the
format version, the hash of the event before it and its own hash (SHA-256 over all of
these), so the journal is a tamper-evident audit log: :meth:`Journal.verify_chain`
recomputes every hash and link. Backends: :class:`SQLiteJournal` (a file, WAL mode;
``synchronous=NORMAL`` survives ``kill -9`` of the writer, ``durability="full"`` also a
power cut) and :class:`MemoryJournal` (tests, benchmarks). Both pass one conformance
suite (``tests/engine/test_journal.py``), like LangGraph's checkpoint savers.

Leases say which live process drives a run, so that two ``resume`` calls cannot run the
same steps at once; a lease whose process is gone is taken over.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from verifier.errors import PlansafeError

__all__ = [
    "FORMAT_VERSION", "EVENT_KINDS", "Event", "ChainReport", "Journal", "SQLiteJournal",
    "MemoryJournal", "open_journal", "JournalError", "event_hash", "GENESIS", "RunJournal",
]

FORMAT_VERSION = 1
GENESIS = "0" * 64
EVENT_KINDS = (
    "run-started", "plan-certified", "step-intent", "step-result", "observation", "failure",
    "explanation", "replan", "approval-requested", "approval", "message", "run-suspended",
    "run-resumed", "run-finished", "refused", "retry",
)


class JournalError(PlansafeError):
    """The journal cannot be read or written, or its chain is broken."""


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    run_id: str
    kind: str
    payload: dict[str, Any]
    ts: float
    prev_hash: str
    hash: str
    version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "run": self.run_id, "kind": self.kind, "ts": self.ts,
                "payload": self.payload, "prev_hash": self.prev_hash, "hash": self.hash,
                "version": self.version}


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    bad_id: int | None = None
    message: str = ""


def _canon(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(*, id: int, run_id: str, kind: str, payload_json: str, ts: float,
               prev_hash: str, version: int) -> str:
    text = f"{version}\x1f{id}\x1f{run_id}\x1f{kind}\x1f{ts!r}\x1f{prev_hash}\x1f{payload_json}"
    return hashlib.sha256(text.encode()).hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_kind(kind: str) -> None:
    if kind not in EVENT_KINDS:
        raise JournalError(f"unknown event kind {kind!r} (kinds: {', '.join(EVENT_KINDS)})")


class Journal(ABC):
    """The storage interface every backend implements."""

    path: str | None = None

    @abstractmethod
    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> Event: ...

    @abstractmethod
    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[Event]: ...

    @abstractmethod
    def acquire(self, run_id: str, owner: str) -> bool:
        """Take the run's lease for ``owner`` unless a live process holds it."""

    @abstractmethod
    def release(self, run_id: str, owner: str) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional
        pass

    def runs(self) -> list[str]:
        return [e.run_id for e in self.events(kinds=("run-started",))]

    def verify_chain(self) -> ChainReport:
        prev, last_id, n = GENESIS, 0, 0
        for e in self.events():
            n += 1
            if e.id <= last_id:
                return ChainReport(False, n, e.id, f"event ids do not increase at {e.id}")
            if e.prev_hash != prev:
                return ChainReport(False, n, e.id, f"event {e.id} does not link to the event "
                                   "before it")
            want = event_hash(id=e.id, run_id=e.run_id, kind=e.kind, payload_json=_canon(e.payload),
                              ts=e.ts, prev_hash=e.prev_hash, version=e.version)
            if want != e.hash:
                return ChainReport(False, n, e.id, f"event {e.id} was altered (hash mismatch)")
            prev, last_id = e.hash, e.id
        return ChainReport(True, n)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryJournal(Journal):
    def __init__(self) -> None:
        self._events: list[Event] = []
        self._leases: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self.path = None

    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        _check_kind(kind)
        text = _canon(payload)
        with self._lock:
            prev = self._events[-1] if self._events else None
            eid = (prev.id if prev else 0) + 1
            prev_hash = prev.hash if prev else GENESIS
            ts = time.time()
            h = event_hash(id=eid, run_id=run_id, kind=kind, payload_json=text, ts=ts,
                           prev_hash=prev_hash, version=FORMAT_VERSION)
            e = Event(eid, run_id, kind, json.loads(text), ts, prev_hash, h)
            self._events.append(e)
            return e

    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[Event]:
        ks = set(kinds) if kinds is not None else None
        with self._lock:
            return [e for e in self._events if e.id > after_id
                    and (run_id is None or e.run_id == run_id) and (ks is None or e.kind in ks)]

    def acquire(self, run_id: str, owner: str) -> bool:
        with self._lock:
            held = self._leases.get(run_id)
            if held and held[0] != owner:
                return False
            self._leases[run_id] = (owner, os.getpid())
            return True

    def release(self, run_id: str, owner: str) -> None:
        with self._lock:
            if self._leases.get(run_id, ("",))[0] == owner:
                del self._leases[run_id]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    ts REAL NOT NULL,
    version INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id, id);
CREATE TABLE IF NOT EXISTS leases (run_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
                                   pid INTEGER NOT NULL, host TEXT NOT NULL, ts REAL NOT NULL);
"""


class SQLiteJournal(Journal):
    def __init__(self, path: str | Path, *,
                 durability: Literal["process", "full"] = "process") -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(p)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False, timeout=30.0)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=" + ("FULL" if durability == "full"
                                                        else "NORMAL"))
            self._conn.executescript(_SCHEMA)
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('format_version', ?)",
                               (str(FORMAT_VERSION),))
            row = self._conn.execute("SELECT value FROM meta WHERE key='format_version'"
                                     ).fetchone()
        except sqlite3.DatabaseError as e:
            raise JournalError(f"{self.path}: not a Plansafe journal ({e})") from None
        if int(row[0]) > FORMAT_VERSION:
            raise JournalError(f"{self.path}: journal format {row[0]} is newer than this "
                               f"Plansafe ({FORMAT_VERSION}); upgrade Plansafe")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        _check_kind(kind)
        text = _canon(payload)
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
                eid = (row[0] if row else 0) + 1
                prev_hash = row[1] if row else GENESIS
                ts = time.time()
                h = event_hash(id=eid, run_id=run_id, kind=kind, payload_json=text, ts=ts,
                               prev_hash=prev_hash, version=FORMAT_VERSION)
                c.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                          (eid, run_id, kind, text, ts, FORMAT_VERSION, prev_hash, h))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
        return Event(eid, run_id, kind, json.loads(text), ts, prev_hash, h)

    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[Event]:
        sql = "SELECT id, run_id, kind, payload, ts, prev_hash, hash, version FROM events " \
              "WHERE id > ?"
        params: list[Any] = [after_id]
        if run_id is not None:
            sql += " AND run_id = ?"
            params.append(run_id)
        ks = list(kinds) if kinds is not None else None
        if ks is not None:
            sql += f" AND kind IN ({','.join('?' * len(ks))})"
            params.extend(ks)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [Event(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    def acquire(self, run_id: str, owner: str) -> bool:
        host, pid = socket.gethostname(), os.getpid()
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute("SELECT owner, pid, host FROM leases WHERE run_id=?",
                                (run_id,)).fetchone()
                if row and row[0] != owner and row[2] == host and row[1] != pid \
                        and _pid_alive(row[1]):
                    c.execute("ROLLBACK")
                    return False
                if row and row[0] != owner and row[2] == host and row[1] == pid:
                    c.execute("ROLLBACK")
                    return False  # another driver in this very process
                c.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?,?,?)",
                          (run_id, owner, pid, host, time.time()))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
            return True

    def release(self, run_id: str, owner: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM leases WHERE run_id=? AND owner=?", (run_id, owner))


RunJournal = Journal  # the name DESIGN.md uses for the concept


def open_journal(path: str | Path | None, *,
                 durability: Literal["process", "full"] = "process") -> Journal:
    """A journal at ``path`` (SQLite), or in memory for None / ``":memory:"``."""
    if path is None or str(path) == ":memory:":
        return MemoryJournal()
    return SQLiteJournal(path, durability=durability)
