"""``plansafe show`` links a parent run and its child runs (sub-workflows), in --json too."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from typer.testing import CliRunner

from engine.api import Engine
from engine.cli import app
from engine.results import RunLink
from engine.run_commands import show_run
from engine.runlinks import parent_id
from tests.engine.adapters.conftest import DOMAIN, PROBLEM

DEVOPS = Path(__file__).resolve().parents[2] / "specs" / "devops"


def test_parent_ids() -> None:
    assert parent_id("run-1.s2") == "run-1" and parent_id("run-1.s2.s1") == "run-1.s2"
    assert parent_id("run-1") is None and parent_id(".s1") is None and parent_id("a.") is None


def test_show_links_a_parent_and_its_child(tmp_path: Path) -> None:
    shutil.copytree(DEVOPS, tmp_path / "devops")
    parent = tmp_path / "parent"
    (parent / "problems").mkdir(parents=True)
    (parent / "domain.pddl").write_text(DOMAIN)
    (parent / "problems" / "p1.pddl").write_text(PROBLEM)
    (parent / "spec.yaml").write_text(f"""name: parent
tools:
  put:
    adapter: shell
    command: ["{sys.executable}", -c, "pass"]
  look:
    adapter: workflow
    workflow: ../devops
    problem: p01
""")
    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(parent, journal=journal)
    res = eng.run("p1", run_id="parent-1")
    eng.close()
    assert res.status == "completed", res.message
    step = next(s["id"] for s in res.steps if s["action"] == "look")
    child = f"parent-1.{step}"
    shown = show_run("parent-1", journal=journal)
    assert shown.parent is None and shown.children == (RunLink(child, "completed", step),)
    of_child = show_run(child, journal=journal)
    assert of_child.parent == RunLink("parent-1", "completed") and of_child.children == ()
    r = CliRunner().invoke(app, ["show", "parent-1", "--journal", str(journal), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["parent"] is None
    assert data["children"] == [{"run": child, "status": "completed", "step": step}]
    r = CliRunner().invoke(app, ["show", child, "--journal", str(journal), "--json"])
    assert json.loads(r.output)["parent"] == {"run": "parent-1", "status": "completed",
                                              "step": None}
    text = CliRunner().invoke(app, ["show", "parent-1", "--journal", str(journal)]).output
    assert f"child run: {child} (step {step}, completed)" in text, text
    text = CliRunner().invoke(app, ["show", child, "--journal", str(journal)]).output
    assert "parent run: parent-1 (completed)" in text, text
    from starlette.testclient import TestClient

    from engine.console.app import create_app

    page = TestClient(create_app(journal)).get("/runs/parent-1").text
    assert f'href="/runs/{child}" class="child-run"' in page
    page = TestClient(create_app(journal)).get(f"/runs/{child}").text
    assert 'href="/runs/parent-1" id="parent-run"' in page
