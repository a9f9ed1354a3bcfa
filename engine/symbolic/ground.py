"""Ground policies into the simplified trajectory constraints the symbolic planners compile.

Shared by :mod:`engine.symbolic.planning` (unified-planning's compiler) and
:mod:`engine.symbolic.compile_pddl` (our grounded PDDL3 compilation): quantifiers are
expanded over the problem's objects, static atoms replaced by their initial value and
constants folded, so trivially satisfied constraints disappear.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from verifier.errors import PlansafeError
from verifier.model import (
    Always,
    And,
    AtMostOnce,
    Atom,
    Const,
    Eq,
    Exists,
    Forall,
    Formula,
    Imply,
    Not,
    Or,
    Problem,
    Sometime,
    SometimeAfter,
    SometimeBefore,
    Temporal,
)
from verifier.policy import Policy, ground_policy

__all__ = ["fold", "ground_formula", "ground_constraints"]


def ground_formula(f: Formula, binding: dict[str, str], problem: Problem,
                   static: frozenset[str]) -> Formula:
    """Expand quantifiers over the problem's objects, replace static atoms by their initial
    value and fold constants (unified-planning's trajectory compiler otherwise keeps every
    static fact in the preconditions it adds, which blows up Fast Downward's translator)."""
    if isinstance(f, Atom):
        args = tuple(binding.get(a, a) for a in f.args)
        if f.pred in static:
            return Const((f.pred, *args) in problem.init)
        return Atom(f.pred, args)
    if isinstance(f, Const):
        return f
    if isinstance(f, Eq):
        return Const(binding.get(f.left, f.left) == binding.get(f.right, f.right))
    if isinstance(f, Not):
        inner = ground_formula(f.arg, binding, problem, static)
        return Const(not inner.value) if isinstance(inner, Const) else Not(inner)
    if isinstance(f, Imply):
        return ground_formula(Or((Not(f.left), f.right)), binding, problem, static)
    if isinstance(f, (Forall, Exists)):
        pools = [problem.objects_of(t) for _, t in f.params]
        parts = []
        for combo in itertools.product(*pools):
            b = dict(binding)
            b.update(zip((v for v, _ in f.params), combo, strict=True))
            parts.append(ground_formula(f.body, b, problem, static))
        return fold(And(tuple(parts)) if isinstance(f, Forall) else Or(tuple(parts)))
    if isinstance(f, (And, Or)):
        return fold(type(f)(tuple(ground_formula(x, binding, problem, static) for x in f.args)))
    raise PlansafeError(f"cannot ground {type(f).__name__}")


def fold(f: And | Or) -> Formula:
    """``f`` with constant arguments folded away (a unit dropped, a zero absorbing)."""
    unit, zero = (True, False) if isinstance(f, And) else (False, True)
    args = []
    for x in f.args:
        if isinstance(x, Const):
            if x.value == zero:
                return Const(zero)
            continue
        args.append(x)
    if not args:
        return Const(unit)
    return args[0] if len(args) == 1 else type(f)(tuple(args))


def ground_constraints(problem: Problem, policies: Sequence[Policy]) -> list[Temporal]:
    """Ground, simplified trajectory constraints; trivially satisfied ones are dropped."""
    static = problem.domain.static_predicates
    out: list[Temporal] = []
    for p in policies:
        for gc in ground_policy(p, problem.objects_of):
            b = dict(gc.binding)
            op = gc.op
            if isinstance(op, (SometimeBefore, SometimeAfter)):
                trig = ground_formula(op.trigger, b, problem, static)
                req = ground_formula(op.required, b, problem, static)
                if trig == Const(False) or (isinstance(op, SometimeAfter) and
                                            req == Const(True)):
                    continue
                out.append(type(op)(trig, req))
            else:
                arg = ground_formula(op.arg, b, problem, static)
                if (isinstance(op, Always) and arg == Const(True)) or \
                        (isinstance(op, AtMostOnce) and isinstance(arg, Const)) or \
                        (isinstance(op, Sometime) and arg == Const(True)):
                    continue
                out.append(type(op)(arg))
    return out
