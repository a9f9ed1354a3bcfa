"""Lease fencing: a worker that stalls past its lease writes nothing after another took the
run over (a fencing token checked in every append's transaction), and the incremental chain
check a worker makes before acting on each run still catches tampering."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.journal import Journal, JournalError, LeaseLostError, open_journal
from tests.engine.test_journal import BACKENDS
from tests.engine.test_worker import _check_runs

ROOT = Path(__file__).resolve().parents[2]


def _stale_and_new(kind: str, tmp_path: Path, request: pytest.FixtureRequest,
                   monkeypatch: pytest.MonkeyPatch) -> tuple[Journal, Journal]:
    """Journal ``a`` holds run r1's lease and stalls; ``b`` (another connection) takes it."""
    if kind == "postgresql":
        from engine.journal_postgres import PostgresJournal

        url = request.getfixturevalue("pg_url")
        a, b = PostgresJournal(url, lease_s=0.4), PostgresJournal(url, lease_s=0.4)
        a.append("r1", "run-started", {})
        assert a.acquire("r1", "a") and not b.acquire("r1", "b")
        a._stop.set()  # a stalls: its heartbeat stops renewing the lease
        a._beat.join()  # type: ignore[union-attr]
        time.sleep(0.6)
        assert b.acquire("r1", "b")
        return a, b
    a, b = open_journal(tmp_path / "j.sqlite"), open_journal(tmp_path / "j.sqlite")
    a.append("r1", "run-started", {})
    assert a.acquire("r1", "a") and not b.acquire("r1", "b")
    # a SQLite lease is taken over when its holder's process is gone or on another machine
    monkeypatch.setattr("engine.journal_sqlite.socket.gethostname", lambda: "another-host")
    assert b.acquire("r1", "b")
    return a, b


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_stale_lease_holder_cannot_append(kind: str, tmp_path: Path,
                                            request: pytest.FixtureRequest,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _stale_and_new(kind, tmp_path, request, monkeypatch)
    a.append("r2", "message", {"other": "run"})  # runs a does not lease are not fenced
    before = len(b.events("r1"))
    with pytest.raises(LeaseLostError, match="r1"):
        a.append("r1", "step-intent", {"step": "s1"})
    with pytest.raises(LeaseLostError):  # and it stays refused
        a.append("r1", "step-result", {"step": "s1", "status": "ok"})
    a.release("r1", "a")  # the stale holder's release leaves the new lease alone
    assert len(b.events("r1")) == before
    b.append("r1", "step-intent", {"step": "s1"})  # the new holder writes
    assert not a.acquire("r1", "a")
    c = open_journal(b.url if kind == "postgresql" else tmp_path / "j.sqlite")  # type: ignore[attr-defined]
    c.append("r1", "approval", {"step": "s2", "approved": True})  # no lease: not fenced
    assert [e.kind for e in b.events("r1")][-2:] == ["step-intent", "approval"]
    assert b.verify_chain().ok
    for j in (a, b, c):
        j.close()


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    make, tamper = BACKENDS[request.param]
    j = make(request.getfixturevalue("pg_url") if request.param == "postgresql" else tmp_path)
    yield j, tamper
    j.close()


def test_the_incremental_check_before_acting_still_catches_tampering(backend: Any) -> None:
    j, tamper = backend
    for k in range(3):
        j.append("r1", "step-intent", {"step": f"s{k}"})
        j.append("r2", "step-intent", {"step": f"s{k}"})
    assert j.require_intact("r1").ok and j.require_intact("r2").ok
    j.append("r2", "step-result", {"step": "s0"})
    assert j.require_intact("r2").ok  # only what is new is read again
    first_r1 = j.events("r1")[0].id
    tamper(j, first_r1)  # an event verified before, of the run about to be acted on
    with pytest.raises(JournalError, match=f"event {first_r1}"):
        j.require_intact("r1")
    with pytest.raises(JournalError):
        j.require_intact()


def test_the_incremental_check_catches_a_deleted_event(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.sqlite")
    for k in range(3):
        j.append("r1", "step-intent", {"step": f"s{k}"})
        j.append("r2", "step-intent", {"step": f"s{k}"})
    assert j.require_intact("r1").ok
    victim = j.events("r1")[1].id
    conn = sqlite3.connect(str(tmp_path / "j.sqlite"))
    conn.execute("DELETE FROM events WHERE id = ?", (victim,))
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="deleted"):
        j.require_intact("r1")
    j.close()


def _proc_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_worker_stalled_past_its_lease_writes_nothing_after_the_takeover(
        devops_spec: Any, tmp_path: Path, pg_url: str) -> None:
    """Worker A stops itself (SIGSTOP: every thread, its lease heartbeat too) right after a
    step's result; worker B takes the run over when the lease expires and finishes it; A,
    resumed, is refused its next write by the fencing token and stops: every step ran once,
    and the journal holds no event of A after the takeover."""
    from engine.api import Engine
    from engine.runner import RunOptions
    from engine.worker import submit
    from tests.engine.planners import bfs_planner

    world = tmp_path / "world.sqlite"
    j = open_journal(pg_url)
    # one step at a time: no other step of A's is in flight when it stalls (a tool call in
    # flight would finish acting after SIGCONT: fencing guards the journal, not the tool)
    eng = Engine(devops_spec, journal=j, planner=bfs_planner, world=world,
                 options=RunOptions(approvals="auto", concurrency=1))
    run = submit(eng, "p03", run_id="run-stall")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANSAFE_LEASE_S": "1"}
    a = subprocess.Popen([sys.executable, "-m", "tests.engine.stall_worker", pg_url, "1.0",
                          "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while _proc_state(a.pid) != "T":
            assert a.poll() is None, a.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the stalling worker never stopped"
            time.sleep(0.05)
        b = subprocess.run([sys.executable, "-m", "tests.engine.scale_worker", pg_url, "1.0"],
                           cwd=ROOT, env=env, capture_output=True, timeout=300)
        assert b.returncode == 0, b.stderr.decode()[-3000:]
        b_report = json.loads(b.stdout.decode().strip().splitlines()[-1])
        assert [(r["run"], r["status"]) for r in b_report["runs"]] == [(run, "completed")]
        events_before = [e.id for e in j.events()]
    finally:
        a.send_signal(signal.SIGCONT)
    out, err = a.communicate(timeout=120)
    assert a.returncode == 0, err.decode()[-3000:]
    a_report = json.loads(out.decode().strip().splitlines()[-1])
    assert [(r["run"], r["status"]) for r in a_report["runs"]] == [(run, "lease-lost")], a_report
    assert [e.id for e in j.events()] == events_before  # A wrote nothing after the takeover
    assert len(j.events(run, kinds=("run-resumed",))) == 2  # A's start, B's takeover
    _check_runs(j, world, [run])  # every step journaled once and applied once
    j.close()
