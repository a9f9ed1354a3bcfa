"""A small exact planner for tests: breadth-first search over (state, policy monitors).

It keeps the runtime tests independent of the external planning engines (and fast: no
subprocess per plan). It is complete for the small problems the tests use and returns
shortest plans; its verdict still goes through the verifier like any Planner's.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from engine.symbolic.planning import PlanResult
from verifier.access import AccessRules
from verifier.model import (
    Always,
    AtMostOnce,
    Plan,
    Problem,
    Provenance,
    Sometime,
    SometimeAfter,
    SometimeBefore,
    Step,
)
from verifier.policy import Policy
from verifier.validate import Checker

__all__ = ["bfs_planner", "counting"]


def _monitor_step(cs: Sequence[Any], mon: tuple[Any, ...], state: int, first: bool
                  ) -> tuple[Any, ...] | None:
    """Advance every constraint's monitor by one state; None if one is violated for good."""
    out = []
    for c, m in zip(cs, mon, strict=False):
        op = c.constraint.op
        t = bool(c.trigger(state))
        if isinstance(op, Always):
            if not t:
                return None
            out.append(0)
        elif isinstance(op, Sometime):
            out.append(m or t)
        elif isinstance(op, AtMostOnce):
            runs, prev = m
            if t and not prev:
                runs += 1
                if runs > 1:
                    return None
            out.append((runs, t))
        elif isinstance(op, SometimeBefore):
            if t and not m:
                return None
            out.append(m or bool(c.required(state)))
        elif isinstance(op, SometimeAfter):
            r = bool(c.required(state))
            out.append(False if r else (m or t))
    return tuple(out)


def _initial(cs: Sequence[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for c in cs:
        op = c.constraint.op
        out.append((0, False) if isinstance(op, AtMostOnce) else (0 if isinstance(op, Always)
                                                                  else False))
    return tuple(out)


def _accepting(cs: Sequence[Any], mon: tuple[Any, ...]) -> bool:
    for c, m in zip(cs, mon, strict=False):
        op = c.constraint.op
        if isinstance(op, Sometime) and not m:
            return False
        if isinstance(op, SometimeAfter) and m:
            return False
    return True


def bfs_planner(problem: Problem, *, policies: Sequence[Policy] = (), access: Any = None,
                describe: Mapping[str, str] | None = None, timeout_s: float = 30.0,
                max_nodes: int = 200_000) -> PlanResult:
    start = time.perf_counter()
    access = access or AccessRules.default(problem.domain)
    checker = Checker(problem, policies=policies, access=access, describe=describe)
    task, cs = checker.task, checker.constraints()
    s0 = task.initial_state
    m0 = _monitor_step(cs, _initial(cs), s0, True)
    if m0 is None:
        return PlanResult("unsolvable-proven", None, None, "bfs", 0.0,
                          "policies broken in the initial state")
    actions = [ga for schema in problem.domain.actions.values()
               for ga in _groundings(task, schema) if access.permitted(ga.name, ga.args)]
    frontier: deque[tuple[int, tuple[Any, ...], tuple[int, ...]]] = deque([(s0, m0, ())])
    seen = {(s0, m0)}
    while frontier:
        if time.perf_counter() - start > timeout_s or len(seen) > max_nodes:
            return PlanResult("timeout", None, None, "bfs", time.perf_counter() - start,
                              "search limit reached")
        state, mon, path = frontier.popleft()
        if task.goal_test(state) and _accepting(cs, mon):
            steps = tuple(Step(f"s{i}", actions[k].name, actions[k].args,
                               access.permitted(actions[k].name, actions[k].args)[0])
                          for i, k in enumerate(path, 1))
            plan = Plan(steps, Provenance("symbolic", 0, 0, time.perf_counter() - start, "bfs"))
            verdict = checker.check(plan)
            if verdict.valid:
                return PlanResult("solved", verdict.plan or plan, verdict, "bfs",
                                  time.perf_counter() - start)
        for k, ga in enumerate(actions):
            if not ga.applicable(state):
                continue
            nxt = ga.apply(state)
            m = _monitor_step(cs, mon, nxt, False)
            if m is None or (nxt, m) in seen:
                continue
            seen.add((nxt, m))
            frontier.append((nxt, m, (*path, k)))
    return PlanResult("unsolvable-proven", None, None, "bfs", time.perf_counter() - start,
                      "no plan exists under the policies and access rules")


def _groundings(task: Any, schema: Any) -> list[Any]:
    import itertools

    pools = [task.objects_of(t) for t in schema.param_types]
    return [task.action(schema.name, combo) for combo in itertools.product(*pools)]


class counting:  # noqa: N801 - used like a function
    """Wrap a planner and count its calls."""

    def __init__(self, planner: Any) -> None:
        self.planner, self.calls = planner, 0

    def __call__(self, problem: Problem, **kw: Any) -> PlanResult:
        self.calls += 1
        return self.planner(problem, **kw)
