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
   with the forbidden calls removed? If a positive goal atom cannot, no plan exists
   (the relaxation only adds behaviour, policies only take it away): ``unsolvable``. The
   proof is used only when the goal is a conjunction of literals (its negative literals are
   ignored, which keeps it sound); for any other goal form it is skipped.
2. Otherwise a greedy best-first search with lazy evaluation and preferred operators over
   nodes ``(state, policy memory)``, guided by an FF-style relaxed-plan heuristic computed
   here from the same relaxation (the node's own relaxed proof prunes dead ends, soundly).
   It keeps a closed set, so on the finite space it is complete: when every reachable node
   has been expanded it answers ``unsolvable``. A goal is reached when the goal formula holds
   and the policies allow the plan to end there. After ``max_nodes`` expanded nodes it
   answers ``unknown`` (never a guess). Its plans are valid, not necessarily shortest.

"After the fault strikes": the judge plans its own fault-free plan (from 2., so not
necessarily a shortest one), walks it until the first call the fault hits (a permanently
broken call, or the call before which the world drifts), changes the world there as the
simulator would, and searches again from that state (with the broken calls forbidden and
the policy memory of the prefix kept). A scenario whose search finds no plan stays in the
suite: its right outcome is a stop. A plan of the judge that never meets the fault leaves
the scenario ``solvable``.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from verifier.model import GroundAtom, Problem

__all__ = ["Judgement", "Verdict", "search", "judge_scenario", "drift_of", "relaxed_proof",
           "MAX_NODES"]

Verdict = Literal["solvable", "unsolvable", "unknown"]
Call = tuple[str, tuple[str, ...]]
Node = tuple[int, Any]  # (state, policy memory)
MAX_NODES = 20_000  # expanded nodes per search (the bench's default; tests pass other bounds)
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


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


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


class Relaxation:
    """The delete-free relaxation of the ground actions (preconditions: their positive
    literals; effects: every add, conditional ones included) and of the goal (its positive
    literals; ``goal is None`` when the goal is not a conjunction of literals).

    ``orderings`` (atom -> atoms that must have held first) split an action that adds such
    an atom into one adding it (needing those atoms too) and one adding the rest. ``guards``
    (atom -> [(atoms, need)]) do the same where the need depends on the state evaluated:
    adding the atom while ``atoms`` hold needs ``need`` (0: never); they come from
    ``always`` rules and guide the search only (see :func:`_policy_guards`)."""

    def __init__(self, actions: Sequence[Any], goal: int | None, *, goal_neg: int = 0,
                 orderings: dict[int, int] | None = None,
                 guards: dict[int, list[tuple[int, int]]] | None = None) -> None:
        self.actions = list(actions)
        self.goal, self.goal_neg = goal, goal_neg
        self.pre: list[int] = []
        self.add: list[int] = []
        self.source: list[int] = []  # the ground action each relaxed one comes from
        self.sure: list[int] = []  # the unconditional adds of that ground action
        self.neg: list[int] = []  # negative preconditions no action can make false again
        self.guarded: list[tuple[int, list[tuple[int, int]]]] = []
        deletable = 0
        for ga in self.actions:
            deletable |= ga.delete
            for _, _, c_del in ga.conditional:
                deletable |= c_del
        self.lasting = ~deletable  # atoms that, once true, stay true
        order, guard = orderings or {}, guards or {}
        split = sum(1 << b for b in set(order) | set(guard))
        for i, ga in enumerate(self.actions):
            add = ga.add | _cond_adds(ga)
            parts = [(ga.pre_pos, add & ~split, 0)]
            parts += [(ga.pre_pos | order.get(b, 0), 1 << b, b) for b in _bits(add & split)]
            for pre, eff, b in parts:
                if eff:
                    if b in guard:
                        self.guarded.append((len(self.pre), guard[b]))
                    self.neg.append(ga.pre_neg & self.lasting)
                    self.pre.append(pre)
                    self.add.append(eff)
                    self.source.append(i)
                    self.sure.append(ga.add)
        self.achievers: dict[int, list[int]] = {}  # bit -> relaxed actions, in call order
        for i, eff in enumerate(self.add):
            for b in _bits(eff):
                self.achievers.setdefault(b, []).append(i)

    def _usable(self, state: int, spent: int) -> tuple[list[int], list[int]]:
        """The relaxed actions not ruled out in ``state`` (none of their negative
        preconditions holds for good: true, and no action deletes it; their ground action
        adds no ``spent`` atom, one the policies forbid from now on; no guard forbids them),
        and every relaxed action's precondition in ``state``."""
        lasting, pre = state & self.lasting, self.pre
        off: set[int] = set()
        if spent:
            off.update(i for i, add in enumerate(self.sure) if add & spent)
        if self.guarded:
            pre = list(pre)
            for i, rules in self.guarded:
                for atoms, need in rules:
                    if atoms & state == atoms:
                        pre[i] |= need
                        if not need:
                            off.add(i)
        return [i for i, neg in enumerate(self.neg) if not neg & lasting and i not in off], pre

    def reachable(self, state: int) -> int:
        """Every atom that can hold in the relaxation from ``state`` (a fixpoint)."""
        (todo, pre), reached = self._usable(state, 0), state
        while True:
            new, rest = reached, []
            for i in todo:
                if pre[i] & reached == pre[i]:
                    new |= self.add[i]
                else:
                    rest.append(i)
            if new == reached:
                return reached
            reached, todo = new, rest

    def ff(self, state: int, spent: int = 0) -> tuple[int, frozenset[int]] | None:
        """An FF-style relaxed plan from ``state``: its length and the indices of its actions
        applicable in ``state`` (preferred operators); None when the goal is unreachable even
        relaxed (a dead end). Achievers are chosen as a function of the atom alone (the first
        in call order among those of the layer before), so the value is deterministic."""
        goal = self.goal if self.goal is not None else 0
        if self.goal_neg & state & self.lasting:
            return None  # a negative goal literal is false for good
        level: dict[int, int] = dict.fromkeys(_bits(state), 0)
        act_level: dict[int, int] = {}
        (todo, pre), reached, layer = self._usable(state, spent), state, 0
        while goal & reached != goal:
            new, rest = reached, []
            for i in todo:
                if pre[i] & reached == pre[i]:
                    act_level[i] = layer
                    new |= self.add[i]
                else:
                    rest.append(i)
            if new == reached:
                return None
            layer += 1
            for b in _bits(new & ~reached):
                level[b] = layer
            reached, todo = new, rest
        chosen: set[int] = set()
        seen: set[int] = set()
        stack = list(_bits(goal & ~state))
        while stack:
            b = stack.pop()
            if b in seen:
                continue
            seen.add(b)
            a = next(i for i in self.achievers[b] if act_level.get(i) == level[b] - 1)
            if a not in chosen:
                chosen.add(a)
                stack.extend(_bits(pre[a] & ~state))
        return len(chosen), frozenset(self.source[a] for a in chosen if act_level[a] == 0)


def _cond_adds(ga: Any) -> int:
    out = 0
    for _, c_add, _ in ga.conditional:
        out |= c_add
    return out


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


def _changing(actions: Sequence[Any]) -> int:
    """The atoms some of ``actions`` add or delete (the others are static)."""
    out = 0
    for ga in actions:
        out |= ga.add | ga.delete
        for _, c_add, c_del in ga.conditional:
            out |= c_add | c_del
    return out


def _policy_guards(checker: Any, actions: Sequence[Any], state: int
                   ) -> dict[int, list[tuple[int, int]]]:
    """Guidance from ``always`` rules that forbid a conjunction of literals (``(not (and
    ...))``, ``(imply (and ...) atom)``): adding one of its positive atoms while the others
    hold needs its one negated atom, or is never allowed when it has none (static atoms
    read as they are in ``state``). Used by the heuristic only, not by any proof."""
    from verifier import model as m

    task, changing = checker.task, _changing(actions)
    out: dict[int, list[tuple[int, int]]] = {}
    for c in checker.constraints():
        op, b = c.constraint.op, dict(c.constraint.binding)
        f = op.arg if isinstance(op, m.Always) else None
        lits = task.literals(f.arg, b) if isinstance(f, m.Not) else None
        if isinstance(f, m.Imply):
            left, right = task.literals(f.left, b), task.literals(f.right, b)
            if left is not None and right is not None and not right[1] and right[0]:
                lits = (left[0], left[1] | right[0]) if right[0] & (right[0] - 1) == 0 \
                    else None
        if lits is None:
            continue
        pos, neg = lits
        if (pos & ~changing) & ~state or (neg & ~changing) & state:
            continue  # a static atom makes the rule hold for good
        pos, neg = pos & changing, neg & changing
        if neg & (neg - 1):
            continue  # more than one way out: not a single need
        for p in _bits(pos):
            out.setdefault(p, []).append((pos & ~(1 << p), neg))
    return out


def _policy_bounds(checker: Any, memory: Any, actions: Sequence[Any], state: int,
                   goal: int) -> tuple[dict[int, int], int, int]:
    """What the policies add to the relaxation, soundly, from a node with policy ``memory``:
    ``orderings`` (atom p -> atoms that must have held before p first holds: a
    ``sometime-before`` whose trigger is p, with static atoms that hold, and whose
    requirement has not held yet) and atoms every valid plan must reach (a ``sometime`` not
    yet met; the requirement of a ``sometime-after`` whose trigger is in the goal) and,
    of those, the atoms that must hold in the final state (the latter)."""
    from verifier import model as m

    task, changing = checker.task, _changing(actions)
    orderings: dict[int, int] = {}
    extra = final = 0
    for c, mem in zip(checker.constraints(), memory, strict=True):
        op, b = c.constraint.op, dict(c.constraint.binding)
        if isinstance(op, m.Sometime) and not mem:
            lits = task.literals(op.arg, b)
            extra |= lits[0] if lits else 0
        if not isinstance(op, (m.SometimeBefore, m.SometimeAfter)):
            continue
        trig, req = task.literals(op.trigger, b), task.literals(op.required, b)
        if trig is None or req is None or trig[1]:
            continue
        if isinstance(op, m.SometimeAfter):
            final |= req[0] if trig[0] & goal == trig[0] else 0
            continue
        moving, fixed = trig[0] & changing, trig[0] & ~changing
        if not mem and fixed & state == fixed and moving and moving & (moving - 1) == 0:
            p = moving.bit_length() - 1
            orderings[p] = orderings.get(p, 0) | req[0]
    return orderings, extra | final, final


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
    why = _goal_breaks_always(checker, masks, state, plain.lasting, ~_changing(actions))
    if why:
        return f"proof: {why}"
    missing = goal & ~plain.reachable(state)
    if missing:
        return (f"relaxed proof: {_shown(task, missing)} cannot hold even ignoring delete "
                f"effects and policies, with the broken calls removed")
    orderings, extra, final = _policy_bounds(checker, memory, actions, state, goal)
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
        orderings, extra, _ = _policy_bounds(checker, memory, actions, state, goal)
        guide = Relaxation(actions, goal | extra, goal_neg=goal_neg, orderings=orderings,
                           guards=_policy_guards(checker, actions, state))
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
    """Lazy greedy best-first search with a closed set and two open lists (all successors,
    and those by preferred operators), the latter boosted when the heuristic improves."""
    memo: dict[Any, Any] = {}  # interned policy memories (few distinct, long tuples)
    parent: dict[Node, tuple[Node, Any] | None] = {root: None}
    closed: set[Node] = set()
    queues: list[list[tuple[int, int, Node]]] = [[(0, 0, root)], []]
    priority, best, tick, nodes = [0, 0], -1, itertools.count(1), 0
    applies = list(enumerate(relax[1].actions))
    static = ~_changing(relax[1].actions)
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
            heapq.heappush(queues[0], (h, n, child))
            if i in preferred:
                heapq.heappush(queues[1], (h, n, child))
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
    return Judgement(j.verdict, first.nodes + j.nodes, j.plan, f"after {call}", j.reason)


def drift_of(domain: str) -> Any:
    """The pack's drift (how its world changes by itself), or None."""
    import importlib

    tools = importlib.import_module(f"domains.{domain}.tools")
    return getattr(tools.SIMULATOR, "drift", None)
