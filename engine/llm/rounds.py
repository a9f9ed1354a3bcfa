"""Helpers of the Planner's feedback rounds (engine/planner.py): proposals written after
kept steps, where a rejected plan came closest to the goal, and how far it got."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from verifier.model import Plan, Verdict

__all__ = ["after_kept", "resume_point", "progress_of"]


def after_kept(keep: str, gens: Any) -> list[Any]:
    """Generations written after the steps ``keep``, as whole plans."""
    if not keep:
        return list(gens)
    return [replace(g, text=keep + g.text) for g in gens]


def resume_point(plan: Plan, verdict: Verdict, checker: Any) -> tuple[int, Any] | None:
    """Where a rejected plan came closest to the goal: the first node (state, policy
    memory) along its steps with the most goal literals holding, as (steps before it,
    node), when that is more than the initial state has; None otherwise, or when the goal
    is not a conjunction of literals. The walk stops before any step the verifier faults,
    any step not applicable and any that breaks a policy beyond repair. The next round
    plans from there (the model was trained on such mid-plan problems, and the decoding
    rules start from that node, policy memory included) and its proposals are that
    prefix and the new steps, verified whole."""
    from engine.llm.stateaware import Safe

    task = checker.task
    literals = task.literals(checker.problem.goal, {})
    if literals is None:
        return None
    pos, neg = literals
    faulted = {v.step for v in verdict.violations if v.step}
    actions = []
    for step in plan.steps:
        if step.id in faulted:
            break
        try:
            actions.append(task.action(step.action, step.args))
        except (KeyError, ValueError, IndexError):  # not a ground action here: stop
            break
    nodes: list[Any] = Safe(checker).after(actions)  # (state, policy memory) pairs
    holding = [(pos & state).bit_count() + (neg & ~state).bit_count() for state, _ in nodes]
    at = max(range(len(nodes)), key=lambda i: (holding[i], -i))
    return (at, nodes[at]) if holding[at] > holding[0] else None


def progress_of(verdict: Verdict, plan: Plan) -> int:
    """How far a rejected plan got: later failures first, goal-only failures best."""
    kinds = {v.kind for v in verdict.violations}
    if kinds <= {"goal"}:
        return 10_000
    ids = [s.id for s in plan.steps]
    steps = [ids.index(v.step) for v in verdict.violations if v.step in ids]
    return min(steps) if steps else -1
