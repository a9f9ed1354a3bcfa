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
from typing import Any

from engine.llm.backend import Generation, ModelBackend
from engine.llm.prompts import atom_text, goal_parts, plan_prompt, step_line

__all__ = ["GuidedWalk", "guided_walk", "safety_rules"]

_SAFETY_OPS = frozenset({"Always", "AtMostOnce", "SometimeBefore"})


@dataclass(frozen=True, slots=True)
class GuidedWalk:
    """One proposal made step by step: the plan text and why the walk stopped."""

    text: str
    tokens: int
    seconds: float
    steps: int
    status: str  # "valid" | "dead-end" | "step-limit"
    model_calls: int

    def generation(self) -> Generation:
        return Generation(self.text, self.tokens, self.seconds)


def safety_rules(checker: Any) -> frozenset[str]:
    """Ids of the policies whose every ground constraint is a safety rule.

    A plan prefix that breaks one of these cannot be completed into a valid plan; a
    prefix that only misses an ``sometime`` / ``sometime-after`` rule still can.
    """
    ops: dict[str, set[str]] = {}
    for c in checker.constraints():
        ops.setdefault(c.constraint.policy.id, set()).add(type(c.constraint.op).__name__)
    return frozenset(pid for pid, kinds in ops.items() if kinds <= _SAFETY_OPS)


def _breaks_safety(checker: Any, safety: frozenset[str], states: list[int],
                   steps: list[Any]) -> bool:
    return any(v.kind == "access" or (v.kind == "policy" and v.rule in safety)
               for v in checker.prefix_violations(states, steps))


def guided_walk(backend: ModelBackend, problem: Any, checker: Any, *, sample: bool = False,
                temperature: float = 0.7, max_steps: int = 64,
                tokens_per_step: int = 32) -> GuidedWalk:
    """Walk from the initial state with the model choosing each step (see the module doc)."""
    from verifier.model import Plan, Step

    start = time.perf_counter()
    task = checker.task
    safety = safety_rules(checker)
    goal = goal_parts(problem.goal)
    objects = list(problem.objects)
    state = task.initial_state
    states = [state]  # S0..Sn of the steps so far
    steps: list[Any] = []
    taken: set[tuple[int, str]] = set()
    tokens = calls = 0

    def done(status: str) -> GuidedWalk:
        return GuidedWalk("".join(step_line(s.action, s.args) for s in steps), tokens,
                          time.perf_counter() - start, len(steps), status, calls)

    while True:
        if checker.check(Plan(tuple(steps))).valid:
            return done("valid")
        if len(steps) >= max_steps:
            return done("step-limit")
        allowed: dict[str, tuple[int, Any]] = {}
        for ga in task.applicable_actions(state):
            call = step_line(ga.name, ga.args)
            if (state, call) in taken:
                continue
            nxt = ga.apply(state)
            step = Step(f"s{len(steps) + 1}", ga.name, ga.args)
            if _breaks_safety(checker, safety, states + [nxt], steps + [step]):
                continue
            allowed[call] = (nxt, step)
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
        state, step = allowed[call]
        states.append(state)
        steps.append(step)
