"""An independent judge: is a scenario solvable, and is it still solvable after its fault?

The judge decides by a plain breadth-first search over the grounded task, written here for
the judge alone. It does NOT use Plansafe's planners (nothing from ``engine/``: no Fast
Downward, no unified-planning compilation, no Monitor/Replanner). What it shares with
Plansafe is the verifier's reading of the spec:

- :class:`verifier.grounding.Task` (the PDDL problem grounded to bitmask actions),
- :class:`verifier.validate.Checker` and :class:`verifier.progress.PolicyProgress` (the
  policies judged step by step, so a plan counts only if it keeps every policy), and
- the spec's access rules (``access.permitted``): an action no agent may perform is skipped.

A search node is ``(state, policy memory)``; the goal is reached when the goal formula holds
and the policies allow the plan to end there. The search stops after ``max_nodes``
expanded nodes (or ``max_seconds``) and then answers ``unknown`` (never a guess).

"After the fault strikes": the judge plans its own shortest fault-free plan, walks it until
the first call the fault hits (a permanently broken call, or the call before which the
world drifts), changes the world there as the simulator would, and searches again from that
state (with the broken calls forbidden and the policy memory of the prefix kept). A
scenario whose search finds no plan stays in the suite: its right outcome is a stop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from verifier.model import GroundAtom, Problem

__all__ = ["Judgement", "Verdict", "search", "judge_scenario", "drift_of", "MAX_NODES",
           "JUDGE_MAX_STEPS"]

Verdict = Literal["solvable", "unsolvable", "unknown"]
Call = tuple[str, tuple[str, ...]]
MAX_NODES = 20_000  # expanded nodes per search (bench default; tests pass smaller bounds)
MAX_SECONDS = 10.0  # wall time per search; past it the answer is ``unknown`` too
JUDGE_MAX_STEPS = 25  # the harness does not search scenarios with longer reference plans


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    nodes: int  # nodes expanded
    plan: tuple[Call, ...] = ()  # a shortest plan when solvable
    where: str = "start"  # start | after <call> (where the fault struck)
    reason: str = ""


def _call_key(ga: Any) -> tuple[str, tuple[str, ...]]:
    return (ga.name, tuple(ga.args))


def _ground_all(task: Any, access: Any, forbidden: frozenset[Call]) -> list[Any]:
    import itertools

    out = []
    for schema in task.domain.actions.values():
        pools = [task.objects_of(t) for t in schema.param_types]
        for combo in itertools.product(*pools):
            if (schema.name, combo) in forbidden:
                continue
            if access is not None and not access.permitted(schema.name, combo):
                continue
            out.append(task.action(schema.name, combo))
    return out


def _index_by_precondition(actions: list[Any]) -> tuple[list[Any], dict[int, list[Any]]]:
    """The actions without a positive precondition (always tried), and the others under the
    lowest bit of their positive precondition (tried when that atom holds)."""
    free = [ga for ga in actions if not ga.pre_pos]
    by_bit: dict[int, list[Any]] = {}
    for ga in actions:
        if ga.pre_pos:
            by_bit.setdefault((ga.pre_pos & -ga.pre_pos).bit_length() - 1, []).append(ga)
    return free, by_bit


def _path_to(node: tuple[int, Any],
             parent: dict[tuple[int, Any], tuple[tuple[int, Any], Any] | None]
             ) -> tuple[Call, ...]:
    """The calls that lead from the search's root to ``node``."""
    plan: list[Call] = []
    cur: Any = node
    while parent[cur] is not None:
        prev, ga = parent[cur]  # type: ignore[misc]
        plan.append((ga.name, tuple(ga.args)))
        cur = prev
    return tuple(reversed(plan))


def search(spec: Any, problem: Problem, *, start: frozenset[GroundAtom] | None = None,
           history: Sequence[frozenset[GroundAtom]] = (), forbidden: Sequence[Call] = (),
           max_nodes: int = MAX_NODES, max_seconds: float = MAX_SECONDS) -> Judgement:
    """Breadth-first search for a policy-keeping plan from ``start`` (default: the initial
    state), reached after the states ``history`` (their policy memory is kept)."""
    import time

    from verifier.progress import PolicyProgress
    from verifier.validate import Checker

    checker = Checker(problem, policies=spec.policies, access=spec.access,
                      describe=spec.describe)
    task = checker.task
    progress = PolicyProgress(checker)
    states = [task.mask(s) for s in history] + [task.mask(start if start is not None
                                                          else problem.init)]
    memory = progress.start(states[0])
    for before, after in zip(states, states[1:], strict=False):
        if memory is None:
            break
        memory = progress.advance(memory, before, after)
    if memory is None:
        return Judgement("unsolvable", 0, reason="the history already breaks a policy")
    deadline = time.monotonic() + max_seconds
    actions = _ground_all(task, spec.access, frozenset((a, tuple(x)) for a, x in forbidden))
    free, by_bit = _index_by_precondition(actions)
    root = (states[-1], memory)
    parent: dict[tuple[int, Any], tuple[tuple[int, Any], Any] | None] = {root: None}
    queue = deque([root])
    nodes = 0
    while queue:
        node = queue.popleft()
        state, mem = node
        if task.goal_test(state) and progress.may_end(mem):
            return Judgement("solvable", nodes, _path_to(node, parent))
        if nodes >= max_nodes:
            return Judgement("unknown", nodes, reason=f"node bound {max_nodes} reached")
        if nodes % 256 == 0 and time.monotonic() > deadline:
            return Judgement("unknown", nodes, reason=f"time bound {max_seconds:g} s reached")
        nodes += 1
        cands = list(free)
        rest = state
        while rest:
            low = rest & -rest
            cands += by_bit.get(low.bit_length() - 1, ())
            rest ^= low
        # a fixed order (bit positions follow the grounding, which may follow hash order):
        # the same scenario gets the same reference route in every process
        for ga in sorted(cands, key=_call_key):
            if not ga.applicable(state):
                continue
            nxt = ga.apply(state)
            m2 = progress.advance(mem, state, nxt)
            if m2 is None:
                continue
            child = (nxt, m2)
            if child not in parent:
                parent[child] = (node, ga)
                queue.append(child)
    return Judgement("unsolvable", nodes, reason="every reachable state searched")


def judge_scenario(spec: Any, scenario: Any, problem: Problem, *, drift: Any = None,
                   max_nodes: int = MAX_NODES, max_seconds: float = MAX_SECONDS) -> Judgement:
    """Whether ``scenario`` can still reach its goal once its fault strikes (see module)."""
    from domains.faults import FaultPlan
    from domains.scenarios import states_along

    first = search(spec, problem, max_nodes=max_nodes, max_seconds=max_seconds)
    if first.verdict != "solvable":
        return first
    faults = FaultPlan.from_json(scenario.faults)
    blocked = list(scenario.blocked_calls)
    permanent = [(s.action, tuple(s.args or ())) for s in faults.schedule
                 if s.kind == "permanent"]
    blocked += [c for c in permanent if c not in blocked]
    external = [s for s in faults.schedule if s.kind == "external"]
    plan = list(first.plan)
    states = states_along(problem, plan)
    hit = next((i for i, c in enumerate(plan) if c in set(blocked)), None)
    ext = next((i for i, c in enumerate(plan) for s in external if s.matches(*c)), None)
    if hit is None and ext is None:
        return first  # the judge's own plan never meets the fault
    i = min(x for x in (hit, ext) if x is not None)
    state = states[i]
    if ext is not None and ext == i and drift is not None:
        from domains.scenarios import realized_drift

        add, delete = realized_drift(drift, faults.seed, f"s{i + 1}", plan[i], state)
        state = frozenset((state - delete) | add)
    j = search(spec, problem, start=state, history=states[:i], forbidden=blocked,
               max_nodes=max_nodes, max_seconds=max_seconds)
    call = "(" + " ".join((plan[i][0], *plan[i][1])) + ")"
    return Judgement(j.verdict, first.nodes + j.nodes, j.plan, f"after {call}", j.reason)


def drift_of(domain: str) -> Any:
    """The pack's drift (how its world changes by itself), or None."""
    import importlib

    tools = importlib.import_module(f"domains.{domain}.tools")
    return getattr(tools.SIMULATOR, "drift", None)

