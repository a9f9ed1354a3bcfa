"""The console in a real headless browser: Debian's chromium driven by Playwright.

Opens the runs page, opens the waiting run, is refused as a user the spec does not allow,
approves as one it does, and sees the run complete. Saves screenshots of the runs page and
the run page (``$PLANSAFE_SCREENSHOTS`` or the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.journal import open_journal
from tests.engine.console.conftest import SPECS, USERS, WaitingRun

CHROMIUM = os.environ.get("PLANSAFE_CHROMIUM") or shutil.which("chromium") or \
    shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(waiting_run: WaitingRun) -> Iterator[str]:
    import uvicorn

    from engine.console.app import create_app

    port = _free_port()
    app = create_app(waiting_run.journal, specs=(SPECS / "devops",), users=waiting_run.users)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


def test_approve_in_a_real_browser(server: str, waiting_run: WaitingRun, tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright Python package is not installed")
    shots = Path(os.environ.get("PLANSAFE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    rid = waiting_run.run_id
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1440, "height": 1000})
        try:
            page = ctx.new_page()
            page.goto(server + "/runs")
            row = page.locator(f'tr[data-run="{rid}"]')
            assert "waiting-approval" in row.inner_text()
            page.screenshot(path=str(shots / "console-runs.png"), full_page=True)
            row.locator("a").first.click()
            page.wait_for_url(f"**/runs/{rid}")
            assert page.locator('svg.plan-graph g[data-step="s5"]').get_attribute(
                "data-status") == "waiting-approval"
            assert page.locator("svg.plan-graph g.step").count() == 6

            def sign_in(name: str) -> None:
                page.goto(server + f"/login?next=/runs/{rid}")
                page.fill("input[name=user]", name)
                page.fill("input[name=token]", USERS[name][0])
                page.click("button[type=submit]")
                page.wait_for_url(f"**/runs/{rid}")

            sign_in("bob")  # ci: may not approve a production deploy
            page.click("#approve-s5")
            page.wait_for_selector("#flash")
            assert "refused: bob" in page.inner_text("#flash")
            assert page.inner_text("#run-status") == "waiting-approval"

            page.click("button.link")  # sign out
            sign_in("alice")  # lead
            page.fill("#approvals input[name=reason]", "release 1.2")
            page.click("#approve-s5")
            page.wait_for_function(
                "document.querySelector('#run-status') && "
                "document.querySelector('#run-status').textContent.trim() === 'completed'",
                timeout=60_000)
            decided = page.inner_text("#decisions")
            assert "approved" in decided and "alice" in decided and "refused" in decided
            page.screenshot(path=str(shots / "console-run.png"), full_page=True)
        finally:
            ctx.close()
    with open_journal(waiting_run.journal) as j:
        events = j.events(rid)
    assert [(e.payload["by"], e.payload["approved"]) for e in events if e.kind == "approval"] \
        == [("alice", True)]
    assert events[-1].kind == "run-finished" and events[-1].payload["status"] == "completed"
