"""Differential test: on generated plans our verdict equals unified-planning's PlanValidator.

Plans are well-typed ground actions: random walks through applicable actions, walks completed
to the goal by a breadth-first search (or a Fast Downward plan on larger problems), and random
mutations of those (drop, swap, duplicate, insert a well-typed action, truncate), so valid
and invalid plans both occur in quantity. No policies: this is the PDDL semantics alone.
"""

from __future__ import annotations

import functools
import itertools
import random
import warnings
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine.symbolic.planning import solve
from tests.conftest import DATA
from verifier.grounding import GroundAction, Task
from verifier.model import Plan, Problem
from verifier.pddl import read_problem
from verifier.plan_io import plan_from_calls
from verifier.validate import Checker

IPC = DATA / "ipc"
Call = tuple[str, tuple[str, ...]]
Draw = Callable[[int, int], int]  # draw(lo, hi): an integer in [lo, hi]

# (id, domain folder, domain file, problem file, completion: "bfs" or "fd", longest walk)
DOMAINS = [
    ("blocks", "blocks", "domain.pddl", "probBLOCKS-4-0.pddl", "bfs", 14),  # untyped STRIPS
    ("miconic-simpleadl", "miconic-simpleadl", "domain.pddl", "s2-0.pddl", "bfs", 10),
    ("logistics00", "logistics00", "domain.pddl", "problogistics-4-0.pddl", "fd", 8),
    ("elevators-opt08", "elevators-opt08", "p01-domain.pddl", "p01.pddl", "fd", 8),  # subtypes
]
IDS = [d[0] for d in DOMAINS]
BFS_LIMIT = 50_000  # states; past it a walk is left as it is (almost surely invalid)
DETOUR_LIMIT = 3_000  # states searched for the way back from a detour


@dataclass
class Setup:
    name: str
    problem: Problem
    task: Task  # our grounding, for generation only (the Checker grounds separately)
    candidates: list[GroundAction]  # ground actions whose static preconditions hold
    schemas: list[tuple[str, tuple[tuple[str, ...], ...]]]  # (action, objects per parameter)
    completion: str
    max_walk: int
    fd_plan: list[Call] = field(default_factory=list)
    checker: Checker | None = None
    _to_goal: dict[int, list[Call] | None] = field(default_factory=dict)

    def applicable(self, state: int) -> list[GroundAction]:
        return [a for a in self.candidates if a.applicable(state)]

    def search(self, start: int, is_target: Callable[[int], bool], limit: int
               ) -> list[Call] | None:
        """A shortest path from ``start`` to a state where ``is_target`` holds (breadth-first)."""
        parent: dict[int, tuple[int, GroundAction] | None] = {start: None}
        queue = deque([start])
        while queue and len(parent) < limit:
            s = queue.popleft()
            if is_target(s):
                path: list[Call] = []
                while (link := parent[s]) is not None:
                    s, a = link
                    path.append((a.name, a.args))
                path.reverse()
                return path
            for a in self.applicable(s):
                t = a.apply(s)
                if t not in parent:
                    parent[t] = (s, a)
                    queue.append(t)
        return None

    def to_goal(self, state: int) -> list[Call] | None:
        if state not in self._to_goal:
            self._to_goal[state] = self.search(state, self.task.goal_test, BFS_LIMIT)
        return self._to_goal[state]

    def states(self, calls: list[Call]) -> list[int]:
        """States S0..Sn along an executable plan."""
        state = self.task.initial_state
        out = [state]
        for name, args in calls:
            state = self.task.action(name, args).apply(state)
            out.append(state)
        return out


def _static_candidates(task: Task, problem: Problem) -> list[GroundAction]:
    domain = problem.domain
    fluent = {e.atom.pred for a in domain.actions.values() for e in a.effects}
    actions = []
    for schema in domain.actions.values():
        pools = [task.objects_of(t) for t in schema.param_types]
        actions.extend(task.action(schema.name, combo) for combo in itertools.product(*pools))
    pre = 0
    for a in actions:
        pre |= a.pre_pos
    false_static = 0
    for atom in task.atoms_of(pre):
        if atom[0] not in fluent and atom not in problem.init:
            false_static |= task.bit(atom)
    return [a for a in actions if not a.pre_pos & false_static]


@functools.cache
def setup(name: str) -> Setup:
    _, folder, dom, prob, completion, max_walk = next(d for d in DOMAINS if d[0] == name)
    problem = read_problem(IPC / folder / dom, IPC / folder / prob)
    task = Task(problem)
    schemas = [(s.name, tuple(task.objects_of(t) for t in s.param_types))
               for s in problem.domain.actions.values()]
    out = Setup(name, problem, task, _static_candidates(task, problem), schemas, completion,
                max_walk, checker=Checker(problem))
    if completion == "fd":
        result = solve(problem, timeout_s=60.0)
        assert result.plan is not None, result.message
        out.fd_plan = [(s.action, s.args) for s in result.plan.steps]
    return out


# --- plan generation ---------------------------------------------------------------------------


def walk(su: Setup, draw: Draw, state: int, length: int) -> tuple[list[Call], int]:
    calls: list[Call] = []
    for _ in range(length):
        options = su.applicable(state)
        if not options:
            break
        a = options[draw(0, len(options) - 1)]
        calls.append((a.name, a.args))
        state = a.apply(state)
    return calls, state


def random_action(su: Setup, draw: Draw) -> Call:
    """Any well-typed ground action, applicable or not."""
    name, pools = su.schemas[draw(0, len(su.schemas) - 1)]
    return name, tuple(pool[draw(0, len(pool) - 1)] for pool in pools)


def detour(su: Setup, draw: Draw, calls: list[Call]) -> list[Call]:
    """Insert a short walk and a way back to the very same state: the plan stays valid."""
    i = draw(0, len(calls))
    here = su.states(calls)[i]
    out, there = walk(su, draw, here, draw(1, 2))
    back = su.search(there, lambda s: s == here, DETOUR_LIMIT)
    return calls if back is None else calls[:i] + out + back + calls[i:]


def valid_plan(su: Setup, draw: Draw) -> list[Call]:
    """A plan that reaches the goal: a walk completed by search, or Fast Downward's plan,
    with up to two detours."""
    if su.completion == "fd":
        calls = list(su.fd_plan)
    else:
        prefix, state = walk(su, draw, su.task.initial_state, draw(0, su.max_walk))
        rest = su.to_goal(state)
        calls = prefix + rest if rest is not None else prefix
    for _ in range(draw(0, 2)):
        calls = detour(su, draw, calls)
    return calls


def mutate(su: Setup, draw: Draw, calls: list[Call]) -> list[Call]:
    calls = list(calls)
    op = draw(0, 4)
    if op == 0 and calls:  # drop a step
        del calls[draw(0, len(calls) - 1)]
    elif op == 1 and len(calls) > 1:  # swap two steps
        i, j = draw(0, len(calls) - 1), draw(0, len(calls) - 1)
        calls[i], calls[j] = calls[j], calls[i]
    elif op == 2:  # insert a well-typed action
        calls.insert(draw(0, len(calls)), random_action(su, draw))
    elif op == 3 and calls:  # truncate
        calls = calls[:draw(0, len(calls) - 1)]
    elif calls:  # duplicate a step
        i = draw(0, len(calls) - 1)
        calls.insert(i, calls[i])
    return calls


def generate(su: Setup, draw: Draw) -> list[Call]:
    # hypothesis favours small integers, so kind 0 (most often drawn) gives a valid plan
    kind = draw(0, 9)
    if kind <= 4:  # a valid plan, sometimes followed by a short walk from where it ends
        calls = valid_plan(su, draw)
        if kind == 4:
            calls += walk(su, draw, su.states(calls)[-1], draw(1, 3))[0]
        return calls
    if kind <= 7:  # a valid plan with one or two mutations
        calls = valid_plan(su, draw)
        for _ in range(draw(1, 2)):
            calls = mutate(su, draw, calls)
        return calls
    return walk(su, draw, su.task.initial_state, draw(0, su.max_walk))[0]  # a random walk


# --- the two validators ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _up_validator() -> Any:
    import unified_planning.shortcuts as up

    up.get_environment().credits_stream = None
    validator = up.PlanValidator(name="sequential_plan_validator")
    validator.skip_checks = True  # the problem-kind pre-check only warns (elevators' costs)
    return validator


def up_validate(problem: Problem, calls: list[Call]) -> tuple[bool, str | None, int | None]:
    """(valid, failure kind, failing step index) according to unified-planning."""
    from unified_planning.engines import FailedValidationReason, ValidationResultStatus
    from unified_planning.plans import ActionInstance, SequentialPlan

    upp = problem.up_problem
    plan = SequentialPlan([ActionInstance(upp.action(a), tuple(upp.object(o) for o in args))
                           for a, args in calls])
    with warnings.catch_warnings():  # elevators' cost table: "cannot establish whether ..."
        warnings.simplefilter("ignore", UserWarning)
        result = _up_validator().validate(upp, plan)
    if result.status == ValidationResultStatus.VALID:
        return True, None, None
    if result.reason == FailedValidationReason.INAPPLICABLE_ACTION:
        step = len(result.trace) - 1 if result.trace is not None else None
        return False, "precondition", step
    return False, "goal", None


def check_agreement(su: Setup, calls: list[Call]) -> str:
    plan: Plan = plan_from_calls(calls)
    assert su.checker is not None
    verdict = su.checker.check(plan)
    up_valid, up_kind, up_step = up_validate(su.problem, calls)
    shown = " ".join("(" + " ".join((a, *args)) + ")" for a, args in calls)
    assert verdict.status in ("valid", "invalid")
    assert verdict.valid == up_valid, (
        f"{su.name}: ours={verdict.status} "
        f"{[v.message for v in verdict.violations]} up={up_valid} plan={shown}")
    if not up_valid:
        first = verdict.violations[0]
        assert first.kind == up_kind, f"{su.name}: ours={first.message} up={up_kind} {shown}"
        if up_kind == "precondition" and up_step is not None:
            assert first.step == f"s{up_step + 1}", f"{su.name}: {first.message} up={up_step}"
    return verdict.status


def _hypothesis_draw(data: st.DataObject) -> Draw:
    return lambda lo, hi: data.draw(st.integers(lo, hi))


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", IDS)
def test_verdict_equals_unified_planning(data_dir: Path, name: str) -> None:
    """Our verdict equals unified-planning's on every generated plan, and the examples held
    both verdicts in quantity (counted by this test itself, not read from another)."""
    su = setup(name)
    outcomes: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def agrees(data: st.DataObject) -> None:
        status = check_agreement(su, generate(su, _hypothesis_draw(data)))
        event(f"{name}: {status}")
        outcomes[status] += 1

    agrees()
    valid, invalid = outcomes["valid"], outcomes["invalid"]
    assert valid >= 0.15 * (valid + invalid), outcomes
    assert invalid >= 0.15 * (valid + invalid), outcomes


@pytest.mark.slow
@pytest.mark.parametrize("name", IDS)
@settings(max_examples=3000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_verdict_equals_unified_planning_thousands(data_dir: Path, name: str,
                                                   data: st.DataObject) -> None:
    su = setup(name)
    event(f"{name}: {check_agreement(su, generate(su, _hypothesis_draw(data)))}")


@pytest.mark.parametrize("name", IDS)
def test_generator_mix_has_both_verdicts(data_dir: Path, name: str) -> None:
    """The generator itself, seeded: at least a quarter of each verdict (our validator only)."""
    su = setup(name)
    rng = random.Random(1234)
    assert su.checker is not None
    statuses = Counter(su.checker.check(plan_from_calls(generate(su, rng.randint))).status
                       for _ in range(300))
    assert statuses["valid"] >= 75 and statuses["invalid"] >= 75, statuses
