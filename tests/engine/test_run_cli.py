"""plansafe run / runs / show / approve / resume (in-process, with the test planner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

PLANNER = "tests.engine.planners:bfs_planner"
pytestmark = pytest.mark.timeout(300)


def _run(args: list[str], journal: Path) -> tuple[int, str]:
    r = CliRunner().invoke(app, [*args, "--journal", str(journal)])
    return r.exit_code, r.stdout


def test_run_with_faults_reports_replans_and_zero_violations(specs_dir: Path, tmp_path: Path
                                                             ) -> None:
    j = tmp_path / "j.sqlite"
    code, out = _run(["run", str(specs_dir / "devops"), "--goal", "(and (deployed api prod))",
                      "--planner", PLANNER, "--approve-all", "--json"], j)
    data = json.loads(out)
    assert code == 0, out
    assert data["status"] == "completed" and data["replans"] >= 1
    assert data["violations_executed"] == 0 and data["explanations"]
    assert {"run", "status", "steps", "replans", "explanations", "violations_executed",
            "journal"} <= set(data)
    assert all({"id", "action", "args", "status", "attempts"} <= set(s) for s in data["steps"])


def test_waiting_approval_then_approve_then_resume(specs_dir: Path, tmp_path: Path) -> None:
    j = tmp_path / "j.sqlite"
    code, out = _run(["run", str(specs_dir / "devops"), "p02", "--planner", PLANNER,
                      "--faults", "none", "--json"], j)
    data = json.loads(out)
    assert code == 3 and data["status"] == "waiting-approval"
    run, step = data["run"], data["waiting"][0]

    code, out = _run(["runs", "--json"], j)
    assert code == 0 and json.loads(out)[0]["status"] == "waiting-approval"

    code, out = _run(["approve", run, step, "--by", "alice", "--json"], j)
    assert code == 0 and json.loads(out)["approved"] is True

    code, out = _run(["resume", run, "--json"], j)
    data = json.loads(out)
    assert code == 0 and data["status"] == "completed" and data["violations_executed"] == 0

    code, out = _run(["show", run], j)
    assert code == 0 and "approved by alice" in out and "journal chain: intact" in out
    code, out = _run(["show", run, "--json"], j)
    shown = json.loads(out)
    assert shown["chain"]["ok"] and shown["result"]["status"] == "completed"
    assert [e["kind"] for e in shown["events"]][0] == "run-started"


def test_bad_input_is_reported_without_a_traceback(specs_dir: Path, tmp_path: Path) -> None:
    j = tmp_path / "j.sqlite"
    code, out = _run(["resume", "run-nope", "--json"], j)
    assert code == 2 and "no journal" in json.loads(out)["error"]
    _run(["run", str(specs_dir / "devops"), "p01", "--planner", PLANNER, "--json"], j)
    code, out = _run(["show", "run-nope", "--json"], j)
    assert code == 2 and "no run" in json.loads(out)["error"]
    code, out = _run(["approve", "run-nope", "s1", "--json"], j)
    assert code == 2
    code, out = _run(["run", str(specs_dir / "devops"), "--faults", "sometimes", "--json"], j)
    assert code == 2


def test_a_changed_plan_file_is_refused(specs_dir: Path, tmp_path: Path) -> None:
    from engine.api import Engine
    from tests.engine.planners import bfs_planner
    from verifier.plan_io import plan_to_json

    j = tmp_path / "j.sqlite"
    e = Engine.from_spec(specs_dir / "devops", journal=j, planner=bfs_planner)
    problem = e.problem("p01")
    cp = e.plan(problem)
    e.close()
    from verifier.certificate import issue_certificate

    cert = issue_certificate(cp.verdict, spec_files=e.spec.files(),
                             problem_file=Path(problem.path), plan=cp.plan)
    plan_file, cert_file = tmp_path / "plan.json", tmp_path / "cert.json"
    text = json.dumps(plan_to_json(cp.plan))
    cert_file.write_text(json.dumps({"certificate": cert.to_json()}))
    plan_file.write_text(text)
    code, out = _run(["run", str(specs_dir / "devops"), "p01", "--plan", str(plan_file),
                      "--certificate", str(cert_file), "--faults", "none", "--json"], j)
    assert code == 0 and json.loads(out)["status"] == "completed"
    plan_file.write_text(text.replace('"api"', '"apj"', 1))  # one byte
    code, out = _run(["run", str(specs_dir / "devops"), "p01", "--plan", str(plan_file),
                      "--certificate", str(cert_file), "--json"], j)
    assert code == 1 and json.loads(out)["status"] == "refused"
