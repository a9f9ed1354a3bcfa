"""The machinery behind :mod:`verifier.strategies` (:mod:`verifier.testing.strategies`):
grounded worlds, goal-directed walks, incremental policy monitors and deordering (see that
module for use); random problems are :mod:`verifier.testing.problemgen`'s."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from verifier.access import AccessRules
from verifier.grounding import GroundAction, Task
from verifier.model import GroundAtom, Plan, Problem, Step
from verifier.policy import Policy

__all__ = ["ground_actions", "states", "sequential_plans", "nearly_valid_plans",
           "partial_order_plans", "World", "run_plan", "MUTATIONS"]

MUTATIONS = ("none", "swap", "drop", "duplicate", "insert")


class World:
    """Per-problem cache: the grounded task and every ground action (small problems)."""

    _cache: dict[tuple[int, int], tuple[Problem, AccessRules | None, World]] = {}

    def __init__(self, prob: Problem, access: AccessRules | None) -> None:
        self.task = Task(prob)
        dom = prob.domain
        calls = []
        for schema in dom.actions.values():
            pools = [self.task.objects_of(t) for t in schema.param_types]
            for combo in itertools.product(*pools):
                if access is None or access.permitted(schema.name, combo):
                    calls.append((schema.name, combo))
        self.actions: list[GroundAction] = [self.task.action(a, args) for a, args in calls]
        goal = self.task.literals(prob.goal, {})
        self.goal_pos = goal[0] if goal is not None else 0

    @classmethod
    def of(cls, prob: Problem, access: AccessRules | None = None) -> World:
        key = (id(prob), id(access))
        hit = cls._cache.get(key)
        if hit is None or hit[0] is not prob or hit[1] is not access:
            if len(cls._cache) >= 64:
                cls._cache.pop(next(iter(cls._cache)))
            hit = cls._cache[key] = (prob, access, cls(prob, access))
        return hit[2]

    def applicable(self, state: int) -> list[GroundAction]:
        return [g for g in self.actions if g.applicable(state)]

    def helpful(self, state: int, options: list[GroundAction],
                links: Sequence[tuple[int, int, bool]] = ()) -> list[GroundAction]:
        """Applicable actions that add what the goal still needs (three regression levels).

        ``links`` are ``(trigger, required, after)`` masks of policies: a wanted trigger
        wants its ``sometime-before`` requirement; a trigger that holds wants its pending
        ``sometime-after`` obligation."""
        wanted = self.goal_pos & ~state
        for trig, req, after in links:
            if after and trig and state & trig == trig and state & req != req:
                wanted |= req & ~state
        if not wanted:
            return []
        for _ in range(3):
            more = wanted
            for g in self.actions:
                if g.add & wanted:
                    more |= g.pre_pos & ~state
            for trig, req, after in links:
                if not after and trig & more:
                    more |= req & ~state
            wanted = more
        return [g for g in options if g.add & wanted]

    def links(self, policies: Sequence[Policy]) -> list[tuple[int, int, bool]]:
        from verifier.model import And, Atom, SometimeAfter, SometimeBefore
        from verifier.policy import ground_policy

        def mask(f: Any, b: dict[str, str]) -> int | None:
            parts = list(f.args) if isinstance(f, And) else [f]
            atoms = [x for x in parts if isinstance(x, Atom)]
            if len(atoms) != len(parts):
                return None
            return self.task.mask([self.task.ground_atom(x, b) for x in atoms])

        out = []
        for p in policies:
            for gc in ground_policy(p, self.task.objects_of):
                if isinstance(gc.op, (SometimeBefore, SometimeAfter)):
                    b = dict(gc.binding)
                    t, r = mask(gc.op.trigger, b), mask(gc.op.required, b)
                    if t is not None and r is not None:
                        out.append((t, r, isinstance(gc.op, SometimeAfter)))
        return out


class _Monitor:
    """The rules a run's prefix can already break (``always``, ``at-most-once``,
    ``sometime-before``), followed state by state: flags per ground rule are
    (held before, stopped holding since, requirement seen)."""

    def __init__(self, checker: Any) -> None:
        from verifier.model import Always, AtMostOnce, SometimeBefore

        self.rules = [(c, type(c.constraint.op)) for c in checker.constraints()
                      if isinstance(c.constraint.op, (Always, AtMostOnce, SometimeBefore))]
        self.kinds = (Always, AtMostOnce, SometimeBefore)

    def start(self, state: int) -> tuple[tuple[bool, bool, bool], ...]:
        return tuple((bool(c.trigger(state)), False,
                      bool(c.required(state)) if c.required is not None else False)
                     for c, _ in self.rules)

    def ok(self, flags: tuple[tuple[bool, bool, bool], ...], state: int) -> bool:
        always, once, before = self.kinds
        for (c, kind), (_held, fell, seen) in zip(self.rules, flags, strict=True):
            now = c.trigger(state)
            if kind is always and not now:
                return False
            if kind is once and now and fell:
                return False
            if kind is before and now and not seen:
                return False
        return True

    def advance(self, flags: tuple[tuple[bool, bool, bool], ...], state: int
                ) -> tuple[tuple[bool, bool, bool], ...]:
        out = []
        for (c, _), (held, fell, seen) in zip(self.rules, flags, strict=True):
            now = bool(c.trigger(state))
            out.append((held or now, fell or (held and not now),
                        seen or (c.required is not None and bool(c.required(state)))))
        return tuple(out)


def _step(i: int, g: GroundAction, after: tuple[str, ...] = ()) -> Step:
    return Step(f"s{i}", g.name, g.args, None, after)


def _renumber(gs: Sequence[GroundAction]) -> Plan:
    return Plan(tuple(_step(i, g) for i, g in enumerate(gs, 1)))


# --- strategies -------------------------------------------------------------------------------


def ground_actions(prob: Problem, *, access: AccessRules | None = None
                   ) -> st.SearchStrategy[GroundAction]:
    """Well-typed ground actions of the problem (only those some agent may run, with
    ``access``)."""
    world = World.of(prob, access)
    if not world.actions:
        raise ValueError(f"problem {prob.name!r} has no ground actions")
    return st.sampled_from(world.actions)


def states(prob: Problem, *, reachable: bool = False, max_steps: int = 8
           ) -> st.SearchStrategy[frozenset[GroundAtom]]:
    """Sets of ground atoms: any subset of the atoms actions touch and the initial state,
    or with ``reachable=True`` states that some executable action sequence reaches."""
    world = World.of(prob)
    if reachable:
        return sequential_plans(prob, max_steps=max_steps, executable=True).map(
            lambda plan: world.task.atoms_of(run_plan(world, plan)[0]))
    universe = world.task.initial_state
    for g in world.actions:
        universe |= g.add | g.delete | g.pre_pos | g.pre_neg
    atoms = sorted(world.task.atoms_of(universe))
    return st.frozensets(st.sampled_from(atoms)) if atoms else st.just(frozenset())


def sequential_plans(prob: Problem, *, min_steps: int = 0, max_steps: int = 8,
                     executable: bool = False, access: AccessRules | None = None
                     ) -> st.SearchStrategy[Plan]:
    """Sequences of well-typed steps; with ``executable=True`` each step is applicable."""
    world = World.of(prob, access)
    if not executable:
        return st.lists(st.sampled_from(world.actions), min_size=min_steps,
                        max_size=max_steps).map(_renumber)

    @st.composite
    def walk(draw: Callable[..., Any]) -> Plan:
        state = world.task.initial_state
        out: list[GroundAction] = []
        n = draw(st.integers(min_steps, max_steps))
        for _ in range(n):
            options = world.applicable(state)
            if not options:
                break
            g = options[draw(st.integers(0, len(options) - 1))]
            out.append(g)
            state = g.apply(state)
        return _renumber(out)

    return walk()


def nearly_valid_plans(prob: Problem, *, max_steps: int = 24,
                       respect: Sequence[Policy] = (), access: AccessRules | None = None,
                       goal_bias: float = 0.85, mutation: float = 0.5
                       ) -> st.SearchStrategy[Plan]:
    """Plans close to valid: executable walks that head for the goal (an applicable step
    that adds what the goal still needs is taken with probability ``goal_bias``), stop when
    the goal holds, and then, with probability ``mutation``, get one small change (swap two
    neighbours, drop, duplicate or insert a step).

    With ``respect``, a step that would break one of these policies on the run so far is
    avoided when another exists, so the mutation is what usually breaks them: plans sit
    right at the boundary the policy checks draw.
    """
    world = World.of(prob, access)
    checker = monitor = None
    if respect:
        from verifier.validate import Checker

        checker = Checker(prob, policies=respect, access=access)
        checker.task = world.task  # one atom numbering for the walk and the rules
        monitor = _Monitor(checker)

    links = world.links(respect) if respect else []

    def settled(out: list[GroundAction]) -> bool:
        return checker is None or not any(x.kind == "policy" for x in
                                          checker.check(_renumber(out)).violations)

    @st.composite
    def build(draw: Callable[..., Any]) -> Plan:
        state = world.task.initial_state
        out: list[GroundAction] = []
        flags = monitor.start(state) if monitor is not None else ()
        for _ in range(max_steps):
            if world.task.goal_test(state) and settled(out) and draw(st.integers(0, 9)) < 9:
                break
            options = world.applicable(state)
            if monitor is not None:
                options = [g for g in options if monitor.ok(flags, g.apply(state))] or options
            if not options:
                break
            helpful = world.helpful(state, options, links)
            if helpful and draw(st.integers(0, 99)) < int(goal_bias * 100):
                options = helpful
            g = options[draw(st.integers(0, len(options) - 1))]
            out.append(g)
            state = g.apply(state)
            if monitor is not None:
                flags = monitor.advance(flags, state)
        if not out or draw(st.integers(0, 99)) >= int(mutation * 100):
            return _renumber(out)
        return _mutated(draw, world, out)

    return build()


def _mutated(draw: Callable[..., Any], world: World, out: list[GroundAction]) -> Plan:
    """``out`` with one small change of a drawn kind: one that keeps it executable when
    there is one (then the policies and the goal decide, not a precondition)."""
    kind = draw(st.sampled_from(MUTATIONS[1:]))
    variants = [v for v in _mutants(world, out, kind) if _runs(world, v)]
    if variants:
        return _renumber(variants[draw(st.integers(0, len(variants) - 1))])
    i = draw(st.integers(0, len(out) - 1))
    if kind == "swap" and i + 1 < len(out):
        out[i], out[i + 1] = out[i + 1], out[i]
    elif kind == "drop":
        del out[i]
    elif kind == "duplicate":
        out.insert(i, out[i])
    elif kind == "insert":
        out.insert(i, draw(st.sampled_from(world.actions)))
    return _renumber(out)


def partial_order_plans(prob: Problem, *, base: st.SearchStrategy[Plan] | None = None,
                        max_steps: int = 24, density: Sequence[float] = (0.0, 0.3, 0.6),
                        respect: Sequence[Policy] = (), slack: float = 0.15
                        ) -> st.SearchStrategy[Plan]:
    """Plans whose steps carry ``after`` edges, the written order being one schedule.

    Steps that interfere (one writes what the other reads or writes; with ``respect``,
    two that write atoms of one ground rule of those policies) stay ordered, except that
    with probability ``slack`` one such order is left out; other pairs are ordered with a
    probability drawn from ``density``. So the plans are often safe in every schedule and sometimes
    miss exactly one order. ``base`` gives the steps (default: nearly valid plans).
    """
    base = base if base is not None else nearly_valid_plans(prob, max_steps=max_steps,
                                                            respect=respect)
    world = World.of(prob)
    rules = _rule_masks(world.task, respect)

    @st.composite
    def order(draw: Callable[..., Any]) -> Plan:
        plan = draw(base)
        p = draw(st.sampled_from(tuple(density)))
        rw = [_reads_writes(world.task, s, rules) for s in plan.steps]
        needed: list[tuple[int, int]] = []
        other: list[tuple[int, int]] = []
        for j in range(len(plan.steps)):
            for i in range(j):
                (ri, wi, ci), (rj, wj, cj) = rw[i], rw[j]
                (needed if wi & (rj | wj) or wj & ri or ci & cj else other).append((i, j))
        edges = set(needed)
        if needed and draw(st.integers(0, 99)) < int(slack * 100):
            edges.discard(needed[draw(st.integers(0, len(needed) - 1))])
        edges |= {e for e in other if draw(st.integers(0, 99)) < int(p * 100)}
        steps = [Step(s.id, s.action, s.args, s.agent,
                      tuple(plan.steps[i].id for i in range(j) if (i, j) in edges))
                 for j, s in enumerate(plan.steps)]
        if len(steps) > 1 and not any(s.after for s in steps):
            steps[-1] = Step(steps[-1].id, steps[-1].action, steps[-1].args, None,
                             (steps[0].id,))
        return Plan(tuple(steps))

    return order()


def _rule_masks(task: Task, policies: Sequence[Policy]) -> list[int]:
    """Per ground rule, the atoms it reads."""
    from verifier.encoding import ground_atoms
    from verifier.model import SometimeAfter, SometimeBefore
    from verifier.policy import ground_policy

    out = []
    for p in policies:
        for gc in ground_policy(p, task.objects_of):
            op = gc.op
            fs = (op.trigger, op.required) if isinstance(op, (SometimeBefore, SometimeAfter)) \
                else (op.arg,)
            atoms: set[GroundAtom] = set()
            for f in fs:
                atoms |= ground_atoms(task, f, dict(gc.binding))
            out.append(task.mask(atoms))
    return out


def _reads_writes(task: Task, step: Step, rules: list[int]) -> tuple[int, int, int]:
    """(atoms read, atoms written, the rules whose atoms it writes as a bitset)."""
    g = task.action(step.action, step.args)
    everything = -1  # an unknown read set interferes with every write
    reads = g.pre_pos | g.pre_neg if g.pre_test is None and not g.conditional else everything
    writes = g.add | g.delete
    for _, c_add, c_del in g.conditional:
        writes |= c_add | c_del
    touched = 0
    for k, m in enumerate(rules):
        if writes & m:
            touched |= 1 << k
    return reads, writes, touched


def _mutants(world: World, gs: list[GroundAction], kind: str) -> list[list[GroundAction]]:
    n = len(gs)
    if kind == "swap":
        return [gs[:i] + [gs[i + 1], gs[i]] + gs[i + 2:] for i in range(n - 1)
                if gs[i] != gs[i + 1]]
    if kind == "drop":
        return [gs[:i] + gs[i + 1:] for i in range(n)]
    if kind == "duplicate":
        return [gs[:i] + [gs[i]] + gs[i:] for i in range(n)]
    out, state = [], world.task.initial_state
    for i in range(n + 1):
        out += [gs[:i] + [g] + gs[i:] for g in world.applicable(state)[:8]]
        if i < n:
            state = gs[i].apply(state)
    return out


def _runs(world: World, gs: list[GroundAction]) -> bool:
    state = world.task.initial_state
    for g in gs:
        if not g.applicable(state):
            return False
        state = g.apply(state)
    return True


def run_plan(world: World, plan: Plan) -> tuple[int, bool]:
    state = world.task.initial_state
    for s in plan.steps:
        g = world.task.action(s.action, s.args)
        if not g.applicable(state):
            return state, False
        state = g.apply(state)
    return state, True
