"""Memory of past runs (engine/memory.py): outcomes read from the journal, the cost model, costs
compiled into the PDDL Fast Downward gets, and the Engine's ``memory`` option."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.journal import Journal, MemoryJournal, open_journal
from engine.memory import CostModel, JournalMemory, Memory, Outcomes, read_memory
from verifier.spec import Spec, load_spec

ROUTES = Path(__file__).resolve().parents[2] / "benchmarks" / "scenarios" / "memory_routes"


@pytest.fixture(scope="module")
def routes() -> Spec:
    return load_spec(ROUTES)


def _start(j: Journal, run: str, spec_name: str = "memory-routes") -> None:
    j.append(run, "run-started", {"spec_name": spec_name, "problem": "p01"})


def _call(j: Journal, run: str, step: str, action: str, args: list[str], status: str,
          ms: float | None = 1.0, attempt: int = 1, **extra: Any) -> None:
    j.append(run, "step-intent", {"step": step, "gen": 0, "action": action, "args": args,
                                  "agent": "dispatcher", "attempt": attempt, "key": "k"})
    payload = {"step": step, "gen": 0, "attempt": attempt, "status": status, **extra}
    if ms is not None:
        payload["ms"] = ms
    j.append(run, "step-result", payload)


def _history(j: Journal) -> None:
    """Run r1: the flight of p1 fails, then the truck delivers it; r2: p2 by truck (a retry
    of the load); r3, another spec's run, and r1's crash-recovery record do not count."""
    _start(j, "r1")
    _call(j, "r1", "s1", "fly", ["p1"], "error", ms=5.0, kind="permanent", final=True)
    _call(j, "r1", "r1s1", "load-truck", ["p1"], "ok", ms=10.0)
    _call(j, "r1", "r1s2", "drive", ["p1"], "ok", ms=30.0)
    _start(j, "r2")
    _call(j, "r2", "s1", "load-truck", ["p2"], "error", ms=20.0, kind="transient", final=False)
    _call(j, "r2", "s1", "load-truck", ["p2"], "ok", ms=40.0, attempt=2)
    _call(j, "r2", "s2", "drive", ["p2"], "mismatch", ms=50.0)
    j.append("r2", "step-intent", {"step": "s3", "gen": 0, "action": "drive", "args": ["p9"],
                                   "agent": "dispatcher", "attempt": 1, "key": "k"})  # no result
    _call(j, "r1", "s9", "drive", ["p7"], "ok", ms=None, recovered=True)
    _start(j, "r3", spec_name="devops")
    _call(j, "r3", "s1", "fly", ["p1"], "error")


def test_outcomes_per_ground_action_and_tool(routes: Spec) -> None:
    j = MemoryJournal()
    _history(j)
    m = read_memory(j, routes)
    assert m.runs == 2 and m.has_outcomes
    rows = {s.call: s for s in m.stats()}
    assert list(rows) == ["(drive p1)", "(drive p2)", "(fly p1)", "(load-truck p1)",
                          "(load-truck p2)"]
    fly = rows["(fly p1)"]
    assert (fly.tool, fly.outcomes.calls, fly.outcomes.failures) == ("routes_tools:fly", 1, 1)
    load2 = rows["(load-truck p2)"].outcomes
    assert (load2.calls, load2.failures, load2.failure_rate) == (2, 1, 0.5)
    assert (load2.mean_ms, load2.p95_ms) == (30.0, 40.0)
    assert rows["(drive p2)"].outcomes.failures == 1  # observed effects differ: a failure
    assert m.by_tool["routes_tools:load_truck"] == Outcomes(3, 1, (10.0, 20.0, 40.0))
    assert m.by_tool["routes_tools:fly"].calls == 1  # the devops run's flight is not ours
    js = m.to_json()
    assert js["actions"][2]["failure_rate"] == 1.0 and js["model"]["failure_weight"] == 10.0


def test_cost_model_numbers() -> None:
    tools = {"fly": "t:fly", "drive": "t:drive"}
    m = Memory("s", 1, {("fly", ("p1",)): Outcomes(1, 1, (60_000.0,))},
               {"t:fly": Outcomes(1, 1, (60_000.0,))}, tools)
    p_tool = (1 + 2 * 0.05) / (1 + 2)
    assert m.failure_estimate("drive", ("p1",)) == pytest.approx(0.05)  # never called: m0
    assert m.cost("drive", ("p1",)) == pytest.approx(1.5)
    assert m.failure_estimate("fly", ("p2",)) == pytest.approx(p_tool)  # the tool's record
    p_fly = (1 + 2 * p_tool) / 3
    assert m.failure_estimate("fly", ("p1",)) == pytest.approx(p_fly)
    assert m.cost("fly", ("p1",)) == pytest.approx(1 + 10 * p_fly + 1.0)  # 60 s: one step
    assert m.planner_cost("fly", ("p1",)) == round(100 * (2 + 10 * p_fly))
    laplace = Memory("s", 0, {}, {"t:fly": Outcomes(3, 1)}, tools,
                     CostModel(prior_rate=0.5, prior_weight=2.0))
    assert laplace.failure_estimate("fly", ("p5",)) == pytest.approx(2 / 5)  # (f+1)/(n+2)


def test_journal_memory_reads_new_events_and_its_modes(routes: Spec) -> None:
    j = MemoryJournal()
    auto = JournalMemory(j, routes)
    assert auto.costs() is None  # no outcomes for this spec: plan exactly as without memory
    always = JournalMemory(j, routes, enabled=True).costs()
    assert always is not None and always("fly", ("p1",)) == 150
    _start(j, "r1")
    _call(j, "r1", "s1", "fly", ["p1"], "error")
    costs = auto.costs()
    assert costs is not None and costs("fly", ("p3",)) > 2 * costs("drive", ("p3",))
    _call(j, "r1", "s2", "fly", ["p2"], "error")  # read incrementally, after the first read
    assert auto.snapshot().by_tool["routes_tools:fly"].calls == 2
    assert JournalMemory(j, routes, enabled=False).costs() is None


def test_costs_compile_to_action_costs(routes: Spec) -> None:
    from engine.symbolic.compile_pddl import compile_task
    from verifier.spec import load_problem

    prob = load_problem(routes, "p01")
    plain = compile_task(prob, (), routes.access)
    assert plain is not None and "total-cost" not in plain.domain_pddl + plain.problem_pddl
    costed = compile_task(prob, (), routes.access, lambda a, args: 7 if a == "fly" else 3)
    assert costed is not None
    assert ":action-costs" in costed.domain_pddl
    assert "(:functions (total-cost) - number)" in costed.domain_pddl
    assert costed.domain_pddl.count("(increase (total-cost) 7)") == 40
    assert "(= (total-cost) 0)" in costed.problem_pddl
    assert "(:metric minimize (total-cost))" in costed.problem_pddl


def test_fast_downward_minimises_the_costs(routes: Spec) -> None:
    from engine.symbolic.planning import solve
    from verifier.spec import load_problem

    prob = load_problem(routes, "p01")
    plain = solve(prob, policies=(), access=routes.access, timeout_s=60)
    assert plain.plan is not None and [s.action for s in plain.plan.steps] == ["fly"]
    costed = solve(prob, policies=(), access=routes.access, timeout_s=60,
                   costs=lambda a, args: 900 if a == "fly" else 110)
    assert costed.plan is not None and costed.verdict is not None and costed.verdict.valid
    assert [(s.action, s.args) for s in costed.plan.steps] == [("load-truck", ("p1",)),
                                                               ("drive", ("p1",))]
    cheap = solve(prob, policies=(), access=routes.access, timeout_s=60,
                  costs=lambda a, args: 150 if a == "fly" else 110)
    assert cheap.plan is not None and [s.action for s in cheap.plan.steps] == ["fly"]


def test_engine_plans_around_a_failed_flight(routes: Spec, tmp_path: Path) -> None:
    """One run whose flight failed (seed 0: p1's flight fails); the next plan takes the
    truck, with memory=False it still flies; both plans are certified."""
    from engine.api import Engine

    j = open_journal(tmp_path / "j.sqlite")
    _start(j, "r1")
    _call(j, "r1", "s1", "fly", ["p1"], "error")
    with_memory = Engine(routes, journal=j)
    assert with_memory.memory is not None
    planned = with_memory.plan(goal="(delivered p5)")
    assert [s.action for s in planned.plan.steps] == ["load-truck", "drive"]
    assert planned.certificate is not None
    assert planned.planning is not None and planned.planning.memory_runs == 1
    without = Engine(routes, journal=j, memory=False)
    assert without.memory is None
    plain = without.plan(goal="(delivered p5)")
    assert [s.action for s in plain.plan.steps] == ["fly"]
    assert plain.planning is not None and plain.planning.memory_runs is None
    j.close()


def test_memory_reads_a_postgresql_journal(routes: Spec, pg_url: str) -> None:
    j = open_journal(pg_url)
    try:
        _history(j)
        assert [(s.call, s.outcomes.calls, s.outcomes.failures)
                for s in read_memory(j, routes).stats()] == [
            ("(drive p1)", 1, 0), ("(drive p2)", 1, 1), ("(fly p1)", 1, 1),
            ("(load-truck p1)", 1, 0), ("(load-truck p2)", 2, 1)]
    finally:
        j.close()


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from engine.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_stats_plan_and_run_with_memory(routes: Spec, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.chdir(tmp_path)  # no default journal here
    path = tmp_path / "j.sqlite"
    j = open_journal(path)
    _history(j)
    j.close()
    out = _cli("stats", ROUTES, "--journal", path, "--json")
    assert out.exit_code == 0, out.output
    rows = {r["action"] + " " + " ".join(r["args"]): r for r in json.loads(out.output)["actions"]}
    assert rows["fly p1"]["failures"] == 1 and rows["load-truck p2"]["p95_ms"] == 40.0
    assert rows["fly p1"]["cost"] > 2 * rows["drive p1"]["cost"]
    table = _cli("stats", ROUTES, "--journal", path)  # piped: tab-separated
    assert "(fly p1)\troutes_tools:fly\t1\t1\t1.00\t" in table.output
    assert "2 runs of memory-routes" in table.output

    path = tmp_path / "clean.sqlite"  # two runs: the flight failed, the truck never did
    j = open_journal(path)
    for run, parcel in (("r1", "p1"), ("r2", "p2")):
        _start(j, run)
        _call(j, run, "s1", "fly", [parcel], "error")
        _call(j, run, "r1s1", "load-truck", [parcel], "ok")
        _call(j, run, "r1s2", "drive", [parcel], "ok")
    j.close()

    def planned(*extra: str) -> tuple[list[str], Any]:
        res = _cli("plan", ROUTES, "--goal", "(delivered p5)", "--json", *extra)
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        return [s["action"] for s in data["steps"]], data.get("memory")

    assert planned("--journal", str(path)) == (["load-truck", "drive"], {"runs": 2})
    assert planned("--journal", str(path), "--no-memory") == (["fly"], None)
    assert planned() == (["fly"], None)  # no journal here: nothing remembered
    run = _cli("run", ROUTES, "--goal", "(delivered p5)", "--journal", path, "--json",
               "--memory", "--trust-spec")
    assert run.exit_code == 0, run.output
    assert [s["action"] for s in json.loads(run.output)["steps"]] == ["load-truck", "drive"]
    missing = _cli("stats", ROUTES, "--journal", tmp_path / "none.sqlite")
    assert missing.exit_code == 2 and "no journal at" in missing.output
    bad = _cli("plan", ROUTES, "--goal", "(delivered p5)", "--memory", "--journal",
               tmp_path / "none.sqlite")
    assert bad.exit_code == 2 and "no journal at" in bad.output


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_estimates_are_probabilities_and_failures_only_raise_costs(
        f_tool: int, extra_tool: int, f_call: int, extra_call: int) -> None:
    """Every estimate lies in [0, 1]; one more failure (with the calls unchanged) never
    lowers a cost, one more success never raises it."""
    n_call = f_call + extra_call
    n_tool = max(f_tool + extra_tool, n_call)
    f_tool = max(f_tool, f_call)
    tools = {"a": "t"}

    def memory(fc: int, nc: int, ft: int, nt: int) -> Memory:
        return Memory("s", 1, {("a", ("x",)): Outcomes(nc, fc)}, {"t": Outcomes(nt, ft)}, tools)

    m = memory(f_call, n_call, f_tool, n_tool)
    assert 0.0 <= m.failure_estimate("a", ("x",)) <= 1.0
    assert 0.0 <= m.failure_estimate("a", ("y",)) <= 1.0
    worse = memory(f_call + 1, n_call + 1, f_tool + 1, n_tool + 1)
    better = memory(f_call, n_call + 1, f_tool, n_tool + 1)
    assert worse.cost("a", ("x",)) >= m.cost("a", ("x",)) >= better.cost("a", ("x",))
    assert 1 <= m.planner_cost("a", ("x",)) <= 1100
