"""The Z3 policy checker: a plan is valid only if every schedule it allows is safe.

For a partial-order plan (steps with ``after``) every linearization must be executable,
reach the goal and satisfy every policy. The cheapest sound check decides each rule
(see :mod:`verifier.schedules`): graph reasoning over precedence, then one Z3 query for
what interleavings really decide. A refutation is a concrete schedule that the fast
validator replays before it is reported (``kind: interleaving`` with ``schedule``, the
violated rule and the state where it breaks); a schedule that does not replay is never
reported as a violation: the verdict is then ``unknown``, like a solver ``unknown``.

For a sequential plan the Z3 encoding (:func:`verifier.planmodel.encode_sequential`)
decides independently of the fast validator; both must agree or the verdict is
``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Literal

from verifier.access import AccessRules
from verifier.deadline import Ticker, checkpoint, seconds_left
from verifier.model import Plan, Problem, Step, Verdict, Violation
from verifier.order import PartialOrder
from verifier.planmodel import CHUNK, PlanModel, encode_sequential
from verifier.policy import Policy
from verifier.schedules import Finding, Interleavings, graph_execution, graph_policy
from verifier.smt import DEFAULT_RLIMIT, DEFAULT_SEED, DEFAULT_TIMEOUT_S, Solver
from verifier.validate import Checker, linearize

__all__ = ["Z3Checker", "verify", "Method", "STRUCTURAL"]

Method = Literal["auto", "z3"]
STRUCTURAL = frozenset({"unknown-action", "arity", "type", "unknown-object", "access",
                        "malformed"})


class Z3Checker:
    """Verifies plans for one problem with Z3 (grounding shared with the fast validator).

    ``method="auto"`` uses the cheapest sound check per rule; ``method="z3"`` sends every
    precondition, the goal and every policy instance through the Z3 encoding (slower; the
    two must agree, which the tests check). For a sequential plan, ``cross_check=False``
    skips running the fast validator when Z3 proves the plan valid (it always runs on a
    refutation, to word the violations and to agree with Z3).
    """

    def __init__(self, problem: Problem, *, policies: Sequence[Policy] = (),
                 access: AccessRules | None = None, describe: Mapping[str, str] | None = None,
                 method: Method = "auto", timeout_s: float = DEFAULT_TIMEOUT_S,
                 rlimit: int = DEFAULT_RLIMIT, seed: int = DEFAULT_SEED,
                 max_counterexamples: int = 8, cross_check: bool = True) -> None:
        if method not in ("auto", "z3"):
            raise ValueError(f"method={method!r}: use 'auto' or 'z3'")
        self.checker = Checker(problem, policies=policies, access=access, describe=describe)
        self.policies = tuple(policies)
        self.method = method
        self.timeout_s, self.rlimit, self.seed = timeout_s, rlimit, seed
        self.max_counterexamples = max_counterexamples
        self.cross_check = cross_check

    def _solver(self) -> Solver:
        # Z3's own limit, cut to what is left of the command's --timeout (if one is open)
        return Solver(seed=self.seed, timeout_s=seconds_left(self.timeout_s), rlimit=self.rlimit)

    def check(self, plan: Plan) -> Verdict:
        if plan.is_sequential:
            return self._sequential(plan)
        base = self.checker.check(plan)
        if base.plan is None or any(v.kind in STRUCTURAL for v in base.violations):
            return base
        return self._partial_order(base)

    def _structure(self, plan: Plan) -> tuple[bool, Plan]:
        """Well-formedness and access (order-independent); agents filled in."""
        ch = self.checker
        if any(ch._well_formed(s) for s in plan.steps):  # noqa: SLF001 - same package
            return False, plan
        steps = []
        for s in plan.steps:
            bad, agent = ch._access(s)  # noqa: SLF001
            if bad:
                return False, plan
            steps.append(replace(s, agent=agent))
        return True, replace(plan, steps=tuple(steps))

    # --- sequential ---------------------------------------------------------------------------

    def _sequential(self, plan: Plan) -> Verdict:
        ok, filled = self._structure(plan)
        if not ok:
            return self.checker.check(plan)
        steps = filled.steps
        pm = PlanModel(self.checker.task, steps, self.policies)
        enc = encode_sequential(pm)
        solver = self._solver()
        solver.load(enc.smt)
        outcome = solver.check([enc.any])
        checks = ("well-formed", "access", "executable", "goal", "policies", "z3")
        if outcome == "unknown":
            checkpoint("checking")  # an unknown because --timeout ran out says so
            return Verdict("unknown", (), checks, filled, reason=solver.reason)
        if outcome == "unsat" and not self.cross_check:
            return Verdict("valid", (), checks, filled)
        found: list[tuple[str, str | None, str | None]] = []
        violated: list[int] = []
        if outcome == "sat":
            top = [n for n in (enc.complete, enc.goal) if n not in ("true", "false")]
            truth = solver.bools([*top, *enc.chunks])
            if not truth.get(enc.complete, True):
                lo, hi = 0, len(steps) - 1  # the first step whose run is not alive
                while lo < hi:
                    mid = (lo + hi) // 2
                    if solver.bools([enc.alive_names[mid]])[enc.alive_names[mid]]:
                        lo = mid + 1
                    else:
                        hi = mid
                found.append(("precondition", None, steps[lo].id))
            if truth.get(enc.goal, False):
                found.append(("goal", None, None))
            hot = [ci for i, name in enumerate(enc.chunks) if truth[name]
                   for ci in range(i * CHUNK, min((i + 1) * CHUNK, len(enc.guards)))]
            truth.update(solver.bools([enc.guards[ci] for ci in hot]))
            for ci in hot:
                c, g, ev = pm.constraints[ci], enc.guards[ci], enc.events[ci]
                if truth[g]:
                    at = solver.bools([m for _, m in ev])
                    k = next(k for k, m in ev if at[m])
                    found.append(("policy", c.policy.id, steps[k - 1].id if k else None))
                    violated.append(ci)
        base = self.checker.check(plan) if self.cross_check else self._word(filled, violated)
        # a step an action rule refuses is, in the compiled domain Z3 reads, a step whose
        # precondition fails: the same finding (verifier.action_rules)
        actions = {p.id for p in self.policies if p.action is not None}
        theirs = sorted((("precondition", None, v.step) if v.kind == "policy"
                         and v.rule in actions else (v.kind, v.rule, v.step)
                         for v in base.violations), key=str)
        if sorted(found, key=str) != theirs:
            return Verdict("unknown", (), checks, base.plan,
                           reason=f"z3 and the fast validator disagree (z3: {found}, "
                           f"validator: {theirs}); not certifying")
        return Verdict("valid" if not found else "invalid", base.violations, checks, base.plan)

    def _word(self, plan: Plan, violated: list[int]) -> Verdict:
        """The fast validator's verdict on the run and on the constraints Z3 found violated
        only (its full policy pass costs constraints x states)."""
        ch = self.checker
        run = Checker(ch.problem, access=ch.access, describe=ch.describe,  # action rules:
                      policies=[p for p in ch.policies if p.action is not None])  # no pass
        run.task = ch.task  # share the grounding
        v = run.check(plan)
        if not violated:
            return v
        out = list(v.violations)
        states, failed = run._simulate(plan.steps, [])  # noqa: SLF001 - same package
        compiled = ch.constraints()
        for ci in violated:
            x = ch._check_constraint(compiled[ci], states, plan.steps,  # noqa: SLF001
                                     not failed)
            if x is not None:
                out.append(x)
        return replace(v, status="invalid", violations=tuple(out))

    # --- partial order ------------------------------------------------------------------------

    def _partial_order(self, base: Verdict) -> Verdict:
        assert base.plan is not None
        steps = linearize(base.plan)
        assert steps is not None  # the fast validator reports cycles as malformed
        order = PartialOrder(steps)
        checks = [*base.checks, "every-schedule"]
        if self.method == "auto" and base.violations:
            found = [Finding(tuple(range(len(steps))), "execution")]
            found += [Finding(tuple(range(len(steps))), "policy", v.rule)
                      for v in base.violations if v.kind == "policy"]
            return self._refuted(found, order, checks, base)
        shortcuts = self.method == "auto"
        pm = PlanModel(self.checker.task, steps, self.policies)
        findings, left = graph_execution(pm, order, shortcuts=shortcuts)
        enc: Interleavings | None = None
        reason = None
        if not findings and left:
            enc = Interleavings(pm, order, self._solver())
            items = [(enc.goal_fails() if j is None else enc.precondition_fails(j),
                      Finding((), "execution")) for j in left]
            more, reason = enc.refute(items)
            findings += more
            checks.append("z3")
        if findings:
            return self._refuted(findings, order, checks, base)
        if reason is not None:
            checkpoint("checking")
            return Verdict("unknown", (), tuple(checks), base.plan, reason=reason)
        items_p = []
        tick = Ticker("encoding", every=64)
        for c in pm.constraints:
            tick()
            got = graph_policy(pm, order, c) if shortcuts else None
            if isinstance(got, Finding):
                findings.append(got)
            elif got is None:
                items_p.append(c)
        if not findings and items_p:
            if enc is None:
                enc = Interleavings(pm, order, self._solver())
                checks.append("z3")
            more, reason = enc.refute([(enc.policy_fails(c), Finding((), "policy", c.policy.id))
                                       for c in items_p])
            findings += more
        if findings:
            return self._refuted(findings, order, checks, base)
        if reason is not None:
            checkpoint("checking")
            return Verdict("unknown", (), tuple(checks), base.plan, reason=reason)
        return Verdict("valid", (), tuple(checks), base.plan)

    def _refuted(self, findings: list[Finding], order: PartialOrder, checks: list[str],
                 base: Verdict) -> Verdict:
        out: list[Violation] = []
        seen: set[tuple[str, str | None, str | None]] = set()
        replays: dict[tuple[int, ...], Verdict] = {}
        unconfirmed = 0
        for f in findings:
            if len(out) >= self.max_counterexamples:
                break
            sched = [replace(order.steps[i], after=()) for i in f.schedule]
            v = replays.get(f.schedule)
            if v is None:
                v = replays[f.schedule] = self.checker.check(Plan(tuple(sched)))
            match = [x for x in v.violations
                     if (f.kind == "execution" and x.kind in ("precondition", "goal"))
                     or (f.kind == "policy" and x.kind == "policy"
                         and (f.rule is None or x.rule == f.rule))]
            if not match:
                unconfirmed += 1
                continue
            x = match[0]
            key = (x.kind, x.rule, x.step)
            if key in seen:
                continue
            seen.add(key)
            out.append(self._interleaving(x, sched, f.hint))
        if not out:
            return Verdict("unknown", (), tuple(checks), base.plan,
                           reason=f"internal: {unconfirmed} predicted counterexample schedule(s) "
                           "did not replay in the fast validator; not certifying")
        return Verdict("invalid", tuple(out), tuple(checks), base.plan)

    def _interleaving(self, x: Violation, sched: list[Step], hint: str | None) -> Violation:
        ids = tuple(s.id for s in sched)
        shown = ", ".join(ids[:12]) + (f", ... ({len(ids)} steps)" if len(ids) > 12 else "")
        msg = f"in the schedule {shown}: {x.message}"
        if hint:
            msg += f" (to fix: {hint})"
        return Violation("interleaving", msg, x.step, x.rule or x.kind, x.atoms, ids,
                         self._state_at(sched, x))

    def _state_at(self, sched: list[Step], x: Violation) -> tuple[tuple[str, ...], ...]:
        """The state where ``x`` breaks: before the failing step, after a policy's step."""
        task = self.checker.task
        state = task.initial_state
        for s in sched:
            if x.step is None and x.kind == "policy":
                break
            if s.id == x.step and x.kind == "precondition":
                break
            ga = task.action(s.action, s.args)
            if not ga.applicable(state):
                break
            state = ga.apply(state)
            if s.id == x.step:
                break
        return tuple(sorted(task.atoms_of(state)))


def verify(problem: Problem, plan: Plan, *, policies: Sequence[Policy] = (),
           access: AccessRules | None = None, describe: Mapping[str, str] | None = None,
           method: Method = "auto", timeout_s: float = DEFAULT_TIMEOUT_S,
           rlimit: int = DEFAULT_RLIMIT, seed: int = DEFAULT_SEED) -> Verdict:
    """Verify ``plan`` with Z3: every schedule of a partial-order plan, or a sequence."""
    return Z3Checker(problem, policies=policies, access=access, describe=describe, method=method,
                     timeout_s=timeout_s, rlimit=rlimit, seed=seed).check(plan)
