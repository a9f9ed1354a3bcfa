"""A plan over a grounded task, prepared for the Z3 encodings: effects, writers, constraints.

Also the sequential encoding: one SSA term per write (an atom changes only at the steps
that write it; a ``define-fun``), preconditions and policies read the current term, and
each policy is checked only at the states where its atoms may change. Python tracks which
term is current; Z3 evaluates them. A 1000-step plan costs a few thousand definitions
instead of steps x atoms frame axioms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verifier import model
from verifier.deadline import Ticker, checkpoint
from verifier.encoding import (
    Accessor,
    Effects,
    after_value,
    effects_of,
    ground_atoms,
    to_smt,
)
from verifier.grounding import Task
from verifier.policy import Policy, ground_policy
from verifier.smt import Smt, and_, not_, or_

__all__ = ["PlanModel", "Constraint", "SequentialEncoding", "encode_sequential", "CHUNK"]

CHUNK = 32


@dataclass(frozen=True, slots=True)
class Constraint:
    """One ground temporal constraint of a policy."""

    policy: Policy
    op: model.Temporal
    binding: tuple[tuple[str, str], ...]

    @property
    def formulas(self) -> tuple[model.Formula, ...]:
        op = self.op
        if isinstance(op, (model.SometimeBefore, model.SometimeAfter)):
            return (op.trigger, op.required)
        return (op.arg,)


@dataclass
class PlanModel:
    task: Task
    steps: tuple[model.Step, ...]
    policies: tuple[Policy, ...] = ()
    effects: tuple[Effects, ...] = field(init=False)
    writers: dict[model.GroundAtom, list[int]] = field(init=False)
    wmask: dict[model.GroundAtom, int] = field(init=False)
    adders: dict[model.GroundAtom, int] = field(init=False)
    deleters: dict[model.GroundAtom, int] = field(init=False)
    conditional: set[model.GroundAtom] = field(init=False)  # atoms some step writes conditionally
    constraints: list[Constraint] = field(init=False)
    atom_ids: dict[model.GroundAtom, int] = field(init=False)

    def __post_init__(self) -> None:
        checkpoint("encoding")
        self.effects = tuple(effects_of(self.task, s) for s in self.steps)
        checkpoint("encoding")
        self.writers, self.wmask, self.adders, self.deleters = {}, {}, {}, {}
        self.conditional = set()
        for i, e in enumerate(self.effects):
            for a in e.writes:
                self.writers.setdefault(a, []).append(i)
                self.wmask[a] = self.wmask.get(a, 0) | 1 << i
            for a in e.add:
                self.adders[a] = self.adders.get(a, 0) | 1 << i
            for a in e.delete:
                self.deleters[a] = self.deleters.get(a, 0) | 1 << i
            self.conditional.update(a for _, _, a, _ in e.conditional)
        self.constraints = [Constraint(gc.policy, gc.op, gc.binding) for p in self.policies
                            for gc in ground_policy(p, self.task.objects_of)]
        self.atom_ids = {}

    @property
    def init(self) -> frozenset[model.GroundAtom]:
        return self.task.problem.init

    def aid(self, atom: model.GroundAtom) -> int:
        i = self.atom_ids.get(atom)
        if i is None:
            i = self.atom_ids[atom] = len(self.atom_ids)
        return i

    def atoms(self, c: Constraint) -> set[model.GroundAtom]:
        b = dict(c.binding)
        out: set[model.GroundAtom] = set()
        for f in c.formulas:
            out |= ground_atoms(self.task, f, b)
        return out

    def closure(self, atoms: set[model.GroundAtom]) -> set[model.GroundAtom]:
        """``atoms`` plus the atoms read by conditions of conditional effects on them."""
        out, todo = set(atoms), list(atoms)
        while todo:
            a = todo.pop()
            if a not in self.conditional:
                continue
            for i in self.writers.get(a, ()):
                for cond, b, atom, _ in self.effects[i].conditional:
                    if atom == a:
                        for x in ground_atoms(self.task, cond, dict(b)) - out:
                            out.add(x)
                            todo.append(x)
        return out

    def writer_mask(self, atoms: set[model.GroundAtom]) -> int:
        m = 0
        for a in atoms:
            m |= self.wmask.get(a, 0)
        return m


# --- the sequential encoding ------------------------------------------------------------------


@dataclass
class SequentialEncoding:
    """Names in the SMT text that tell the verdict once Z3 has a model."""

    smt: Smt
    complete: str  # every step ran
    exec_names: list[str]  # e{j}: step j's precondition holds in the state before it
    alive_names: list[str]  # al{j}: steps 0..j all ran (monotone: binary search)
    goal: str  # the plan completes and misses the goal
    guards: list[str]  # per constraint: it is violated on the executed prefix
    chunks: list[str]  # gc{i}: some guard among guards[i*CHUNK:(i+1)*CHUNK] (fewer reads)
    events: list[list[tuple[int, str]]]  # per constraint: (state index, violation-here name)
    any: str  # some violation at all


def encode_sequential(pm: PlanModel) -> SequentialEncoding:
    task, smt = pm.task, Smt()
    init = pm.init
    cur: dict[model.GroundAtom, str] = {}

    def val(a: model.GroundAtom) -> str:
        t = cur.get(a)
        if t is None:
            t = cur[a] = smt.declare(f"i{pm.aid(a)}")
            smt.add(t if a in init else not_(t))
        return t

    watchers: dict[model.GroundAtom, list[int]] = {}
    for ci, c in enumerate(pm.constraints):
        for a in pm.atoms(c):
            watchers.setdefault(a, []).append(ci)
    # per constraint: (state index, alive term, evaluated formulas)
    events: list[list[tuple[int, str, tuple[str, ...]]]] = [
        [(0, "true", _terms(pm, c, val, smt, ci, 0))] for ci, c in enumerate(pm.constraints)]
    exec_names, alive_names, alive = [], [], "true"
    tick = Ticker("encoding", every=64)
    for j, eff in enumerate(pm.effects):
        tick()
        if eff.pre_pos is not None and eff.pre_neg is not None:
            pre = and_([val(a) for a in eff.pre_pos] + [not_(val(a)) for a in eff.pre_neg])
        else:
            pre = to_smt(task, eff.pre, dict(eff.binding), val)
        exec_names.append(smt.define(f"e{j}", pre, visible=True))
        alive = smt.define(f"al{j}", and_((alive, exec_names[-1])), visible=True)
        alive_names.append(alive)
        new = {a: smt.define(f"x{pm.aid(a)}_{j}", after_value(task, eff, a, val))
               for a in sorted(eff.writes)}
        cur.update(new)
        for ci in sorted({ci for a in eff.writes for ci in watchers.get(a, ())}):
            events[ci].append((j + 1, alive, _terms(pm, pm.constraints[ci], val, smt, ci, j + 1)))
    complete = alive
    goal = smt.define("goalviol", and_((complete, not_(to_smt(task, task.problem.goal, {},
                                                                val)))), visible=True)
    guards, marks = [], []
    for ci, c in enumerate(pm.constraints):
        g, m = _violation(c.op, events[ci], complete, smt, ci)
        guards.append(g)
        marks.append(m)
    chunks = [smt.define(f"gc{i}", or_(guards[i:i + CHUNK]), visible=True)
              for i in range(0, len(guards), CHUNK)]
    any_name = smt.declare("anyviol")
    smt.add(f"(=> {any_name} {or_([not_(complete), goal, *guards])})")
    return SequentialEncoding(smt, complete, exec_names, alive_names, goal, guards, chunks,
                              marks, any_name)


def _terms(pm: PlanModel, c: Constraint, val: Accessor, smt: Smt, ci: int, k: int
           ) -> tuple[str, ...]:
    b = dict(c.binding)
    out = []
    for n, f in enumerate(c.formulas):
        t = to_smt(pm.task, f, b, val)
        out.append(t if t in ("true", "false") or " " not in t else
                   smt.define(f"c{ci}_{k}_{n}", t))
    return tuple(out)


def _violation(op: model.Temporal, events: Sequence[tuple[int, str, tuple[str, ...]]],
               complete: str,
               smt: Smt, ci: int) -> tuple[str, list[tuple[int, str]]]:
    """(guard, [(state index, violated-here)]) for one constraint over its event states."""
    marks: list[tuple[int, str]] = []

    def mark(k: int, expr: str) -> None:
        marks.append((k, smt.define(f"v{ci}_{k}", expr, visible=True)))

    if isinstance(op, model.Always):
        for k, alive, (phi,) in events:
            mark(k, and_((alive, not_(phi))))
    elif isinstance(op, model.Sometime):
        expr = and_([complete, *(not_(phi) for _, _, (phi,) in events)])
        mark(0, expr)
    elif isinstance(op, model.AtMostOnce):
        was_true, fell = "false", "false"
        for k, alive, (phi,) in events:
            mark(k, and_((alive, fell, phi)))
            fell = smt.define(f"fl{ci}_{k}", or_((fell, and_((was_true, not_(phi))))))
            was_true = smt.define(f"wt{ci}_{k}", or_((was_true, phi)))
    elif isinstance(op, model.SometimeBefore):
        seen = "false"
        for k, alive, (trig, req) in events:
            mark(k, and_((alive, trig, not_(seen))))
            seen = smt.define(f"sn{ci}_{k}", or_((seen, req)))
    elif isinstance(op, model.SometimeAfter):
        later = "false"
        rev: list[tuple[int, str]] = []
        for k, _alive, (trig, req) in reversed(events):
            rev.append((k, and_((complete, trig, not_(req), not_(later)))))
            later = smt.define(f"lt{ci}_{k}", or_((req, later)))
        for k, expr in reversed(rev):
            mark(k, expr)
    guard = smt.define(f"g{ci}", or_(name for _, name in marks), visible=True)
    return guard, marks
