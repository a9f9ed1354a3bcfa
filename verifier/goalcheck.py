"""Goals that policies rule out at the end of every plan, found without search.

The final state of any plan satisfies the goal. When the goal is a conjunction of literals,
those literals and the static facts of the initial state (predicates no action changes)
are known in every final state; the rest is unknown. A policy instance is broken by every
plan when, in that partial state (three-valued, Kleene):

- ``always φ``: φ is false;
- ``sometime-after t r``: t is true and r is false (the obligation would stay open).

The answer is sound (a policy named here really blocks the goal) and cheap; it is not
complete: other blocking policies are left to the planner.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier import model as m
from verifier.policy import Policy, ground_policy

__all__ = ["goal_conflicts"]


def _goal_literals(goal: m.Formula) -> dict[m.GroundAtom, bool] | None:
    out: dict[m.GroundAtom, bool] = {}
    parts = goal.args if isinstance(goal, m.And) else (goal,)
    for p in parts:
        if isinstance(p, m.Const) and p.value:
            continue
        positive = not isinstance(p, m.Not)
        a = p if positive else p.arg  # type: ignore[union-attr]
        if not isinstance(a, m.Atom) or any(t.startswith("?") for t in a.args):
            return None
        atom = (a.pred, *a.args)
        if out.get(atom, positive) != positive:
            return None  # contradictory goal: not this check's business
        out[atom] = positive
    return out


def _eval(f: m.Formula, b: dict[str, str], known: dict[m.GroundAtom, bool], static: frozenset[str],
          init: frozenset[m.GroundAtom], problem: m.Problem) -> bool | None:
    if isinstance(f, m.Atom):
        atom = (f.pred, *(b.get(t, t) if t.startswith("?") else t for t in f.args))
        if atom in known:
            return known[atom]
        return (atom in init) if f.pred in static else None
    if isinstance(f, m.Const):
        return f.value
    if isinstance(f, m.Not):
        v = _eval(f.arg, b, known, static, init, problem)
        return None if v is None else not v
    if isinstance(f, m.Eq):
        return b.get(f.left, f.left) == b.get(f.right, f.right)
    if isinstance(f, m.Imply):
        return _eval(m.Or((m.Not(f.left), f.right)), b, known, static, init, problem)
    if isinstance(f, (m.And, m.Or, m.Forall, m.Exists)):
        if isinstance(f, (m.And, m.Or)):
            vals = (_eval(a, b, known, static, init, problem) for a in f.args)
        else:
            import itertools

            pools = [problem.objects_of(t) for _, t in f.params]
            names = tuple(v for v, _ in f.params)
            vals = (_eval(f.body, {**b, **dict(zip(names, combo, strict=False))}, known,
                          static, init, problem) for combo in itertools.product(*pools))
        conj = isinstance(f, (m.And, m.Forall))
        unknown = False
        for v in vals:
            if v is None:
                unknown = True
            elif v != conj:
                return v
        return None if unknown else conj
    return None


def goal_conflicts(problem: m.Problem, policies: Sequence[Policy]) -> tuple[str, ...]:
    """Ids of policies that every plan reaching ``problem``'s goal must break."""
    known = _goal_literals(problem.goal)
    if not known:
        return ()
    static = problem.domain.static_predicates
    init = frozenset(problem.init)
    out: list[str] = []
    for p in policies:
        for gc in ground_policy(p, problem.objects_of):
            b, op = dict(gc.binding), gc.op
            if isinstance(op, m.Always):
                hit = _eval(op.arg, b, known, static, init, problem) is False
            elif isinstance(op, m.SometimeAfter):
                hit = _eval(op.trigger, b, known, static, init, problem) is True and \
                    _eval(op.required, b, known, static, init, problem) is False
            else:
                continue
            if hit:
                out.append(p.id)
                break
    return tuple(out)
