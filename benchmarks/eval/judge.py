"""An independent judge: is a scenario solvable, and is it still solvable after its fault?

The judge decides by its own search over the grounded task, written here for the judge
alone. It does NOT use Plansafe's planners (nothing from ``engine/``: no Fast Downward, no
unified-planning compilation, no Monitor/Replanner, no heuristic of theirs). What it shares
with Plansafe is the verifier's reading of the spec:

- :class:`verifier.grounding.Task` (the PDDL problem grounded to bitmask actions: the
  ground actions' precondition / effect masks and the goal test),
- :class:`verifier.validate.Checker` and :class:`verifier.progress.PolicyProgress` (the
  policies judged step by step, so a plan counts only if it keeps every policy), and
- the spec's access rules (``access.permitted``): an action no agent may perform is skipped.

How it decides (every bound counts expanded nodes, never seconds, so a verdict is the same
on every machine and under any load):

1. A relaxed proof first: ignoring delete effects, negative preconditions, conditions of
   conditional effects and the policies, which atoms can ever hold from the start state
   with the forbidden calls removed, and the ground actions after which an ``always`` rule
   is broken in every state (see 2.)? If a positive goal atom cannot, no plan exists
   (the relaxation only adds behaviour, policies only take it away): ``unsolvable``. The
   proof is used only when the goal is a conjunction of literals (its negative literals are
   ignored, which keeps it sound); for any other goal form it is skipped. Then the same
   with the policies' orderings: a ``sometime-before`` rule whose trigger is one changing
   atom (and static atoms that hold) and whose requirement has not held yet makes that
   requirement a precondition of adding the trigger; atoms a ``sometime`` rule or a
   ``sometime-after`` rule (trigger in the goal) needs must be reachable too.
2. Otherwise a weighted best-first search (``f = g + 2 h``, lazy evaluation, preferred
   operators) over nodes ``(state, policy memory)``, guided by an FF-style relaxed-plan
   heuristic computed here (from the same relaxation, with the policies' orderings and
   ``always`` rules as guidance; a node is pruned as a dead end only when the plain
   relaxation, less the actions the ``at-most-once`` memory forbids from then on, cannot
   reach the goal, which is sound). Ground actions after which an ``always`` rule is broken
   in every state are left out (sound too). It keeps a closed set, so on the finite space it
   is complete: when every reachable node has been expanded it answers ``unsolvable``. A
   goal is reached when the goal formula holds and the policies allow the plan to end there.
   After ``max_nodes`` expanded nodes it answers ``unknown`` (never a guess). Its plans are
   valid, not necessarily shortest.

Two more sound proofs come before the search: a goal literal an ``always`` policy forbids in
every state where the goal holds (its atoms fixed by the goal or static), and a negative goal
literal that a ``sometime-after`` policy needs true once the goal holds.

"After the fault strikes": the judge plans its own fault-free plan (from 2., so not
necessarily a shortest one), walks it until the first call the fault hits (a permanently
broken call, or the call before which the world drifts), changes the world there as the
simulator would, and searches again from that state (with the broken calls forbidden and
the policy memory of the prefix kept). When that search finds no plan after a broken call,
the judge also searches from the start with the broken calls forbidden: the judge's own
route may have stranded itself on the way (a robot's battery spent before the outage is
met), and an outage that some route never needs is recoverable (``solvable``, where
``around <call>``). A scenario whose searches find no plan stays in the
suite: its right outcome is a stop. A plan of the judge that never meets the fault leaves
the scenario ``solvable``. Where the fault strikes depends on that plan (another valid
plan may meet it elsewhere, or not at all); the plan is deterministic, so the verdict is too.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from benchmarks.eval.judge_relax import (
    Relaxation,
    changing_atoms,
    doomed,
    forbidden_conjunctions,
    policy_bounds,
    policy_guards,
)
from verifier.model import GroundAtom, Problem

__all__ = ["Judgement", "Verdict", "search", "judge_scenario", "drift_of", "relaxed_proof",
           "MAX_NODES"]

Verdict = Literal["solvable", "unsolvable", "unknown"]
Call = tuple[str, tuple[str, ...]]
Node = tuple[int, Any]  # (state, policy memory)
MAX_NODES = 20_000  # expanded nodes per search (the bench's default; tests pass other bounds)
WEIGHT = 2  # f = g + WEIGHT * h: a little depth keeps the search off long plateaus
BOOST = 1000  # pops the preferred-operator queue gets ahead when the heuristic improves


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    nodes: int  # nodes expanded
    plan: tuple[Call, ...] = ()  # a policy-keeping plan when solvable (not always shortest)
    where: str = "start"  # start | after <call> (where the fault struck)
    reason: str = ""


def _call_key(ga: Any) -> tuple[str, tuple[str, ...]]:
    return (ga.name, tuple(ga.args))


def _ground_all(task: Any, access: Any, forbidden: frozenset[Call]) -> list[Any]:
    """Every permitted, not forbidden ground action, in call order (a fixed order: bit
    positions follow the grounding, which may follow hash order)."""
    out = []
    for schema in task.domain.actions.values():
        pools = [task.objects_of(t) for t in schema.param_types]
        for combo in itertools.product(*pools):
            if (schema.name, combo) in forbidden:
                continue
            if access is not None and not access.permitted(schema.name, combo):
                continue
            out.append(task.action(schema.name, combo))
    return sorted(out, key=_call_key)


def _goal_masks(task: Any, problem: Problem) -> tuple[int, int] | None:
    """The goal's (positive, negative) literals; None when it is not a conjunction of them."""
    lits = task.literals(problem.goal, {})
    return None if lits is None else (lits[0], lits[1])


def _goal_breaks_always(checker: Any, goal: tuple[int, int], state: int, lasting: int,
                        static: int) -> str:
    """The id of an ``always`` policy that every goal state breaks (its atoms are all fixed
    by the goal's literals or by atoms no action changes), or a negative goal literal that
    holds for good; "" when neither is shown."""
    from verifier import model as m

    pos, neg = goal
    if neg & state & lasting:
        return f"the goal needs {_shown(checker.task, neg & state & lasting)} false, " \
               f"and no action makes it false"
    fixed = pos | neg | static
    final = pos | (state & static & ~neg)
    for c in checker.constraints():
        if isinstance(c.constraint.op, m.Always) and c.mask >= 0 and not c.mask & ~fixed \
                and not c.trigger(final):
            return f"every state where the goal holds breaks policy {c.constraint.policy.id}"
    return ""


def _shown(task: Any, missing: int) -> str:
    atoms = sorted(task.atoms_of(missing))
    more = f" and {len(atoms) - 3} more" if len(atoms) > 3 else ""
    return ", ".join("(" + " ".join(a) + ")" for a in atoms[:3]) + more


def relaxed_proof(checker: Any, problem: Problem, actions: Sequence[Any], state: int,
                  memory: Any) -> str:
    """Why no plan exists even in the relaxation (see the module), or "" when that is not
    shown (the goal is relaxed-reachable, or not a conjunction of literals)."""
    task = checker.task
    masks = _goal_masks(task, problem)
    if masks is None:
        return ""
    goal = masks[0]
    plain = Relaxation(actions, goal)
    why = _goal_breaks_always(checker, masks, state, plain.lasting, ~changing_atoms(actions))
    if why:
        return f"proof: {why}"
    missing = goal & ~plain.reachable(state)
    if missing:
        return (f"relaxed proof: {_shown(task, missing)} cannot hold even ignoring delete "
                f"effects, with the broken calls and the steps that always break an `always` "
                f"policy removed")
    orderings, extra, final = policy_bounds(checker, memory, actions, state, goal)
    if final & masks[1]:
        return (f"proof: the goal needs {_shown(task, final & masks[1])} false, and a "
                f"sometime-after policy needs it true when the goal holds")
    missing = (goal | extra) & ~Relaxation(actions, goal, orderings=orderings).reachable(state)
    if missing:
        return (f"relaxed proof: {_shown(task, missing)} cannot hold even ignoring delete "
                f"effects, with the policies' orderings kept and the broken calls removed")
    return ""


def _path(node: Node, parent: dict[Node, tuple[Node, Any] | None]) -> list[Call]:
    """The calls that lead from the search's root to ``node``."""
    plan: list[Call] = []
    link = parent[node]
    while link is not None:
        prev, ga = link
        plan.append(_call_key(ga))
        link = parent[prev]
    return plan[::-1]


def _start(spec: Any, problem: Problem, start: frozenset[GroundAtom] | None,
           history: Sequence[frozenset[GroundAtom]]) -> tuple[Any, Any, int, Any]:
    """The checker, the policy progress, the start state and its policy memory (None when
    the history already breaks a policy)."""
    from verifier.progress import PolicyProgress
    from verifier.validate import Checker

    checker = Checker(problem, policies=spec.policies, access=spec.access,
                      describe=spec.describe)
    task, progress = checker.task, PolicyProgress(checker)
    states = [task.mask(s) for s in history]
    states.append(task.mask(start if start is not None else problem.init))
    memory = progress.start(states[0])
    for before, after in zip(states, states[1:], strict=False):
        if memory is None:
            break
        memory = progress.advance(memory, before, after)
    return checker, progress, states[-1], memory


def search(spec: Any, problem: Problem, *, start: frozenset[GroundAtom] | None = None,
           history: Sequence[frozenset[GroundAtom]] = (), forbidden: Sequence[Call] = (),
           max_nodes: int = MAX_NODES) -> Judgement:
    """A policy-keeping plan from ``start`` (default: the initial state), reached after the
    states ``history`` (their policy memory is kept), or a proof that there is none."""
    checker, progress, state, memory = _start(spec, problem, start, history)
    task = checker.task
    if memory is None:
        return Judgement("unsolvable", 0, reason="the history already breaks a policy")
    if task.goal_test(state) and progress.may_end(memory):
        return Judgement("solvable", 0)
    actions = _ground_all(task, spec.access, frozenset((a, tuple(x)) for a, x in forbidden))
    banned = forbidden_conjunctions(checker, actions, state)
    actions = [ga for ga in actions if not doomed(ga, banned)]
    why = relaxed_proof(checker, problem, actions, state, memory)
    if why:
        return Judgement("unsolvable", 0, reason=why)
    reach = Relaxation(actions, None).reachable(state)
    actions = [ga for ga in actions if ga.pre_pos & reach == ga.pre_pos]
    masks = _goal_masks(task, problem)
    goal, goal_neg = masks if masks is not None else (None, 0)
    plain = Relaxation(actions, goal, goal_neg=goal_neg)
    guide = plain
    if goal is not None:
        orderings, extra, _ = policy_bounds(checker, memory, actions, state, goal)
        guide = Relaxation(actions, goal | extra, goal_neg=goal_neg, orderings=orderings,
                           guards=policy_guards(banned))
    return _gbfs(task, progress, (guide, plain), (state, memory), max_nodes)


def _value(relax: tuple[Relaxation, Relaxation], state: int, spent: int
           ) -> tuple[int, frozenset[int]] | None:
    """The heuristic value and preferred operators of ``state``, by the policy-guided
    relaxation; None (a dead end) only when even the plain relaxation cannot reach the
    goal (the guided one is exact on policy memory at the root only)."""
    guide, plain = relax
    if guide.goal is None:
        return 0, frozenset()
    value = guide.ff(state, spent)
    return value if value is not None else plain.ff(state, spent)


def _gbfs(task: Any, progress: Any, relax: tuple[Relaxation, Relaxation], root: Node,
          max_nodes: int) -> Judgement:
    """Lazy weighted best-first search (a successor is queued by its depth plus
    ``WEIGHT`` times its parent's heuristic value) with a closed set and two open lists (all
    successors, and those by preferred operators), the latter boosted when the heuristic
    improves."""
    memo: dict[Any, Any] = {}  # interned policy memories (few distinct, long tuples)
    parent: dict[Node, tuple[Node, Any] | None] = {root: None}
    closed: set[Node] = set()
    queues: list[list[tuple[int, int, Node]]] = [[(0, 0, root)], []]
    depth: dict[Node, int] = {root: 0}
    priority, best, tick, nodes = [0, 0], -1, itertools.count(1), 0
    applies = list(enumerate(relax[1].actions))
    static = ~changing_atoms(relax[1].actions)
    while queues[0] or queues[1]:
        q = min((k for k in (0, 1) if queues[k]), key=lambda k: (priority[k], k))
        priority[q] += 1
        _, _, node = heapq.heappop(queues[q])
        if node in closed:
            continue
        closed.add(node)
        if nodes >= max_nodes:
            return Judgement("unknown", nodes, reason=f"node bound {max_nodes} reached")
        state, mem = node
        value = _value(relax, state, progress.spent(mem, state, static))
        nodes += 1
        if value is None:
            continue  # a dead end, even relaxed
        h, preferred = value
        if best < 0 or h < best:
            best, priority[1] = h, priority[1] - BOOST
        for i, ga in applies:
            if not ga.applicable(state):
                continue
            nxt = ga.apply(state)
            m2 = progress.advance(mem, state, nxt)
            if m2 is None:
                continue
            child = (nxt, memo.setdefault(m2, m2))
            if child in parent:
                continue
            parent[child] = (node, ga)
            if task.goal_test(nxt) and progress.may_end(m2):
                return Judgement("solvable", nodes, tuple(_path(child, parent)))
            n = next(tick)
            depth[child] = depth[node] + 1
            key = depth[child] + WEIGHT * h
            heapq.heappush(queues[0], (key, n, child))
            if i in preferred:
                heapq.heappush(queues[1], (key, n, child))
    return Judgement("unsolvable", nodes, reason="every reachable state searched")


def judge_scenario(spec: Any, scenario: Any, problem: Problem, *, drift: Any = None,
                   max_nodes: int = MAX_NODES) -> Judgement:
    """Whether ``scenario`` can still reach its goal once its fault strikes (see module)."""
    from domains.faults import FaultPlan
    from domains.scenarios import states_along

    first = search(spec, problem, max_nodes=max_nodes)
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
               max_nodes=max_nodes)
    call = "(" + " ".join((plan[i][0], *plan[i][1])) + ")"
    if j.verdict != "solvable" and hit == i:
        # the judge's own route may strand itself before the broken call (a robot's battery
        # spent on the way); the outage is recoverable when some route never needs the call
        around = search(spec, problem, forbidden=blocked, max_nodes=max_nodes)
        if around.verdict == "solvable":
            return Judgement("solvable", first.nodes + j.nodes + around.nodes, around.plan,
                             f"around {call}",
                             f"from the state after its own route the judge finds "
                             f"{j.verdict} ({j.reason}); a route that never uses the "
                             f"broken call exists from the start")
    return Judgement(j.verdict, first.nodes + j.nodes, j.plan, f"after {call}", j.reason)


def drift_of(domain: str) -> Any:
    """The pack's drift (how its world changes by itself), or None."""
    import importlib

    tools = importlib.import_module(f"domains.{domain}.tools")
    return getattr(tools.SIMULATOR, "drift", None)
