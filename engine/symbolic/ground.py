"""Ground policies into the simplified trajectory constraints the symbolic planners compile.

Shared by :mod:`engine.symbolic.planning` (unified-planning's compiler) and
:mod:`engine.symbolic.compile_pddl` (our grounded PDDL3 compilation): quantifiers are
expanded over the problem's objects, static atoms replaced by their initial value and
constants folded, so trivially satisfied constraints disappear.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from verifier import model as m
from verifier.deadline import Ticker
from verifier.errors import PlansafeError
from verifier.policy import Policy, ground_policy

__all__ = ["fold", "ground_formula", "ground_constraints"]


def ground_formula(f: m.Formula, binding: dict[str, str], problem: m.Problem,
                   static: frozenset[str]) -> m.Formula:
    """Expand quantifiers over the problem's objects, replace static atoms by their initial
    value and fold constants (unified-planning's trajectory compiler otherwise keeps every
    static fact in the preconditions it adds, which blows up Fast Downward's translator)."""
    if isinstance(f, m.Atom):
        args = tuple(binding.get(a, a) for a in f.args)
        if f.pred in static:
            return m.Const((f.pred, *args) in problem.init)
        return m.Atom(f.pred, args)
    if isinstance(f, m.Const):
        return f
    if isinstance(f, m.Eq):
        return m.Const(binding.get(f.left, f.left) == binding.get(f.right, f.right))
    if isinstance(f, m.Not):
        inner = ground_formula(f.arg, binding, problem, static)
        return m.Const(not inner.value) if isinstance(inner, m.Const) else m.Not(inner)
    if isinstance(f, m.Imply):
        return ground_formula(m.Or((m.Not(f.left), f.right)), binding, problem, static)
    if isinstance(f, (m.Forall, m.Exists)):
        pools = [problem.objects_of(t) for _, t in f.params]
        parts = []
        tick = Ticker("grounding")
        for combo in itertools.product(*pools):
            tick()
            b = dict(binding)
            b.update(zip((v for v, _ in f.params), combo, strict=True))
            parts.append(ground_formula(f.body, b, problem, static))
        return fold(m.And(tuple(parts)) if isinstance(f, m.Forall) else m.Or(tuple(parts)))
    if isinstance(f, (m.And, m.Or)):
        return fold(type(f)(tuple(ground_formula(x, binding, problem, static) for x in f.args)))
    raise PlansafeError(f"cannot ground {type(f).__name__}")


def fold(f: m.And | m.Or) -> m.Formula:
    """``f`` with constant arguments folded away (a unit dropped, a zero absorbing)."""
    unit, zero = (True, False) if isinstance(f, m.And) else (False, True)
    args = []
    for x in f.args:
        if isinstance(x, m.Const):
            if x.value == zero:
                return m.Const(zero)
            continue
        args.append(x)
    if not args:
        return m.Const(unit)
    return args[0] if len(args) == 1 else type(f)(tuple(args))


def ground_constraints(problem: m.Problem, policies: Sequence[Policy]) -> list[m.Temporal]:
    """Ground, simplified trajectory constraints; trivially satisfied ones are dropped."""
    static = problem.domain.static_predicates
    out: list[m.Temporal] = []
    tick = Ticker("grounding")
    for p in policies:
        for gc in ground_policy(p, problem.objects_of):
            tick()
            b = dict(gc.binding)
            op = gc.op
            if isinstance(op, (m.SometimeBefore, m.SometimeAfter)):
                trig = ground_formula(op.trigger, b, problem, static)
                req = ground_formula(op.required, b, problem, static)
                if trig == m.Const(False) or (isinstance(op, m.SometimeAfter) and
                                            req == m.Const(True)):
                    continue
                out.append(type(op)(trig, req))
            else:
                arg = ground_formula(op.arg, b, problem, static)
                if (isinstance(op, m.Always) and arg == m.Const(True)) or \
                        (isinstance(op, m.AtMostOnce) and isinstance(arg, m.Const)) or \
                        (isinstance(op, m.Sometime) and arg == m.Const(True)):
                    continue
                out.append(type(op)(arg))
    return out
