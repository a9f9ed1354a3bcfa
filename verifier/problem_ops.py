"""Problems derived during execution: replanning from an observed state, with history.

- :func:`with_initial_state`: the same objects and goal from another initial state
  (the unified-planning problem is cloned with the new initial values).
- :func:`residual_policies`: policies are rules over the *whole* trajectory, so a plan
  from the middle of a run must respect what already happened. Each ground instance
  is rewritten against the executed history: ``sometime-before`` whose requirement
  already held is dropped; ``at-most-once`` of something that held and stopped holding
  becomes ``always not``; a ``sometime-after`` obligation still open adds ``sometime``;
  ``sometime`` already met is dropped. Plans that satisfy the residual policies from
  the current state satisfy the original policies over history + plan.
- :func:`forbid_calls`: access rules with some ground calls taken away from every agent
  (a rejected approval, a permanently failing tool).
- :func:`check_trajectory`: the policies on an observed sequence of states (an executed
  prefix), each state labelled with the step that produced it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from verifier import model
from verifier.access import AccessRules, Agent, Pattern
from verifier.policy import GroundConstraint, Policy, ground_policy

if TYPE_CHECKING:
    from verifier.grounding import Task

__all__ = ["with_initial_state", "residual_policies", "forbid_calls", "check_trajectory",
           "substitute", "policy_atoms"]


def with_initial_state(problem: model.Problem, atoms: Iterable[model.GroundAtom], *,
                       name: str | None = None) -> model.Problem:
    """``problem`` with another initial state (objects and goal unchanged)."""
    init = frozenset(tuple(a) for a in atoms)
    up_problem = None  # built only when read, like the original's
    if problem.deferred_up_problem() is not None:
        up_problem = model.LazyUpProblem(
            functools.partial(_up_with_initial_state, problem, init, name))
    return replace(problem, name=name or problem.name, init=init,
                   path=f"<{name or problem.name}: observed state>", up_problem=up_problem)


def _up_with_initial_state(problem: model.Problem, init: frozenset[model.GroundAtom],
                           name: str | None) -> Any:
    pb = problem.up_problem.clone()
    for fluent_exp in list(pb.explicit_initial_values):
        if fluent_exp.type.is_bool_type():
            pb.set_initial_value(fluent_exp, False)
    for a in init:
        pb.set_initial_value(pb.fluent(a[0])(*(pb.object(x) for x in a[1:])), True)
    if name:
        pb.name = name
    return pb


def substitute(f: model.Formula | model.Temporal, binding: Mapping[str, str]) -> Any:
    """Replace variables bound in ``binding`` (respecting inner quantifiers)."""
    if not binding:
        return f
    if isinstance(f, model.Atom):
        return model.Atom(f.pred, tuple(binding.get(a, a) for a in f.args))
    if isinstance(f, model.Not):
        return model.Not(substitute(f.arg, binding))
    if isinstance(f, model.And):
        return model.And(tuple(substitute(a, binding) for a in f.args))
    if isinstance(f, model.Or):
        return model.Or(tuple(substitute(a, binding) for a in f.args))
    if isinstance(f, model.Imply):
        return model.Imply(substitute(f.left, binding), substitute(f.right, binding))
    if isinstance(f, model.Eq):
        return model.Eq(binding.get(f.left, f.left), binding.get(f.right, f.right))
    if isinstance(f, (model.Forall, model.Exists)):
        inner = {k: v for k, v in binding.items() if k not in {p for p, _ in f.params}}
        return type(f)(f.params, substitute(f.body, inner))
    if isinstance(f, (model.Always, model.Sometime, model.AtMostOnce)):
        return type(f)(substitute(f.arg, binding))
    if isinstance(f, (model.SometimeBefore, model.SometimeAfter)):
        return type(f)(substitute(f.trigger, binding), substitute(f.required, binding))
    return f


def residual_policies(policies: Sequence[Policy], problem: model.Problem,
                      history: Sequence[frozenset[model.GroundAtom]], *, relaxed: bool = False
                      ) -> tuple[Policy, ...]:
    """Policies for planning from ``problem.init`` after the states in ``history``.

    ``history`` holds the states strictly before the current one (``problem.init``),
    oldest first. A policy none of whose instances changes is returned unchanged.

    ``relaxed=True`` is for planners that reject a ``sometime-after`` whose trigger holds
    in the initial state: such an instance becomes just ``sometime`` of its requirement
    (weaker; the plan must then be verified against the exact residual policies).
    """
    if not history and not relaxed:
        return tuple(policies)
    from verifier.grounding import Task

    task = Task(problem)
    masks = [task.mask(s) for s in history]
    now = task.initial_state
    out: list[Policy] = []
    for p in policies:
        changed = False
        rules: list[Any] = []
        for gc in ground_policy(p, task.objects_of):
            instance_changed, instance_rules = _residual_rules(task, gc, masks, now, relaxed)
            changed = changed or instance_changed
            rules.extend(instance_rules)
        if not changed:
            out.append(p)
        elif rules:
            out.append(Policy(p.id, model.And(tuple(rules)), p.text + " [residual]", p.says, p.path,
                              p.line, p.col))
    return tuple(out)


def _residual_rules(task: Task, gc: GroundConstraint, masks: list[int], now: int,
                    relaxed: bool) -> tuple[bool, list[Any]]:
    """One ground instance's residual rules after the states ``masks`` (now: ``now``), and
    whether it changed (see :func:`residual_policies`)."""
    changed = False
    rules: list[Any] = []
    b = dict(gc.binding)
    op = gc.op
    ground = substitute(op, b)
    if isinstance(op, (model.SometimeBefore, model.SometimeAfter)):
        trig, req = task.compile(op.trigger, b), task.compile(op.required, b)
    else:
        trig, req = task.compile(op.arg, b), None
    if isinstance(op, model.Always):
        rules.append(ground)
    elif isinstance(op, model.Sometime):
        if any(trig(m) for m in masks):
            changed = True
        else:
            rules.append(ground)
    elif isinstance(op, model.AtMostOnce):
        if any(trig(m) for m in masks) and not trig(now):
            changed = True
            rules.append(model.Always(model.Not(ground.arg)))
        else:
            rules.append(ground)
    elif isinstance(op, model.SometimeBefore):
        if any(req(m) for m in masks):  # type: ignore[misc]
            changed = True
        else:
            rules.append(ground)
    elif isinstance(op, model.SometimeAfter):
        pending = False
        for m in (*masks, now):
            if req(m):  # type: ignore[misc]
                pending = False
            elif trig(m):
                pending = True
        if relaxed and trig(now) and not req(now):  # type: ignore[misc]
            changed = True
        elif pending and masks:
            changed = True
            rules.append(ground)
        else:
            rules.append(ground)
        if pending and (masks or relaxed):
            rules.append(model.Sometime(ground.required))
    return changed, rules


def forbid_calls(access: AccessRules, calls: Iterable[tuple[str, tuple[str, ...]]]
                 ) -> AccessRules:
    """``access`` where no agent may perform any of ``calls`` any more."""
    pats = tuple(Pattern(a, tuple(args), "(" + " ".join((a, *args)) + ")") for a, args in calls)
    if not pats:
        return access
    return AccessRules(tuple(Agent(a.name, a.may, a.may_not + pats) for a in access.agents))


def policy_atoms(policy: Policy) -> frozenset[str]:
    """The predicates a policy mentions."""
    out: set[str] = set()

    def walk(f: Any) -> None:
        if isinstance(f, model.Atom):
            out.add(f.pred)
        elif isinstance(f, (model.Not, model.Always, model.Sometime, model.AtMostOnce)):
            walk(f.arg)
        elif isinstance(f, (model.And, model.Or)):
            for a in f.args:
                walk(a)
        elif isinstance(f, model.Imply):
            walk(f.left)
            walk(f.right)
        elif isinstance(f, (model.Forall, model.Exists)):
            walk(f.body)
        elif isinstance(f, (model.SometimeBefore, model.SometimeAfter)):
            walk(f.trigger)
            walk(f.required)

    walk(policy.rule)
    return frozenset(out)


def check_trajectory(problem: model.Problem, policies: Sequence[Policy],
                     states: Sequence[frozenset[model.GroundAtom]], labels: Sequence[str], *,
                     complete: bool, describe: Mapping[str, str] | None = None
                     ) -> list[model.Violation]:
    """Policy violations on ``states`` (``states[0]`` initial; ``labels[i]`` made state i+1).

    With ``complete=False`` obligations still open at the end (``sometime``,
    ``sometime-after``) are not violations yet.
    """
    from verifier.validate import Checker

    if len(labels) != len(states) - 1:
        raise ValueError("need one label per state after the first")
    checker = Checker(problem, policies=policies, describe=describe)
    masks = [checker.task.mask(s) for s in states]
    steps = [model.Step(label, "-", ()) for label in labels]
    return checker._policies(masks, steps, complete=complete)
