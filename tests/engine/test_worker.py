"""Many workers, one journal (engine/worker.py): leases, kill -9, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engine.journal import Journal, open_journal
from engine.runner import RunOptions
from engine.worker import Worker, submit
from tests.engine.conftest import applied_counts, fold, step_runs
from tests.engine.planners import bfs_planner

ROOT = Path(__file__).resolve().parents[2]


def _submit(devops_spec: Any, journal: Journal, world: Path, n: int,
            problems: tuple[str, ...] = ("p01", "p02")) -> list[str]:
    from engine.api import Engine

    eng = Engine(devops_spec, journal=journal, planner=bfs_planner, world=world,
                 options=RunOptions(approvals="auto", concurrency=2))
    return [submit(eng, problems[k % len(problems)], run_id=f"run-w{k}") for k in range(n)]


def _check_runs(journal: Journal, world: Path, runs: list[str]) -> None:
    assert journal.verify_chain().ok
    for run_id in runs:
        st = fold(journal, run_id)
        assert st.status == "completed", (run_id, st.status)
        ran, applied = step_runs(journal, run_id), applied_counts(str(world), run_id)
        assert ran and max(ran.values()) == 1, ran  # no step journaled twice
        assert max(applied.values(), default=1) == 1, applied  # none acted twice
        assert set(applied) <= set(ran)  # none lost
        assert {s.id for s in st.gen_steps()} == {
            s.id for s in st.gen_steps() if s.status == "completed"}


def _journal(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "j.sqlite")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_workers_share_the_runs_and_never_run_one_twice(
        kind: str, devops_spec: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    where, world = _journal(kind, tmp_path, request), tmp_path / "world.sqlite"
    j = open_journal(where)
    runs = _submit(devops_spec, j, world, 6)
    reports = []

    def work() -> None:
        own = open_journal(where)  # each worker its own connection, like its own process
        reports.append(Worker(own, planner=bfs_planner, poll_s=0.02).run(idle_exit_s=0.5))
        own.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    taken = Counter(r.run_id for rep in reports for r in rep.runs)
    assert sorted(taken) == sorted(runs) and set(taken.values()) == {1}, taken
    assert all(r.status == "completed" for rep in reports for r in rep.runs)
    _check_runs(j, world, runs)
    j.close()


def _spawn(journal: str, idle: float, delay: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANSAFE_LEASE_S": "2"}
    return subprocess.Popen([sys.executable, "-m", "tests.engine.scale_worker", journal,
                             str(idle), str(delay)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("kind", [pytest.param("sqlite", marks=pytest.mark.slow), "postgresql"])
def test_a_worker_killed_with_kill_9_loses_its_lease(
        kind: str, devops_spec: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Two worker processes; one is killed mid-step; the other finishes every run, no step
    lost or repeated (journal and simulated world agree)."""
    where, world = _journal(kind, tmp_path, request), tmp_path / "world.sqlite"
    j = open_journal(where)
    runs = _submit(devops_spec, j, world, 4, problems=("p03",))
    victim = _spawn(where, 30.0, 0.5)  # slow steps: the kill lands in the middle of a run
    deadline = time.monotonic() + 120
    while not j.events(kinds=("step-intent",)) and time.monotonic() < deadline:
        time.sleep(0.02)
    survivor = _spawn(where, 3.0, 0.0)
    time.sleep(0.3)
    assert victim.poll() is None, victim.communicate()[1].decode()[-2000:]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err.decode()[-3000:]
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert all(r["status"] == "completed" for r in report["runs"]), report
    _check_runs(j, world, runs)
    resumed = [e for e in j.events(kinds=("run-resumed",))]
    assert len(resumed) > len(runs)  # at least one run was taken over from the killed worker
    j.close()


def test_plansafe_worker_cli_on_a_postgresql_url(devops_spec: Any, tmp_path: Path,
                                                  pg_url: str) -> None:
    world = tmp_path / "world.sqlite"
    j = open_journal(pg_url)
    runs = _submit(devops_spec, j, world, 2)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANSAFE_JOURNAL": pg_url}
    out = subprocess.run([sys.executable, "-m", "engine.cli", "worker", "--idle-exit", "0.3",
                          "--planner", "tests.engine.planners:bfs_planner", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert sorted(r["run"] for r in report["runs"]) == sorted(runs)
    assert {r["status"] for r in report["runs"]} == {"completed"}
    _check_runs(j, world, runs)
    j.close()
