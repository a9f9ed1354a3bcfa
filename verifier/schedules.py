"""Every schedule of a partial-order plan: graph checks first, then a Z3 encoding for the rest.

Graph checks (exact, no solver) decide what precedence alone decides:
- a literal precondition ``p`` of step ``j`` (unconditional writers) fails in some schedule
  iff ``p`` is not initially true and no adder necessarily precedes ``j``, or some deleter
  ``d`` may precede ``j`` with no adder necessarily between ``d`` and ``j`` (the schedule
  that puts only the necessary steps between them exhibits it); goals likewise at the end;
- ``sometime-before t r`` over two atoms fails iff some adder of ``t`` has no adder of
  ``r`` among its necessary predecessors (run it as early as possible);
- a rule whose atoms are written only by totally ordered steps sees the same sequence of
  values in every schedule, so the one schedule the fast validator ran decides it.

The Z3 encoding covers the rest. Each step that matters gets an integer ``p``; step ``i``
runs before ``j`` iff ``(p_i, i) < (p_j, j)`` lexicographically, which is the single
literal ``p_i <= p_j`` for ``i < j``. Any assignment is a total order (no ``Distinct``,
no ties), the plan's ``after`` edges are ``<=`` constraints, and each atom's value before a
step is the effect of its latest writer under that order.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from verifier import model
from verifier.deadline import Ticker, checkpoint
from verifier.encoding import after_value, atoms_in, ground_atoms, literal, to_smt
from verifier.grounding import Task
from verifier.order import PartialOrder, bits
from verifier.planmodel import Constraint, PlanModel
from verifier.smt import Smt, Solver, and_, not_, or_

__all__ = ["Finding", "graph_execution", "graph_policy", "Interleavings", "INIT", "END"]

INIT, END = -1, 1 << 30


@dataclass(frozen=True, slots=True)
class Finding:
    """A schedule (step indices) in which a check fails, as predicted by the analysis."""

    schedule: tuple[int, ...]
    kind: str  # "execution" (a precondition or the goal) or "policy"
    rule: str | None = None  # the policy id
    hint: str | None = None


# --- graph checks -------------------------------------------------------------------------------


def _lit_fails_before(pm: PlanModel, order: PartialOrder, atom: model.GroundAtom, positive: bool,
                      j: int) -> list[int] | None:
    """A schedule where the literal is false right before step ``j`` (``END``: at the end)."""
    good = (pm.adders if positive else pm.deleters).get(atom, 0)
    bad = (pm.deleters if positive else pm.adders).get(atom, 0)
    holds_init = (atom in pm.init) == positive
    if j == END:
        if not holds_init and not good:
            return list(range(len(order)))
        # the first writer of the bad value with no good writer after it (those below a good
        # writer are ``order.below(good)``: one pass per maximal good writer, not per pair)
        free = bad & ~order.below(good)
        return order.as_late_as_possible(_lowest(free)) if free else None
    if not holds_init and not order.anc[j] & good:
        return order.as_early_as_possible(j)
    # a bad writer that may precede j with no good writer necessarily between it and j
    free = bad & ~order.desc[j] & ~(1 << j) & ~order.below(order.anc[j] & good)
    return order.latest_before(_lowest(free), j) if free else None


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def graph_execution(pm: PlanModel, order: PartialOrder, *, shortcuts: bool = True
                    ) -> tuple[list[Finding], list[int | None]]:
    """Findings for preconditions and the goal, and what is left for Z3 (step or None: goal)."""
    findings: list[Finding] = []
    left: list[int | None] = []
    task = pm.task
    tick = Ticker("encoding", every=64)
    for j, eff in enumerate(pm.effects):
        tick()
        if not shortcuts:
            left.append(j)
            continue
        if eff.pre_pos is None or eff.pre_neg is None:
            atoms = pm.closure(eff.pre_atoms(task))
            if not order.is_chain([*bits(pm.writer_mask(atoms)), j]):
                left.append(j)
            continue
        lits = [(a, True) for a in eff.pre_pos] + [(a, False) for a in eff.pre_neg]
        if any(a in pm.conditional for a, _ in lits):
            left.append(j)
            continue
        for a, positive in sorted(lits):
            sched = _lit_fails_before(pm, order, a, positive, j)
            if sched is not None:
                findings.append(Finding(tuple(sched), "execution"))
                break
    goal_lits = task.literals(task.problem.goal, {})
    if not shortcuts or goal_lits is None:
        if not shortcuts or not order.is_chain(bits(pm.writer_mask(
                pm.closure(_goal_atoms(task))))):
            left.append(None)
        return findings, left
    lits = [(a, True) for a in atoms_in(task, goal_lits[0])] + \
        [(a, False) for a in atoms_in(task, goal_lits[1])]
    if any(a in pm.conditional for a, _ in lits):
        left.append(None)
        return findings, left
    for a, positive in sorted(lits):
        sched = _lit_fails_before(pm, order, a, positive, END)
        if sched is not None:
            findings.append(Finding(tuple(sched), "execution"))
            break
    return findings, left


def _goal_atoms(task: Task) -> set[model.GroundAtom]:
    return ground_atoms(task, task.problem.goal, {})


def graph_policy(pm: PlanModel, order: PartialOrder, c: Constraint) -> Finding | None | bool:
    """``True``: holds in every schedule; a Finding: fails; ``None``: needs Z3.

    Assumes every schedule is executable and the fast validator accepted one of them.
    """
    atoms = pm.atoms(c)
    if order.is_chain(bits(pm.writer_mask(pm.closure(atoms)))):
        return True
    if atoms & pm.conditional:
        return None
    b = dict(c.binding)
    op = c.op
    if isinstance(op, model.SometimeBefore):
        t, r = literal(pm.task, op.trigger, b), literal(pm.task, op.required, b)
        if t is None or r is None or not t[1] or not r[1]:
            return None
        if r[0] in pm.init:
            return True
        if t[0] in pm.init:
            return Finding(tuple(range(len(order))), "policy", c.policy.id)
        r_adders = pm.adders.get(r[0], 0)
        for a in bits(pm.adders.get(t[0], 0)):
            if not order.anc[a] & r_adders:
                could = [order.steps[i].id for i in bits(r_adders & ~order.desc[a] & ~(1 << a))]
                hint = (f"make step {order.steps[a].id} come after step "
                        + " or ".join(could)) if could else None
                return Finding(tuple(order.as_early_as_possible(a)), "policy", c.policy.id, hint)
        return True
    if isinstance(op, (model.Always, model.Sometime)):
        lit = literal(pm.task, op.arg, b)
        if lit is not None:
            return True  # one literal with unconditional writers: the same in every schedule
    return None


# --- the Z3 encoding ----------------------------------------------------------------------------


class Interleavings:
    """Z3 encoding of "some schedule of the plan breaks this check"."""

    def __init__(self, pm: PlanModel, order: PartialOrder, solver: Solver) -> None:
        self.pm, self.order, self.solver = pm, order, solver
        self.smt = Smt()
        self.used: set[int] = set()
        self._asserted: set[tuple[int, int]] = set()
        self._before: dict[tuple[model.GroundAtom, int], str] = {}
        self._after: dict[tuple[model.GroundAtom, int], str] = {}
        self._init: dict[model.GroundAtom, str] = {}
        self._n = 0
        self._tick = Ticker("encoding")
        need = 8 * len(order) + 600  # before/after recurse along chains of writers
        if sys.getrecursionlimit() < need:
            sys.setrecursionlimit(need)

    # --- order and state ----------------------------------------------------------------------

    def B(self, i: int, j: int) -> str:  # noqa: N802 - the paper's name for "i before j"
        if i in (j, END) or j == INIT:
            return "false"
        if i == INIT or j == END:
            return "true"
        if self.order.prec(i, j):
            return "true"
        if self.order.prec(j, i):
            return "false"
        self.used.update((i, j))
        return f"(<= p{i} p{j})" if i < j else f"(not (<= p{j} p{i}))"

    def init(self, a: model.GroundAtom) -> str:
        return "true" if a in self.pm.init else "false"

    def _name(self, prefix: str, expr: str) -> str:
        if " " not in expr:
            return expr
        self._n += 1
        return self.smt.define(f"{prefix}{self._n}", expr)

    def before(self, a: model.GroundAtom, q: int) -> str:
        """The value of ``a`` right before step ``q`` (``END``: after the whole plan)."""
        key = (a, q)
        got = self._before.get(key)
        if got is not None:
            return got
        self._tick()
        order, wmask = self.order, self.pm.wmask.get(a, 0)
        if q == END:
            cands, upto = wmask, order.all
        else:
            cands, upto = wmask & ~order.desc[q] & ~(1 << q), order.anc[q]
        # the latest writers: none of them precedes another writer that precedes q
        live = list(bits(cands & ~order.below(wmask & upto)))
        if not live:
            self._before[key] = self.init(a)
            return self._before[key]
        # Name first: definitions may refer to each other through unordered writers; under
        # any one order they are well-founded (each reads only earlier steps), so unique.
        self._n += 1
        name = self._before[key] = self.smt.declare(f"b{self._n}")
        values = {self.after(a, k) for k in live}
        if len(live) > 1 and len(values) == 1 and values <= {"true", "false"}:
            # every latest writer leaves the same constant: a has it iff some latest writer
            # runs before q (one B per writer, not one per pair of unordered writers)
            some = or_(self.B(k, q) for k in live)
            (v,) = values
            self.smt.add(f"(= {name} {or_((and_((some, v)), and_((not_(some), self.init(a)))))})")
            return name
        terms = []
        for k in live:
            conds = [self.B(k, q)]
            conds += [not_(and_((self.B(k, m), self.B(m, q)))) for m in live if m != k]
            terms.append(and_([*conds, self.after(a, k)]))
        terms.append(and_([*(not_(self.B(k, q)) for k in live), self.init(a)]))
        self.smt.add(f"(= {name} {or_(terms)})")
        return name

    def after(self, a: model.GroundAtom, k: int) -> str:
        """The value of ``a`` right after step ``k``."""
        if k == INIT:
            return self.init(a)
        eff = self.pm.effects[k]
        if a not in eff.writes:
            return self.before(a, k)
        key = (a, k)
        got = self._after.get(key)
        if got is None:
            if a in eff.add:
                got = self._after[key] = "true"
            elif a in eff.delete and not eff.conditional_on(a):
                got = self._after[key] = "false"
            else:
                self._n += 1
                got = self._after[key] = self.smt.declare(f"x{self._n}")
                expr = after_value(self.pm.task, eff, a, lambda x: self.before(x, k))
                self.smt.add(f"(= {got} {expr})")
        return got

    # --- what can fail ------------------------------------------------------------------------

    def precondition_fails(self, j: int) -> str:
        eff = self.pm.effects[j]
        return not_(to_smt(self.pm.task, eff.pre, dict(eff.binding), lambda a: self.before(a, j)))

    def goal_fails(self) -> str:
        task = self.pm.task
        return not_(to_smt(task, task.problem.goal, {}, lambda a: self.before(a, END)))

    def policy_fails(self, c: Constraint) -> str:
        """Some complete schedule violates the constraint (executability proven before)."""
        checkpoint("encoding")
        pm, b = self.pm, dict(c.binding)
        points = [INIT, *bits(pm.writer_mask(pm.atoms(c)))]

        def at(f: model.Formula, q: int) -> str:
            return self._name("f", to_smt(pm.task, f, b, lambda a: self.after(a, q)))

        B, op = self.B, c.op
        # Pairs of points in a fixed order need no ordering literal: "some point before q has
        # v" is one running disjunction along the order's covers (``_earlier``/``_later``),
        # and only pairs that may run either way get a B term. (Pairs of all points made the
        # encoding quadratic in a long chain's writers.)
        mask = sum(1 << q for q in points if q != INIT)
        unordered = {q: list(bits(self.order.unordered(q, mask))) if q != INIT else []
                     for q in points}
        if isinstance(op, (model.Always, model.Sometime, model.AtMostOnce)):
            phi = {q: at(op.arg, q) for q in points}
            if isinstance(op, model.Always):
                return or_(not_(phi[q]) for q in points)
            if isinstance(op, model.Sometime):
                return and_(not_(phi[q]) for q in points)
            earlier, later = self._earlier(phi, points), self._later(phi, points)
            return or_(and_((not_(phi[r]),
                             or_([earlier[r], *(and_((B(q, r), phi[q])) for q in unordered[r])]),
                             or_([later[r], *(and_((B(r, s), phi[s])) for s in unordered[r])])))
                       for r in points if r != INIT)
        assert isinstance(op, (model.SometimeBefore, model.SometimeAfter))
        trig = {q: at(op.trigger, q) for q in points}
        req = {q: at(op.required, q) for q in points}
        if isinstance(op, model.SometimeBefore):
            earlier = self._earlier(req, points)
            return or_(and_([trig[q], not_(earlier[q]),
                             *(or_((not_(B(r, q)), not_(req[r]))) for r in unordered[q])])
                       for q in points)
        later = self._later(req, points)
        return or_(and_([trig[q], not_(req[q]), not_(later[q]),
                         *(or_((not_(B(q, r)), not_(req[r]))) for r in unordered[q])])
                   for q in points)

    def _earlier(self, v: dict[int, str], points: list[int]) -> dict[int, str]:
        """For each point q: some point necessarily before q (INIT included) has ``v``."""
        real = [q for q in points if q != INIT]
        preds: dict[int, list[int]] = {q: [] for q in real}
        for i, j in self.order.covers(real):
            preds[j].append(i)
        out = {INIT: "false"}
        start = v.get(INIT, "false")
        for q in real:  # ascending: a topological order
            out[q] = self._name("e", or_([start, *(or_((v[p], out[p])) for p in preds[q])]))
        return out

    def _later(self, v: dict[int, str], points: list[int]) -> dict[int, str]:
        """For each point q: some step point necessarily after q has ``v`` (every step point
        is after INIT)."""
        real = [q for q in points if q != INIT]
        succs: dict[int, list[int]] = {q: [] for q in real}
        for i, j in self.order.covers(real):
            succs[i].append(j)
        out: dict[int, str] = {}
        for q in reversed(real):
            out[q] = self._name("l", or_(or_((v[s], out[s])) for s in succs[q]))
        out[INIT] = or_(v[q] for q in real)
        return out

    # --- solving ------------------------------------------------------------------------------

    def _finish(self) -> None:
        for p in sorted(self.used):
            self.smt.declare(f"p{p}", "Int")
        for i, j in self.order.covers(self.used):
            if (i, j) not in self._asserted:
                self._asserted.add((i, j))
                self.smt.add(f"(<= p{i} p{j})")

    def refute(self, items: list[tuple[str, Finding]], *, max_rounds: int = 8
               ) -> tuple[list[Finding], str | None]:
        """Counterexample findings for the ``(violation term, template)`` items; the reason
        if Z3 could not decide (counterexamples found so far stay valid)."""
        if not items:
            return [], None
        guards: dict[str, Finding] = {}
        for expr, template in items:
            self._n += 1
            g = self.smt.declare(f"q{self._n}")
            self.smt.add(f"(=> {g} {expr})")
            guards[g] = template
        self._finish()
        found: list[Finding] = []
        remaining = list(guards)
        for _ in range(max_rounds):
            self._n += 1
            any_name = self.smt.declare(f"any{self._n}")
            self.smt.add(f"(=> {any_name} {or_(remaining)})")
            self.solver.load(self.smt)
            outcome = self.solver.check([any_name])
            if outcome == "unsat":
                return found, None
            if outcome == "unknown":
                return found, self.solver.reason
            truth = self.solver.bools(remaining)
            pos = self.solver.ints([f"p{i}" for i in self.used])
            ranked = sorted(self.used, key=lambda i: (pos[f"p{i}"], i))
            schedule = tuple(self.order.extend(ranked))
            hit = [g for g in remaining if truth[g]]
            for g in hit:
                t = guards[g]
                found.append(Finding(schedule, t.kind, t.rule, t.hint))
            remaining = [g for g in remaining if not truth[g]]
            if not remaining or not hit:
                return found, None
        return found, None
