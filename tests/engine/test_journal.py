"""The journal conformance suite: every backend must pass it (like LangGraph's savers)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from engine.journal import (
    FORMAT_VERSION,
    GENESIS,
    Journal,
    JournalError,
    MemoryJournal,
    open_journal,
)
from engine.journal_sqlite import SQLiteJournal


def _tamper_sqlite(j: Journal, event_id: int) -> None:
    conn = sqlite3.connect(j.path)  # type: ignore[arg-type]
    conn.execute("UPDATE events SET payload = ? WHERE id = ?", ('{"step":"forged"}', event_id))
    conn.commit()
    conn.close()


def _tamper_memory(j: Journal, event_id: int) -> None:
    events = j._events  # type: ignore[attr-defined]
    i = next(k for k, e in enumerate(events) if e.id == event_id)
    events[i] = replace(events[i], payload={"step": "forged"})


def _tamper_postgres(j: Journal, event_id: int) -> None:
    import psycopg

    with psycopg.connect(j.url, autocommit=True) as c:  # type: ignore[attr-defined]
        c.execute("UPDATE plansafe_events SET payload = %s WHERE id = %s",
                  ('{"step":"forged"}', event_id))


BACKENDS: dict[str, tuple[Callable[[Path], Journal], Callable[[Journal, int], None]]] = {
    "sqlite": (lambda tmp: SQLiteJournal(tmp / "j.sqlite"), _tamper_sqlite),
    "sqlite-full-sync": (lambda tmp: SQLiteJournal(tmp / "j.sqlite", durability="full"),
                         _tamper_sqlite),
    "memory": (lambda tmp: MemoryJournal(), _tamper_memory),
    # a fresh database on the session's throwaway server (tests/engine/conftest.py: pg_url)
    "postgresql": (lambda url: open_journal(str(url)), _tamper_postgres),
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):  # noqa: ANN001, ANN201
    make, tamper = BACKENDS[request.param]
    j = make(request.getfixturevalue("pg_url") if request.param == "postgresql" else tmp_path)
    yield j, tamper
    j.close()


def test_ids_increase_and_payloads_round_trip(backend) -> None:  # noqa: ANN001
    j, _ = backend
    payloads = [{"a": 1}, {"text": "déploiement ✓", "nested": {"x": [1, 2, None]}}, {}]
    events = [j.append("r1", "message", p) for p in payloads]
    assert [e.id for e in events] == sorted({e.id for e in events})
    assert [e.payload for e in j.events()] == payloads
    assert all(e.version == FORMAT_VERSION for e in j.events())
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))


def test_filters(backend) -> None:  # noqa: ANN001
    j, _ = backend
    j.append("r1", "run-started", {"n": 1})
    e2 = j.append("r2", "run-started", {"n": 2})
    j.append("r1", "step-intent", {"step": "s1"})
    j.append("r2", "step-result", {"step": "s1"})
    assert j.runs() == ["r1", "r2"]
    assert [e.kind for e in j.events("r1")] == ["run-started", "step-intent"]
    assert [e.run_id for e in j.events(after_id=e2.id)] == ["r1", "r2"]
    assert [e.run_id for e in j.events(kinds=("step-result",))] == ["r2"]


def test_unknown_kind_is_refused(backend) -> None:  # noqa: ANN001
    j, _ = backend
    with pytest.raises(JournalError):
        j.append("r1", "stepp-result", {})


def test_chain_verifies_and_detects_tampering(backend) -> None:  # noqa: ANN001
    j, tamper = backend
    for i in range(5):
        j.append("r1", "step-result", {"step": f"s{i}"})
    report = j.verify_chain()
    assert report.ok and report.checked == 5
    tamper(j, 3)
    report = j.verify_chain()
    assert not report.ok and report.bad_id == 3


def test_concurrent_appends_keep_the_chain(backend) -> None:  # noqa: ANN001
    j, _ = backend

    def work(run: str) -> None:
        for i in range(40):
            j.append(run, "message", {"i": i})

    threads = [threading.Thread(target=work, args=(f"r{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert j.verify_chain().ok and len(j.events()) == 160


def test_leases(backend) -> None:  # noqa: ANN001
    j, _ = backend
    assert j.acquire("r1", "a")
    assert j.acquire("r1", "a")  # re-entrant for its owner
    assert not j.acquire("r1", "b")
    j.release("r1", "a")
    assert j.acquire("r1", "b")


# --- SQLite-specific ------------------------------------------------------------------------------


def test_sqlite_persists_and_two_connections_share_one_chain(tmp_path: Path) -> None:
    a = SQLiteJournal(tmp_path / "j.sqlite")
    b = SQLiteJournal(tmp_path / "j.sqlite")  # like a second process (plansafe approve)
    for i in range(10):
        (a if i % 2 else b).append("r1", "message", {"i": i})
    a.close()
    b.close()
    c = open_journal(tmp_path / "j.sqlite")
    assert [e.payload["i"] for e in c.events()] == list(range(10))
    assert c.verify_chain().ok
    assert c.path == str(tmp_path / "j.sqlite")


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    j = SQLiteJournal(tmp_path / "j.sqlite")
    mode = j._conn.execute("PRAGMA journal_mode").fetchone()[0]  # type: ignore[attr-defined]
    assert mode == "wal"


def test_sqlite_refuses_a_newer_format(tmp_path: Path) -> None:
    j = SQLiteJournal(tmp_path / "j.sqlite")
    j._conn.execute("UPDATE meta SET value='99' WHERE key='format_version'")  # type: ignore
    j.close()
    with pytest.raises(JournalError, match="newer"):
        SQLiteJournal(tmp_path / "j.sqlite")


def test_sqlite_refuses_a_file_that_is_not_a_journal(tmp_path: Path) -> None:
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError):
        SQLiteJournal(bad)


def test_open_journal_in_memory() -> None:
    assert isinstance(open_journal(None), MemoryJournal)
    assert isinstance(open_journal(":memory:"), MemoryJournal)


# --- PostgreSQL-specific (a fresh database on the session's throwaway server) --------------------


def test_postgres_two_connections_share_one_chain(pg_url: str) -> None:
    a, b = open_journal(pg_url), open_journal(Path(pg_url))  # a Path loses a slash: restored
    for i in range(10):
        (a if i % 2 else b).append("r1", "message", {"i": i})
    b.close()
    assert [e.payload["i"] for e in a.events()] == list(range(10))
    assert a.verify_chain().ok and a.path == pg_url
    a.close()


def test_postgres_migrations_are_versioned_and_a_newer_schema_is_refused(pg_url: str) -> None:
    import psycopg

    from engine.journal_postgres import SCHEMA_VERSION, PostgresJournal

    j = PostgresJournal(pg_url)
    j.append("r1", "run-started", {})
    assert j.schema_version() == SCHEMA_VERSION
    j.close()
    again = PostgresJournal(pg_url)  # reopening applies nothing twice, keeps the events
    assert again.schema_version() == SCHEMA_VERSION and len(again.events()) == 1
    again.close()
    with psycopg.connect(pg_url, autocommit=True) as c:
        rows = c.execute("SELECT version FROM plansafe_schema ORDER BY version").fetchall()
        assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
        c.execute("INSERT INTO plansafe_schema VALUES (99, 'from the future', 0)")
    with pytest.raises(JournalError, match="newer"):
        PostgresJournal(pg_url)


def test_postgres_format_version_newer_is_refused(pg_url: str) -> None:
    import psycopg

    open_journal(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("UPDATE plansafe_meta SET value='99' WHERE key='format_version'")
    with pytest.raises(JournalError, match="newer"):
        open_journal(pg_url)


def test_postgres_password_is_not_shown_nor_keys_the_chain(pg_url: str) -> None:
    from engine.journal_postgres import _without_password

    with_pw = pg_url.replace("plansafe@", "plansafe:secret@")
    assert _without_password(with_pw) == pg_url
    j = open_journal(with_pw)  # trust authentication ignores the password
    assert j.path == pg_url and "secret" not in (j.key_ref or "")
    j.close()


def test_postgres_lease_expires_without_heartbeat(pg_url: str) -> None:
    from engine.journal_postgres import PostgresJournal

    a = PostgresJournal(pg_url, lease_s=0.6)
    b = PostgresJournal(pg_url, lease_s=0.6)
    assert a.acquire("r1", "a")
    import time

    time.sleep(1.0)  # a's heartbeat renews it: still held
    assert not b.acquire("r1", "b") and b.lease_owner("r1") == "a"
    a._stop.set()  # a's process hangs (or dies on another machine): no more heartbeats
    a._beat.join()  # type: ignore[union-attr]
    time.sleep(0.8)
    assert b.lease_owner("r1") is None
    assert b.acquire("r1", "b") and b.lease_owner("r1") == "b"
    a.close()
    b.close()


def test_postgres_claim_skips_locked_and_leased_runs(pg_url: str) -> None:
    from engine.journal_postgres import PostgresJournal

    js = [PostgresJournal(pg_url) for _ in range(4)]
    for k in range(12):
        js[0].append(f"r{k}", "run-started", {})
    js[0].append("r0", "run-finished", {"status": "completed"})
    js[0].append("r1", "run-suspended", {"reason": "waiting-approval", "steps": ["s1"]})
    got: list[str | None] = []
    lock = threading.Lock()

    def work(j: PostgresJournal, who: str) -> None:
        while (run := j.claim(who)) is not None:
            with lock:
                got.append(run)

    threads = [threading.Thread(target=work, args=(j, f"w{i}")) for i, j in enumerate(js)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(f"r{k}" for k in range(2, 12))  # each ready run exactly once
    assert js[0].run_status("r1") == "waiting"
    js[0].append("r1", "approval", {"step": "s1", "approved": True})
    assert js[1].claim("w1") == "r1"
    for j in js:
        j.close()
