"""Drop the steps a valid plan does not need (greedy action elimination).

A language model that may stop only at the goal sometimes does work nobody asked for
before it gets there (builds and deploys another service, tidies blocks that were fine).
Such steps have effects in the world, so a valid plan is shortened before anything runs:
for each step, from the first, remove it together with every later step that can no
longer run without it; keep the removal when the shorter plan still passes the verifier
(goal, policies, access); repeat until a pass removes nothing. This is the greedy action
elimination of Fink and Yang (1992), also used by Nakhost and Müller (2010) to post-process
planner output; the result is checked by :class:`verifier.validate.Checker` like any other plan.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from verifier.model import Plan, Step

__all__ = ["eliminate_redundant_steps"]


def eliminate_redundant_steps(checker: Any, plan: Plan) -> Plan:
    """The plan without the step groups it does not need (sequential plans only; a plan
    that is not valid, or not sequential, comes back unchanged). Step ids are renumbered
    ``s1..sn``; agents are kept."""
    if not plan.is_sequential or not checker.check(plan).valid:
        return plan
    steps = list(plan.steps)
    task = checker.task
    changed = True
    while changed:  # until a whole pass removes nothing: a removal can free earlier steps
        changed = False
        i = 0
        while i < len(steps):
            trial = _without(task, steps, i)
            if trial is not None and checker.check(replace(plan, steps=tuple(trial))).valid:
                steps, changed = trial, True
            else:
                i += 1
    if len(steps) == len(plan.steps):
        return plan
    renumbered = tuple(Step(f"s{n + 1}", s.action, s.args, s.agent) for n, s in
                       enumerate(steps))
    return replace(plan, steps=renumbered)


def _without(task: Any, steps: list[Step], i: int) -> list[Step] | None:
    """``steps`` without step ``i`` and every later step that is then inapplicable."""
    state = task.initial_state
    for s in steps[:i]:
        state = task.action(s.action, s.args).apply(state)
    kept = steps[:i]
    for s in steps[i + 1:]:
        ga = task.action(s.action, s.args)
        if ga.applicable(state):
            state = ga.apply(state)
            kept.append(s)
    return kept if len(kept) < len(steps) else None
