"""``plansafe serve``'s JSON API and run service, in process (Starlette's TestClient): runs
started by POST /api/runs and by triggers, events delivered to waiting runs, cron, identity,
and the refusals."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from engine.console.api import add_api
from engine.console.app import create_app
from engine.console.auth import token_digest
from engine.console.runner import RunService
from engine.journal import open_journal
from tests.engine.console.shipspec import make_ship
from verifier.spec import load_spec

BASE = "http://127.0.0.1:8765"


def _client(tmp_path: Path, users: Path | None = None) -> tuple[TestClient, RunService, Path]:
    spec = load_spec(make_ship(tmp_path))
    journal = tmp_path / "j.sqlite"
    app = create_app(journal, specs=(spec.root,), users=users)
    service = RunService(journal, {spec.name: spec}, poll_s=0.05, trust={"spec": True})
    add_api(app, service)
    return TestClient(app, base_url=BASE), service, journal


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, RunService, Path]]:
    client, service, journal = _client(tmp_path)
    service.start()
    yield client, service, journal
    service.stop()


def _until(client: TestClient, run: str, pred: Any, timeout_s: float = 60) -> dict[str, Any]:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        r = client.get(f"/api/runs/{run}")
        if r.status_code == 200 and pred(r.json()):
            return dict(r.json())
        time.sleep(0.1)
    raise AssertionError(f"run {run}: {client.get(f'/api/runs/{run}').text}")


def _waiting_for_signoff(journal: Path, run: str) -> bool:
    j = open_journal(journal)
    try:
        return any(e.kind == "step-intent" and e.payload["action"] == "await-signoff"
                   for e in j.events(run))
    finally:
        j.close()


def _post(client: TestClient, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, content=json.dumps(body),
                       headers={"content-type": "application/json", **headers})


def test_a_posted_goal_runs_in_the_background_and_an_event_completes_it(api: Any) -> None:
    client, _service, journal = api
    t0 = time.monotonic()
    r = _post(client, "/api/runs", {"spec": "ship", "goal": "(deployed web)"})
    assert r.status_code == 202, r.text
    assert time.monotonic() - t0 < 10  # returns before the run is done (it waits for signoff)
    run = r.json()["run"]
    _until(client, run, lambda d: _waiting_for_signoff(journal, run))
    assert client.get(f"/api/runs/{run}").json()["status"] == "running"
    ev = _post(client, "/api/events", {"name": "signoff-web", "fields": {"by": "qa"}})
    assert ev.status_code == 202 and run in ev.json()["delivered"], ev.text
    assert ev.json()["started"] == []  # no trigger listens to signoff-web
    done = _until(client, run, lambda d: d["status"] == "completed")
    assert done["started_by"] == {"user": None, "os_user": None, "via": "api"}
    assert ["deployed", "web"] in done["result"]["final_state"]
    assert (journal.parent / "ship" / "deploys.log").read_text() == "web\n"
    listed = client.get("/api/runs?status=completed").json()
    assert [x["run"] for x in listed] == [run]


def test_an_event_starts_the_trigger_run_once_per_event_id(api: Any) -> None:
    client, _service, journal = api
    body = {"name": "deploy-requested", "fields": {"service": "api"}, "id": "evt-1"}
    first = _post(client, "/api/events", body).json()
    (started,) = first["started"]
    assert started["trigger"] == "on-deploy-requested" and not started["duplicate"]
    again = _post(client, "/api/events", body).json()
    assert again["started"][0] == {**started, "duplicate": True}
    run = started["run"]
    _until(client, run, lambda d: _waiting_for_signoff(journal, run))
    _post(client, "/api/events", {"name": "signoff-api", "run": run})
    done = _until(client, run, lambda d: d["status"] == "completed")
    assert done["goal"] == "(deployed api)"
    assert done["trigger"] == {"name": "on-deploy-requested", "spec": "ship",
                               "event": "deploy-requested", "fields": {"service": "api"}}
    page = client.get(f"/runs/{run}").text
    assert "started by trigger <code>on-deploy-requested</code>" in page


@pytest.mark.parametrize(("path", "body", "code", "words"), [
    ("/api/events", {"name": "deploy-requested", "fields": {}}, 400, "no field 'service'"),
    ("/api/events", {"name": "deploy-requested", "fields": {"service": "a) (b"}}, 400,
     "not one name"),
    ("/api/events", {"name": "bad name"}, 400, "not an event name"),
    ("/api/events", {"name": "x", "run": "run-nope"}, 400, "no run 'run-nope'"),
    ("/api/events", {"name": "x", "fields": [1]}, 400, "'fields' must be a JSON object"),
    ("/api/runs", {"spec": "nope", "goal": "(deployed api)"}, 400, "no served spec 'nope'"),
    ("/api/runs", {"spec": "ship"}, 400, "give a problem"),
    ("/api/runs", {"spec": "ship", "goal": "(flying api)"}, 400, "flying"),
    ("/api/runs", {"spec": "ship", "problem": "p01", "extra": 1}, 400, "unknown key(s) extra"),
])
def test_bad_requests_are_400_with_a_message(api: Any, path: str, body: dict[str, Any],
                                             code: int, words: str) -> None:
    client, _service, _journal = api
    r = _post(client, path, body)
    assert r.status_code == code and words in r.json()["error"], r.text
    assert client.get("/api/runs").json() == []  # nothing was started


def test_writes_need_json_and_this_host(api: Any) -> None:
    client, _service, _journal = api
    form = client.post("/api/runs", content="spec=ship", headers={"content-type":
                                                                   "text/plain"})
    assert form.status_code == 415
    rebound = _post(client, "/api/runs", {"spec": "ship", "problem": "p01"},
                    host="evil.example:8765")
    assert rebound.status_code == 403
    assert client.get("/api/runs/run-none").status_code == 404


def test_with_a_users_file_a_token_starts_runs_and_is_journaled(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": {"alice": {"token_sha256": token_digest("tok-a"),
                                                     "roles": ["ops"]}}}))
    client, _service, journal = _client(tmp_path, users)  # not started: nothing is driven
    body = {"spec": "ship", "problem": "p01"}
    assert _post(client, "/api/runs", body).status_code == 401
    assert _post(client, "/api/runs", body, authorization="Bearer nope").status_code == 403
    ok = _post(client, "/api/runs", body, authorization="Bearer tok-a")
    assert ok.status_code == 202
    j = open_journal(journal)
    (started,) = j.events(ok.json()["run"], kinds=("run-started",))
    j.close()
    assert started.payload["started_by"]["user"] == "alice"


def test_cron_starts_each_due_run_once(tmp_path: Path) -> None:
    _client_, service, journal = _client(tmp_path)
    assert service.tick(datetime(2026, 12, 5, 2, 29)) == []
    (first,) = service.tick(datetime(2026, 12, 5, 2, 30, 5))
    (again,) = service.tick(datetime(2026, 12, 5, 2, 30, 50))  # a restart in the same minute
    assert again.run == first.run and again.duplicate and not first.duplicate
    (next_day,) = service.tick(datetime(2026, 12, 6, 2, 30))
    assert next_day.run != first.run
    j = open_journal(journal)
    (ev,) = j.events(first.run, kinds=("run-started",))
    j.close()
    assert ev.payload["trigger"]["cron"] == "30 2 * * *" and ev.payload["problem"] == "p01"


def test_without_a_service_the_api_only_reads(tmp_path: Path) -> None:
    spec = load_spec(make_ship(tmp_path))
    app = create_app(tmp_path / "j.sqlite", specs=(spec.root,))
    add_api(app, None)
    client = TestClient(app, base_url=BASE)
    assert _post(client, "/api/runs", {"spec": "ship", "problem": "p01"}).status_code == 503
    assert client.get("/api/runs").json() == []


def test_the_example_spec_runs_from_an_event(tmp_path: Path) -> None:
    """examples/ship (docs/EVENTS.md): the event starts a run; its sign-off completes it."""
    spec = load_spec(Path(__file__).resolve().parents[3] / "examples" / "ship")
    journal = tmp_path / "j.sqlite"
    app = create_app(journal, specs=(spec.root,))
    service = RunService(journal, {spec.name: spec}, poll_s=0.05).start()
    add_api(app, service)
    client = TestClient(app, base_url=BASE)
    try:
        got = _post(client, "/api/events", {"name": "deploy-requested",
                                            "fields": {"service": "web"}}).json()
        run = got["started"][0]["run"]
        _until(client, run, lambda d: _waiting_for_signoff(journal, run))
        assert run in _post(client, "/api/events", {"name": "signoff-web"}).json()["delivered"]
        done = _until(client, run, lambda d: d["status"] != "running")
        assert done["status"] == "completed" and ["deployed", "web"] in \
            done["result"]["final_state"]
    finally:
        service.stop()


def test_serve_refuses_untrusted_specs_and_names_taken_twice(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    spec = make_ship(tmp_path)  # outside Plansafe's folders: its shell tools are foreign code
    env = {"PLANSAFE_TRUST": str(tmp_path / "no-trust.toml"), "PLANSAFE_USERS": ""}
    args = ["serve", "--journal", str(tmp_path / "j.sqlite"), "--spec", str(spec)]
    r = CliRunner().invoke(app, args, env=env)
    assert r.exit_code == 2 and "not trusted" in r.output and "--trust-spec" in r.output
    other = make_ship(tmp_path / "other")
    r = CliRunner().invoke(app, [*args, "--spec", str(other), "--trust-spec"], env=env)
    assert r.exit_code == 2 and "two specs are named 'ship'" in r.output, r.output


def test_a_child_run_is_left_to_its_parent(tmp_path: Path) -> None:
    """After a crash the dispatcher resumes a parent, never its sub-workflow child alone (the
    parent's workflow step resumes the child)."""
    from engine.api import Engine
    from engine.worker import submit

    client, service, journal = _client(tmp_path)
    eng = Engine(service.specs["ship"], journal=journal)
    trusted = {"trust": {"spec": True}}
    submit(eng, "p01", run_id="run-a", extra=trusted)
    submit(eng, "p01", run_id="run-a.s9", extra=trusted)
    eng.close()
    service.start()
    try:
        _until(client, "run-a", lambda d: _waiting_for_signoff(journal, "run-a"))
        time.sleep(0.5)
        j = open_journal(journal)
        try:
            assert [e.kind for e in j.events("run-a.s9")] == ["run-started"]
        finally:
            j.close()
        assert client.get("/api/runs/run-a").json()["children"] == [
            {"run": "run-a.s9", "status": "running", "step": "s9"}]
    finally:
        service.stop()


def test_an_approval_in_the_console_is_resumed_by_the_service(waiting_run: Any) -> None:
    """With serve's run service, the console leaves the resume to the service's dispatcher
    (one driver: no 'being driven by a live process' race)."""
    from tests.engine.console.test_console import csrf, sign_in

    devops = load_spec(Path(__file__).resolve().parents[3] / "specs" / "devops")
    app = create_app(waiting_run.journal, specs=(devops.root,), users=waiting_run.users)
    service = RunService(waiting_run.journal, {devops.name: devops}, poll_s=0.05)
    add_api(app, service)
    client = TestClient(app, base_url=BASE)
    service.start()
    try:
        sign_in(client, "alice")
        run = waiting_run.run_id
        html = client.get(f"/runs/{run}").text
        r = client.post(f"/runs/{run}/steps/s5/decide", data={
            "csrf": csrf(html), "decision": "approve", "call": "(deploy api prod)",
            "generation": "0"})
        assert r.status_code == 200, r.text
        done = _until(client, run, lambda d: d["status"] != "running"
                      and d["status"] != "waiting-approval")
        assert done["status"] == "completed", done
        assert "resume failed" not in client.get(f"/runs/{run}").text
    finally:
        service.stop()


def test_a_trigger_goal_that_does_not_read_is_a_400_with_nothing_posted(tmp_path: Path) -> None:
    from tests.engine.console.shipspec import DOMAIN, PROBLEM, SPEC, write_spec

    root = write_spec(tmp_path / "ship", DOMAIN, PROBLEM, SPEC + """  - on: fly-requested
    fields: [service]
    goal: make {service} fly
""")
    spec = load_spec(root)
    journal = tmp_path / "j.sqlite"
    app = create_app(journal, specs=(root,))
    service = RunService(journal, {spec.name: spec}, trust={"spec": True})
    add_api(app, service)  # not started: the submitted run stays open
    client = TestClient(app, base_url=BASE)
    open_run = _post(client, "/api/runs", {"problem": "p01"}).json()["run"]
    r = _post(client, "/api/events", {"name": "fly-requested", "fields": {"service": "api"}})
    assert r.status_code == 400 and "cannot map the goal 'make api fly'" in r.json()["error"]
    ok = _post(client, "/api/events", {"name": "deploy-requested", "fields": {"service": "api"}})
    assert ok.json()["delivered"] == [open_run]  # the new triggered run is not among them
    from engine.adapters.event import events_path, find_event

    assert find_event(events_path(journal), open_run, "fly-requested") is None
    assert find_event(events_path(journal), open_run, "deploy-requested") == {"service": "api"}


def test_events_need_a_sqlite_journal() -> None:
    from verifier.errors import PlansafeError

    service = RunService(Path("postgresql://127.0.0.1/plansafe"), {})
    with pytest.raises(PlansafeError, match="events need a SQLite journal"):
        service.deliver("signoff-api")
