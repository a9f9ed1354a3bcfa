"""The Z3 checker: every schedule of a partial-order plan, solver hygiene, agreement with the
fast validator (sequences) and with brute force over every linearization (partial orders)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier import strategies as ps
from verifier.model import Const, Plan, Step
from verifier.order import PartialOrder
from verifier.plan_io import parse_plan
from verifier.validate import Checker, linearize
from verifier.z3check import Z3Checker, verify

ROOT = Path(__file__).resolve().parents[2]
ONBOARDING = ROOT / "specs" / "onboarding"
SPECS = ("devops", "documents", "blocksworld", "robotics", "onboarding")


@pytest.fixture(scope="module")
def onboarding():
    spec = ps.load(ONBOARDING)
    return spec, ps.problem(spec, "p01"), ps.problem(spec, "p02")


def _plan(*steps: tuple[str, str, tuple[str, ...], tuple[str, ...]]) -> Plan:
    return Plan(tuple(Step(i, a, args, None, after) for i, a, args, after in steps))


def _check(spec, problem, plan, **kw):
    return verify(problem, plan, policies=spec.policies, access=spec.access,
                  describe=spec.describe, **kw)


# --- the example: background check and account creation left unordered -------------


@pytest.mark.parametrize("method", ["auto", "z3"])
def test_unordered_check_and_account_is_refused_with_a_schedule(onboarding, method):
    spec, p01, _ = onboarding
    plan = parse_plan((ONBOARDING / "plans" / "p01-parallel.json").read_text())
    v = _check(spec, p01, plan, method=method)
    assert v.status == "invalid"
    (x,) = v.violations
    assert (x.kind, x.rule, x.step) == ("interleaving", "check-before-account", "account")
    assert x.schedule is not None and x.schedule.index("account") < x.schedule.index("check")
    assert ("has-account", "alice") in x.state and ("background-checked", "alice") not in x.state
    replay = Checker(p01, policies=spec.policies).check(
        Plan(tuple(replace(s, after=()) for s in sorted(
            plan.steps, key=lambda s: x.schedule.index(s.id)))))
    assert "check-before-account" in {y.rule for y in replay.violations}
    assert x.to_json()["schedule"] == list(x.schedule)


@pytest.mark.parametrize("method", ["auto", "z3"])
def test_adding_the_order_makes_it_valid(onboarding, method):
    spec, p01, _ = onboarding
    plan = parse_plan((ONBOARDING / "plans" / "p01-ordered.json").read_text())
    v = _check(spec, p01, plan, method=method)
    assert v.status == "valid" and not v.violations
    assert "every-schedule" in v.checks


def test_cli_refuses_then_certifies(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["validate", str(ONBOARDING), "p01",
                              str(ONBOARDING / "plans" / "p01-parallel.json"), "--json"])
    assert bad.exit_code == 1, bad.output
    out = json.loads(bad.output)
    assert out["status"] == "invalid" and out["certificate"] is None
    (x,) = out["violations"]
    assert x["kind"] == "interleaving" and x["rule"] == "check-before-account"
    assert x["schedule"][0] == "account" and "(has-account alice)" in x["state"]
    good = runner.invoke(app, ["validate", str(ONBOARDING), "p01",
                               str(ONBOARDING / "plans" / "p01-ordered.json"), "--json"])
    assert good.exit_code == 0, good.output
    cert = json.loads(good.output)["certificate"]
    assert cert is not None and "every-schedule" in cert["checks"]
    text = runner.invoke(app, ["validate", str(ONBOARDING), "p01",
                               str(ONBOARDING / "plans" / "p01-ordered.json")])
    assert text.exit_code == 0 and f"certificate {cert['id']}" in text.output


def test_state_invariant_over_unordered_steps_needs_z3(onboarding):
    spec, _, p02 = onboarding
    steps = [("check", "run-background-check", ("bob",), ()),
             ("account", "create-account", ("bob",), ("check",)),
             ("training", "complete-training", ("bob",), ("account",)),
             ("payroll", "grant-access", ("bob", "payroll"), ("account",)),
             ("email", "grant-access", ("bob", "email"), ("account",)),
             ("welcome", "send-welcome", ("bob",), ("account",)),
             ("equip", "ship-equipment", ("bob",), ())]
    v = _check(spec, p02, _plan(*steps))
    assert v.status == "invalid" and "z3" in v.checks
    (x,) = v.violations
    assert x.rule == "training-before-sensitive-access"
    assert x.schedule.index("payroll") < x.schedule.index("training")
    steps[3] = ("payroll", "grant-access", ("bob", "payroll"), ("training",))
    ok = _check(spec, p02, _plan(*steps))
    assert ok.status == "valid" and "z3" in ok.checks  # email vs training: Z3 proves it


def test_an_unsafe_precondition_interleaving(onboarding):
    spec, p01, _ = onboarding
    plan = _plan(("check", "run-background-check", ("alice",), ()),
                 ("account", "create-account", ("alice",), ("check",)),
                 ("wiki", "grant-access", ("alice", "wiki"), ("account",)),
                 ("revoke", "revoke-access", ("alice", "wiki"), ("account",)),
                 ("welcome", "send-welcome", ("alice",), ("account",)))
    for method in ("auto", "z3"):
        v = _check(spec, p01, plan, method=method)
        assert v.status == "invalid"
        x = v.violations[0]
        assert x.kind == "interleaving" and x.rule in ("precondition", "goal")


def test_cycle_is_malformed(onboarding):
    spec, p01, _ = onboarding
    plan = _plan(("a", "run-background-check", ("alice",), ("b",)),
                 ("b", "create-account", ("alice",), ("a",)))
    v = _check(spec, p01, plan)
    assert v.status == "invalid" and v.violations[0].kind == "malformed"


# --- solver hygiene: unknown is its own verdict ---------------------------------------------


def _needs_z3(onboarding):
    spec, _, p02 = onboarding
    return spec, replace(p02, goal=Const(True)), _plan(
        ("check", "run-background-check", ("bob",), ()),
                            ("account", "create-account", ("bob",), ("check",)),
                            ("training", "complete-training", ("bob",), ("account",)),
                            ("email", "grant-access", ("bob", "email"), ("account",)),
                            ("welcome", "send-welcome", ("bob",), ("account",)))


@pytest.mark.parametrize("limits", [dict(rlimit=1), dict(timeout_s=0.0)], ids=["rlimit", "timeout"])
def test_solver_limits_give_unknown_never_valid(onboarding, limits):
    spec, p02, plan = _needs_z3(onboarding)
    assert _check(spec, p02, plan).status == "valid"
    v = _check(spec, p02, plan, **limits)
    assert v.status == "unknown" and not v.valid and v.reason
    seq = Plan(tuple(replace(s, after=()) for s in plan.steps))
    assert _check(spec, p02, seq, **limits).status == "unknown"


def test_z3_is_imported_lazily():
    import subprocess
    import sys

    code = ("import sys, verifier.z3check, verifier.schedules, verifier.analysis, "
            "verifier.strategies, engine.commands; print('z3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# --- partial orders against brute force -----------------------------------------------------


def _every_schedule_valid(checker: Checker, plan: Plan) -> bool:
    return all(checker.check(seq).valid for seq in ps.schedules(plan, limit=10_000))


def _brute_force_agrees(spec, problem, plan):
    truth = _every_schedule_valid(Checker(problem, policies=spec.policies, access=spec.access),
                                  plan)
    for method in ("auto", "z3"):
        v = _check(spec, problem, plan, method=method)
        assert v.status != "unknown", v.reason
        assert v.valid == truth, (method, v.violations)
        order = PartialOrder(linearize(plan))
        for x in v.violations:
            if x.kind == "interleaving":
                assert order.is_linearization([order.index[i] for i in x.schedule])


def _problems():
    out = []
    for name in SPECS:
        spec = ps.load(ROOT / "specs" / name)
        for pname in list(spec.problems)[:3]:
            out.append((spec, ps.problem(spec, pname)))
    return out


@pytest.fixture(scope="module")
def spec_problems():
    return _problems()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_partial_orders_match_brute_force(spec_problems, data):
    spec, problem = data.draw(st.sampled_from(spec_problems))
    if data.draw(st.booleans()):  # a goal every executable run reaches: more valid plans
        problem = replace(problem, goal=Const(True))
    base = ps.nearly_valid_plans(problem, max_steps=6, respect=spec.policies)
    plan = data.draw(ps.partial_order_plans(problem, base=base))
    _brute_force_agrees(spec, problem, plan)


def test_partial_orders_with_conditional_effects(data_dir):
    spec = ps.load(data_dir / "ipc" / "miconic-simpleadl" / "domain.pddl")
    problem = ps.problem(spec, data_dir / "ipc" / "miconic-simpleadl" / "s1-0.pddl")
    easy = replace(problem, goal=Const(True))

    @settings(max_examples=120, deadline=None, database=None)
    @given(st.sampled_from([problem, easy]).flatmap(
        lambda p: st.tuples(st.just(p), ps.partial_order_plans(
            p, base=ps.nearly_valid_plans(p, max_steps=6)))))
    def run(pair):
        _brute_force_agrees(spec, *pair)

    run()


# --- sequences: the Z3 verdict equals the fast validator's ----------------------------------


def _cross_check(spec, problem, plan):
    """Z3 alone decides (``cross_check=False``: a valid plan never meets the validator)."""
    fast = Checker(problem, policies=spec.policies, access=spec.access).check(plan)
    z3 = Z3Checker(problem, policies=spec.policies, access=spec.access,
                   cross_check=False).check(plan)
    assert z3.status == fast.status, z3.reason
    assert sorted((x.kind, x.rule, x.step) for x in z3.violations) == \
        sorted((x.kind, x.rule, x.step) for x in fast.violations)


def test_disagreement_is_unknown(onboarding, monkeypatch):
    """If the validator and Z3 ever disagreed, the verdict would be unknown, never valid."""
    from verifier.model import Violation

    spec, p01, _ = onboarding
    plan = Plan(tuple(replace(s, after=()) for s in parse_plan(
        (ONBOARDING / "plans" / "p01-ordered.json").read_text()).steps))
    assert Z3Checker(p01, policies=spec.policies).check(plan).status == "valid"
    real = Checker.check

    def lying(self, plan):
        return replace(real(self, plan), status="invalid",
                       violations=(Violation("goal", "pretend"),))

    monkeypatch.setattr(Checker, "check", lying)
    v = Z3Checker(p01, policies=spec.policies).check(plan)
    assert v.status == "unknown" and "disagree" in (v.reason or "")


def _sequences(problem, policies):
    return st.one_of(ps.sequential_plans(problem, max_steps=10),
                     ps.sequential_plans(problem, max_steps=14, executable=True),
                     ps.nearly_valid_plans(problem, max_steps=14),
                     ps.nearly_valid_plans(problem, max_steps=14, respect=policies))


@pytest.mark.parametrize("name", SPECS)
def test_sequences_agree_with_the_validator_on_builtin_specs(name):
    spec = ps.load(ROOT / "specs" / name)
    problems = [ps.problem(spec, p) for p in spec.problems]

    @settings(max_examples=220, deadline=None, database=None)
    @given(st.sampled_from(problems).flatmap(
        lambda p: st.tuples(st.just(p), _sequences(p, spec.policies))))
    def run(pair):
        _cross_check(spec, *pair)

    run()


IPC = [("blocks", "probBLOCKS-4-0.pddl"), ("gripper", "prob01.pddl"),
       ("miconic-simpleadl", "s2-0.pddl"), ("ferry", "p-10locs-5cars.pddl")]


@pytest.mark.parametrize("domain,problem_file", IPC, ids=[d for d, _ in IPC])
def test_sequences_agree_with_the_validator_on_ipc(data_dir, domain, problem_file):
    folder = data_dir / "ipc" / domain
    spec = ps.load(folder / "domain.pddl")
    problem = ps.problem(spec, folder / problem_file)

    @settings(max_examples=120, deadline=None, database=None)
    @given(_sequences(problem, ()))
    def run(plan):
        _cross_check(spec, problem, plan)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("name", SPECS)
def test_sequences_agree_many(name):
    spec = ps.load(ROOT / "specs" / name)
    problems = [ps.problem(spec, p) for p in spec.problems]

    @settings(max_examples=2000, deadline=None, database=None)
    @given(st.sampled_from(problems).flatmap(
        lambda p: st.tuples(st.just(p), _sequences(p, spec.policies))))
    def run(pair):
        _cross_check(spec, *pair)

    run()
