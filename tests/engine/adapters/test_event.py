"""``adapter: event``: steps that wait for an outside event, durably (``kill -9``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from engine.adapters.event import post_event
from engine.api import Engine
from engine.journal import open_journal

ROOT = Path(__file__).resolve().parents[3]
PY = sys.executable

TOOLS = f"""  put:
    adapter: shell
    command: ["{PY}", -c, "pass"]
  look:
    adapter: event
    event: "seen-{{i}}"
    timeout_s: TIMEOUT
"""


def _waiting(journal: Path, run_id: str | None, deadline_s: float = 60) -> str:
    """The run's id once its event step has started waiting."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if journal.exists():
            j = open_journal(journal)
            try:
                for e in j.events(run_id):
                    if e.kind == "step-intent" and e.payload.get("action") == "look":
                        return str(e.run_id)
            finally:
                j.close()
        time.sleep(0.1)
    raise AssertionError("the event step never started")


def test_waits_for_the_event_and_takes_its_observation(make_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(make_spec(TOOLS.replace("TIMEOUT", "60")), journal=journal)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", eng.run("p1", run_id="r-evt")))
    t.start()
    _waiting(journal, "r-evt")
    time.sleep(0.3)
    assert t.is_alive()  # still waiting
    post_event(journal, "r-evt", "seen-a", {"holds": [["seen", "a"]]})
    t.join(30)
    res = out["r"]
    assert res.status == "completed", res.message
    assert ("seen", "a") in res.final_state
    eng.close()


def test_no_event_within_the_timeout_is_explained(make_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    eng = Engine.from_spec(make_spec(TOOLS.replace("TIMEOUT", "0.5")),
                           journal=tmp_path / "j.sqlite")
    res = eng.run("p1")
    eng.close()
    assert res.status == "stopped"
    text = " ".join(str(e.get("message", "")) for e in res.explanations)
    assert "no event 'seen-a' within 0.5 s" in text, res.explanations


def test_the_wait_survives_kill_9(make_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = make_spec(TOOLS.replace("TIMEOUT", "120"))
    journal = tmp_path / "j.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [PY, "-m", "engine.cli"]
    proc = subprocess.Popen([*cmd, "run", str(spec), "p1", "--journal", str(journal),
                             "--trust-spec"],  # its shell tool is code (docs/TRUST.md)
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        run_id = _waiting(journal, None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    posted = subprocess.run([*cmd, "event", run_id, "seen-a", "--journal", str(journal)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert posted.returncode == 0, posted.stderr
    resumed = subprocess.run([*cmd, "resume", run_id, "--journal", str(journal), "--json"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert '"status": "completed"' in resumed.stdout, resumed.stdout
    bad = subprocess.run([*cmd, "event", "no-such-run", "x", "--journal", str(journal)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no run 'no-such-run'" in bad.stdout + bad.stderr
