"""Guided decoding: the model writes a plan one step at a time from the state it is in.

An optional decoding mode of the Planner agent (``PlannerAgent(..., guided=True)``,
``plansafe plan --decoding guided``). Before each step the current state, computed by
the verifier's simulator, is written into the plan prompt as its initial atoms, and the
model writes the next step under a grammar whose only alternatives are the steps that

- are applicable in that state,
- do not break a safety rule of the spec on the plan so far (``always``,
  ``at-most-once``, ``sometime-before``: once broken, no later step can mend them) and
  have an agent allowed to run them, and
- have not already been taken from that same state in this walk (so a greedy walk that
  comes back to a state tries something else instead of looping).

The steps allowed are those of the state-aware rules (:class:`engine.llm.stateaware.Safe`).
The walk ends when the plan so far passes the verifier (goal and every policy), when no
step is left (a dead end), or at the step limit. Whatever it returns is verified again
by the agent like any other proposal. The model still chooses every step; the simulator
only keeps it honest about where it is. Enumerating applicable steps grounds every
action, so like the state-aware constraint this is for small problems.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal, cast

from engine.llm.backend import Generation, ModelBackend
from engine.llm.prompts import atom_text, goal_parts, plan_prompt

__all__ = ["GuidedWalk", "WalkStatus", "guided_walk"]

#: why a walk stopped: the goal reached with every rule kept, no allowed step left (or the
#: backend answered outside the grammar), or ``max_steps`` taken
WalkStatus = Literal["valid", "dead-end", "step-limit"]


@dataclass(frozen=True, slots=True)
class GuidedWalk:
    """One proposal made step by step: the plan text and why the walk stopped."""

    text: str
    tokens: int
    seconds: float
    steps: int
    status: WalkStatus
    model_calls: int

    def generation(self) -> Generation:
        return Generation(self.text, self.tokens, self.seconds)


def guided_walk(backend: ModelBackend, problem: Any, checker: Any, *, sample: bool = False,
                temperature: float = 0.7, max_steps: int = 64,
                tokens_per_step: int = 32) -> GuidedWalk:
    """Walk from the initial state with the model choosing each step (see the module doc)."""
    from engine.llm.stateaware import Safe

    start = time.perf_counter()
    task = checker.task
    rules = Safe(checker)  # applicable, an allowed agent, no safety rule broken
    goal = goal_parts(problem.goal)
    objects = list(problem.objects)
    node = rules.initial()
    lines: list[str] = []
    taken: set[tuple[int, str]] = set()
    tokens = calls = 0

    def done(status: WalkStatus) -> GuidedWalk:
        return GuidedWalk("".join(lines), tokens, time.perf_counter() - start, len(lines),
                          status, calls)

    while True:
        options, may_end = rules.options(node)
        if may_end:  # goal and every owed rule hold, nothing broken: the verifier agrees
            return done("valid")
        if len(lines) >= max_steps:
            return done("step-limit")
        state = cast(Any, node)[0]  # nodes are (state, policy memory) pairs
        allowed = {call: nxt for call, nxt in options.items() if (state, call) not in taken}
        if not allowed:
            return done("dead-end")
        if len(allowed) == 1:
            call = next(iter(allowed))  # nothing to choose: no model call
        else:
            grammar = "start: step\nstep: " + " | ".join(json.dumps(c) for c in sorted(allowed))
            prompt = plan_prompt(objects, (atom_text(a) for a in task.atoms_of(state)), goal)
            gen = backend.sample_one(prompt, grammar=grammar, max_new_tokens=tokens_per_step,
                                     temperature=temperature) if sample else \
                backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=tokens_per_step,
                                 temperature=temperature)[0]
            calls += 1
            tokens += gen.tokens
            call = gen.text if gen.text.endswith("\n") else gen.text + "\n"
            if call not in allowed:  # only a backend that ignores the grammar gets here
                return done("dead-end")
        taken.add((state, call))
        node = allowed[call]
        lines.append(call)
