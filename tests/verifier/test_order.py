"""verifier.order.PartialOrder against a brute-force closure, and its cost on long chains.

Descendants and covers are computed without a pass per pair of steps (issue 27: a
4,000-step ``after`` chain spent 23 s transposing ancestor bitsets); the property test pins
them to the definitions on random partial orders, and the Z3 checker's verdicts on small
partial orders stay pinned to brute force over every schedule in test_z3check.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.model import Step
from verifier.order import PartialOrder

ROOT = Path(__file__).resolve().parents[2]


@st.composite
def dags(draw: st.DrawFn) -> list[Step]:
    n = draw(st.integers(1, 12))
    steps = []
    for j in range(n):
        after = draw(st.sets(st.integers(0, j - 1), max_size=j)) if j else set()
        steps.append(Step(f"s{j}", "a", (), None, tuple(f"s{i}" for i in sorted(after))))
    return steps


def _closure(steps: list[Step]) -> set[tuple[int, int]]:
    n = len(steps)
    reach = {(int(d[1:]), j) for j, s in enumerate(steps) for d in s.after}
    for k in range(n):
        for i in range(n):
            for j in range(n):
                if (i, k) in reach and (k, j) in reach:
                    reach.add((i, j))
    return reach


@settings(max_examples=300, deadline=None)
@given(steps=dags(), data=st.data())
def test_ancestors_descendants_and_covers_match_the_definitions(steps, data):
    order = PartialOrder(steps)
    reach = _closure(steps)
    n = len(steps)
    for i in range(n):
        for j in range(n):
            assert order.prec(i, j) == ((i, j) in reach)
            assert bool(order.desc[i] >> j & 1) == ((i, j) in reach)
    subset = data.draw(st.sets(st.integers(0, n - 1)))
    expected = sorted((i, j) for (i, j) in reach if i in subset and j in subset
                      and not any((i, k) in reach and (k, j) in reach for k in subset))
    assert sorted(order.covers(subset)) == expected


def _chain(n: int) -> list[Step]:
    return [Step(f"s{i}", "a", (), None, (f"s{i - 1}",) if i else ()) for i in range(n)]


def test_a_long_chain_is_near_linear():
    """8,000 steps: descendants and covers by one pass over the edges (was ~90 s)."""
    t0 = time.perf_counter()
    order = PartialOrder(_chain(8000))
    covers = order.covers(range(8000))
    took = time.perf_counter() - t0
    assert covers == [(i, i + 1) for i in range(7999)]
    assert order.desc[0] == order.all & ~1 and order.anc[7999] == order.all & ~(1 << 7999)
    assert took < 10.0, f"{took:.1f} s for an 8,000-step chain"


def _devops_fan(n: int, *, rollback: bool = False):  # noqa: ANN202
    """deploy api, then n health checks of it that may run in any order (each one a latest
    writer of ``healthy``), optionally with a rollback among them."""
    from dataclasses import replace

    from verifier import strategies as ps
    from verifier.model import Const, Plan

    spec = ps.load(ROOT / "specs" / "devops")
    problem = replace(ps.problem(spec, "p01"), goal=Const(True))
    steps = [Step("b", "build", ("api",)), Step("t", "test", ("api",), None, ("b",)),
             Step("d", "deploy", ("api", "staging"), None, ("t",))]
    steps += [Step(f"h{i}", "health-check", ("api", "staging"), None, ("d",)) for i in range(n)]
    if rollback:
        steps.append(Step("r", "rollback", ("api", "staging"), None, ("d",)))
    return spec, problem, Plan(tuple(steps))


def test_a_wide_fan_of_same_valued_writers_is_linear_in_the_z3_encoding():
    """1,000 unordered writers that all add the same atom: one B term per writer (the pairs
    took the encoding to Z3's resource limit at 500)."""
    from verifier.z3check import Z3Checker

    spec, problem, plan = _devops_fan(1000)
    t0 = time.perf_counter()
    v = Z3Checker(problem, policies=spec.policies, access=spec.access, method="z3").check(plan)
    assert v.status == "valid", v.reason
    assert time.perf_counter() - t0 < 20.0


def test_small_fans_match_every_schedule():
    from verifier import strategies as ps
    from verifier.validate import Checker
    from verifier.z3check import Z3Checker

    for n in (2, 3):
        for rollback in (False, True):
            spec, problem, plan = _devops_fan(n, rollback=rollback)
            fast = Checker(problem, policies=spec.policies, access=spec.access)
            truth = all(fast.check(seq).valid for seq in ps.schedules(plan, limit=10_000))
            for method in ("auto", "z3"):
                v = Z3Checker(problem, policies=spec.policies, access=spec.access,
                              method=method).check(plan)
                assert v.status != "unknown" and v.valid == truth, (n, rollback, method)
