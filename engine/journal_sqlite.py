"""The SQLite journal (the default backend: a file, WAL mode): events in one table, leases with
fencing tokens in another; registered in :data:`engine.journal.JOURNALS` as ``sqlite``.

A SQLite lease does not expire: it is taken over when its holder's process is gone (or it was
taken on another host); each take gets a new fencing token (a counter in ``meta``), and an
append to a run this journal leases checks it inside the append's transaction, so the old
holder's writes are refused (:class:`~engine.journal.LeaseLostError`)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from engine import journal_events as ev
from engine.journal import Journal

__all__ = ["SQLiteJournal", "open_sqlite"]


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
                                   pid INTEGER NOT NULL, host TEXT NOT NULL, ts REAL NOT NULL,
                                   fence INTEGER NOT NULL DEFAULT 0);
"""


class SQLiteJournal(Journal):
    def __init__(self, path: str | Path, *,
                 durability: Literal["process", "full"] = "process") -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(p)
        self._lock = threading.RLock()
        self._fences: dict[str, int] = {}  # run -> the fencing token of the lease held
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False, timeout=30.0)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=" + ("FULL" if durability == "full"
                                                        else "NORMAL"))
            self._conn.executescript(_SCHEMA)
            cols = [r[1] for r in self._conn.execute("PRAGMA table_info(leases)")]
            if "fence" not in cols:  # a journal from before lease fencing
                self._conn.execute("ALTER TABLE leases ADD COLUMN fence INTEGER NOT NULL "
                                   "DEFAULT 0")
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('format_version', ?)",
                               (str(ev.FORMAT_VERSION),))
            row = self._conn.execute("SELECT value FROM meta WHERE key='format_version'"
                                     ).fetchone()
        except sqlite3.DatabaseError as e:
            raise ev.JournalError(f"{self.path}: not a Plansafe journal ({e})") from None
        if int(row[0]) > ev.FORMAT_VERSION:
            raise ev.JournalError(f"{self.path}: journal format {row[0]} is newer than this "
                               f"Plansafe ({ev.FORMAT_VERSION}); upgrade Plansafe")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> ev.Event:
        ev._check_kind(kind)
        text = ev._canon(payload)
        self.chain_key()
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                self._check_fence(run_id)
                row = c.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
                eid = (row[0] if row else 0) + 1
                prev_hash = row[1] if row else ev.GENESIS
                ts = time.time()
                h = self.seal(id=eid, run_id=run_id, kind=kind, payload_json=text, ts=ts,
                              prev_hash=prev_hash)
                c.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                          (eid, run_id, kind, text, ts, ev.FORMAT_VERSION, prev_hash, h))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
        e = ev.Event(eid, run_id, kind, json.loads(text), ts, prev_hash, h)
        self.record_head(e)
        return e

    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[ev.Event]:
        sql, params = ev._events_query("events", "?", run_id, after_id, kinds,
                                       kinds_array=False)
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [ev.Event(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    def acquire(self, run_id: str, owner: str) -> bool:
        host, pid = socket.gethostname(), os.getpid()
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute("SELECT owner, pid, host FROM leases WHERE run_id=?",
                                (run_id,)).fetchone()
                if row and row[0] != owner and row[2] == host and row[1] != pid \
                        and ev._pid_alive(row[1]):
                    c.execute("ROLLBACK")
                    return False
                if row and row[0] != owner and row[2] == host and row[1] == pid:
                    c.execute("ROLLBACK")
                    return False  # another driver in this very process
                fence = self._next_fence()
                c.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?,?,?,?)",
                          (run_id, owner, pid, host, time.time(), fence))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
            self._fences[run_id] = fence
            return True

    def _next_fence(self) -> int:
        """A new fencing token (a counter in ``meta``; inside the caller's transaction)."""
        c = self._conn
        c.execute("INSERT OR IGNORE INTO meta VALUES ('lease_fence', '0')")
        row = c.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = "
                        "'lease_fence' RETURNING value").fetchone()
        return int(row[0])

    def _check_fence(self, run_id: str) -> None:
        """Inside the append's transaction: refuse a write to a run whose lease this journal
        held and another process has taken since (its fencing token changed)."""
        fence = self._fences.get(run_id)
        if fence is None:
            return
        row = self._conn.execute("SELECT fence FROM leases WHERE run_id=?", (run_id,)).fetchone()
        if row is None or int(row[0]) != fence:
            raise ev.LeaseLostError(f"{self.path}: run {run_id}: this process's lease (fence "
                                 f"{fence}) was taken over by another; it writes nothing "
                                 "more to the run")

    def release(self, run_id: str, owner: str) -> None:
        with self._lock:
            cur = self._conn.execute("DELETE FROM leases WHERE run_id=? AND owner=?",
                                     (run_id, owner))
            if cur.rowcount:  # a lease taken over keeps its fence: later writes stay refused
                self._fences.pop(run_id, None)


def open_sqlite(target: str, *, durability: Literal["process", "full"] = "process") -> Journal:
    return SQLiteJournal(target, durability=durability)
