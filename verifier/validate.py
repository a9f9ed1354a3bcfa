"""The fast validator: well-formedness, access, executability, goal and policies of a plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from verifier import model as m
from verifier.access import AccessRules
from verifier.deadline import Ticker
from verifier.errors import did_you_mean
from verifier.grounding import GroundAction, StateTest, Task
from verifier.policy import GroundConstraint, Policy, ground_policy, render

__all__ = ["Checker", "validate", "linearize"]


@dataclass(frozen=True, slots=True)
class _Compiled:
    constraint: GroundConstraint
    trigger: StateTest
    required: StateTest | None
    mask: int = -1  # bits of every atom the constraint reads (-1: unknown, check every state)


class Checker:
    """Validates plans for one problem; grounding is cached across calls."""

    def __init__(self, problem: m.Problem, *, policies: Sequence[Policy] = (),
                 access: AccessRules | None = None, describe: Mapping[str, str] | None = None
                 ) -> None:
        self.problem = problem
        self.task = Task(problem)
        self.policies = tuple(policies)
        self.access = access or AccessRules.default(problem.domain)
        self.describe = dict(describe or {})
        self._constraints: list[_Compiled] | None = None
        self._well_ok: set[tuple[str, tuple[str, ...]]] = set()  # memo: well-formed calls
        self._agent_ok: dict[tuple[str, tuple[str, ...], str | None], str | None] = {}

    # --- public -------------------------------------------------------------------------------

    def check(self, plan: m.Plan) -> m.Verdict:
        steps = linearize(plan)
        if steps is None:
            v = m.Violation("malformed", "the 'after' relation of the plan has a cycle",
                          hint_step(plan))
            return m.Verdict("invalid", (v,), ("well-formed",), plan)
        violations: list[m.Violation] = []
        well = []
        for s in steps:
            key = (s.action, s.args)
            if key in self._well_ok:
                continue
            vs = self._well_formed(s)
            if vs:
                well.append(vs)
                violations.extend(vs)
            else:
                self._well_ok.add(key)
        checked = list(steps)
        if not violations:
            memo = self._agent_ok
            for i, s in enumerate(steps):
                key2 = (s.action, s.args, s.agent)
                if key2 in memo:
                    agent = memo[key2]
                else:
                    agent_v, agent = self._access(s)
                    if agent_v:
                        violations.extend(agent_v)
                    else:
                        memo[key2] = agent
                if agent != s.agent:
                    checked[i] = m.Step(s.id, s.action, s.args, agent, s.after)
        ordered = {s.id: s for s in checked}
        plan_out = replace(plan, steps=tuple(ordered.get(s.id, s) for s in plan.steps))
        checks = ["well-formed", "access"]
        if well:
            return m.Verdict("invalid", tuple(violations), tuple(checks), plan_out)
        states, failed = self._simulate(checked, violations)
        checks.append("executable")
        complete = not failed
        if complete:
            checks.append("goal")
            if not self.task.goal_test(states[-1]):
                violations.append(self._goal_violation(states[-1]))
        checks.append("policies")
        violations.extend(self._policies(states, checked, complete=complete))
        if violations:
            return m.Verdict("invalid", tuple(violations), tuple(checks), plan_out)
        if not plan.is_sequential:
            return m.Verdict("unknown", (), tuple(checks), plan_out,
                           reason="a partial-order plan must be safe in every interleaving; "
                           "this check simulated one of them")
        return m.Verdict("valid", (), tuple(checks), plan_out)

    def prefix_violations(self, states: Sequence[int], steps: Sequence[m.Step]
                          ) -> list[m.Violation]:
        """Access and policy violations of an executable plan prefix that no continuation can
        mend: the steps' agents, and the rules that are already broken on ``states`` (S0..Sn
        of ``steps``); 'at some point' and 'sometime after' rules are not judged yet."""
        out: list[m.Violation] = []
        for s in steps:
            key = (s.action, s.args, s.agent)
            if key not in self._agent_ok:
                vs, agent = self._access(s)
                if vs:
                    out.extend(vs)
                    continue
                self._agent_ok[key] = agent
        out.extend(self._policies(list(states), steps, complete=False))
        return out

    def trajectory(self, plan: m.Plan) -> list[int]:
        """States S0..Sn of an executable sequential plan (bitsets)."""
        state = self.task.initial_state
        states = [state]
        for s in plan.steps:
            state = self.task.action(s.action, s.args).apply(state)
            states.append(state)
        return states

    # --- well-formedness and access -----------------------------------------------------------

    def _well_formed(self, step: m.Step) -> list[m.Violation]:
        dom = self.problem.domain
        schema = dom.actions.get(step.action)
        if schema is None:
            hint = did_you_mean(step.action, dom.actions)
            return [m.Violation("unknown-action", f"step {step.id}: unknown action "
                              f"'{step.action}'" + (f" ({hint})" if hint else ""), step.id)]
        if len(step.args) != len(schema.params):
            return [m.Violation("arity", f"step {step.id}: '{step.action}' takes "
                              f"{len(schema.params)} arguments, got {len(step.args)}", step.id)]
        out = []
        for arg, (var, want) in zip(step.args, schema.params, strict=True):
            have = self.problem.objects.get(arg)
            if have is None:
                hint = did_you_mean(arg, self.problem.objects)
                out.append(m.Violation("unknown-object", f"step {step.id}: unknown object "
                                     f"'{arg}'" + (f" ({hint})" if hint else ""), step.id))
            elif not dom.is_subtype(have, want):
                out.append(m.Violation("type", f"step {step.id}: '{arg}' is a {have}, but "
                                     f"{var} of '{step.action}' must be a {want}", step.id))
        return out

    def _access(self, step: m.Step) -> tuple[list[m.Violation], str | None]:
        permitted = self.access.permitted(step.action, step.args)
        if step.agent is None:
            if permitted:
                return [], permitted[0]
            return [m.Violation("access", f"step {step.id}: no agent may perform {step.call}",
                              step.id, rule="access")], None
        if self.access.agent(step.agent) is None:
            hint = did_you_mean(step.agent, self.access.names)
            return [m.Violation("access", f"step {step.id}: unknown agent '{step.agent}'"
                              + (f" ({hint})" if hint else ""), step.id, rule="access")], step.agent
        if step.agent not in permitted:
            who = ", ".join(permitted) or "no agent"
            denied = m.Violation("access", f"step {step.id}: agent '{step.agent}' may not perform "
                               f"{step.call} (permitted: {who})", step.id, rule="access")
            return [denied], step.agent
        return [], step.agent

    # --- simulation ---------------------------------------------------------------------------

    def _simulate(self, steps: Sequence[m.Step], out: list[m.Violation]) -> tuple[list[int], bool]:
        task = self.task
        state = task.initial_state
        states = [state]
        tick = Ticker("checking")
        for s in steps:
            tick()
            ga = task.action(s.action, s.args)
            if not ga.applicable(state):
                out.append(self._precondition_violation(s, ga, state))
                return states, True
            state = ga.apply(state)
            states.append(state)
        return states, False

    def _precondition_violation(self, step: m.Step, ga: GroundAction, state: int) -> m.Violation:
        task = self.task
        missing = task.atoms_of(ga.pre_pos & ~state)
        present = task.atoms_of(ga.pre_neg & state)
        ruled = self._action_rule_violation(step, state, [*missing, *present])
        if ruled is not None:
            return ruled
        parts = [self._say(a) for a in sorted(missing)]
        parts += [f"not {self._say(a)}" for a in sorted(present)]
        if not parts and ga.pre_test is not None:
            parts = ["the precondition formula is false"]
        desc = self._say_action(step)
        return m.Violation("precondition", f"step {step.id} {desc} cannot run: needs "
                         + "; ".join(parts), step.id,
                         atoms=tuple(sorted(missing)) + tuple(sorted(present)))

    def _action_rule_violation(self, step: m.Step, state: int, atoms: Sequence[m.GroundAtom]
                               ) -> m.Violation | None:
        """A step refused by an action rule (verifier.action_rules) is a policy violation
        naming the rule, when the rest of its precondition holds."""
        from verifier.action_rules import AUX_PREFIX, explain, refusing_atom

        if any(not a[0].startswith(AUX_PREFIX) for a in atoms):
            return None  # a real precondition is missing: report that
        for p in self.policies:
            if p.action is None:
                continue
            atom = refusing_atom(p.id, p.action, step.action, step.args,
                                 lambda a: self.task.holds(a, state))
            if atom is None:
                continue
            says = f" ({p.says.rstrip('.')})" if p.says else ""
            return m.Violation("policy", f"policy {p.id}{says} violated: step {step.id} "
                             f"{self._say_action(step)} is refused: {explain(p.action, atom)}",
                             step.id, rule=p.id, atoms=(atom,))
        return None

    def _goal_violation(self, state: int) -> m.Violation:
        atoms = _goal_atoms(self.problem.goal)
        missing = tuple(a for a in atoms if not self.task.holds(a, state))
        text = "; ".join(self._say(a) for a in missing) or "the goal formula is false"
        return m.Violation("goal", f"the plan ends without reaching the goal: missing {text}",
                         None, atoms=missing)

    def _say(self, atom: m.GroundAtom) -> str:
        return render(m.Atom(atom[0], atom[1:]), {}, self.describe)

    def _say_action(self, step: m.Step) -> str:
        tpl = self.describe.get(step.action)
        if tpl:
            try:
                return "(" + tpl.format(*step.args) + ")"
            except (IndexError, KeyError):
                pass
        return step.call

    # --- policies -----------------------------------------------------------------------------

    def constraints(self) -> list[_Compiled]:
        if self._constraints is None:
            compiled = []
            tick = Ticker("grounding", every=64)
            for p in self.policies:
                for gc in ground_policy(p, self.task.objects_of):
                    tick()
                    b = dict(gc.binding)
                    op = gc.op
                    if isinstance(op, (m.SometimeBefore, m.SometimeAfter)):
                        compiled.append(_Compiled(gc, self.task.compile(op.trigger, b),
                                                  self.task.compile(op.required, b),
                                                  self._mask((op.trigger, op.required), b)))
                    else:
                        compiled.append(_Compiled(gc, self.task.compile(op.arg, b), None,
                                                  self._mask((op.arg,), b)))
            self._constraints = compiled
        return self._constraints

    def _mask(self, formulas: tuple[m.Formula, ...], binding: dict[str, str]) -> int:
        """The atoms a ground formula reads, as a bitmask; -1 when it quantifies."""
        from verifier.model import Exists, Forall

        def quantifies(f: object) -> bool:
            if isinstance(f, (Forall, Exists)):
                return True
            return any(quantifies(x) for x in getattr(f, "args", ()) if not isinstance(x, str)) \
                or any(quantifies(getattr(f, k)) for k in ("arg", "left", "right")
                       if hasattr(f, k) and not isinstance(getattr(f, k), str))

        if any(quantifies(f) for f in formulas):
            return -1
        return self.task.mask([a for f in formulas for a in _formula_atoms(f, binding)])

    def _policies(self, states: list[int], steps: Sequence[m.Step], *, complete: bool
                  ) -> list[m.Violation]:
        out = []
        tick = Ticker("checking", every=16)
        for c in self.constraints():
            tick()
            v = self._check_constraint(c, states, steps, complete)
            if v is not None:
                out.append(v)
        return out

    def _check_constraint(self, c: _Compiled, states: list[int], steps: Sequence[m.Step],
                          complete: bool) -> m.Violation | None:
        op = c.constraint.op
        test = c.trigger

        def sid(i: int) -> str | None:
            return steps[i - 1].id if i > 0 else None

        # A constraint's value can change only where one of its atoms does: visit just those
        # states (values in between equal the last visited one, so every operator below gives
        # the same answer as a scan of all states).
        mask = c.mask
        points = [(0, states[0])] + [(i, states[i]) for i in range(1, len(states))
                                     if (states[i] ^ states[i - 1]) & mask]
        if isinstance(op, m.Always):
            for i, s in points:
                if not test(s):
                    return self._policy_violation(c, sid(i), f"{self._render(op.arg, c)} must "
                                                  "always hold, but it does not"
                                                  + _after(sid(i)), states[i])
        elif isinstance(op, m.Sometime):
            if complete and not any(test(s) for _, s in points):
                return self._policy_violation(c, None, f"{self._render(op.arg, c)} must hold at "
                                              "some point, but it never does", states[-1])
        elif isinstance(op, m.AtMostOnce):
            runs, prev = 0, False
            for i, s in points:
                cur = bool(test(s))
                if cur and not prev:
                    runs += 1
                    if runs == 2:
                        return self._policy_violation(c, sid(i), f"{self._render(op.arg, c)} may "
                                                      "become true at most once; it does again"
                                                      + _after(sid(i)), s)
                prev = cur
        elif isinstance(op, m.SometimeBefore):
            required = c.required
            assert required is not None  # compiled for every binary operator
            seen = False
            for i, s in points:
                if test(s) and not seen:
                    return self._policy_violation(
                        c, sid(i), f"{self._render(op.trigger, c)}" + _after(sid(i)) +
                        f", but {self._render(op.required, c)} never held before", s)
                if required(s):
                    seen = True
        elif isinstance(op, m.SometimeAfter):
            required = c.required
            assert required is not None  # compiled for every binary operator
            pending: int | None = None
            for i, s in points:
                if required(s):
                    pending = None
                elif pending is None and test(s):
                    pending = i
            if pending is not None and complete:
                return self._policy_violation(
                    c, sid(pending), f"{self._render(op.trigger, c)}" + _after(sid(pending)) +
                    f", but {self._render(op.required, c)} never holds afterwards", states[-1])
        return None

    def _render(self, f: m.Formula, c: _Compiled) -> str:
        return render(f, dict(c.constraint.binding), self.describe)

    def _policy_violation(self, c: _Compiled, step: str | None, text: str, state: int
                          ) -> m.Violation:
        p = c.constraint.policy
        op = c.constraint.op
        formulas = ((op.trigger, op.required)
                    if isinstance(op, (m.SometimeBefore, m.SometimeAfter)) else (op.arg,))
        b = dict(c.constraint.binding)
        atoms = tuple(dict.fromkeys(a for f in formulas for a in _formula_atoms(f, b)))
        says = f" ({p.says.rstrip('.')})" if p.says else ""
        return m.Violation("policy", f"policy {p.id}{says} violated: {text}", step, rule=p.id,
                         atoms=atoms)


def _after(step_id: str | None) -> str:
    return f" after step {step_id}" if step_id else " in the initial state"


def hint_step(plan: m.Plan) -> str | None:
    return plan.steps[0].id if plan.steps else None


def _formula_atoms(f: m.Formula, binding: Mapping[str, str]) -> list[m.GroundAtom]:
    from verifier.model import And, Exists, Forall, Imply, Not, Or

    if isinstance(f, m.Atom):
        return [(f.pred, *(binding.get(a, a) for a in f.args))]
    if isinstance(f, Not):
        return _formula_atoms(f.arg, binding)
    if isinstance(f, (And, Or)):
        return [a for x in f.args for a in _formula_atoms(x, binding)]
    if isinstance(f, Imply):
        return _formula_atoms(f.left, binding) + _formula_atoms(f.right, binding)
    if isinstance(f, (Forall, Exists)):
        return []
    return []


def _goal_atoms(f: m.Formula) -> list[m.GroundAtom]:
    return [a for a in _formula_atoms(f, {}) if all(not x.startswith("?") for x in a)]


def linearize(plan: m.Plan) -> tuple[m.Step, ...] | None:
    """A topological order of the steps that keeps the written order where it can (None: cycle)."""
    if plan.is_sequential:
        return plan.steps
    index = {s.id: i for i, s in enumerate(plan.steps)}
    indeg = {s.id: 0 for s in plan.steps}
    succ: dict[str, list[str]] = {s.id: [] for s in plan.steps}
    for s in plan.steps:
        for d in s.after:
            succ[d].append(s.id)
            indeg[s.id] += 1
    import heapq

    ready = [index[s] for s, d in indeg.items() if d == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        i = heapq.heappop(ready)
        s = plan.steps[i]
        out.append(s)
        for n in succ[s.id]:
            indeg[n] -= 1
            if indeg[n] == 0:
                heapq.heappush(ready, index[n])
    return tuple(out) if len(out) == len(plan.steps) else None


def validate(problem: m.Problem, plan: m.Plan, *, policies: Sequence[Policy] = (),
             access: AccessRules | None = None, describe: Mapping[str, str] | None = None
             ) -> m.Verdict:
    """Validate ``plan`` on ``problem``: every violation found, not only the first."""
    return Checker(problem, policies=policies, access=access, describe=describe).check(plan)
