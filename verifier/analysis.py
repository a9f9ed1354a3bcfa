"""Policy analysis by bounded model checking over a grounded problem.

From a problem's initial state, within ``horizon`` steps (one action or none per step,
so shorter runs count too), Z3 answers:

- **conflicts**: policies that cannot all hold together, as a minimal set of policy ids
  (an unsat core over one assumption literal per policy, then shrunk one id at a time);
- **vacuous** policies: the trigger (``sometime-before``/``-after``: the first formula;
  ``at-most-once``: its formula; ``always (imply A B)``: ``A``; any other ``always``: a
  violation) never holds in a reachable state. When a trigger needs an atom that no
  sequence of actions can ever add (relaxed reachability) this holds for every horizon;
- **the goal under the policies**: reachable (with a plan the fast validator accepted),
  blocked (reachable without the policies, not with them: the minimal blocking set), or
  unreachable even without policies within the horizon (inconclusive).

Every negative answer is bounded: it is re-checked at twice the horizon before it is
reported, and the report states the horizon. Policy semantics are stutter-invariant, so
padding a short run with idle steps changes nothing.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from verifier import model
from verifier.access import AccessRules
from verifier.encoding import Effects, after_value, atoms_in, to_smt
from verifier.grounding import Task
from verifier.planmodel import Constraint
from verifier.policy import Policy, ground_policy
from verifier.smt import DEFAULT_RLIMIT, DEFAULT_SEED, Smt, Solver, and_, not_, or_

__all__ = ["Analysis", "analyze", "GoalStatus", "DEFAULT_HORIZON"]

DEFAULT_HORIZON = 12
GoalStatus = Literal["reachable", "blocked", "unreachable", "unknown"]


@dataclass(frozen=True, slots=True)
class Analysis:
    problem: str
    horizon: int
    conflicts: tuple[tuple[str, ...], ...] = ()
    vacuous: tuple[str, ...] = ()  # within the horizon
    never_triggered: tuple[str, ...] = ()  # for any horizon (relaxed reachability)
    goal: GoalStatus = "unknown"
    blocking: tuple[str, ...] = ()
    plan: model.Plan | None = None  # a witness that the goal is reachable under every policy
    notes: tuple[str, ...] = field(default=())
    # policies no run within the horizon breaks (whatever its actions): a rule that cannot
    # do what its text suggests, unless the domain already enforces it
    unbreakable: tuple[str, ...] = ()


def _ground_actions(task: Task, access: AccessRules) -> list[tuple[str, tuple[str, ...]]]:
    task.check_grounding_size()
    out = []
    for schema in task.domain.actions.values():
        pools = [task.objects_of(t) for t in schema.param_types]
        for combo in itertools.product(*pools):
            if access.permitted(schema.name, combo):
                out.append((schema.name, combo))
    return out


def _relaxed(task: Task, calls: list[tuple[str, tuple[str, ...]]]
             ) -> tuple[int, list[tuple[str, tuple[str, ...]]]]:
    """Atoms reachable ignoring deletes and negative or complex preconditions (an
    over-approximation), and the actions that may ever apply."""
    reached = task.initial_state
    acts = [(c, task.action(*c)) for c in calls]
    usable: list[tuple[str, tuple[str, ...]]] = []
    done: set[int] = set()
    changed = True
    while changed:
        changed = False
        for i, (c, ga) in enumerate(acts):
            if i in done or ga.pre_pos & ~reached:
                continue
            done.add(i)
            usable.append(c)
            adds = ga.add
            for _, c_add, _ in ga.conditional:
                adds |= c_add
            if adds & ~reached:
                reached |= adds
                changed = True
    return reached, usable


def _trigger(c: Constraint) -> model.Formula | None:
    op = c.op
    if isinstance(op, (model.SometimeBefore, model.SometimeAfter)):
        return op.trigger
    if isinstance(op, model.AtMostOnce):
        return op.arg
    if isinstance(op, model.Always):
        return op.arg.left if isinstance(op.arg, model.Imply) else model.Not(op.arg)
    return None


class _Bmc:
    def __init__(self, task: Task, calls: list[tuple[str, tuple[str, ...]]],
                 constraints: list[Constraint], policies: Sequence[Policy], horizon: int,
                 solver: Solver) -> None:
        self.task, self.calls, self.h, self.solver = task, calls, horizon, solver
        self.smt = Smt()
        self.effects = [_effects(task, c) for c in calls]
        self._x: dict[tuple[model.GroundAtom, int], str] = {}
        self._writers: dict[model.GroundAtom, list[int]] = {}
        for g, e in enumerate(self.effects):
            for a in e.writes:
                self._writers.setdefault(a, []).append(g)
        smt = self.smt
        busy_before = None
        for t in range(1, horizon + 1):
            names = [smt.declare(f"a{g}_{t}") for g in range(len(calls))]
            if len(names) > 1:
                smt.add(f"((_ at-most 1) {' '.join(names)})")
            # idle steps only at the end (stuttering changes no verdict): less symmetry
            busy = smt.define(f"busy{t}", or_(names))
            if busy_before is not None:
                smt.add(f"(=> {busy} {busy_before})")
            busy_before = busy
            for g, e in enumerate(self.effects):
                pre = to_smt(task, e.pre, dict(e.binding), functools.partial(self.x, t=t - 1))
                smt.add(f"(=> a{g}_{t} {pre})")
        self.policy_lits: dict[str, str] = {}
        self.violation_lits: dict[str, str] = {}
        for p in policies:
            parts = [self._holds(c, i) for i, c in enumerate(constraints) if c.policy is p]
            self.policy_lits[p.id] = lit = smt.declare(f"P{len(self.policy_lits)}")
            smt.add(f"(=> {lit} {and_(parts)})")
            self.violation_lits[p.id] = bad = smt.declare(f"V{len(self.violation_lits)}")
            smt.add(f"(=> {bad} {not_(and_(parts))})")
        self.goal_lit = smt.declare("G")
        smt.add(f"(=> G {to_smt(task, task.problem.goal, {}, lambda a: self.x(a, horizon))})")
        self.trigger_lits: dict[str, str] = {}
        for p in policies:
            trig = [or_(self._at(f, c, t) for t in range(horizon + 1))
                    for c in constraints if c.policy is p and (f := _trigger(c)) is not None]
            if trig:
                self.trigger_lits[p.id] = lit = smt.declare(f"T{len(self.trigger_lits)}")
                smt.add(f"(=> {lit} {or_(trig)})")
        solver.load(smt)

    def x(self, a: model.GroundAtom, t: int) -> str:
        """The value of atom ``a`` after ``t`` steps."""
        key = (a, t)
        got = self._x.get(key)
        if got is not None:
            return got
        ws = self._writers.get(a, ())
        if t == 0 or not ws:
            got = "true" if a in self.task.problem.init else "false"
        else:
            prev = self.x(a, t - 1)
            terms = [and_((f"a{g}_{t}", after_value(self.task, self.effects[g], a,
                                                   lambda b: self.x(b, t - 1)))) for g in ws]
            idle = and_([*(not_(f"a{g}_{t}") for g in ws), prev])
            got = self.smt.define(f"x{len(self._x)}", or_([*terms, idle]))
        self._x[key] = got
        return got

    def _at(self, f: model.Formula, c: Constraint, t: int) -> str:
        return to_smt(self.task, f, dict(c.binding), lambda a: self.x(a, t))

    def _holds(self, c: Constraint, i: int) -> str:
        op, h, smt = c.op, self.h, self.smt
        if isinstance(op, model.Always):
            return and_(self._at(op.arg, c, t) for t in range(h + 1))
        if isinstance(op, model.Sometime):
            return or_(self._at(op.arg, c, t) for t in range(h + 1))
        if isinstance(op, model.AtMostOnce):
            out, was, fell = [], "false", "false"
            for t in range(h + 1):
                phi = smt.define(f"h{i}_{t}", self._at(op.arg, c, t))
                out.append(not_(and_((fell, phi))))
                fell = smt.define(f"hf{i}_{t}", or_((fell, and_((was, not_(phi))))))
                was = smt.define(f"hw{i}_{t}", or_((was, phi)))
            return and_(out)
        if isinstance(op, model.SometimeBefore):
            out, seen = [], "false"
            for t in range(h + 1):
                out.append(or_((not_(self._at(op.trigger, c, t)), seen)))
                seen = smt.define(f"hs{i}_{t}", or_((seen, self._at(op.required, c, t))))
            return and_(out)
        assert isinstance(op, model.SometimeAfter)
        out, later = [], "false"
        for t in range(h, -1, -1):
            later = smt.define(f"hl{i}_{t}", or_((self._at(op.required, c, t), later)))
            out.append(or_((not_(self._at(op.trigger, c, t)), later)))
        return and_(out)

    def plan(self) -> model.Plan:
        steps: list[model.Step] = []
        for t in range(1, self.h + 1):
            vals = self.solver.bools([f"a{g}_{t}" for g in range(len(self.calls))])
            for g, on in enumerate(vals.values()):
                if on:
                    name, args = self.calls[g]
                    steps.append(model.Step(f"s{len(steps) + 1}", name, args))
        return model.Plan(tuple(steps))

    def minimal_core(self, fixed: list[str], candidates: list[str]) -> tuple[str, ...] | None:
        """A minimal subset of ``candidates`` that with ``fixed`` is unsat; ``()`` when all
        of them are satisfiable together, ``None`` when Z3 cannot tell."""
        first = self.solver.check([*fixed, *candidates])
        if first != "unsat":
            return () if first == "sat" else None
        core = [c for c in self.solver.core() if c in candidates]
        for c in list(core):
            trial = [x for x in core if x != c]
            r = self.solver.check([*fixed, *trial])
            if r == "unknown":
                return None
            if r == "unsat":
                core = trial
        return tuple(core)


def _effects(task: Task, call: tuple[str, tuple[str, ...]]) -> Effects:
    from verifier.encoding import effects_of

    return effects_of(task, model.Step("_", call[0], call[1]))


def analyze(problem: model.Problem, *, policies: Sequence[Policy] = (),
            access: AccessRules | None = None, horizon: int = DEFAULT_HORIZON,
            timeout_s: float = 20.0, rlimit: int = DEFAULT_RLIMIT, seed: int = DEFAULT_SEED,
            goal: bool = True) -> Analysis:
    """Conflicts, vacuous policies and goal reachability under ``policies`` (bounded)."""
    access = access or AccessRules.default(problem.domain)
    task = Task(problem)
    reached, calls = _relaxed(task, _ground_actions(task, access))
    constraints = [Constraint(gc.policy, gc.op, gc.binding) for p in policies
                   for gc in ground_policy(p, task.objects_of)]
    notes: list[str] = []

    def bmc(h: int) -> _Bmc:
        return _Bmc(task, calls, constraints, policies, h,
                    Solver(seed=seed, timeout_s=timeout_s, rlimit=rlimit))

    m = bmc(horizon)
    ids = {lit: pid for pid, lit in m.policy_lits.items()}
    lits = list(m.policy_lits.values())
    conflicts: list[tuple[str, ...]] = []
    core = m.minimal_core([], lits) if lits else ()
    if core is None:
        notes.append(f"conflict check: {m.solver.reason or 'undecided'}")
    elif core:
        wide = bmc(2 * horizon)
        if wide.minimal_core([], [wide.policy_lits[ids[c]] for c in core]) is not None:
            conflicts.append(tuple(sorted(ids[c] for c in core)))
    never, vacuous = [], []
    reachable = atoms_in(task, reached)
    for p in policies:
        lit = m.trigger_lits.get(p.id)
        if lit is None:
            continue
        if all(_never(task, c, reachable) for c in constraints if c.policy is p):
            never.append(p.id)
        elif m.solver.check([lit]) == "unsat":
            vacuous.append(p.id)
    unbreakable = [p.id for p in policies if p.action is None and p.id in m.violation_lits
                   and p.id not in never and p.id not in vacuous
                   and m.solver.check([m.violation_lits[p.id]]) == "unsat"]
    status: GoalStatus = "unknown"
    blocking: tuple[str, ...] = ()
    witness = None
    bound = _steps_needed(task, calls)
    if goal and not conflicts and bound > horizon:
        notes.append(f"the goal needs at least {bound} steps, more than the horizon of "
                     f"{horizon}: not analysed (raise the horizon)")
    elif goal and not conflicts:
        status, blocking, witness = _goal_status(m, bmc, problem=problem, policies=policies,
                                                 access=access, horizon=horizon, ids=ids,
                                                 notes=notes)
    return Analysis(problem.name, horizon, tuple(conflicts), tuple(vacuous), tuple(never),
                    status, blocking, witness, tuple(notes), tuple(unbreakable))


def _goal_status(m: _Bmc, bmc: Callable[[int], _Bmc], *, problem: model.Problem,
                 policies: Sequence[Policy], access: AccessRules, horizon: int,
                 ids: dict[str, str], notes: list[str]
                 ) -> tuple[GoalStatus, tuple[str, ...], model.Plan | None]:
    """Whether the goal is reachable within ``horizon`` steps under the policies (with a
    validated witness plan), blocked by some of them (which), or unknown; notes why."""
    from verifier.validate import Checker

    lits = list(m.policy_lits.values())
    status: GoalStatus = "unknown"
    blocking: tuple[str, ...] = ()
    witness = None
    r = m.solver.check([m.goal_lit, *lits])
    if r == "sat":
        witness = m.plan()
        v = Checker(problem, policies=policies, access=access).check(witness)
        status = "reachable" if v.valid else "unknown"
        if not v.valid:
            notes.append("internal: the bounded model's plan failed validation")
            witness = None
    elif r == "unsat":
        free = m.solver.check([m.goal_lit])
        if free == "unsat":
            status = "unreachable"
            notes.append(f"the goal is not reachable within {horizon} steps even "
                         "without policies (analysis inconclusive)")
        elif free == "sat":
            core = m.minimal_core([m.goal_lit], lits)
            wide = bmc(2 * horizon)
            wr = wide.solver.check([wide.goal_lit, *wide.policy_lits.values()])
            if wr == "sat":
                status = "reachable"
                notes.append(f"the goal needs more than {horizon} steps under the policies")
            elif wr == "unsat" and core:
                status, blocking = "blocked", tuple(sorted(ids[c] for c in core))
    if status == "unknown" and m.solver.reason:
        notes.append(f"goal check: {m.solver.reason}")
    return status, blocking, witness


def _steps_needed(task: Task, calls: list[tuple[str, tuple[str, ...]]]) -> int:
    """A lower bound on plan length: goal atoms still to add / most of them one step adds."""
    lits = task.literals(task.problem.goal, {})
    if lits is None:
        return 0
    missing = lits[0] & ~task.initial_state
    if not missing:
        return 0
    most = max((bin(task.action(*c).add & missing).count("1") for c in calls), default=0)
    if most == 0 or any(task.action(*c).conditional for c in calls):
        return 0
    return -(-bin(missing).count("1") // most)


def _never(task: Task, c: Constraint, reachable: frozenset[model.GroundAtom]) -> bool:
    """The trigger is a conjunction of atoms one of which can never be added."""
    from verifier.model import And, Atom

    stack = [_trigger(c)]
    atoms = []
    while stack:
        g = stack.pop()
        if isinstance(g, And):
            stack.extend(g.args)
        elif isinstance(g, Atom):
            atoms.append(task.ground_atom(g, dict(c.binding)))
        else:
            return False
    return any(a not in reachable for a in atoms)
