"""``adapter: workflow``: a step that is a child run of another spec."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from engine.api import Engine
from engine.commands import check_spec
from engine.journal import open_journal
from tests.engine.adapters.conftest import DOMAIN, PROBLEM

DEVOPS = Path(__file__).resolve().parents[3] / "specs" / "devops"
PY = sys.executable


def _kv(root: Path, tools: str) -> Path:
    (root / "problems").mkdir(parents=True, exist_ok=True)
    (root / "domain.pddl").write_text(DOMAIN)
    (root / "problems" / "p1.pddl").write_text(PROBLEM)
    (root / "spec.yaml").write_text("name: " + root.name + "\ntools:\n" + tools)
    return root


PUT_OK = f"""  put:
    adapter: shell
    command: ["{PY}", -c, "pass"]
"""


def _errors(report: object) -> list[str]:
    return list(report["errors"] if isinstance(report, dict) else report.errors)  # type: ignore[attr-defined, index]


def test_child_run_completes_and_is_linked(tmp_path: Path) -> None:
    devops = shutil.copytree(DEVOPS, tmp_path / "devops")
    parent = _kv(tmp_path / "parent", PUT_OK + """  look:
    adapter: workflow
    workflow: ../devops
    problem: p01
""")
    assert _errors(check_spec(parent)) == []
    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(parent, journal=journal)
    res = eng.run("p1", run_id="parent-1")
    eng.close()
    assert res.status == "completed", (res.message, res.explanations)
    look = next(s for s in res.steps if s["action"] == "look")
    j = open_journal(journal)
    try:
        child = j.events(f"parent-1.{look['id']}")
    finally:
        j.close()
    assert child and child[0].kind == "run-started"
    assert str(devops.name) in str(child[0].payload.get("spec"))
    assert child[-1].kind == "run-finished" and child[-1].payload.get("status") == "completed"


def test_a_child_that_stops_is_a_failure_with_its_explanation(tmp_path: Path) -> None:
    _kv(tmp_path / "child", f"""  put:
    adapter: shell
    command: ["{PY}", -c, "import sys; sys.exit('disk full')"]
""")
    parent = _kv(tmp_path / "parent", PUT_OK + """  look:
    adapter: workflow
    workflow: ../child
    goal: "(stored {i})"
""")
    eng = Engine.from_spec(parent, journal=tmp_path / "j.sqlite")
    res = eng.run("p1")
    eng.close()
    assert res.status == "stopped"
    text = " ".join(str(e.get("message", "")) for e in res.explanations)
    assert "child run" in text and "disk full" in text, res.explanations


def test_cycles_of_sub_workflows_are_refused_by_check(tmp_path: Path) -> None:
    a = _kv(tmp_path / "a", PUT_OK + """  look:
    adapter: workflow
    workflow: ../b
    problem: p1
""")
    _kv(tmp_path / "b", PUT_OK + """  look:
    adapter: workflow
    workflow: ../a
    problem: p1
""")
    errors = _errors(check_spec(a))
    assert len(errors) == 1 and "sub-workflows form a cycle: a -> b -> a" in errors[0], errors
    assert errors[0].startswith(f"{a / 'spec.yaml'}:7:")
