"""Crash safety: a devops workflow in a subprocess is killed with SIGKILL at random moments
and resumed each time; in the end no step is lost or repeated.

"Repeated" is checked against the simulated world's own record of what it applied (one
transaction with the change itself), not only against the journal. The default variant
kills about 5 times; the slow one 50 times or more.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.conftest import applied_counts, fold, step_runs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(1800)


def _events(journal: Path) -> int:
    """How many steps were started (kills are aimed at the execution, not at start-up)."""
    if not journal.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM events WHERE kind IN "
                                    "('step-intent', 'plan-certified')").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def _spawn(cmd: str, journal: Path, run_id: str, problem: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.Popen([sys.executable, "-m", "tests.engine.crash_worker", cmd,
                             str(journal), run_id, problem], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finished(journal: Path, run_id: str) -> bool:
    if not journal.exists():
        return False
    from engine.journal import open_journal

    j = open_journal(journal)
    try:
        return fold(j, run_id).status in ("completed", "stopped")
    finally:
        j.close()


def crash_and_resume(tmp_path: Path, *, kills: int, seed: int, problem: str = "p03"
                     ) -> tuple[int, str]:
    """Kill the worker ``kills`` times at random moments after it made progress; return the
    number of kills that landed and the run id."""
    rng = random.Random(seed)
    journal = tmp_path / "j.sqlite"
    run_id = f"run-crash-{seed}"
    landed = 0
    cmd = "start"
    while landed < kills:
        before = _events(journal)
        proc = _spawn(cmd, journal, run_id, problem)
        cmd = "resume"
        deadline = time.monotonic() + 120
        while proc.poll() is None and _events(journal) <= before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.06))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            landed += 1
        else:
            proc.communicate()
        if _finished(journal, run_id):
            # finished before all kills were used: start over with a fresh run
            return landed, run_id
    proc = _spawn("resume", journal, run_id, problem)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-2000:]
    return landed, run_id


def _check(tmp_path: Path, run_id: str) -> None:
    from domains.world import world_store
    from engine.journal import open_journal

    journal = open_journal(tmp_path / "j.sqlite")
    world = str(tmp_path / "j.world.sqlite")
    try:
        st = fold(journal, run_id)
        assert journal.verify_chain().ok
        assert st.status in ("completed", "stopped"), st.status
        if st.status == "stopped":
            assert st.explanations and st.explanations[-1]["action"] == "stop"
        ran = step_runs(journal, run_id)
        applied = applied_counts(world, run_id)
        assert max(ran.values(), default=1) == 1, ran  # never journaled twice
        assert max(applied.values(), default=1) == 1, applied  # never acted twice
        # nothing lost: whatever acted in the world is journaled as done, and vice versa
        assert set(applied) <= set(ran), (set(applied) - set(ran))
        recovered = {s.id for s in st.steps.values() if s.recovered}
        assert set(ran) - recovered <= set(applied) | {
            s.id for s in st.steps.values() if s.status == "completed"}
        # the journal's belief is the world
        assert frozenset(st.belief) == world_store(world).atoms(run_id)
        if st.status == "completed":
            from engine.api import result_of
            from verifier.spec import load_spec

            r = result_of(st, load_spec(ROOT / "specs" / "devops"), journal)
            assert r.extra["goal_reached"] and r.violations_executed == 0
    finally:
        journal.close()


def test_kill_9_and_resume(tmp_path: Path) -> None:
    landed = 0
    seed = 0
    while landed < 5:
        sub = tmp_path / f"r{seed}"
        sub.mkdir()
        n, run_id = crash_and_resume(sub, kills=5 - landed, seed=seed)
        _check(sub, run_id)
        landed += n
        seed += 1
    assert landed >= 5


@pytest.mark.slow
def test_kill_9_fifty_times_and_resume(tmp_path: Path) -> None:
    landed = 0
    seed = 100
    while landed < 50:
        sub = tmp_path / f"r{seed}"
        sub.mkdir()
        n, run_id = crash_and_resume(sub, kills=min(12, 50 - landed), seed=seed)
        _check(sub, run_id)
        landed += n
        seed += 1
    assert landed >= 50
