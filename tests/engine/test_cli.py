"""The ``plansafe`` command line: exit codes, --json shapes and bad input without tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
DEVOPS = SPECS / "devops"
POSITION = re.compile(r"[^\s:]+:\d+:\d+: ")  # file:line:col:
KINDS = {"unknown-action", "arity", "type", "unknown-object", "access", "precondition", "goal",
         "policy", "interleaving", "malformed"}

runner = CliRunner()


def cli(*args: str, input: str | None = None):  # noqa: A002, ANN201
    result = runner.invoke(app, [str(a) for a in args], input=input)
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit), result.output
    return result


def shell(command: str) -> subprocess.CompletedProcess[str]:
    """Run a shell command line with the venv's ``plansafe`` first on PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONHASHSEED": "0"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # planners may leave files in the working directory


# --- help and check ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["check"], ["plan"], ["validate"]],
                         ids=["plansafe", "check", "plan", "validate"])
def test_help(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_check_devops_exits_0() -> None:
    result = cli("check", DEVOPS)
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_check_json() -> None:
    result = cli("check", DEVOPS, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["status"] == "ok" and report["errors"] == []
    assert "test-before-deploy" in {p["id"] for p in report["policies"]}


# --- plan | validate on every built-in problem ----------------------------------------------------


def _problems() -> list:
    params = []
    for spec in sorted(p.parent for p in SPECS.glob("*/spec.yaml")):
        for prob in sorted((spec / "problems").glob("*.pddl")):
            marks = () if prob.stem == "p01" else (pytest.mark.slow,)
            params.append(pytest.param(spec.name, prob.stem, marks=marks,
                                       id=f"{spec.name}-{prob.stem}"))
    return params


@pytest.mark.parametrize(("spec", "problem"), _problems())
def test_plan_then_validate(spec: str, problem: str) -> None:
    planned = cli("plan", SPECS / spec, problem, "--json")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert plan["status"] == "solved" and isinstance(plan["steps"], list)
    assert plan["provenance"]["source"] == "symbolic"
    assert {"source", "rounds", "tokens", "seconds"} <= set(plan["provenance"])
    checked = cli("validate", SPECS / spec, problem, "-", "--json", input=planned.stdout)
    assert checked.exit_code == 0, checked.output
    verdict = json.loads(checked.stdout)
    assert verdict["status"] == "valid" and verdict["violations"] == []
    assert isinstance(verdict["certificate"], dict)


def test_plan_piped_into_validate_through_the_shell() -> None:
    proc = shell(f"plansafe plan {DEVOPS} p01 --json | plansafe validate {DEVOPS} p01 -")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid" in proc.stdout and "Traceback" not in proc.stderr


# --- invalid plans: exit 1 ------------------------------------------------------------------------

DEPLOY_UNTESTED = json.dumps({"steps": [
    {"id": "b", "action": "build", "args": ["api"], "agent": "ci"},
    {"id": "d", "action": "deploy", "args": ["api", "staging"], "agent": "release"},
]})


def test_deploy_before_test_is_invalid() -> None:
    result = cli("validate", DEVOPS, "p01", "-", "--json", input=DEPLOY_UNTESTED)
    assert result.exit_code == 1, result.output
    verdict = json.loads(result.stdout)
    assert verdict["status"] == "invalid" and verdict["certificate"] is None
    hits = [v for v in verdict["violations"] if v["rule"] == "test-before-deploy"]
    assert hits and hits[0]["kind"] == "policy" and hits[0]["step"] == "d"
    for v in verdict["violations"]:
        assert {"kind", "step", "rule", "message"} <= set(v) and v["kind"] in KINDS


def test_deploy_before_test_human_output() -> None:
    result = cli("validate", DEVOPS, "p01", "-", input=DEPLOY_UNTESTED)
    assert result.exit_code == 1
    assert "invalid" in result.output and "test-before-deploy" in result.output


def test_unknown_action_is_an_invalid_plan_not_bad_input() -> None:
    plan = '{"steps": [{"action": "deplyo", "args": ["api", "staging"]}]}'
    result = cli("validate", DEVOPS, "p01", "-", "--json", input=plan)
    assert result.exit_code == 1
    verdict = json.loads(result.stdout)
    assert [v["kind"] for v in verdict["violations"]] == ["unknown-action"]
    assert verdict["certificate"] is None


def test_valid_plan_json_shape(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"steps": [
        {"id": "b", "action": "build", "args": ["api"]},
        {"id": "t", "action": "test", "args": ["api"]},
        {"id": "d", "action": "deploy", "args": ["api", "staging"]},
    ]}))
    result = cli("validate", DEVOPS, "p01", plan, "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert verdict["status"] == "valid" and verdict["violations"] == []
    cert = verdict["certificate"]
    assert {"id", "spec_sha256", "problem_sha256", "plan_sha256", "checks"} <= set(cert)


def test_plan_with_blocking_policy_exits_1(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    (spec / "problems").mkdir(parents=True)
    (spec / "domain.pddl").write_text((DEVOPS / "domain.pddl").read_text())
    (spec / "problems" / "p01.pddl").write_text(
        "(define (problem p01) (:domain devops) (:objects api - service) (:init)"
        " (:goal (and (deployed api prod))))\n")
    (spec / "spec.yaml").write_text(
        "name: frozen\npolicies:\n  - id: prod-freeze\n"
        "    rule: (forall (?s - service) (always (not (deployed ?s prod))))\n")
    result = cli("plan", spec, "p01", "--json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["steps"] is None and out["blocking"] == ["prod-freeze"]


# --- bad input: exit 2, file:line:col:, no traceback ---------------------------------------------


def _bad_spec(root: Path) -> Path:
    root.mkdir()
    (root / "domain.pddl").write_text((DEVOPS / "domain.pddl").read_text())
    (root / "spec.yaml").write_text(
        "name: bad\npolicies:\n  - id: p\n"
        "    rule: (forall (?s - service) (sometime (testd ?s)))\n")
    return root


@pytest.mark.parametrize("case", ["missing-plan-file", "bad-json-plan", "bad-spec",
                                  "missing-spec", "missing-problem", "bad-plan-text"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_bad_input_exits_2(case: str, as_json: bool, tmp_path: Path) -> None:
    stdin = None
    if case == "missing-plan-file":
        args = ["validate", DEVOPS, "p01", tmp_path / "nope.json"]
        where = "nope.json:1:1: "
    elif case == "bad-json-plan":
        args, stdin, where = ["validate", DEVOPS, "p01", "-"], '{"steps": [\n  {"action": }]}', \
            "<stdin>:2:14: "
    elif case == "bad-spec":
        args = ["check", _bad_spec(tmp_path / "bad")]
        where = "spec.yaml:4:45: "
    elif case == "missing-spec":
        args, where = ["validate", tmp_path / "nospec", "p01", "-"], "nospec:1:1: "
    elif case == "missing-problem":
        args, where = ["plan", DEVOPS, "p99"], "p99:1:1: "
    else:
        args, stdin, where = ["validate", DEVOPS, "p01", "-"], "(build api\n", "<stdin>:1:1: "
    if as_json:
        args.append("--json")
    result = cli(*args, input=stdin)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert POSITION.search(result.output), result.output
    assert where in result.output, result.output
    if as_json:
        payload = json.loads(result.stdout)
        assert payload["status"] == "error" and where in payload["error"]
        assert {"path", "line", "col", "message", "hint"} <= set(payload["position"])


def test_bad_input_through_a_real_process(tmp_path: Path) -> None:
    bad = _bad_spec(tmp_path / "bad")
    proc = shell(f"echo '{{oops' | plansafe validate {DEVOPS} p01 - ; plansafe check {bad}")
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "<stdin>:1:2: invalid JSON" in proc.stderr
    assert "spec.yaml:4:45: unknown predicate 'testd'" in proc.stderr
    assert proc.returncode == 2
