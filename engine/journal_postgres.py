"""The PostgreSQL journal (psycopg 3): one journal shared by many workers on many machines.

Chosen by URL: ``--journal postgresql://user@host/db`` or ``$PLANSAFE_JOURNAL``. The same
events, the same keyed hash chain (computed by :class:`engine.journal.Journal`: this backend
only stores events and calls :meth:`~engine.journal.Journal.seal`), the same format version
as :class:`~engine.journal_sqlite.SQLiteJournal`; it passes the same conformance suite.

Appends are serialised by a transaction-scoped advisory lock, so the chain stays one line
however many processes write. The schema is versioned: ``plansafe_schema`` lists the
migrations applied (:data:`MIGRATIONS`), applied on open under an advisory lock; a journal
written by a newer Plansafe is refused.

Leases expire: a holder renews its leases from a heartbeat thread every ``lease_s / 3``
seconds; a lease not renewed for ``lease_s`` (its process was killed, its machine lost) or
held on this host by a process that is gone is taken over. :meth:`PostgresJournal.claim`
gives a worker the next ready run with ``SELECT ... FOR UPDATE SKIP LOCKED``: two workers
never take the same run. Which runs are ready is kept in ``plansafe_runs``, updated in the
append's transaction from the run's events (started, resumed, approved: ready; suspended
for an approval: waiting; finished: done).

Fencing: each lease taken gets a new token from the sequence ``plansafe_fence``; every append
this journal makes to a run it leases carries the token, and ``plansafe_append`` refuses it
(:class:`~engine.journal.LeaseLostError`) in the append's own transaction when the lease now
holds another: a worker that stalled past its lease (a pause, a frozen VM) and lost the run to
another worker writes nothing more to it. A takeover holds the append lock while it changes
the token, so it is ordered with every append.

Round trips: ``plansafe_append`` (migration 2) checks the chain's head it is given, the fence,
inserts the event and updates ``plansafe_runs`` in one statement, so an append is one round
trip when this process wrote the head it remembers (one worker driving a run), two otherwise.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from engine.journal import Journal
from engine.journal_events import (
    FORMAT_VERSION,
    GENESIS,
    Event,
    JournalError,
    LeaseLostError,
    _canon,
    _check_kind,
    _events_query,
    _pid_alive,
)

__all__ = ["PostgresJournal", "open_postgres", "MIGRATIONS", "SCHEMA_VERSION", "RUN_STATUS_OF",
           "is_postgres_url"]

_APPEND_LOCK = 0x706C616E73616665  # "plansafe": one chain, one writer at a time
_MIGRATE_LOCK = _APPEND_LOCK + 1

#: the run status an event kind sets in ``plansafe_runs`` (other kinds leave it)
RUN_STATUS_OF = {"run-started": "ready", "run-resumed": "ready", "approval": "ready",
                 "run-suspended": "waiting", "run-finished": "done"}

#: (version, what it does, SQL): applied in order, each once
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "events, meta, leases, runs", """
CREATE TABLE IF NOT EXISTS plansafe_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plansafe_events (
    id BIGINT PRIMARY KEY,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    version INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plansafe_events_run ON plansafe_events (run_id, id);
CREATE TABLE IF NOT EXISTS plansafe_leases (
    run_id TEXT PRIMARY KEY, owner TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    expires TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS plansafe_runs (
    run_id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_id BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS plansafe_runs_ready ON plansafe_runs (status, updated_id);
"""),
    (2, "lease fencing tokens; one-round-trip appends (plansafe_append)", """
ALTER TABLE plansafe_leases ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0;
CREATE SEQUENCE IF NOT EXISTS plansafe_fence;
CREATE OR REPLACE FUNCTION plansafe_append(p_id BIGINT, p_run TEXT, p_kind TEXT,
    p_payload TEXT, p_ts DOUBLE PRECISION, p_version INTEGER, p_prev TEXT, p_hash TEXT,
    p_fence BIGINT, p_status TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE head_id BIGINT; head_hash TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(8100956956742739557);  -- _APPEND_LOCK
    IF p_fence IS NOT NULL THEN
        -- a takeover changes the fence holding this same lock: it is ordered with every
        -- append, and this statement's snapshot, taken after the lock, sees it
        PERFORM 1 FROM plansafe_leases WHERE run_id = p_run AND fence = p_fence;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'lease of run % lost (fence %)', p_run, p_fence
                USING ERRCODE = 'P5F01';
        END IF;
    END IF;
    SELECT id, hash INTO head_id, head_hash FROM plansafe_events ORDER BY id DESC LIMIT 1;
    IF coalesce(head_id, 0) <> p_id - 1 OR coalesce(head_hash, repeat('0', 64)) <> p_prev THEN
        RAISE EXCEPTION 'stale head' USING ERRCODE = 'P5H01',
            DETAIL = coalesce(head_id, 0) || ' ' || coalesce(head_hash, repeat('0', 64));
    END IF;
    INSERT INTO plansafe_events VALUES (p_id, p_run, p_kind, p_payload, p_ts, p_version,
                                        p_prev, p_hash);
    IF p_status IS NOT NULL THEN
        INSERT INTO plansafe_runs VALUES (p_run, p_status, p_id) ON CONFLICT (run_id)
            DO UPDATE SET status = excluded.status, updated_id = excluded.updated_id;
    END IF;
END $$;
"""),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def is_postgres_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host + \
        (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class PostgresJournal(Journal):
    """A journal in a PostgreSQL database (tables ``plansafe_*``)."""

    def __init__(self, url: str, *, lease_s: float | None = None) -> None:
        try:
            import psycopg
        except ImportError as e:
            raise JournalError(f"a postgresql:// journal needs psycopg 3 ({e}); "
                               "pip install 'psycopg[binary]'") from None
        self.url = url
        self.path = _without_password(url)  # shown and used to find the chain's key
        self.key_ref = self.path
        self.lease_s = float(lease_s if lease_s is not None
                             else os.environ.get("PLANSAFE_LEASE_S", "30"))
        self._lock = threading.RLock()
        self._held: dict[str, str] = {}  # run -> owner, renewed by the heartbeat
        self._fences: dict[str, int] = {}  # run -> the fencing token of the lease held
        self._lost: set[str] = set()  # runs whose lease another worker took from this one
        self._head: tuple[int, str] | None = None  # the chain's head as this process left it
        self._beat: threading.Thread | None = None
        self._stop = threading.Event()
        self._host, self._pid = socket.gethostname(), os.getpid()
        try:
            self._conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as e:
            raise JournalError(f"{self.path}: cannot connect to PostgreSQL ({e})") from None
        try:
            self._migrate()
        except psycopg.Error as e:
            self._conn.close()
            raise JournalError(f"{self.path}: not a Plansafe journal ({e})") from None

    # --- schema -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        c = self._conn
        with self._lock, c.transaction():
            c.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
            c.execute("CREATE TABLE IF NOT EXISTS plansafe_schema (version INTEGER PRIMARY KEY, "
                      "description TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
            row = c.execute("SELECT max(version) FROM plansafe_schema").fetchone()
            have = int(row[0]) if row and row[0] is not None else 0
            if have > SCHEMA_VERSION:
                raise JournalError(f"{self.path}: journal schema {have} is newer than this "
                                   f"Plansafe's ({SCHEMA_VERSION}); upgrade Plansafe")
            for version, what, sql in MIGRATIONS:
                if version > have:
                    c.execute(sql.encode())  # no parameters: several statements at once
                    c.execute("INSERT INTO plansafe_schema VALUES (%s, %s, %s)",
                              (version, what, time.time()))
            c.execute("INSERT INTO plansafe_meta VALUES ('format_version', %s) "
                      "ON CONFLICT (key) DO NOTHING", (str(FORMAT_VERSION),))
            fmt = c.execute("SELECT value FROM plansafe_meta WHERE key='format_version'"
                            ).fetchone()
        if fmt is not None and int(fmt[0]) > FORMAT_VERSION:
            raise JournalError(f"{self.path}: journal format {fmt[0]} is newer than this "
                               f"Plansafe ({FORMAT_VERSION}); upgrade Plansafe")

    def schema_version(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT max(version) FROM plansafe_schema").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def close(self) -> None:
        self._stop.set()
        if self._beat is not None and self._beat is not threading.current_thread():
            self._beat.join(timeout=5)
        with self._lock:
            if not self._conn.closed:
                self._conn.close()

    # --- events -------------------------------------------------------------------------------

    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        """One round trip when this process's cached chain head is still the journal's (it
        wrote the last event); else the refusal names the head, and the append is tried again
        on it (a few times: other workers append too), then made in a transaction that holds
        the append lock while it reads the head. Either way ``plansafe_append`` checks, in the
        append's transaction, the head it was given and the run's fencing token when this
        journal holds the run's lease."""
        _check_kind(kind)
        text = _canon(payload)
        self.chain_key()
        with self._lock:
            fence = self._fences.get(run_id)
            if fence is None and run_id in self._lost:
                raise self._lost_error(run_id, None)
            e = None
            for _ in range(3):
                if self._head is None:
                    break
                e = self._append_cached(run_id, kind, text, fence)
                if e is not None:
                    break
            if e is None:
                e = self._append_locked(run_id, kind, text, fence)
            self._head = (e.id, e.hash)
        self.record_head(e)
        return e

    def _event(self, head: tuple[int, str] | None, run_id: str, kind: str, text: str
               ) -> Event:
        eid, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        ts = time.time()
        h = self.seal(id=eid, run_id=run_id, kind=kind, payload_json=text, ts=ts,
                      prev_hash=prev_hash)
        return Event(eid, run_id, kind, json.loads(text), ts, prev_hash, h)

    def _call_append(self, e: Event, text: str, fence: int | None) -> None:
        self._conn.execute("SELECT plansafe_append(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                           (e.id, e.run_id, e.kind, text, e.ts, FORMAT_VERSION, e.prev_hash,
                            e.hash, fence, RUN_STATUS_OF.get(e.kind)))

    def _append_cached(self, run_id: str, kind: str, text: str, fence: int | None
                       ) -> Event | None:
        import psycopg

        e = self._event(self._head, run_id, kind, text)
        try:
            self._call_append(e, text, fence)  # autocommit: its own transaction
        except psycopg.Error as err:
            self._raise_if_fenced(err, run_id, fence)
            if getattr(err, "sqlstate", None) == "P5H01":  # another process appended since
                head_id, _, head_hash = str(err.diag.message_detail or "0").partition(" ")
                self._head = (int(head_id), head_hash) if int(head_id) > 0 else None
                return None
            raise JournalError(f"{self.path}: cannot append ({err})") from None
        return e

    def _append_locked(self, run_id: str, kind: str, text: str, fence: int | None) -> Event:
        import psycopg

        c = self._conn
        try:
            with c.pipeline(), c.transaction():
                c.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
                row = c.execute("SELECT id, hash FROM plansafe_events ORDER BY id DESC "
                                "LIMIT 1").fetchone()
                e = self._event((int(row[0]), str(row[1])) if row else None, run_id, kind,
                                text)
                self._call_append(e, text, fence)
        except psycopg.Error as err:
            self._raise_if_fenced(err, run_id, fence)
            raise JournalError(f"{self.path}: cannot append ({err})") from None
        return e

    def _raise_if_fenced(self, err: Exception, run_id: str, fence: int | None) -> None:
        if getattr(err, "sqlstate", None) == "P5F01":
            self._fences.pop(run_id, None)
            self._held.pop(run_id, None)
            self._lost.add(run_id)
            raise self._lost_error(run_id, fence) from None

    def _lost_error(self, run_id: str, fence: int | None) -> LeaseLostError:
        return LeaseLostError(f"{self.path}: run {run_id}: this worker's lease"
                              + (f" (fence {fence})" if fence is not None else "")
                              + " was taken over by another worker after it expired (this "
                              "process stalled past it); it writes nothing more to the run")

    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[Event]:
        sql, params = _events_query("plansafe_events", "%s", run_id, after_id, kinds,
                                    kinds_array=True)
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [Event(int(r[0]), r[1], r[2], json.loads(r[3]), float(r[4]), r[5], r[6], int(r[7]))
                for r in rows]

    def runs(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT run_id FROM plansafe_events WHERE kind = "
                                      "'run-started' ORDER BY id").fetchall()
        return [r[0] for r in rows]

    def run_status(self, run_id: str) -> str | None:
        """``ready`` | ``waiting`` | ``done`` from ``plansafe_runs`` (None: no such run)."""
        with self._lock:
            row = self._conn.execute("SELECT status FROM plansafe_runs WHERE run_id = %s",
                                     (run_id,)).fetchone()
        return None if row is None else str(row[0])

    # --- leases -------------------------------------------------------------------------------

    def _holder_alive(self, owner: str, pid: int, host: str, expired: bool) -> bool:
        if expired:
            return False
        # its process on this machine is gone: no need to wait for the lease to expire
        return not (host == self._host and pid != self._pid and not _pid_alive(pid))

    def _take(self, run_id: str, owner: str) -> None:
        """Take the lease with a new fencing token (``plansafe_fence``, increasing): every
        append of this journal to the run carries it, and is refused once another took over.
        The caller's transaction holds the append lock (taken first, before any row lock, as
        ``plansafe_append`` takes it: no lock cycle), so the takeover is ordered with every
        append: those before it are seen by the new holder, those after it see the new fence."""
        row = self._conn.execute(
            "INSERT INTO plansafe_leases VALUES (%s, %s, %s, %s, clock_timestamp() + "
            "make_interval(secs => %s), nextval('plansafe_fence')) ON CONFLICT (run_id) DO "
            "UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host, "
            "expires = excluded.expires, fence = excluded.fence RETURNING fence",
            (run_id, owner, self._pid, self._host, self.lease_s)).fetchone()
        assert row is not None
        self._held[run_id] = owner
        self._fences[run_id] = int(row[0])
        self._lost.discard(run_id)
        self._start_heartbeat()

    def acquire(self, run_id: str, owner: str) -> bool:
        c = self._conn
        with self._lock, c.transaction():
            c.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))  # see _take
            c.execute("INSERT INTO plansafe_leases VALUES (%s, %s, %s, %s, '-infinity', 0) "
                      "ON CONFLICT (run_id) DO NOTHING",
                      (run_id, owner, self._pid, self._host))
            row = c.execute("SELECT owner, pid, host, expires < clock_timestamp() FROM "
                            "plansafe_leases WHERE run_id = %s FOR UPDATE", (run_id,)).fetchone()
            assert row is not None
            if row[0] != owner and self._holder_alive(row[0], int(row[1]), row[2], bool(row[3])):
                return False
            self._take(run_id, owner)
            return True

    def release(self, run_id: str, owner: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM plansafe_leases WHERE run_id = %s AND owner = %s "
                               "AND fence = coalesce(%s, fence)",
                               (run_id, owner, self._fences.get(run_id)))
            if self._held.get(run_id) == owner:
                del self._held[run_id]
                self._fences.pop(run_id, None)

    def claim(self, owner: str) -> str | None:
        """Lease the next ready run to ``owner`` (``FOR UPDATE SKIP LOCKED``): its id, or
        None when no run is ready and free."""
        c = self._conn
        query = ("SELECT r.run_id, l.owner, l.pid, l.host, l.expires < clock_timestamp() "
                 "FROM plansafe_runs r LEFT JOIN plansafe_leases l ON l.run_id = r.run_id "
                 "WHERE r.status = 'ready' AND (l.run_id IS NULL OR l.expires < "
                 "clock_timestamp() OR l.host = %s) "
                 # a run whose lease was left (its worker died) before runs never started
                 "ORDER BY l.run_id IS NULL, r.updated_id LIMIT 16")
        with self._lock:
            if not c.execute(query, (self._host,)).fetchall():
                return None  # nothing to take: an idle poll takes no lock
        with self._lock, c.transaction():
            c.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))  # see _take
            rows = c.execute(query + " FOR UPDATE OF r SKIP LOCKED", (self._host,)).fetchall()
            for run_id, held_by, pid, host, expired in rows:
                if held_by is not None and self._holder_alive(held_by, int(pid), host,
                                                               bool(expired)):
                    continue  # driven now (by another worker, or by this one)
                self._take(run_id, owner)
                return str(run_id)
        return None

    def lease_owner(self, run_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT owner FROM plansafe_leases WHERE run_id = %s AND "
                                     "expires > clock_timestamp()", (run_id,)).fetchone()
        return None if row is None else str(row[0])

    def _start_heartbeat(self) -> None:
        if self._beat is None or not self._beat.is_alive():
            self._beat = threading.Thread(target=self._heartbeat, name="plansafe-lease-beat",
                                          daemon=True)
            self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(max(0.05, self.lease_s / 3)):
            try:
                with self._lock:
                    if self._conn.closed:
                        return
                    for run_id, owner in list(self._held.items()):
                        self._conn.execute(
                            "UPDATE plansafe_leases SET expires = clock_timestamp() + "
                            "make_interval(secs => %s) WHERE run_id = %s AND owner = %s "
                            "AND fence = %s",
                            (self.lease_s, run_id, owner, self._fences.get(run_id, -1)))
            except Exception:  # noqa: BLE001 - a lost connection: the lease expires
                return


def open_postgres(target: str, *, durability: Literal["process", "full"] = "process"
                  ) -> Journal:
    """The ``postgresql`` entry of :data:`engine.journal.JOURNALS` (PostgreSQL commits are
    durable whatever ``durability`` says)."""
    return PostgresJournal(target)
