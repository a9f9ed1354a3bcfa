"""A proposal's token budget from the problem: a relaxed plan-length estimate with slack.

The planner's flat budget (``64 + 8 * (8 + 3 * objects)`` tokens) grows with the objects
whatever the goal asks: on a 9-block problem whose goal is one ``on`` of two clear blocks
(2 steps) a failing first proposal wandered for 277 tokens (~28 steps of renamed blocks).
Here the budget is the steps the goal plausibly needs, :data:`STEPS_PER_UNIT` times the
relaxed distance of the initial node (:meth:`engine.llm.stateaware.Safe.distance`: the
sum over the goal's atoms of the delete-relaxation layer in which each first holds) and
:data:`STEP_SLACK` more, times the most tokens one step line of this problem takes in the
model's tokenizer (the action with the longest-tokenized object of each parameter's type).

Calibration (session 17, benchmarks/results/llm_spec_train.md; the shipped model's
first proposals on the unseen problems of the training sizes from
``benchmarks/llm_plan.py``'s first evaluation set): every valid one (blocksworld 24 / 25,
robotics 6 / 7) had at most ``4 * distance + 2`` steps (34 steps at distance 8; the next
highest ratio 6 steps at distance 2), so with the slack each is written unchanged.
An estimate, no proof: a valid plan longer than the budget is cut (the verifier then
rejects the proposal and the feedback rounds go on from its best point).
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["STEPS_PER_UNIT", "STEP_SLACK", "TURN_SHARE", "step_budget", "step_tokens",
           "token_budget", "turn_end"]

#: steps allowed per unit of the initial node's relaxed distance
STEPS_PER_UNIT = 4
#: steps allowed beyond that
STEP_SLACK = 10
#: share of the command's time left the model's turn may take: (model alone, with fallback)
TURN_SHARE = (0.9, 0.5)


def step_budget(checker: Any) -> int | None:
    """Steps a first proposal may take: ``STEPS_PER_UNIT * distance + STEP_SLACK`` for the
    initial node's relaxed distance; None when the goal is not a conjunction of literals
    or is out of relaxed reach (no estimate)."""
    from engine.llm.stateaware import Safe

    safe = Safe(checker)
    distance = safe.distance(safe.initial())
    if distance is None or distance >= 10**6:
        return None
    return STEPS_PER_UNIT * distance + STEP_SLACK


def step_tokens(tokenizer: Any, task: Any) -> int | None:
    """Tokens a plan step of ``task`` takes in ``tokenizer`` (a Hugging Face tokenizer,
    called on a string): the mean over the action schemas (rounded up) of the line with,
    per parameter, the object of that type whose name takes the most tokens; one more
    for a merge across the line's boundary. (The mean, not the most: plans mix short and
    long actions, blocksworld's renamed blocks 7 and 13 tokens, ~10 a step measured; the
    steps' slack covers the rest.) None when an action has a parameter type without
    objects."""
    from engine.llm.prompts import step_line

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    longest: dict[str, str] = {}
    lines: list[int] = []
    for schema in task.domain.actions.values():
        args = []
        for t in schema.param_types:
            if t not in longest:
                objs = task.objects_of(t)
                if not objs:
                    return None
                longest[t] = max(objs, key=lambda o: (count(" " + o), o))
            args.append(longest[t])
        lines.append(count(step_line(schema.name, tuple(args))))
    return -(-sum(lines) // len(lines)) + 1 if lines else None


def token_budget(backend: Any, checker: Any) -> int | None:
    """Tokens a first proposal may take: :func:`step_budget` steps of :func:`step_tokens`
    each and one for the end; None when either is unknown (a backend without a
    ``tokenizer``: the planner's flat budget stays)."""
    tokenizer = getattr(backend, "tokenizer", None)
    if tokenizer is None or not callable(tokenizer):
        return None
    steps = step_budget(checker)
    per_step = step_tokens(tokenizer, checker.task) if steps is not None else None
    if steps is None or per_step is None:
        return None
    return steps * per_step + 1


def turn_end(fallback: bool) -> float | None:
    """When the model's turn must end (``time.perf_counter()`` time): with a deadline open
    (:mod:`verifier.deadline`: ``plansafe plan --timeout``, 60 s by default) the model may
    take :data:`TURN_SHARE` of the time it leaves, half when the symbolic fallback comes
    after it (``auto`` keeps the other half), 90% alone (what it wrote is still judged and
    the run ends "no verified plan" rather than "timeout"). The first proposal is bounded
    by it too: a running generation stops there (the backend's ``max_time``). None: no
    deadline open. Before this, a failing 9-block run took 174 s at load 15 whatever
    ``--timeout`` said (the deadline was checked only after the model's turn)."""
    from verifier.deadline import current

    deadline = current()
    if deadline is None:
        return None
    share = TURN_SHARE[1] if fallback else TURN_SHARE[0]
    return time.perf_counter() + share * max(0.0, deadline.left())
