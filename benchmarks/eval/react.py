"""The single-agent baseline: the same embedded model in a ReAct-style loop.

It reads the goal (the model alone under the goal grammar: :func:`raw_goal`), proposes a
plan with Plansafe's decoding budget (a beam search of 16 under the plan grammar, the same
new-token budget), acts step by step, and reads each tool's result: after an error (once a
step's 3 attempts fail) or a plan that ran without reaching the goal, it proposes again
from the observed world, with the failed call and the tool's error in its prompt
(:func:`engine.llm.prompts.feedback_prompt`, the prompt Plansafe's Planner uses for a
verifier's feedback). At most :data:`MAX_TURNS` proposals per task (Plansafe: one plan and
up to 5 replans). No verifier, no state-aware mask, no symbolic fallback: whether each
plan it ran would have passed the verifier is only measured (``unsafe_plans_executed``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from domains.scenarios import Scenario
from verifier.errors import PlansafeError

__all__ = ["RawReading", "raw_goal", "react_agent", "MAX_TURNS", "BEAMS", "token_budget",
           "BUDGET_TEXT"]

MAX_TURNS = 6  # one plan and up to 5 re-plans, as Plansafe's Monitor
BEAMS = 16  # engine.planner.DEFAULT_BEAMS: the width of Plansafe's first proposal
BUDGET_TEXT = (f"the embedded model in a ReAct loop: each proposal a beam search of {BEAMS} "
               "under the plan grammar, <= min(context left, 64 + 8 * (8 + 3 * objects)) new "
               "tokens (Plansafe's budget); it acts step by step and after a failed step (3 "
               f"attempts) or a plan that ends short of the goal proposes again from the "
               f"observed world with the call and the tool's error in its prompt, at most "
               f"{MAX_TURNS} proposals; goals read by the model alone under the goal grammar "
               "(top of 4 beams, no checks); no verifier, no state-aware mask, no symbolic "
               "fallback")


@dataclass(frozen=True, slots=True)
class RawReading:
    goal: str | None  # "(and ...)", or None when refused
    tokens: int
    reason: str = ""


def raw_goal(spec: Any, problem: Any, text: str, backend: Any) -> RawReading:
    """The model's own reading of a plain goal: its most likely answer under the goal grammar
    over the problem's objects, without Plansafe's checks (``(unknown)`` or an answer that
    does not type-check is a refusal)."""
    from engine.goals import goal_objects
    from engine.llm.grammar import goal_grammar
    from engine.llm.prompts import goal_prompt
    from verifier.policy import parse_formula

    objects = dict(problem.objects)
    prompt = goal_prompt(spec.name, goal_objects(objects, text, {}), text)
    gen = backend.best(prompt, 1, grammar=goal_grammar(spec.domain, objects),
                       max_new_tokens=160)[0]
    answer = gen.text.strip()
    if not answer or "unknown" in answer:
        return RawReading(None, gen.tokens, "the model answered (unknown)")
    formal = answer if answer.startswith("(and") else f"(and {answer})"
    try:
        parse_formula(formal, spec.domain, objects, path="<goal>")
    except PlansafeError as e:
        return RawReading(None, gen.tokens, f"not a goal of this problem: {e}")
    return RawReading(formal, gen.tokens)


def token_budget(backend: Any, prompt: str, n_objects: int) -> tuple[int, int]:
    """``(new tokens allowed, prompt tokens)`` under Plansafe's formula."""
    n_ctx = int(getattr(backend.model.config, "n_positions", 1024))
    n_prompt = len(backend.tokenizer(backend.format_prompt(prompt),
                                     add_special_tokens=False)["input_ids"])
    return min(64 + 8 * (8 + 3 * n_objects), n_ctx - n_prompt), n_prompt


def _propose(backend: Any, problem: Any, error: tuple[str, str] | None
             ) -> tuple[Any, int, str]:
    """``(plan or None, tokens, why not)``: one proposal from ``problem``'s initial state."""
    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import feedback_prompt, problem_prompt
    from verifier.errors import SpecError
    from verifier.plan_io import parse_plan

    prompt = problem_prompt(problem)
    if error is not None:  # the failed call and the tool's error, when they fit
        with_error = feedback_prompt(prompt, error[0], [error[1][:200]])
        if token_budget(backend, with_error, len(problem.objects))[0] >= 32:
            prompt = with_error
    budget, n_prompt = token_budget(backend, prompt, len(problem.objects))
    if budget < 32:
        return None, 0, f"the problem does not fit the model: a {n_prompt}-token prompt"
    grammar = plan_grammar(problem.domain, problem.objects, fmt="text")
    gen = backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=budget, beams=BEAMS)[0]
    lines = gen.text.strip().splitlines()
    while lines:
        try:
            plan = parse_plan("\n".join(lines) + "\n", path="<proposal>")
        except SpecError:
            lines = lines[:-1]  # a plan cut by the token limit: keep its whole lines
            continue
        return (plan if plan.steps else None), gen.tokens, "the model proposed no steps"
    return None, gen.tokens, "the model proposed no plan"


def _goal(spec: Any, problem: Any, s: Scenario, backend: Any, out: Any, t0: float
          ) -> str | None:
    """The scenario's goal: its text, or for a plain-words one the model's reading of it; None
    (``out`` says why, the run stopped) when the model could not read it."""
    if s.phrasing != "plain":
        return s.goal_text
    out.messages += 2  # the goal to the model, its reading back
    reading = raw_goal(spec, problem, s.goal_text, backend)
    out.tokens += reading.tokens
    if reading.goal is None:
        out.planning_s = time.perf_counter() - t0
        out.status, out.explanation = "stopped", f"goal not understood: {reading.reason}"
        return None
    return reading.goal


def react_agent(bench: Any, s: Scenario, out: Any, run_id: str, *, runner: Any) -> bool:
    """The ReAct single agent on one scenario (see the module); True when it claims done.
    ``bench``: a :class:`~benchmarks.eval.systems.Bench`; ``out``: the outcome it fills;
    ``runner``: the baselines' handle on a run (tool calls with retries, the world)."""
    from benchmarks.eval.rules import TaskFailed
    from engine.goals import with_goal
    from verifier.grounding import Task
    from verifier.problem_ops import with_initial_state
    from verifier.validate import Checker

    spec, problem, backend = bench.spec(s.domain), bench.problem(s), bench.backend
    t0 = time.perf_counter()
    goal = _goal(spec, problem, s, backend, out, t0)
    if goal is None:
        return False
    target = with_goal(problem, goal)
    task = Task(target)
    run = runner(bench, spec, s, problem, run_id, bench.tools(s.domain))
    out.planning_s = time.perf_counter() - t0
    error: tuple[str, str] | None = None
    for turn in range(MAX_TURNS):
        seen = run.tools.observe(run.info)
        now = seen if seen is not None else run.world()
        if task.goal_test(task.mask(now)):
            out.status = "completed"
            return True
        here = target if turn == 0 else with_initial_state(target, now, name=f"turn{turn}")
        t = time.perf_counter()
        plan, tokens, why = _propose(backend, here, error)
        out.planning_s += time.perf_counter() - t
        out.messages += 2  # the plan request, the plan
        out.tokens += tokens
        out.replans += int(turn > 0)
        if plan is None:
            out.status, out.explanation = "stopped", why
            out.note = "context" if "does not fit" in why else ""
            return False
        verdict = Checker(here, policies=spec.policies, access=spec.access,
                          describe=spec.describe).check(plan)
        out.unsafe_plans_executed += int(not verdict.valid)  # measured, never acted on
        try:
            asyncio.run(_execute(run, plan))
            error = ("(plan ran)", "the plan ran but the goal does not hold")
        except TaskFailed as e:
            error = (e.call or "", str(e))
            out.cause_calls = [e.call] if e.call else []
            out.explanation = str(e)
    seen = run.tools.observe(run.info)
    if task.goal_test(task.mask(seen if seen is not None else run.world())):
        out.status = "completed"
        return True
    out.status = "stopped"
    out.explanation = f"gave up after {MAX_TURNS} proposals: " + (error[1] if error else "")
    return False


async def _execute(run: Any, plan: Any) -> None:
    for st in plan.steps:
        await run.call(st.action, *st.args)
