"""The web console through Starlette's TestClient: every page, sign-in, the approve flow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.console.app import create_app
from engine.journal import open_journal
from engine.runstate import RunState
from tests.engine.console.conftest import SPECS, USERS, WaitingRun

pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402


def client(w: WaitingRun) -> TestClient:
    return TestClient(create_app(w.journal, specs=(SPECS / "devops",), users=w.users))


def sign_in(c: TestClient, name: str) -> None:
    r = c.post("/login", data={"user": name, "token": USERS[name][0], "next": "/runs"},
               follow_redirects=False)
    assert r.status_code == 303, r.text


def csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m, "no approval form on the page"
    return m.group(1)


def test_runs_page_lists_the_run_with_filters(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    r = c.get("/runs")
    assert r.status_code == 200
    assert waiting_run.run_id in r.text and "waiting-approval" in r.text
    assert "(deployed api prod)" in r.text  # the goal
    assert waiting_run.run_id not in c.get("/runs?status=completed").text
    assert waiting_run.run_id in c.get("/runs?spec=devops&q=api").text
    assert waiting_run.run_id not in c.get("/runs?q=no-such-thing").text
    assert c.get("/", follow_redirects=False).headers["location"] == "/runs"
    assert c.get("/static/htmx.min.js").status_code == 200


def test_run_page_shows_timeline_plan_certificate_chain(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    html = c.get(f"/runs/{waiting_run.run_id}").text
    # the agents' messages, the plan graph with its parallel group, certificate and chain
    for actor in ("planner", "verifier", "executor"):
        assert f'class="actor a-{actor}"' in html
    assert "<svg" in html and 'data-step="s5"' in html and 'data-status="waiting-approval"' in html
    assert "2 in parallel" in html  # s1 (build api) and s4 (backup prod) share a group
    assert 'id="certificate"' in html and "policies" in html
    assert "intact" in html
    assert "Sign in to decide" in html  # nobody signed in: no approve button
    svg = c.get(f"/runs/{waiting_run.run_id}/plan.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count('class="step"') == 6 and svg.text.count("marker-end=") == 5
    assert c.get("/runs/run-nope").status_code == 404


def test_spec_pages(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    assert "devops" in c.get("/specs").text
    html = c.get("/specs/devops").text
    assert "backup-before-prod" in html and "Production is backed up" in html
    assert "(deploy ?s prod)" in html  # approval entry, and lead's access rule
    assert "reachable" in html  # the check analysis
    assert c.get("/specs/nope").status_code == 404


def test_wrong_token_is_refused(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    r = c.post("/login", data={"user": "alice", "token": "guess"}, follow_redirects=False)
    assert r.status_code == 401 and "wrong token" in r.text


def test_not_allowed_user_is_refused_in_page_and_journal(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    sign_in(c, "bob")
    html = c.get(f"/runs/{waiting_run.run_id}").text
    assert "may not approve" in html
    r = c.post(f"/runs/{waiting_run.run_id}/steps/s5/decide",
               data={"csrf": csrf(html), "decision": "approve", "call": "(deploy api prod)",
                     "generation": "0"})
    assert r.status_code == 200 and "refused: bob" in r.text
    with open_journal(waiting_run.journal) as j:
        events = j.events(waiting_run.run_id)
    assert not [e for e in events if e.kind == "approval"]
    refused = [e.payload for e in events if e.kind == "message"
               and e.payload.get("about") == "approval-refused"]
    assert refused and refused[0]["by"] == "bob"
    assert RunState.fold(waiting_run.run_id, events).status == "waiting-approval"
    assert "refused" in r.text and "bob" in r.text  # the approvals card shows it


def test_forged_form_without_csrf_is_refused(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    sign_in(c, "alice")
    r = c.post(f"/runs/{waiting_run.run_id}/steps/s5/decide", data={"decision": "approve"})
    assert "form expired" in r.text
    with open_journal(waiting_run.journal) as j:
        assert not j.events(waiting_run.run_id, kinds=("approval",))


def test_allowed_user_approves_and_the_run_completes(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    sign_in(c, "alice")
    html = c.get(f"/runs/{waiting_run.run_id}").text
    assert "alice acts as lead" in html
    r = c.post(f"/runs/{waiting_run.run_id}/steps/s5/decide",
               data={"csrf": csrf(html), "decision": "approve", "call": "(deploy api prod)",
                     "generation": "0", "reason": "release 1.2"})
    # TestClient runs the background resume before it returns
    assert r.status_code == 200 and "approved by alice" in r.text
    with open_journal(waiting_run.journal) as j:
        events = j.events(waiting_run.run_id)
    approvals = [e.payload for e in events if e.kind == "approval"]
    assert approvals == [{"step": "s5", "approved": True, "by": "alice", "reason": "release 1.2",
                          "generation": 0, "action": "deploy", "args": ["api", "prod"],
                          "agent": "lead"}]
    assert RunState.fold(waiting_run.run_id, events).status == "completed"
    page = c.get(f"/runs/{waiting_run.run_id}").text
    assert 'id="run-status">completed' in page and "release 1.2" in page


def test_stale_call_is_not_approved(waiting_run: WaitingRun) -> None:
    c = client(waiting_run)
    sign_in(c, "alice")
    html = c.get(f"/runs/{waiting_run.run_id}").text
    r = c.post(f"/runs/{waiting_run.run_id}/steps/s5/decide",
               data={"csrf": csrf(html), "decision": "approve", "call": "(deploy web prod)",
                     "generation": "0"})
    assert "nothing approved" in r.text


def test_read_only_without_users(waiting_run: WaitingRun, tmp_path: Path) -> None:
    c = TestClient(create_app(waiting_run.journal))
    html = c.get(f"/runs/{waiting_run.run_id}").text
    assert "read-only" in html and "Approve" not in html
    empty = TestClient(create_app(tmp_path / "none.sqlite"))
    assert "No runs" in empty.get("/runs").text


def test_serve_bad_input_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    bad_users = tmp_path / "users.json"
    bad_users.write_text('{"users": 3}')
    for args in (["--spec", str(tmp_path / "nope")], ["--users", str(bad_users)]):
        r = CliRunner().invoke(app, ["serve", "--journal", str(tmp_path / "j.sqlite"), *args])
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output and "error:" in r.output
