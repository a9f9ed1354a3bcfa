"""The evaluation harness: fixtures, the three systems on tiny scenarios, the audit, the report
and ``plansafe bench``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.eval.fixtures import load_fixtures, quick_subset
from benchmarks.eval.harness import Trace, audit_run
from domains.scenarios import (
    DOMAINS,
    MAX_SIZE,
    Scenario,
    failures_for,
    load_suite,
    save_suite,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("domain", DOMAINS)
def test_fixtures_cover_failures_phrasings_and_sizes(domain: str) -> None:
    suite = load_fixtures(domain)
    assert len(suite) >= 100
    assert len({s.id for s in suite}) == len(suite)
    assert {s.failure for s in suite} == set(failures_for(domain))
    assert {s.phrasing for s in suite} == {"plain", "pddl"}
    hi = MAX_SIZE.get(domain, 200)  # robotics stops at 120 steps (planner time)
    sizes = [s.size for s in suite]
    assert min(sizes) <= 6 and max(sizes) >= 0.75 * hi
    steps = [s.steps for s in suite if s.steps]
    assert min(steps) <= 10 and max(steps) >= 0.5 * hi
    for s in suite:
        if s.failure == "unrecoverable":
            assert bool(s.blocked_calls) != bool(s.blocking), s.id
        if s.failure == "permanent-alt":
            assert s.blocked_calls and s.outage, s.id
        if s.failure in ("transient", "external", "permanent-alt", "unrecoverable") \
                and not s.blocking:
            assert s.fault_plan().active, s.id


def test_fixtures_round_trip(tmp_path: Path) -> None:
    suite = load_fixtures("documents")[:10]
    save_suite(suite, tmp_path / "x.jsonl")
    assert load_suite(tmp_path / "x.jsonl") == suite


@pytest.mark.parametrize("domain", DOMAINS)
def test_quick_subset_has_every_failure(domain: str) -> None:
    quick = quick_subset(load_fixtures(domain), per_failure=1, max_steps=25)
    assert {s.failure for s in quick} == set(failures_for(domain))
    assert all(s.steps <= 25 for s in quick)


@pytest.mark.parametrize("domain", DOMAINS)
def test_quick_subset_has_a_formal_goal(domain: str) -> None:
    suite = load_fixtures(domain)
    quick = quick_subset(suite, per_failure=1, max_steps=25)
    formal = [s for s in quick if s.phrasing == "pddl"]
    assert len(formal) == 1 and formal[0].steps > 0 and formal[0].goal_text.startswith("(")
    smallest = min((s.steps, s.id) for s in suite if s.phrasing == "pddl" and 0 < s.steps <= 25)
    assert (formal[0].steps, formal[0].id) == smallest
    assert len({s.id for s in quick}) == len(quick)  # not picked twice
    assert quick_subset(suite, per_failure=1, max_steps=25, pddl=0) == \
        [s for s in quick if s is not formal[0]]


def _smallest(domain: str, failure: str, phrasing: str = "pddl") -> Scenario:
    pool = [s for s in load_fixtures(domain) if s.failure == failure and s.phrasing == phrasing
            and (s.steps or failure == "unrecoverable") and not s.world]  # the model's world
    return min(pool, key=lambda s: (s.steps, s.id))


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from benchmarks.eval.systems import Bench

    return Bench(tmp_path_factory.mktemp("bench"), planner="symbolic")


def test_rule_based_runs_a_tiny_scenario(bench) -> None:  # type: ignore[no-untyped-def]
    o = bench.run("rule-based", _smallest("devops", "none"))
    assert o.status == "completed" and o.goal_reached and o.violations == 0
    assert o.tool_calls > 0 and o.messages == 2 * o.tool_calls


def test_single_agent_runs_a_tiny_scenario(bench) -> None:  # type: ignore[no-untyped-def]
    o = bench.run("single-agent", _smallest("documents", "none"))
    assert o.status in ("completed", "stopped"), o.note
    assert o.tokens > 0 and o.messages >= 2


def test_plansafe_completes_and_recovers(bench) -> None:  # type: ignore[no-untyped-def]
    o = bench.run("plansafe", _smallest("documents", "permanent-alt"))
    assert o.status == "completed" and o.goal_reached, o.explanation
    assert o.violations == 0 and o.replans >= 1


@pytest.mark.parametrize("kind", ["outage", "blocked-goal"])
def test_plansafe_stops_an_unrecoverable_scenario_with_the_cause(  # type: ignore[no-untyped-def]
        bench, kind: str) -> None:
    pool = [s for s in load_fixtures("devops") if s.failure == "unrecoverable"
            and s.phrasing == "pddl" and bool(s.blocking) == (kind == "blocked-goal")]
    s = min(pool, key=lambda s: (len(s.goal), s.steps, s.id))
    o = bench.run("plansafe", s)
    assert o.status == "stopped" and not o.goal_reached
    assert o.violations == 0
    assert o.explanation_ok, o.explanation


def test_audit_counts_a_violation_made_by_a_step() -> None:
    from verifier.spec import load_spec

    spec = load_spec(ROOT / "specs" / "devops")
    s = _smallest("devops", "none")
    problem = s.problem(spec.domain_path)
    svc = next(o for o, t in s.objects if t == "service")
    init = frozenset(problem.init) | {("built", svc)}
    deployed = init | {("deployed", svc, "staging")}  # deployed before tested
    trace = Trace([init, deployed], [f"(deploy {svc} staging)"])
    v = audit_run(spec, problem, trace, deployed, claimed_done=False)
    assert v.violations >= 1 and "test-before-deploy" in v.rules


def test_audit_keeps_a_late_effect_apart_from_the_next_call(tmp_path: Path) -> None:
    """``(test svc)`` takes effect late, just before the next call ``(deploy svc staging)``:
    the world was tested before the deploy acted, so the audit must not see one step that
    made both (a test-before-deploy violation that never happened)."""
    import asyncio
    import importlib

    from benchmarks.eval.harness import Audit, audited_tools
    from domains.base import RunInfo, ToolContext
    from engine.tools import call_tool
    from verifier.spec import load_spec

    spec = load_spec(ROOT / "specs" / "devops")
    s = _smallest("devops", "none")
    problem = s.problem(spec.domain_path)
    svc = next(o for o, t in s.objects if t == "service")
    init = frozenset(problem.init) | {("built", svc)}
    world = str(tmp_path / "world.sqlite")
    faults = {"seed": 1, "schedule": [{"kind": "late-effect", "action": "test", "nth": 1}]}
    audit = Audit()
    fns = audited_tools(spec.tools, audit)
    audit.start("r1", init)
    pack = importlib.import_module(spec.tools["test"].partition(":")[0])
    pack.setup(RunInfo("r1", spec.domain, dict(problem.objects), init, world, faults))
    for i, (action, args) in enumerate((("test", (svc,)), ("deploy", (svc, "staging")))):
        ctx = ToolContext("r1", f"t{i}", None, f"r1/t{i}", action, args, 1, 5.0, world)
        asyncio.run(call_tool(fns[action], ctx, timeout_s=5.0))
    trace = audit.trace("r1")
    assert ("tested", svc) in trace.states[-2] and ("deployed", svc, "staging") not in \
        trace.states[-2]
    v = audit_run(spec, problem, trace, trace.states[-1], claimed_done=False)
    assert v.violations == 0, v.rules


def _synthetic() -> list[dict]:
    rows = []
    for system in ("rule-based", "single-agent", "plansafe"):
        for i, failure in enumerate(("none", "transient", "external", "unrecoverable")):
            ok = system == "plansafe" or i % 2 == 0
            rows.append({"system": system, "scenario": f"devops-{i:03d}", "domain": "devops",
                         "failure": failure, "size": 10, "steps_ref": 9, "phrasing": "pddl",
                         "status": "completed" if ok else "stopped",
                         "goal_reached": ok and failure != "unrecoverable",
                         "violations": 0 if system == "plansafe" else i % 2, "rules": [],
                         "explanation": "", "explanation_ok": (ok if failure == "unrecoverable"
                                                               else None),
                         "total_s": 0.1 * (i + 1), "planning_s": 0.05, "messages": 10,
                         "tokens": 5, "tool_calls": 5, "tool_errors": 0, "replans": 0,
                         "plans_blocked": 1, "unsafe_blocked": 1, "unsafe_plans_executed": 0,
                         "loop": False, "note": ""})
    return rows


def test_report_writes_json_markdown_and_charts(tmp_path: Path) -> None:
    from benchmarks.eval.report import write_report

    write_report(_synthetic(), tmp_path, meta={"date": "2026-01-01", "device": {"summary": "x"},
                                               "wall_s": 1.0, "command": "test"})
    report = json.loads((tmp_path / "report.json").read_text())
    for name in ("rule-based", "single-agent", "plansafe"):
        d = report["systems"][name]
        for key in ("completion_rate", "recovery_rate", "mttr_s", "messages_per_task",
                    "violations_executed"):
            assert key in d
    assert report["systems"]["plansafe"]["completion_rate"] == 1.0
    assert report["targets"]["violations_executed==0"] is True
    md = (tmp_path / "report.md").read_text()
    assert "| **plansafe** |" in md and "completion_by_failure.png" in md
    for png in ("completion_by_failure.png", "recovery.png", "latency.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_full_set_is_defined_and_started_longest_first() -> None:
    from benchmarks.eval.fixtures import load_fixtures as fixtures
    from benchmarks.eval.pool import estimated_cost
    from benchmarks.eval.run import FULL_PER_DOMAIN, _jobs, _set_text

    systems = ["rule-based", "single-agent", "plansafe", "plansafe-no-model"]
    jobs, order = _jobs(["devops", "robotics"], systems, lambda m: None, quick=False,
                        n=FULL_PER_DOMAIN, ids=())
    assert len(jobs) == 2 * FULL_PER_DOMAIN * len(systems) and sorted(order) == sorted(jobs)
    assert {sid for _d, sid, _s in jobs} == {s.id for d in ("devops", "robotics")
                                             for s in fixtures(d)[:FULL_PER_DOMAIN]}
    by_id = {s.id: s for d in ("devops", "robotics") for s in fixtures(d)}
    costs = [estimated_cost(system, len(by_id[sid].objects), by_id[sid].steps)
             for _d, sid, system in order]
    assert costs == sorted(costs, reverse=True) and costs[0] > costs[-1] >= 0
    assert order[0][2] == "single-agent"  # its six beam searches: the longest runs
    assert "defined full set" in _set_text(quick=False, n=FULL_PER_DOMAIN, ids=())
    assert _set_text(quick=False, n=100, ids=()) == "all scenarios of each domain"


def test_outcomes_carry_cpu_time(bench) -> None:  # type: ignore[no-untyped-def]
    o = bench.run("plansafe", _smallest("documents", "none"))
    assert o.goal_reached and o.cpu_s > 0 and o.to_json()["cpu_s"] == round(o.cpu_s, 4)


def test_cli_bench_help() -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    r = CliRunner().invoke(app, ["bench", "--help"])
    assert r.exit_code == 0 and "--quick" in r.output


def test_cli_bench_tiny_run(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    r = CliRunner().invoke(app, ["bench", "--quick", "--n", "1", "--domains", "devops",
                                 "--systems", "rule-based,plansafe", "--planner", "symbolic",
                                 "--no-scorecard", "--out", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout[r.stdout.index("{"):])
    assert set(out["systems"]) == {"rule-based", "plansafe"}
    assert (tmp_path / "report.json").is_file() and (tmp_path / "report.md").is_file()
    assert (tmp_path / "latency.png").is_file()


def test_ablation_without_monitor_stops_where_plansafe_replans(  # type: ignore[no-untyped-def]
        bench) -> None:
    s = _smallest("documents", "permanent-alt")
    o = bench.run("plansafe-no-monitor", s)
    assert o.system == "plansafe-no-monitor" and o.replans == 0
    assert o.status == "stopped" and not o.goal_reached and o.violations == 0
    assert o.judged == "solvable" and not o.expect_stop  # the judge: a route exists


def test_outcomes_carry_the_judge_and_the_world(bench) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.eval.run import select

    s = next(x for x in select("documents", quick=True, n=None) if x.failure == "unrecoverable")
    o = bench.run("rule-based", s)
    assert o.judged == "unsolvable" and o.expect_stop and o.world == s.world
    assert o.explanation_ok is not None


def test_report_has_the_world_differs_table_and_budgets(tmp_path: Path) -> None:
    from benchmarks.eval.report import write_report
    from benchmarks.eval.systems import BUDGETS

    rows = _synthetic()
    for i, r in enumerate(rows):
        r["world"] = ("lost-effect", "", "hidden-precondition", "")[i % 4]
        r["expect_stop"] = r["failure"] == "unrecoverable"
        r["judged"] = "unsolvable" if r["expect_stop"] else "solvable"
    abl = [dict(r, system="plansafe-no-monitor") for r in rows if r["system"] == "plansafe"]
    write_report(rows + abl, tmp_path, meta={"date": "2026-01-01", "device": {"summary": "x"},
                                             "wall_s": 1.0, "command": "test",
                                             "budgets": BUDGETS}, with_charts=False)
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["systems"]["plansafe"]["by_world"]) == {"lost-effect",
                                                              "hidden-precondition", "model"}
    md = (tmp_path / "report.md").read_text()
    assert "## World differs" in md and "| plansafe-no-monitor |" in md
    assert "| **plansafe-no-monitor** |" in md and "### Budgets" in md
    assert BUDGETS["single-agent"] in md
