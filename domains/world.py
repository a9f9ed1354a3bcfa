"""The simulated world: a small SQLite store beside the journal, one world per run.

It holds each run's facts, every tool call the simulator received, every action it
applied (with the idempotency key and the observation returned) and every external
change. An action is applied in one transaction together with its record, so after a
``kill -9`` the world either shows the action done (and recorded) or not at all; this is
what lets tests count how often each step really ran.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from verifier.model import GroundAtom

__all__ = ["WorldStore", "world_store", "ApplyOutcome"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, objects TEXT NOT NULL,
                                 faults TEXT);
CREATE TABLE IF NOT EXISTS atoms (run_id TEXT NOT NULL, atom TEXT NOT NULL,
                                  PRIMARY KEY (run_id, atom));
CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
                                  step_id TEXT NOT NULL, call TEXT NOT NULL, attempt INTEGER,
                                  faults TEXT);
CREATE INDEX IF NOT EXISTS calls_run ON calls (run_id, call);
CREATE TABLE IF NOT EXISTS applied (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
                                    step_id TEXT NOT NULL, key TEXT NOT NULL, call TEXT NOT NULL,
                                    attempt INTEGER, observation TEXT);
CREATE INDEX IF NOT EXISTS applied_key ON applied (run_id, key);
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
                                    before_step TEXT, added TEXT, deleted TEXT);
"""

ApplyOutcome = tuple[str, Any]  # ("applied" | "refused", payload)


def _enc(atom: GroundAtom) -> str:
    return " ".join(atom)


def _dec(text: str) -> GroundAtom:
    return tuple(text.split(" "))


class WorldStore:
    """One SQLite database (a file, or in memory when ``path`` is None)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path or ":memory:", check_same_thread=False,
                                     isolation_level=None, timeout=30.0)
        if self.path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                out = fn(c)
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
            return out

    # --- runs and facts -----------------------------------------------------------------------

    def has_run(self, run_id: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM runs WHERE run_id=?",
                                      (run_id,)).fetchone() is not None

    def create_run(self, run_id: str, objects: dict[str, str], init: Iterable[GroundAtom],
                   faults: dict[str, Any] | None) -> bool:
        """Create the run's world unless it exists (then keep it); True if created."""
        def tx(c: sqlite3.Connection) -> bool:
            if c.execute("SELECT 1 FROM runs WHERE run_id=?", (run_id,)).fetchone():
                return False
            c.execute("INSERT INTO runs VALUES (?,?,?)", (run_id, json.dumps(objects),
                                                          json.dumps(faults)))
            c.executemany("INSERT INTO atoms VALUES (?,?)", [(run_id, _enc(a)) for a in init])
            return True
        return bool(self._tx(tx))

    def faults(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT faults FROM runs WHERE run_id=?",
                                     (run_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def atoms(self, run_id: str) -> frozenset[GroundAtom]:
        with self._lock:
            rows = self._conn.execute("SELECT atom FROM atoms WHERE run_id=?",
                                      (run_id,)).fetchall()
        return frozenset(_dec(r[0]) for r in rows)

    @staticmethod
    def _change(c: sqlite3.Connection, run_id: str, add: Iterable[GroundAtom],
                delete: Iterable[GroundAtom]) -> None:
        c.executemany("DELETE FROM atoms WHERE run_id=? AND atom=?",
                      [(run_id, _enc(a)) for a in delete])
        c.executemany("INSERT OR IGNORE INTO atoms VALUES (?,?)",
                      [(run_id, _enc(a)) for a in add])

    # --- calls, applications, external changes ------------------------------------------------

    def record_call(self, run_id: str, step_id: str, call: str, attempt: int,
                    counter: Callable[[sqlite3.Connection], Any] | None = None) -> Any:
        """Log a call; ``counter(conn)`` runs in the same transaction, before the insert."""
        def tx(c: sqlite3.Connection) -> Any:
            out = counter(c) if counter is not None else None
            c.execute("INSERT INTO calls (run_id, step_id, call, attempt) VALUES (?,?,?,?)",
                      (run_id, step_id, call, attempt))
            return out
        return self._tx(tx)

    def calls(self, run_id: str) -> list[tuple[str, str, int]]:
        with self._lock:
            return [(r[0], r[1], r[2]) for r in self._conn.execute(
                "SELECT step_id, call, attempt FROM calls WHERE run_id=? ORDER BY seq",
                (run_id,))]

    def applied_observation(self, run_id: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT observation FROM applied WHERE run_id=? AND key=? "
                                     "ORDER BY seq LIMIT 1", (run_id, key)).fetchone()
        return json.loads(row[0]) if row else None

    def applied(self, run_id: str) -> list[tuple[str, str, str]]:
        """``(step_id, key, call)`` of every action applied in this run's world, in order."""
        with self._lock:
            return [(r[0], r[1], r[2]) for r in self._conn.execute(
                "SELECT step_id, key, call FROM applied WHERE run_id=? ORDER BY seq", (run_id,))]

    def apply(self, run_id: str, step_id: str, key: str, call: str, attempt: int,
              decide: Callable[[frozenset[GroundAtom]], ApplyOutcome]) -> ApplyOutcome:
        """Atomically: read the facts, let ``decide`` choose, write the change and its record.

        ``decide(facts)`` returns ``("refused", payload)`` (nothing changes) or
        ``("applied", (add, delete, observation_json))``.
        """
        def tx(c: sqlite3.Connection) -> ApplyOutcome:
            facts = frozenset(_dec(r[0]) for r in c.execute(
                "SELECT atom FROM atoms WHERE run_id=?", (run_id,)))
            verdict, payload = decide(facts)
            if verdict == "applied":
                add, delete, obs = payload
                self._change(c, run_id, add, delete)
                c.execute("INSERT INTO applied (run_id, step_id, key, call, attempt, observation)"
                          " VALUES (?,?,?,?,?,?)", (run_id, step_id, key, call, attempt,
                                                    json.dumps(obs)))
            return verdict, payload
        return self._tx(tx)

    def change(self, run_id: str, before_step: str | None,
               decide: Callable[[frozenset[GroundAtom]], tuple[set[GroundAtom], set[GroundAtom]]]
               ) -> tuple[set[GroundAtom], set[GroundAtom]]:
        """An external change: ``decide(facts) -> (add, delete)``, applied atomically."""
        def tx(c: sqlite3.Connection) -> tuple[set[GroundAtom], set[GroundAtom]]:
            facts = frozenset(_dec(r[0]) for r in c.execute(
                "SELECT atom FROM atoms WHERE run_id=?", (run_id,)))
            add, delete = decide(facts)
            if add or delete:
                self._change(c, run_id, add, delete)
                c.execute("INSERT INTO changes (run_id, before_step, added, deleted) "
                          "VALUES (?,?,?,?)", (run_id, before_step,
                                               json.dumps(sorted(map(_enc, add))),
                                               json.dumps(sorted(map(_enc, delete)))))
            return add, delete
        return self._tx(tx)


_STORES: dict[str | None, WorldStore] = {}
_STORES_LOCK = threading.Lock()


def world_store(path: str | Path | None) -> WorldStore:
    """The process-wide store for ``path`` (one in-memory store for None)."""
    key = None if path is None else str(Path(path).resolve())
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = WorldStore(key)
        return store
