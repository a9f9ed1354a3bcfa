"""For real: ``plansafe serve`` in a subprocess; an event triggers a run that waits for a
second event; ``kill -9`` of the server; a restart resumes the run (its dead pid frees the
lease) and the awaited event, posted to the new server, completes it. Every step ran once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from engine.journal import open_journal
from tests.engine.console.shipspec import make_ship

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(port: int, path: str, body: dict[str, Any] | None = None) -> Any:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method="POST" if body is not None else "GET",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json"} if body is not None else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _serve(tmp_path: Path, spec: Path, journal: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANSAFE_USERS": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--journal", str(journal), "--spec",
         str(spec), "--port", str(port), "--trust-spec"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"serve-{port}.log", "wb"))  # noqa: SIM115
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            _call(port, "/api/runs")
            return proc
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, (tmp_path / f"serve-{port}.log").read_text()
            time.sleep(0.1)
    raise AssertionError("plansafe serve did not answer")


def _events(journal: Path, run: str) -> list[Any]:
    j = open_journal(journal)
    try:
        return list(j.events(run))
    finally:
        j.close()


def test_a_triggered_waiting_run_survives_kill_9_of_serve(tmp_path: Path) -> None:
    spec, journal = make_ship(tmp_path), tmp_path / "journal.sqlite"
    port = _free_port()
    proc = _serve(tmp_path, spec, journal, port)
    try:
        got = _call(port, "/api/events", {"name": "deploy-requested",
                                          "fields": {"service": "api"}, "id": "req-1"})
        run = got["started"][0]["run"]
        end = time.monotonic() + 60
        while not any(e.kind == "step-intent" and e.payload["action"] == "await-signoff"
                      for e in _events(journal, run)):
            assert time.monotonic() < end, "the run never reached its wait step"
            time.sleep(0.1)
        time.sleep(0.3)
        assert _call(port, f"/api/runs/{run}")["status"] == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    port2 = _free_port()
    proc = _serve(tmp_path, spec, journal, port2)  # resumes the run: its lease holder is dead
    try:
        again = _call(port2, "/api/events", {"name": "deploy-requested",
                                             "fields": {"service": "api"}, "id": "req-1"})
        assert again["started"][0] == {**got["started"][0], "duplicate": True}
        posted = _call(port2, "/api/events", {"name": "signoff-api"})
        assert run in posted["delivered"]
        end = time.monotonic() + 90
        while (state := _call(port2, f"/api/runs/{run}"))["status"] != "completed":
            assert state["status"] == "running" and time.monotonic() < end, state
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    events = _events(journal, run)
    kinds = Counter(e.kind for e in events)
    # resumed twice: the first server took the submitted run, the second took it over
    assert (kinds["run-started"], kinds["run-resumed"], kinds["run-finished"]) == (1, 2, 1)
    pids = [e.payload["pid"] for e in events if e.kind == "run-resumed"]
    assert len(set(pids)) == 2, pids
    done = Counter(e.payload["step"] for e in events
                   if e.kind == "step-result" and e.payload["status"] == "ok")
    assert sorted(done.values()) == [1, 1, 1], done  # prepare, await-signoff, deploy: once each
    intents = Counter(e.payload["action"] for e in events if e.kind == "step-intent")
    assert intents["prepare"] == 1 and intents["deploy"] == 1, intents
    assert (spec / "prepares.log").read_text() == "api\n"  # the tools ran once
    assert (spec / "deploys.log").read_text() == "api\n"
    assert state["trigger"]["event"] == "deploy-requested" and state["chain"]["ok"]
