"""Policy analysis: conflicting policies (minimal unsat core), vacuous policies, goals the
policies block; and what ``plansafe check`` reports from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.commands import check_spec
from verifier.analysis import analyze
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

ROOT = Path(__file__).resolve().parents[2]
DEVOPS = ROOT / "specs" / "devops"

CONFLICT = """
  - id: backup-prod-eventually
    rule: (sometime (backed-up prod))
  - id: staging-backup-first
    rule: (sometime-before (backed-up prod) (backed-up staging))
  - id: never-back-up-staging
    rule: (always (not (backed-up staging)))
"""
FREEZE = """
  - id: freeze-prod
    says: Nothing ships to production this week.
    rule: (forall (?s - service) (always (not (deployed ?s prod))))
"""
VACUOUS = """
  - id: rolled-back-prod-is-healthy
    rule: (forall (?s - service) (always (imply (and (deployed ?s prod) (rolled-back ?s prod))
          (healthy ?s prod))))
"""


def _devops_with(tmp_path: Path, extra: str, problems: tuple[str, ...] = ()) -> Path:
    root = tmp_path / "spec"
    shutil.copytree(DEVOPS, root)
    with (root / "spec.yaml").open("a", encoding="utf-8") as f:
        f.write(extra)
    if problems:
        for p in (root / "problems").glob("*.pddl"):
            if p.stem not in problems:
                p.unlink()
    return root


def test_conflicting_policies_are_named_as_a_minimal_set(tmp_path):
    root = _devops_with(tmp_path, CONFLICT, problems=("p01", "p02"))
    report = check_spec(root).to_json()
    assert report["status"] == "error"
    hits = [e for e in report["errors"] if "cannot all hold" in e]
    assert hits, report["errors"]
    for e in hits:  # exactly the three, none of devops' own six policies
        assert "backup-prod-eventually, never-back-up-staging, staging-backup-first" in e
        assert "test-before-deploy" not in e
    assert report["analysis"][0]["conflicts"] == [
        ["backup-prod-eventually", "never-back-up-staging", "staging-backup-first"]]


def test_cli_check_exits_2_on_conflicts(tmp_path):
    root = _devops_with(tmp_path, CONFLICT, problems=("p01",))
    result = CliRunner().invoke(app, ["check", str(root)])
    assert result.exit_code == 2, result.output
    assert "cannot all hold together" in result.output
    assert "never-back-up-staging" in result.output


def test_a_goal_blocked_by_a_policy_names_it(tmp_path):
    root = _devops_with(tmp_path, FREEZE, problems=("p01", "p02"))
    report = check_spec(root, problem="p02").to_json()
    assert [p["name"] for p in report["problems"]] == ["p02"]
    (err,) = [e for e in report["errors"] if "unreachable" in e]
    assert "freeze-prod" in err and "test-before-deploy" not in err
    assert report["analysis"][0]["goal"] == "blocked"
    assert report["analysis"][0]["blocking"] == ["freeze-prod"]
    # p01 only goes to staging: the freeze does not block it
    assert check_spec(root, problem="p01").to_json()["status"] == "ok"


def test_vacuous_policy_is_a_warning(tmp_path):
    root = _devops_with(tmp_path, VACUOUS, problems=("p01", "p02", "p03"))
    report = check_spec(root).to_json()
    assert report["status"] == "ok", report["errors"]
    (w,) = [w for w in report["warnings"] if "vacuous" in w]
    assert "rolled-back-prod-is-healthy" in w


def test_never_triggered_by_relaxed_reachability():
    """Robotics p01 has no heavy item and no action makes one: the heavy-lift rule can
    never trigger, for any horizon (relaxed reachability is a proof)."""
    spec = load_spec(ROOT / "specs" / "robotics")
    problem = load_problem(spec, "p01")
    assert not any(a[0] == "heavy" for a in problem.init)
    a = analyze(problem, policies=spec.policies, access=spec.access, goal=False)
    assert "full-charge-before-heavy-lift" in a.never_triggered
    assert "report-after-place" not in a.never_triggered + a.vacuous


def test_reachable_goal_comes_with_a_validated_witness():
    spec = load_spec(DEVOPS)
    problem = load_problem(spec, "p01")
    a = analyze(problem, policies=spec.policies, access=spec.access)
    assert a.goal == "reachable" and a.conflicts == () and a.plan is not None
    assert Checker(problem, policies=spec.policies, access=spec.access).check(a.plan).valid


def test_goal_beyond_the_horizon_is_inconclusive_not_an_error():
    spec = load_spec(DEVOPS)
    a = analyze(load_problem(spec, "p05"), policies=spec.policies, access=spec.access,
                horizon=4)
    assert a.goal in ("unknown", "unreachable") and a.blocking == ()
    assert a.notes


def test_devops_check_is_clean_and_reports_analysis():
    result = CliRunner().invoke(app, ["check", str(DEVOPS), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "ok" and report["errors"] == []
    assert len(report["analysis"]) == len(report["problems"])
    assert all(a["conflicts"] == [] for a in report["analysis"])
    assert report["analysis"][0]["goal"] == "reachable"


@pytest.mark.parametrize("name", ["onboarding", "documents"])
def test_builtin_specs_have_no_conflicts(name):
    report = check_spec(ROOT / "specs" / name, problem="p01").to_json()
    assert report["status"] == "ok", report["errors"]
