"""The application layer: the CLI goes through ``engine.api.Engine``; typed results keep
the ``--json`` shapes; ``plan`` prints the certificate it got and ``validate`` agrees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from engine.api import Engine, RunResult, RunStatus
from engine.plan_commands import make_plan, validate_plan
from engine.results import CheckReport, PlanReport, PlanStatus, ValidationReport

ROOT = Path(__file__).resolve().parents[2]
DEVOPS = ROOT / "specs" / "devops"


def _shell(command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def test_plan_json_carries_the_certificate_and_validate_agrees(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    planned = _shell(f"plansafe plan specs/devops p03 --json | tee {plan_file}")
    assert planned.returncode == 0, planned.stderr
    out = json.loads(plan_file.read_text())
    assert out["status"] == "solved" and out["steps"]
    cert = out["certificate"]
    assert out["certificate_id"] == cert["id"] and len(cert["id"]) == 16
    checked = _shell(f"plansafe validate specs/devops p03 - --json < {plan_file}")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    verdict = json.loads(checked.stdout)
    assert verdict["status"] == "valid"
    # one certificate: the same spec, problem (file) and plan digests, so the same id
    for key in ("id", "spec_sha256", "problem_sha256", "plan_sha256"):
        assert verdict["certificate"][key] == cert[key], key
    # the pipe of the design brief works as well
    piped = _shell("plansafe plan specs/devops p03 --json | plansafe validate specs/devops p03 -")
    assert piped.returncode == 0 and "valid" in piped.stdout


def test_engine_plan_and_verify_give_one_certificate() -> None:
    eng = Engine.from_spec(DEVOPS, journal=None)
    try:
        certified = eng.plan("p03")
        assert certified.planning is not None and certified.planning.status == "solved"
        again = eng.verify(certified.plan, "p03")
        assert again.certificate is not None
        assert again.certificate.id == certified.certificate.id
    finally:
        eng.close()


def test_typed_results_serialise_to_the_json_contract() -> None:
    report = make_plan(DEVOPS, "p01", goal=None, planner="symbolic", engine="fast-downward",
                       timeout_s=60)
    assert isinstance(report, PlanReport) and report.status in get_args(PlanStatus)
    data = report.to_json()
    assert {"status", "problem", "engine", "seconds", "steps", "provenance",
            "certificate"} <= set(data)
    assert data["provenance"]["source"] == "symbolic"
    plan = tmp_json(data)
    checked = validate_plan(DEVOPS, "p01", str(plan))
    assert isinstance(checked, ValidationReport) and checked.exit_code == 0
    v = checked.to_json()
    assert set(v) == {"status", "violations", "checks", "reason", "certificate"}
    assert v["certificate"]["id"] == data["certificate_id"]
    eng = Engine.from_spec(DEVOPS, journal=None)
    check = eng.check(problem="p01")
    eng.close()
    assert isinstance(check, CheckReport) and check.status == "ok"
    assert set(check.to_json()) == {"status", "spec", "domain", "policies", "agents",
                                    "problems", "warnings", "errors", "analysis",
                                    "triggers"}


def tmp_json(data: dict[str, object]) -> Path:
    import tempfile

    fd, name = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    return Path(name)


def test_run_status_is_a_literal() -> None:
    assert set(get_args(RunStatus)) == {"completed", "stopped", "waiting-approval", "refused",
                                        "running"}
    assert RunResult.__annotations__["status"] in ("RunStatus", RunStatus)


def test_plan_with_no_plan_reports_the_planner_status(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    (spec / "problems").mkdir(parents=True)
    (spec / "domain.pddl").write_text((DEVOPS / "domain.pddl").read_text())
    (spec / "problems" / "p01.pddl").write_text(
        "(define (problem p01) (:domain devops) (:objects api - service) (:init)"
        " (:goal (and (deployed api prod))))\n")
    (spec / "spec.yaml").write_text(
        "name: frozen\npolicies:\n  - id: prod-freeze\n"
        "    rule: (forall (?s - service) (always (not (deployed ?s prod))))\n")
    report = make_plan(spec, "p01", goal=None, planner="symbolic", engine="fast-downward",
                       timeout_s=60)
    assert report.plan is None and report.certificate is None
    data = report.to_json()
    assert data["steps"] is None and data["blocking"] == ["prod-freeze"]
    assert "certificate" not in data


@pytest.mark.parametrize("planner", ["fast-downward", "symbolic"])
def test_cli_plan_through_registered_planners(planner: str) -> None:
    report = make_plan(DEVOPS, "p01", goal=None, planner=planner, engine="fast-downward",
                       timeout_s=60)
    assert report.status == "solved" and report.certificate is not None
