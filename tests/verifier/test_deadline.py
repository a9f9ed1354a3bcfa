"""verifier.deadline: one deadline for a command, checked by every phase that may take long.

Each phase is driven here under a deadline that has already passed, and must stop with a
:class:`DeadlineExceeded` naming it: reading, grounding, compiling, search, checking and the
Z3 encoding; without a deadline the same code runs to its end.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from verifier import strategies as ps
from verifier.deadline import (
    Deadline,
    DeadlineExceeded,
    Ticker,
    checkpoint,
    current,
    seconds_left,
    within,
)
from verifier.errors import PlansafeError
from verifier.model import Plan, Step

ROOT = Path(__file__).resolve().parents[2]
DEVOPS = ROOT / "specs" / "devops"


def _passed() -> Deadline:
    return Deadline(time.monotonic() - 1.0, 2.0)


def _phase(fn, *args, **kwargs) -> str:  # noqa: ANN001
    with within(_passed()), pytest.raises(DeadlineExceeded) as info:
        fn(*args, **kwargs)
    err = info.value
    assert isinstance(err, PlansafeError)
    assert f"phase: {err.phase}" in str(err) and "2 s limit" in str(err), str(err)
    return err.phase


def test_deadline_basics():
    assert current() is None
    checkpoint("reading")  # no deadline: nothing happens
    assert seconds_left(7.0) == 7.0
    with within(10.0) as d:
        assert d is current() and d is not None and 9.0 < d.left() <= 10.0
        assert seconds_left(3.0) == 3.0 and seconds_left(60.0) <= 10.0
        with within(100.0) as inner:  # a nested deadline never extends the outer one
            assert inner is d
        with within(1.0) as inner:
            assert inner is not None and inner.at < d.at
        assert current() is d
        with within(None) as same:
            assert same is d
    assert current() is None
    with pytest.raises(PlansafeError):
        Deadline.after(0)
    with within(_passed()), pytest.raises(DeadlineExceeded, match="phase: search"):
        checkpoint("search")


def test_ticker_looks_at_the_clock_every_n_calls():
    with within(_passed()):
        tick = Ticker("grounding", every=3)
        tick()
        tick()
        with pytest.raises(DeadlineExceeded, match="grounding"):
            tick()
    Ticker("grounding", every=1)()  # no deadline open: never raises


def test_reading_stops():
    from verifier.plan_io import parse_plan

    text = "".join(f"(deploy svc{i} prod)\n" for i in range(10_000))
    assert len(parse_plan(text).steps) == 10_000
    assert _phase(parse_plan, text) == "reading"


def test_grounding_stops():
    from verifier.grounding import Task
    from verifier.validate import Checker

    spec = ps.load(DEVOPS)
    big = _with_services(ps.problem(spec, "p03"), 400)
    task = Task(big)
    assert _phase(lambda: list(task.applicable_actions(task.initial_state))) == "grounding"
    assert _phase(lambda: Checker(big, policies=spec.policies).constraints()) == "grounding"


def _with_services(problem, n):  # noqa: ANN001, ANN202
    from dataclasses import replace

    objects = dict(problem.objects)
    objects.update({f"svc{i}": "service" for i in range(n)})
    return replace(problem, objects=objects)


def test_compiling_stops():
    from engine.symbolic.compile_pddl import compile_task

    spec = ps.load(DEVOPS)
    problem = ps.problem(spec, "p01")
    assert compile_task(problem, spec.policies, spec.access) is not None
    assert _phase(compile_task, problem, spec.policies, spec.access) == "compiling"


def test_search_gets_what_is_left_and_stops(monkeypatch):
    import engine.symbolic.fast_downward as fd
    from engine.symbolic.planning import solve

    given: list[float] = []

    def slow_engine(domain, problem, *, timeout_s, search=None):  # noqa: ANN001, ANN202
        given.append(timeout_s)
        time.sleep(timeout_s)
        return "timeout", [], f"no plan within {timeout_s:g} s"

    monkeypatch.setattr(fd, "run_fast_downward", slow_engine)
    spec = ps.load(DEVOPS)
    problem = ps.problem(spec, "p01")
    t0 = time.monotonic()
    with within(1.5), pytest.raises(DeadlineExceeded, match="phase: search"):
        solve(problem, policies=spec.policies, access=spec.access, timeout_s=60.0)
    assert given and given[0] <= 1.5  # the engine was given what was left, not 60 s
    assert time.monotonic() - t0 < 1.5 + 3.0
    # no command deadline: the engine's own timeout is a plan status, as before
    assert solve(problem, policies=spec.policies, access=spec.access,
                 timeout_s=0.2).status == "timeout"


def test_z3_encoding_stops():
    from verifier.z3check import Z3Checker

    spec = ps.load(DEVOPS)
    problem = ps.problem(spec, "p03")
    steps = (Step("b", "build", ("api",)), Step("t", "test", ("api",), None, ("b",)),
             Step("w", "build", ("web",)))
    checker = Z3Checker(problem, policies=spec.policies, access=spec.access)
    assert checker.check(Plan(steps)).status in ("valid", "invalid")
    # the fast validator's pass over every constraint comes first, then the encoding
    assert _phase(checker.check, Plan(steps)) == "checking"
    from verifier.planmodel import PlanModel
    from verifier.validate import linearize

    ordered = linearize(Plan(steps))
    assert ordered is not None
    PlanModel(checker.checker.task, ordered, spec.policies)
    assert _phase(PlanModel, checker.checker.task, ordered, spec.policies) == "encoding"
