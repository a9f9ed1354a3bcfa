"""The independent judge (benchmarks/eval/judge.py): its relaxed proofs and greedy best-first
search agree with Fast Downward and with a plain breadth-first search on solvable /
unsolvable, decide long scenarios, and say ``unknown`` at the node bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.eval.judge import drift_of, judge_scenario, search
from benchmarks.eval.run import select
from domains.scenarios import DOMAINS

ROOT = Path(__file__).resolve().parents[2]


def _spec(domain: str):  # type: ignore[no-untyped-def]
    from verifier.spec import load_spec

    return load_spec(ROOT / "specs" / domain)


@pytest.mark.parametrize("domain", DOMAINS)
def test_judge_agrees_with_fast_downward(domain: str) -> None:
    from benchmarks.eval.scenario_planner import SymbolicScenarioPlanner

    spec, fd = _spec(domain), SymbolicScenarioPlanner()
    seen = set()
    for s in select(domain, quick=True, n=None):  # small problems, every failure condition
        problem = s.problem(spec.domain_path)
        forbidden = list(s.blocked_calls)
        mine = search(spec, problem, forbidden=forbidden, max_nodes=50_000)
        ref = fd.solve(spec, problem, forbidden=forbidden, timeout_s=60)
        assert mine.verdict != "unknown", s.id
        assert (mine.verdict == "solvable") == ref.solved, (s.id, mine, ref.status)
        if ref.solved:
            _assert_valid(spec, problem, mine.plan)
            assert not set(mine.plan) & set(forbidden), s.id
        seen.add(mine.verdict)
    assert seen == {"solvable", "unsolvable"}


def _assert_valid(spec, problem, plan) -> None:  # type: ignore[no-untyped-def]
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    text = "".join("(" + " ".join((a, *args)) + ")\n" for a, args in plan)
    verdict = Checker(problem, policies=spec.policies, access=spec.access,
                      describe=spec.describe).check(parse_plan(text, path="<judge>"))
    assert verdict.valid, verdict


def test_judge_replays_a_plan_that_keeps_the_policies() -> None:
    spec = _spec("devops")
    for s in select("devops", quick=True, n=None)[:2]:
        problem = s.problem(spec.domain_path)
        j = search(spec, problem)
        assert j.verdict == "solvable" and j.plan
        _assert_valid(spec, problem, j.plan)


def test_judge_says_unknown_at_its_bound() -> None:
    spec = _spec("devops")
    s = next(x for x in select("devops", quick=True, n=None) if x.failure == "none")
    problem = s.problem(spec.domain_path)
    j = search(spec, problem, max_nodes=3)
    assert j.verdict == "unknown" and j.nodes == 3 and "bound" in j.reason
    assert search(spec, problem, max_nodes=3) == j  # a node bound, not a clock: the same answer


def test_judge_after_the_fault_strikes() -> None:
    spec = _spec("documents")
    for s in select("documents", quick=True, n=None):
        j = judge_scenario(spec, s, s.problem(spec.domain_path), drift=drift_of("documents"))
        if s.failure == "unrecoverable":
            assert j.verdict == "unsolvable" and j.where.startswith("after"), (s.id, j)
        elif s.failure == "permanent-alt":
            assert j.verdict == "solvable" and j.where.startswith("after"), (s.id, j)
            assert not set(j.plan) & set(s.blocked_calls)
        else:
            assert j.verdict == "solvable", (s.id, j)


def _bfs(spec, problem, forbidden=(), max_nodes=20_000):  # type: ignore[no-untyped-def]
    """The judge's former search, kept here as a reference: plain breadth-first search on
    (state, policy memory), ``None`` past ``max_nodes``."""
    from collections import deque

    from benchmarks.eval.judge import _ground_all
    from verifier.progress import PolicyProgress
    from verifier.validate import Checker

    checker = Checker(problem, policies=spec.policies, access=spec.access,
                      describe=spec.describe)
    task, progress = checker.task, PolicyProgress(checker)
    actions = _ground_all(task, spec.access, frozenset(forbidden))
    root = (task.initial_state, progress.start(task.initial_state))
    seen, queue = {root}, deque([root])
    while queue:
        state, mem = queue.popleft()
        if task.goal_test(state) and progress.may_end(mem):
            return True
        if len(seen) > max_nodes:
            return None
        for ga in actions:
            if ga.applicable(state):
                nxt = ga.apply(state)
                m2 = progress.advance(mem, state, nxt)
                if m2 is not None and (nxt, m2) not in seen:
                    seen.add((nxt, m2))
                    queue.append((nxt, m2))
    return False


@pytest.mark.parametrize("domain", DOMAINS)
def test_judge_agrees_with_breadth_first_search_on_small_cases(domain: str) -> None:
    spec, decided = _spec(domain), 0
    for s in select(domain, quick=True, n=None)[:6]:
        problem = s.problem(spec.domain_path)
        ref = _bfs(spec, problem, forbidden=s.blocked_calls)
        if ref is None:
            continue
        mine = search(spec, problem, forbidden=s.blocked_calls)
        assert mine.verdict == ("solvable" if ref else "unsolvable"), (s.id, mine)
        decided += 1
    assert decided >= 3


def test_judge_decides_a_long_scenario_quickly() -> None:
    from benchmarks.eval.fixtures import load_fixtures

    spec = _spec("devops")
    s = next(x for x in load_fixtures("devops") if x.id == "devops-000")
    assert s.steps > 100  # far past any breadth-first search
    problem = s.problem(spec.domain_path)
    j = search(spec, problem)
    assert j.verdict == "solvable" and len(j.plan) >= 100 and j.nodes < 2_000, j.nodes
    _assert_valid(spec, problem, j.plan)
    again = judge_scenario(spec, s, problem, drift=drift_of("devops"))
    assert again.verdict == "solvable" and again.plan == j.plan  # deterministic


def test_a_broken_only_route_is_unsolvable_by_the_relaxed_proof() -> None:
    spec = _spec("devops")
    s = next(x for x in select("devops", quick=True, n=None) if x.failure == "none")
    problem = s.problem(spec.domain_path)
    service, env = next(a[1:] for a in sorted(s.goal) if a[0] == "deployed")
    j = search(spec, problem, forbidden=[("deploy", (service, env))])
    assert j.verdict == "unsolvable" and j.nodes == 0, j
    assert j.reason.startswith("relaxed proof") and f"(deployed {service} {env})" in j.reason
    assert _bfs(spec, problem, forbidden=[("deploy", (service, env))]) is False


def _flat_battery_scenario():  # type: ignore[no-untyped-def]
    """A robot two moves from its item with two battery levels and no charger it can reach:
    every route exists in the domain, but the way back drains the battery where the policy
    ``drain-only-at-charger`` forbids it."""
    import dataclasses

    from benchmarks.eval.fixtures import load_fixtures

    base = load_fixtures("robotics")[0]
    levels = [("next", f"level{i}", f"level{i + 1}") for i in range(4)]
    road = [("connected", x, y) for x, y in ("ab", "ba", "bc", "cb")]
    init = (*levels, *road, ("charger", "d"), ("at", "r1", "a"), ("battery", "r1", "level2"),
            ("free", "r1"), ("item-at", "box", "b"))
    objects = (("r1", "robot"), ("a", "location"), ("b", "location"), ("c", "location"),
               ("d", "location"), ("box", "item"))
    return dataclasses.replace(base, id="robotics-flat", objects=objects, init=init,
                               goal=(("item-at", "box", "a"),),
                               goal_pddl="(and (item-at box a))", faults={},
                               blocked_calls=())


def test_a_policy_only_dead_end_is_unsolvable_by_exhaustive_search() -> None:
    spec = _spec("robotics")
    s = _flat_battery_scenario()
    problem = s.problem(spec.domain_path)
    j = search(spec, problem)
    assert j.verdict == "unsolvable" and j.reason == "every reachable state searched", j
    assert j.nodes > 1
    assert _bfs(spec, problem) is False
    cut = search(spec, problem, max_nodes=1)  # the bound strikes before the space is exhausted
    assert cut.verdict == "unknown"


def test_the_survey_counts_verdicts_against_labels() -> None:
    from benchmarks.eval.judge_survey import survey

    out = survey(["devops"], n=4)
    row = out["domains"]["devops"]
    assert sum(v for k, v in row.items() if k != "seconds") == 4
    assert sum(out["labels"].values()) == 4
    assert "recoverable/unsolvable" not in out["labels"]  # devops' first four: labels hold


def test_an_outage_that_some_route_never_needs_is_recoverable() -> None:
    """robotics-022: the judge's own route spends the battery before it meets the broken
    navigate, so from there no plan exists; a route that never uses the call does, and
    Plansafe completed the scenario in the full run at 52fdb17 (audited, no violation)."""
    from benchmarks.eval.fixtures import load_fixtures

    spec = _spec("robotics")
    s = next(x for x in load_fixtures("robotics") if x.id == "robotics-022")
    assert s.failure == "permanent-alt"
    j = judge_scenario(spec, s, s.problem(spec.domain_path), drift=drift_of("robotics"))
    assert j.verdict == "solvable" and j.where.startswith("around ("), j
    assert "finds unsolvable" in j.reason
    assert not set(j.plan) & set(s.blocked_calls)


def test_the_survey_refuses_an_unknown_domain_with_exit_2(capsys) -> None:  # noqa: ANN001
    from benchmarks.eval.judge_survey import main

    with pytest.raises(SystemExit) as e:
        main(["--domains", "devops,nosuch"])
    assert e.value.code == 2
    assert "unknown nosuch (known: devops, documents, robotics)" in capsys.readouterr().err
