"""Make docs/console-runs.png and docs/console.png: a demo journal (devops runs with injected
faults, replans and approvals), the console on 127.0.0.1, headless chromium via Playwright.

    python docs/console_screenshots.py        # needs Debian's chromium and playwright (pip)
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def demo_journal(folder: Path) -> tuple[Path, Path, str]:
    from engine.api import Engine
    from engine.console.auth import token_digest

    journal = folder / "journal.sqlite"
    eng = Engine.from_spec(ROOT / "specs" / "devops", journal=journal, faults="demo")
    try:
        eng.run("p01", faults="none", approvals="auto")
        eng.run("p04", approvals="auto")
        shown = eng.run("p03")  # a replan, then two production steps wait for approval
        for step in shown.waiting:
            eng.approve(shown.run_id, step, by="alice", reason="change CHG-1042")
        eng.resume(shown.run_id)
        eng.run("p05")  # left waiting
        eng.run("p02", faults="none")
    finally:
        eng.close()
    users = folder / "users.json"
    users.write_text(json.dumps({"users": {"alice": {"token_sha256": token_digest("demo"),
                                                     "roles": ["lead"]}}}))
    return journal, users, shown.run_id


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from engine.console.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        journal, users, rid = demo_journal(Path(tmp))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(journal, specs=(ROOT / "specs" / "devops",), users=users)
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                            log_level="warning"))
        threading.Thread(target=srv.run, daemon=True).start()
        while not srv.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path=shutil.which("chromium"),
                headless=True, args=FLAGS, viewport={"width": 1440, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/login?next=/runs")
            page.fill("input[name=user]", "alice")
            page.fill("input[name=token]", "demo")
            page.click("button[type=submit]")
            page.wait_for_url("**/runs")
            page.screenshot(path=str(ROOT / "docs" / "console-runs.png"), full_page=True)
            page.goto(f"{base}/runs/{rid}?generation=1")  # the plan the first replan made
            page.screenshot(path=str(ROOT / "docs" / "console.png"), full_page=True)
            ctx.close()
        srv.should_exit = True


if __name__ == "__main__":
    main()
