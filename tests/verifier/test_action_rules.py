"""Action rules (verifier.action_rules): written on steps, compiled into the domain, reported
with their own id; and ``check``'s warning on the state rule that does not mean the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from verifier.errors import SpecError
from verifier.lint import rule_warnings
from verifier.model import Plan, Step
from verifier.plan_io import read_plan
from verifier.spec import load_problem, load_spec
from verifier.validate import validate

HOSPITAL = Path(__file__).resolve().parents[2] / "examples" / "hospital"
STATE_RULE = "(forall (?d - dose) (at-most-once (administered ?d)))"
ACTION_RULE = "(at-most-once-action (administer ?d ?p ?n) per ?d)"


def _verdict(spec_dir: Path, plan_name: str):  # noqa: ANN202
    spec = load_spec(spec_dir)
    problem = load_problem(spec, "p02")
    plan = read_plan(HOSPITAL / "plans" / plan_name)
    return validate(problem, plan, policies=spec.policies, access=spec.access,
                    describe=spec.describe)


def test_double_dose_is_refused_by_the_action_rule() -> None:
    v = _verdict(HOSPITAL, "p02-double-dose.json")
    assert v.status == "invalid"
    (x,) = v.violations
    assert (x.kind, x.rule, x.step) == ("policy", "one-dose", "s5")
    assert "A dose is given at most once" in x.message and "amox1" in x.message


def test_good_plan_passes_and_four_eyes_is_enforced() -> None:
    assert _verdict(HOSPITAL, "p02-good.json").status == "valid"
    v = _verdict(HOSPITAL, "p02-same-pharmacist.json")
    assert [(x.rule, x.step) for x in v.violations] == [("four-eyes", "s3")]
    assert "phil" in v.violations[0].message


def _state_rule_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "hospital"
    shutil.copytree(HOSPITAL, dst)
    spec = dst / "spec.yaml"
    spec.write_text(spec.read_text().replace(ACTION_RULE, STATE_RULE))
    return dst


def test_state_rule_version_certifies_the_double_dose_but_check_warns(tmp_path: Path) -> None:
    dst = _state_rule_copy(tmp_path)
    # PDDL3 semantics: 'administered' is never deleted, so it becomes true only once
    assert _verdict(dst, "p02-double-dose.json").status == "valid"
    spec = load_spec(dst)
    (w,) = rule_warnings(spec.policies, spec.domain)
    assert w.policy == "one-dose" and w.rewrite == ACTION_RULE
    assert w.pos.path.endswith("spec.yaml") and w.pos.line > 1

    import json

    from typer.testing import CliRunner

    from engine.cli import app

    result = CliRunner().invoke(app, ["check", str(dst), "--problem", "p02", "--json"])
    report = json.loads(result.stdout)
    assert any("one-dose" in x and ACTION_RULE in x for x in report["warnings"])
    assert report["domain"] == str(dst / "domain.pddl")  # the author's file, not the compiled one


def test_the_planner_respects_action_rules() -> None:
    from engine.symbolic.planning import solve

    spec = load_spec(HOSPITAL)
    result = solve(load_problem(spec, "p02"), policies=spec.policies, access=spec.access,
                   describe=spec.describe)
    assert result.plan is not None
    calls = {s.action: s.args for s in result.plan.steps}
    assert calls["verify"][1] != calls["dispense"][1]  # four eyes
    assert [s.action for s in result.plan.steps].count("administer") == 1


SHIP = """\
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
(define (problem p1) (:domain ship) (:objects api - service) (:init)
  (:goal (and (deployed api prod))))
"""


def _ship(tmp_path: Path, rules: str) -> Path:
    (tmp_path / "problems").mkdir()
    (tmp_path / "domain.pddl").write_text(SHIP)
    (tmp_path / "problems" / "p1.pddl").write_text(PROBLEM)
    (tmp_path / "spec.yaml").write_text("name: ship\npolicies:\n" + rules)
    return tmp_path


def _check(spec_dir: Path, *calls: tuple[str, ...]) -> list[tuple[str | None, str | None]]:
    spec = load_spec(spec_dir)
    plan = Plan(tuple(Step(f"s{i}", c[0], c[1:]) for i, c in enumerate(calls, 1)))
    v = validate(load_problem(spec, "p1"), plan, policies=spec.policies, access=spec.access)
    return [(x.rule, x.step) for x in v.violations]


def test_constants_in_patterns_count_only_matching_steps(tmp_path: Path) -> None:
    d = _ship(tmp_path, "  - id: prod-once\n    says: Each service reaches prod once.\n"
                        "    rule: (at-most-once-action (deploy ?s prod) per ?s)\n"
                        "  - id: tested-first\n"
                        "    rule: (only-after-action (deploy ?s ?e) (test ?s))\n")
    build, test = ("build", "api"), ("test", "api")
    staging, prod = ("deploy", "api", "staging"), ("deploy", "api", "prod")
    assert _check(d, build, test, staging, staging, prod) == []
    assert _check(d, build, test, staging, prod, prod) == [("prod-once", "s5")]
    assert _check(d, build, prod) == [("tested-first", "s2")]


@pytest.mark.parametrize(("rule", "message", "hint"), [
    ("(at-most-once-action (deplyo ?s ?e))", "unknown action 'deplyo'", "did you mean 'deploy'?"),
    ("(at-most-once-action (deploy ?s ?e) per ?x)", "'per' names a variable", None),
    ("(only-after-action (deploy ?s ?e))", "takes two action patterns", None),
    ("(at-most-once-action (deploy ?s))", "takes 2 arguments", "(deploy ?s ?e)"),
    ("(at-most-once-action (deploy ?s dev))", "unknown constant 'dev'", None),
])
def test_bad_action_rules_point_into_spec_yaml(tmp_path: Path, rule: str, message: str,
                                               hint: str | None) -> None:
    d = _ship(tmp_path, f"  - id: r\n    rule: {rule}\n")
    with pytest.raises(SpecError) as e:
        load_spec(d)
    assert message in e.value.message
    assert (e.value.path, e.value.line) == (str(d / "spec.yaml"), 4)
    assert e.value.col >= 11  # inside the rule text
    if hint:
        assert hint in (e.value.hint or "")


def test_check_warns_on_a_rule_no_run_can_break(tmp_path: Path) -> None:
    """A rule the domain already enforces constrains nothing (bounded model checking)."""
    import json

    from typer.testing import CliRunner

    from engine.cli import app

    dst = tmp_path / "hospital"
    shutil.copytree(HOSPITAL, dst)
    spec = dst / "spec.yaml"
    spec.write_text(spec.read_text() + "  - id: dispensed-first\n"
                    "    says: A dose is dispensed before it is given.\n"
                    "    rule: (forall (?d - dose) (sometime-before (administered ?d) "
                    "(dispensed ?d)))\n")
    result = CliRunner().invoke(app, ["check", str(dst), "--problem", "p02", "--json"])
    warnings = json.loads(result.stdout)["warnings"]
    hits = [w for w in warnings if "policy dispensed-first" in w]
    assert len(hits) == 1 and "no run of the example problems breaks it" in hits[0], warnings
    assert not any("policy chart-after-give" in w for w in warnings)  # breakable: no warning
    assert not any("policy one-dose" in w for w in warnings)  # an action rule: enforced


@pytest.mark.parametrize("plan_name", ["p02-double-dose.json", "p02-parallel-double-dose.json"])
def test_z3_agrees_on_action_rules(plan_name: str) -> None:
    """Z3 reads the compiled domain (a refused step is a failed precondition there) and the
    verdict names the rule, for a sequence (--z3) and in every schedule of a partial order."""
    from verifier.z3check import Z3Checker

    spec = load_spec(HOSPITAL)
    v = Z3Checker(load_problem(spec, "p02"), policies=spec.policies, access=spec.access,
                  describe=spec.describe).check(read_plan(HOSPITAL / "plans" / plan_name))
    assert v.status == "invalid", v.reason
    assert [x.rule for x in v.violations] == ["one-dose"]
