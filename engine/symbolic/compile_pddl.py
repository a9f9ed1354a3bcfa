"""Compile policies and access rules into a grounded classical PDDL task, for Fast Downward.

The classic PDDL3 compilation (Baier & McIlraith; Percassi & Gerevini), done on ground
actions we already have: one monitor atom per ground constraint, preconditions built by
regressing state formulas through each action's effects, and goal atoms for ``sometime``
and ``sometime-after``. It replaces unified-planning's ``TrajectoryConstraintsRemover``
on the default path because that compiler took 13 s on robotics p05 (this takes well
under a second); it needs actions without conditional effects, and falls back otherwise.

Semantics over states S0..Sn (S_{i+1} = result of action i in S_i):
- always φ:            φ(S0) and, for every action, regress(φ) must hold before it.
- sometime φ:          monitor ``hold`` set when regress(φ) holds; goal ``hold`` (or φ(S0)).
- at-most-once φ:      ``was`` = φ held in an earlier state; forbid regress(φ) ∧ ¬φ ∧ was.
- sometime-before φ ψ: ``seen`` = ψ held in some state before the current one's successor;
                       forbid regress(φ) ∧ ¬seen ∧ ¬ψ; set ``seen`` when ψ holds now.
- sometime-after φ ψ:  ``pending`` set when regress(φ) ∧ ¬regress(ψ), cleared when
                       regress(ψ); goal ¬pending.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.symbolic.ground import fold, ground_constraints, ground_formula
from verifier import model
from verifier.deadline import Ticker, checkpoint
from verifier.pddl_writer import atom_text, formula_text
from verifier.policy import Policy

__all__ = ["CompiledTask", "compile_task", "compilable"]


@dataclass(frozen=True, slots=True)
class CompiledTask:
    domain_pddl: str
    problem_pddl: str
    actions: dict[str, tuple[str, tuple[str, ...]]]  # PDDL action name -> (action, args)
    ground_actions: int


def compilable(problem: model.Problem) -> bool:
    """True when every effect is unconditional (regression is then exact)."""
    return all(isinstance(e.condition, model.Const) and e.condition.value and not e.forall
               for a in problem.domain.actions.values() for e in a.effects)


def _regress(f: model.Formula, add: frozenset[model.GroundAtom],
             delete: frozenset[model.GroundAtom]) -> model.Formula:
    if isinstance(f, model.Atom):
        key = (f.pred, *f.args)
        if key in add:
            return model.Const(True)
        if key in delete:
            return model.Const(False)
        return f
    if isinstance(f, model.Not):
        inner = _regress(f.arg, add, delete)
        return model.Const(not inner.value) if isinstance(inner, model.Const) else model.Not(inner)
    if isinstance(f, (model.And, model.Or)):
        return fold(type(f)(tuple(_regress(x, add, delete) for x in f.args)))
    return f


def _holds(f: model.Formula, state: frozenset[model.GroundAtom]) -> bool:
    if isinstance(f, model.Atom):
        return (f.pred, *f.args) in state
    if isinstance(f, model.Const):
        return f.value
    if isinstance(f, model.Not):
        return not _holds(f.arg, state)
    if isinstance(f, model.And):
        return all(_holds(x, state) for x in f.args)
    if isinstance(f, model.Or):
        return any(_holds(x, state) for x in f.args)
    raise TypeError(type(f).__name__)


def _ground_actions(problem: model.Problem, access: Any, static: frozenset[str]) -> list[Any]:
    """Type-correct ground actions whose static preconditions hold and that some agent may run."""
    from verifier.grounding import Task

    task = Task(problem)
    out = []
    tick = Ticker("grounding")
    for schema in problem.domain.actions.values():
        pools = [problem.objects_of(t) for t in schema.param_types]
        for combo in itertools.product(*pools):
            tick()
            if access is not None and not access.permitted(schema.name, combo):
                continue
            binding = dict(zip((v for v, _ in schema.params), combo, strict=True))
            lits = _literals(schema.precondition, binding, task)
            if lits is None:
                return []  # not a conjunction of literals: caller falls back
            if lits is False:
                continue  # an equality in the precondition is false for these arguments
            pos, neg = lits
            if any(a[0] in static and a not in problem.init for a in pos) or \
                    any(a[0] in static and a in problem.init for a in neg):
                continue
            add = frozenset(task.ground_atom(e.atom, binding) for e in schema.effects
                            if e.positive)
            delete = frozenset(task.ground_atom(e.atom, binding) for e in schema.effects
                               if not e.positive) - add
            out.append((schema.name, combo, pos, neg, add, delete))
    return out


_Literals = tuple[frozenset[model.GroundAtom], frozenset[model.GroundAtom]]


def _literals(f: model.Formula, binding: dict[str, str], task: Any
              ) -> _Literals | Literal[False] | None:
    """Positive and negative atoms of a conjunctive precondition; False if an equality
    fails for this binding; None if the precondition is not a conjunction of literals."""
    atoms: tuple[set[model.GroundAtom], set[model.GroundAtom]] = (set(), set())  # neg, pos
    walked = task.walk_literals(f, binding, lambda atom, positive: atoms[positive].add(atom))
    if walked is not True:
        return False if walked is False else None
    return frozenset(atoms[1]), frozenset(atoms[0])


def compile_task(problem: model.Problem, policies: Sequence[Policy], access: Any,
                 costs: Callable[[str, tuple[str, ...]], int] | None = None
                 ) -> CompiledTask | None:
    """The grounded, policy-compiled PDDL task, or None when the domain needs the fallback.

    ``costs``: a cost for each ground action (``:action-costs``, each action increases
    ``(total-cost)``, metric ``(minimize (total-cost))``); None: unit costs, as before."""
    if not compilable(problem):
        return None
    static = problem.domain.static_predicates
    constraints = ground_constraints(problem, policies)
    actions = _ground_actions(problem, access, static)
    if not actions and problem.domain.actions:
        return None
    init = problem.init
    compiled = _compile_constraints(constraints, actions, init)
    goal_parts = [_pddl_goal(problem), *compiled.goal_parts]
    names, lines = _action_texts(actions, compiled.pre, compiled.eff, costs)
    monitors, monitor_init = compiled.monitors, compiled.init
    preds = sorted({f"({p}" + "".join(f" ?x{j}" for j in range(len(sig))) + ")"
                    for p, sig in problem.domain.predicates.items()})
    preds += [f"({m})" for m in monitors]
    cost_req, functions, cost_init, metric = (
        (" :action-costs", " (:functions (total-cost) - number)\n", " (= (total-cost) 0)",
         "\n (:metric minimize (total-cost))") if costs is not None else ("", "", "", ""))
    domain = (
        "(define (domain plansafe-compiled)\n"
        " (:requirements :strips :negative-preconditions :disjunctive-preconditions "
        f":conditional-effects{cost_req})\n"
        f" (:constants {' '.join(sorted(problem.objects))})\n"
        f" (:predicates {' '.join(preds)})\n" + functions + "\n".join(lines) + ")\n"
    )
    prob = (
        "(define (problem plansafe-compiled-problem) (:domain plansafe-compiled)\n"
        f" (:init {' '.join(atom_text(a) for a in sorted(init))} {' '.join(monitor_init)}"
        f"{cost_init})\n"
        f" (:goal (and {' '.join(goal_parts)})){metric})\n"
    )
    return CompiledTask(domain, prob, names, len(actions))


@dataclass(frozen=True)
class _Monitors:
    """The constraints compiled: their monitor atoms (and those true initially), the goal atoms
    they add, and the preconditions and effects each ground action gains (by index)."""
    monitors: list[str]
    init: list[str]
    goal_parts: list[str]
    pre: list[list[str]]
    eff: list[list[str]]


def _compile_constraints(constraints: Sequence[Any], actions: list[Any],
                         init: frozenset[model.GroundAtom]) -> _Monitors:
    """One monitor atom per ground constraint, its conditions regressed through every action."""
    monitor_init: list[str] = []
    goal_parts: list[str] = []
    per_action_pre: list[list[str]] = [[] for _ in actions]
    per_action_eff: list[list[str]] = [[] for _ in actions]
    monitors: list[str] = []
    for ci, c in enumerate(constraints):
        checkpoint("compiling")  # each constraint visits every ground action
        m = f"plansafe-monitor-{ci}"
        if isinstance(c, model.Always):
            for i, (_, _, _, _, add, dele) in enumerate(actions):
                r = _regress(c.arg, add, dele)
                if r != model.Const(True) and r != c.arg:  # untouched: holds by induction
                    per_action_pre[i].append(formula_text(r))
        elif isinstance(c, model.Sometime):
            if _holds(c.arg, init):
                continue
            monitors.append(m)
            goal_parts.append(f"({m})")
            for i, (_, _, _, _, add, dele) in enumerate(actions):
                r = _regress(c.arg, add, dele)
                if r != model.Const(False) and r != c.arg:  # untouched: monitor already set
                    per_action_eff[i].append(f"(when {formula_text(r)} ({m}))")
        elif isinstance(c, model.AtMostOnce):
            monitors.append(m)
            if _holds(c.arg, init):
                monitor_init.append(f"({m})")
            for i, (_, _, _, _, add, dele) in enumerate(actions):
                r = _regress(c.arg, add, dele)
                if r == model.Const(False) or r == c.arg:  # cannot rise: nothing to check
                    continue
                per_action_pre[i].append(
                    f"(not (and {formula_text(r)} {formula_text(model.Not(c.arg))} ({m})))")
                per_action_eff[i].append(f"(when {formula_text(r)} ({m}))")
        elif isinstance(c, model.SometimeBefore):
            monitors.append(m)
            for i, (_, _, _, _, add, dele) in enumerate(actions):
                r = _regress(c.trigger, add, dele)
                if r != model.Const(False) and r != c.trigger:  # an untouched trigger was checked
                    per_action_pre[i].append(
                        f"(or {formula_text(model.Not(r))} ({m}) {formula_text(c.required)})")
                per_action_eff[i].append(f"(when {formula_text(c.required)} ({m}))")
        elif isinstance(c, model.SometimeAfter):
            monitors.append(m)
            goal_parts.append(f"(not ({m}))")
            if _holds(c.trigger, init) and not _holds(c.required, init):
                monitor_init.append(f"({m})")
            for i, (_, _, _, _, add, dele) in enumerate(actions):
                rt, rr = _regress(c.trigger, add, dele), _regress(c.required, add, dele)
                if rt == c.trigger and rr == c.required:
                    continue  # the pending flag cannot change
                if rr != model.Const(False):
                    per_action_eff[i].append(f"(when {formula_text(rr)} (not ({m})))")
                if rt != model.Const(False) and rr != model.Const(True):
                    per_action_eff[i].append(
                        f"(when (and {formula_text(rt)} {formula_text(model.Not(rr))}) ({m}))")
    return _Monitors(monitors, monitor_init, goal_parts, per_action_pre, per_action_eff)


def _action_texts(actions: list[Any], per_action_pre: list[list[str]],
                  per_action_eff: list[list[str]],
                  costs: Callable[[str, tuple[str, ...]], int] | None
                  ) -> tuple[dict[str, tuple[str, tuple[str, ...]]], list[str]]:
    """The compiled domain's actions (one per ground action, with its monitors' preconditions
    and effects, and its cost) and, by compiled name, the ground action each stands for."""
    names: dict[str, tuple[str, tuple[str, ...]]] = {}
    lines = []
    tick = Ticker("compiling")
    for i, (name, args, pos, neg, add, dele) in enumerate(actions):
        tick()
        aname = f"a{i}-{name}"
        names[aname] = (name, tuple(args))
        pre = [atom_text(a) for a in sorted(pos)]
        pre += [f"(not {atom_text(a)})" for a in sorted(neg)]
        pre += per_action_pre[i]
        eff = [atom_text(a) for a in sorted(add)]
        eff += [f"(not {atom_text(a)})" for a in sorted(dele)]
        eff += per_action_eff[i]
        if costs is not None:
            eff.append(f"(increase (total-cost) {max(1, int(costs(name, tuple(args))))})")
        lines.append(f" (:action {aname}\n  :parameters ()\n  :precondition (and {' '.join(pre)})"
                     f"\n  :effect (and {' '.join(eff)}))")
    return names, lines


def _pddl_goal(problem: model.Problem) -> str:
    return formula_text(ground_formula(problem.goal, {}, problem, frozenset()))
