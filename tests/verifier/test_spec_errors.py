"""Bad specs: every error names the file, line and column, says what is wrong and hints a fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.errors import SpecError
from verifier.spec import load_problem, load_spec

DOMAIN = """\
(define (domain ship)
  (:requirements :strips :typing)
  (:types service env)
  (:constants staging prod - env)
  (:predicates (built ?s - service) (tested ?s - service) (deployed ?s - service ?e - env))
  (:action build :parameters (?s - service) :effect (built ?s))
  (:action test :parameters (?s - service) :precondition (built ?s) :effect (tested ?s))
  (:action deploy :parameters (?s - service ?e - env) :precondition (built ?s)
    :effect (deployed ?s ?e)))
"""

PROBLEM = """\
(define (problem p1) (:domain ship)
  (:objects api - service)
  (:init)
  (:goal (and (deployed api prod))))
"""

# Line numbers below refer to this text; rules come plain, quoted, as blocks and folded.
SPEC = """\
name: ship
describe:
  deployed: "{0} is deployed to {1}"
agents:
  ci: {may: [build, test]}
  release:
    may: [deploy]
    may_not: ["(deploy ?s prod)"]
  lead: {may: ["(deploy ?s prod)"]}
tools:
  build: mod.tools:build
policies:
  - id: test-before-deploy
    says: Test first.
    rule: (forall (?s - service ?e - env) (sometime-before (deployed ?s ?e) (tested ?s)))
  - id: quoted
    rule: "(forall (?s - service) (sometime-before (deployed ?s prod) (deployed ?s staging)))"
  - id: block
    rule: |
      (forall (?s - service)
        (sometime-before (deployed ?s prod)
                         (tested ?s)))
  - id: folded
    rule: (forall (?s - service)
            (sometime-before (deployed ?s staging) (built ?s)))
  - id: gt
    rule: >
      (forall (?s - service)
        (always (imply (deployed ?s prod) (built ?s))))
"""

FILES = {"domain.pddl": DOMAIN, "spec.yaml": SPEC, "problems/p1.pddl": PROBLEM}
RULE15 = "(forall (?s - service ?e - env) (sometime-before (deployed ?s ?e) (tested ?s)))"


def write_spec(root: Path, edit: tuple[str, str | None, str | None] | None = None) -> Path:
    """The good spec above in ``root``; ``edit`` = (file, old, new) replaces text (new None:
    delete the file)."""
    (root / "problems").mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        if edit is not None and edit[0] == name:
            if edit[2] is None:
                continue
            assert edit[1] in text, f"bad test case: {edit[1]!r} not in {name}"
            text = text.replace(edit[1], edit[2], 1)
        (root / name).write_text(text)
    return root


def load_all(root: Path) -> None:
    load_problem(load_spec(root), "p1")


def test_good_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path))
    assert [p.id for p in spec.policies] == ["test-before-deploy", "quoted", "block", "folded",
                                             "gt"]
    assert spec.access.permitted("deploy", ("api", "prod")) == ("lead",)
    assert load_problem(spec, "p1").objects["api"] == "service"


S, D, P = "spec.yaml", "domain.pddl", "problems/p1.pddl"

# (edit, file blamed, line, token that the column points at, message part, hint part)
CASES = [
    pytest.param((S, "  ci: {may: [build, test]}", "  ci: {may: [build, test]"),
                 S, 6, "release", "YAML syntax", "indentation", id="yaml-syntax-unclosed-flow"),
    pytest.param((S, "name: ship", "name: ship\n\tx: 1"),
                 S, 2, "\t", "YAML syntax", "indentation", id="yaml-syntax-tab"),
    pytest.param((S, "tools:", "tool:"), S, 10, "tool:", "unknown key 'tool'",
                 "did you mean 'tools'?", id="unknown-top-level-key"),
    pytest.param((S, "    may_not:", "    maynot:"), S, 8, "maynot", "unknown key 'maynot'",
                 "did you mean 'may_not'?", id="unknown-agent-key"),
    pytest.param((S, "(tested ?s)))\n  - id: quoted", "(testd ?s)))\n  - id: quoted"),
                 S, 15, "testd", "unknown predicate 'testd'", "did you mean 'tested'?",
                 id="policy-misspelled-predicate"),
    pytest.param((S, "(deployed ?s staging)))\"", "(deploid ?s staging)))\""),
                 S, 17, "deploid", "unknown predicate 'deploid'", "did you mean 'deployed'?",
                 id="policy-misspelled-predicate-quoted"),
    pytest.param((S, "                 (tested ?s)))", "                 (testd ?s)))"),
                 S, 22, "testd", "unknown predicate 'testd'", "did you mean 'tested'?",
                 id="policy-misspelled-predicate-block-scalar"),
    pytest.param((S, "staging) (built ?s)))", "staging) (bulit ?s)))"),
                 S, 25, "bulit", "unknown predicate 'bulit'", "did you mean 'built'?",
                 id="policy-misspelled-predicate-multiline-plain"),
    pytest.param((S, "prod) (built ?s))))", "prod) (bilt ?s))))"),
                 S, 29, "bilt", "unknown predicate 'bilt'", "did you mean 'built'?",
                 id="policy-misspelled-predicate-folded-scalar"),
    pytest.param((S, "(forall (?s - service ?e - env)", "(forall (?s - servce ?e - env)"),
                 S, 15, "servce", "unknown type 'servce'", "did you mean 'service'?",
                 id="policy-unknown-type"),
    pytest.param((S, "(deployed ?s staging)))\"", "(deployed ?s stagin)))\""),
                 S, 17, "stagin", "unknown object 'stagin'", "did you mean 'staging'?",
                 id="policy-unknown-constant"),
    pytest.param((S, "(deployed ?s ?e) (tested ?s)))", "(deployed ?s) (tested ?s)))"),
                 S, 15, "(deployed ?s)", "'deployed' takes 2 arguments, got 1",
                 "(deployed service env)", id="policy-wrong-arity"),
    pytest.param((S, "(deployed ?s ?e) (tested ?s)))", "(deployed ?s ?e) (tested ?x)))"),
                 S, 15, "?x", "unbound variable '?x'", "forall", id="policy-unbound-variable"),
    pytest.param((S, "(sometime-before (deployed ?s ?e)", "(sometimes-before (deployed ?s ?e)"),
                 S, 15, "sometimes-before", "unknown policy operator 'sometimes-before'",
                 "did you mean 'sometime-before'?", id="policy-unknown-operator"),
    pytest.param((S, "  - id: quoted", "  - id: test-before-deploy"),
                 S, 16, "test-before-deploy", "duplicate policy id 'test-before-deploy'",
                 "unique", id="policy-duplicate-id"),
    pytest.param((S, "  ci: {may: [build, test]}", "  ci: {may: [build, tset]}"),
                 S, 5, "tset", "unknown action 'tset'", "did you mean 'test'?",
                 id="pattern-unknown-action"),
    pytest.param((S, "  lead: {may: [\"(deploy ?s prod)\"]}",
                  "  lead: {may: [\"(deplo ?s prod)\"]}"),
                 S, 9, "deplo", "unknown action 'deplo'", "did you mean 'deploy'?",
                 id="pattern-unknown-action-quoted"),
    pytest.param((S, "  lead: {may: [\"(deploy ?s prod)\"]}", "  lead: {may: [\"(deploy prod)\"]}"),
                 S, 9, "(deploy prod)", "'deploy' takes 2 arguments, got 1", "(deploy ?s ?e)",
                 id="pattern-wrong-arity"),
    pytest.param((S, "  lead: {may: [\"(deploy ?s prod)\"]}",
                  "  lead: {may: [\"(deploy ?s prd)\"]}"),
                 S, 9, "prd", "unknown constant 'prd'", "did you mean 'prod'?",
                 id="pattern-unknown-constant"),
    pytest.param((S, "  deployed: \"{0}", "  deployd: \"{0}"), S, 3, "deployd",
                 "unknown predicate or action 'deployd'", "did you mean 'deployed'?",
                 id="describe-unknown-predicate"),
    pytest.param((S, "  build: mod.tools:build", "  build: mod.tools.build"), S, 11,
                 "mod.tools.build", "must be 'module:callable'", "for example",
                 id="tool-not-module-callable"),
    pytest.param((D, ":effect (tested ?s))", ":effect (tested ?s)"), D, 8, "(:action deploy",
                 "Expected ')'", "PDDL syntax", id="pddl-syntax-error"),
    pytest.param((D, ":precondition (built ?s) :effect (tested ?s)",
                  ":precondition (biult ?s) :effect (tested ?s)"), D, 7, "(biult",
                 "unknown predicate 'biult'", "did you mean 'built'?",
                 id="pddl-unknown-predicate-in-action"),
    pytest.param((D, None, None), D, 1, "", "file not found", "check the path",
                 id="missing-domain-pddl"),
    pytest.param((P, "(deployed api prod)", "(deployed apx prod)"), P, 4, "apx",
                 "unknown object or variable 'apx'", "did you mean 'api'?",
                 id="problem-unknown-object"),
    pytest.param((P, "(deployed api prod)", "(deploy api prod)"), P, 4, "(deploy api",
                 "unknown predicate 'deploy'", "did you mean 'deployed'?",
                 id="problem-unknown-predicate"),
    pytest.param((P, "api - service", "api - servce"), P, 2, "servce",
                 "unknown type 'servce'", "did you mean 'service'?", id="problem-unknown-type"),
]


@pytest.mark.parametrize(("edit", "blamed", "line", "token", "message", "hint"), CASES)
def test_bad_spec(tmp_path: Path, edit: tuple, blamed: str, line: int, token: str,
                  message: str, hint: str) -> None:
    root = write_spec(tmp_path, edit)
    with pytest.raises(SpecError) as info:
        load_all(root)
    err = info.value
    assert Path(err.path) == root / blamed, str(err)
    assert err.line == line, str(err)
    if blamed == D and edit[1] is None:
        col = 1
    else:
        col = (root / blamed).read_text().splitlines()[line - 1].index(token) + 1
    assert err.col == col, str(err)
    assert message in err.message
    assert err.hint is not None and hint in err.hint
    assert str(err) == f"{err.path}:{line}:{col}: {err.message} ({err.hint})"


def test_str_without_hint() -> None:
    err = SpecError("boom", path="x/spec.yaml", line=3, col=7)
    assert str(err) == "x/spec.yaml:3:7: boom"
    assert err.to_json() == {"path": "x/spec.yaml", "line": 3, "col": 7, "message": "boom",
                             "hint": None}


def test_spec_yaml_must_be_a_mapping(tmp_path: Path) -> None:
    root = write_spec(tmp_path, (S, SPEC, "- just\n- a list\n"))
    with pytest.raises(SpecError, match="must be a mapping"):
        load_spec(root)


def test_unknown_problem_name_hints_close_name(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path))
    with pytest.raises(SpecError) as info:
        load_problem(spec, "p2")
    assert "no problem 'p2'" in info.value.message and "p1" in (info.value.hint or "")


def test_acceptance_misspelled_policy_predicate_through_cli(tmp_path: Path) -> None:
    """Issue acceptance: exit 2, spec.yaml:line:col, a did-you-mean hint, no traceback."""
    root = write_spec(tmp_path, (S, "(tested ?s)))\n  - id: quoted",
                                 "(testd ?s)))\n  - id: quoted"))
    col = SPEC.splitlines()[14].index("(tested") + 2
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "check", str(root)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert f"spec.yaml:15:{col}: unknown predicate 'testd'" in out
    assert "did you mean 'tested'?" in out
    assert "Traceback" not in out
