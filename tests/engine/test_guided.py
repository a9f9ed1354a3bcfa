"""Guided decoding: each step is chosen by the model among the applicable, safe, untried steps."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from engine.llm.backend import Generation, ModelBackend
from engine.llm.guided import guided_walk
from engine.planner import PlannerAgent
from verifier.errors import PlansafeError
from verifier.plan_io import parse_plan
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker


def alternatives(grammar: str) -> list[str]:
    line = next(x for x in grammar.splitlines() if x.startswith("step: "))
    return [json.loads(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', line)]


class Chooser(ModelBackend):
    """Picks a step with ``choose(prompt, alternatives)``; records every grammar it saw."""

    name = "chooser"

    def __init__(self, choose: Callable[[str, list[str]], str]) -> None:
        self.choose = choose
        self.grammars: list[str] = []
        self.sampled = 0

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        assert grammar is not None
        self.grammars.append(grammar)
        return [Generation(self.choose(prompt, alternatives(grammar)), 3)] * k

    def sample_one(self, prompt: str, *, grammar: str | None, max_new_tokens: int = 256,
                   temperature: float = 0.7) -> Generation:
        self.sampled += 1
        return self.generate(prompt, grammar=grammar)[0]


@pytest.fixture(scope="module")
def blocks(specs_dir):
    spec = load_spec(specs_dir / "blocksworld")
    return spec, load_problem(spec, "p02")


@pytest.fixture(scope="module")
def devops(specs_dir):
    spec = load_spec(specs_dir / "devops")
    return spec, load_problem(spec, "p02")


_SAFETY_OPS = frozenset({"Always", "AtMostOnce", "SometimeBefore"})


def safety_rules(checker: Any) -> frozenset[str]:
    """Ids of the policies whose every ground constraint is a safety rule (the oracle the
    walk's offered steps are checked against; the walk itself uses engine.llm.stateaware).

    A plan prefix that breaks one of these cannot be completed into a valid plan; a
    prefix that only misses an ``sometime`` / ``sometime-after`` rule still can.
    """
    ops: dict[str, set[str]] = {}
    for c in checker.constraints():
        ops.setdefault(c.constraint.policy.id, set()).add(type(c.constraint.op).__name__)
    return frozenset(pid for pid, kinds in ops.items() if kinds <= _SAFETY_OPS)


def checker_for(spec: Any, problem: Any) -> Checker:
    return Checker(problem, policies=spec.policies, access=spec.access)


def test_safety_rules_are_the_rules_a_prefix_can_break_for_good(blocks):
    spec, problem = blocks
    assert safety_rules(checker_for(spec, problem)) == {"nothing-on-fragile",
                                                        "fragile-lifted-once"}


def test_teacher_choices_give_the_teacher_plan_and_stop_at_the_goal(devops):
    from engine.symbolic.planning import solve

    spec, problem = devops
    teacher = solve(problem, policies=spec.policies, access=spec.access).plan
    calls = [s.call + "\n" for s in teacher.steps]
    backend = Chooser(lambda prompt, alts: calls[len(backend.grammars) - 1])
    walk = guided_walk(backend, problem, checker_for(spec, problem))
    assert walk.status == "valid"
    assert walk.text == "".join(calls)
    assert checker_for(spec, problem).check(parse_plan(walk.text)).valid
    assert walk.model_calls == len(calls)  # (p02 offers a choice at every step)


def test_every_offered_step_is_applicable_safe_and_untried(blocks):
    spec, problem = blocks
    checker = checker_for(spec, problem)
    backend = Chooser(lambda prompt, alts: alts[0])  # a poor, loop-prone choice
    walk = guided_walk(backend, problem, checker, max_steps=40)
    assert walk.status in ("valid", "dead-end", "step-limit")
    # replay: the grammar at each choice offered only applicable steps that keep the
    # safety rules, and the walk never took the same step from the same state twice (the
    # rules may offer fewer: steps that strand the goal are left out, and where one step
    # is left the walk takes it without asking; the chooser takes the first offered)
    safety = safety_rules(checker)
    task = checker.task
    state, taken, prefix = task.initial_state, set(), ""
    grammars = [alternatives(g) for g in backend.grammars]
    asked = 0
    for call in parse_plan(walk.text).steps:
        text = call.call + "\n"
        applicable = {"(" + " ".join((g.name, *g.args)) + ")\n": g
                      for g in task.applicable_actions(state)}
        candidates = {c for c in applicable if (state, c) not in taken
                      and not _breaks(checker, prefix + c, safety)}
        assert text in candidates
        if asked < len(grammars) and grammars[asked][0] == text \
                and set(grammars[asked]) <= candidates:
            assert len(grammars[asked]) > 1  # one step left: no model call
            asked += 1
        assert (state, text) not in taken
        taken.add((state, text))
        state = applicable[text].apply(state)
        prefix += text
    assert asked == len(grammars) == walk.model_calls  # every model call was replayed
    if walk.status == "valid":
        assert checker.check(parse_plan(walk.text)).valid


def _breaks(checker: Checker, text: str, safety: frozenset[str]) -> bool:
    return any(v.kind == "access" or (v.kind == "policy" and v.rule in safety)
               for v in checker.check(parse_plan(text)).violations)


def test_a_backend_that_ignores_the_grammar_ends_the_walk(devops):
    spec, problem = devops
    walk = guided_walk(Chooser(lambda prompt, alts: "(deploy api prod)\n"), problem,
                       checker_for(spec, problem))
    assert walk.status == "dead-end" and walk.text == ""


def test_prompt_shows_the_current_state(blocks):
    spec, problem = blocks
    prompts: list[str] = []

    def choose(prompt: str, alts: list[str]) -> str:
        prompts.append(prompt)
        return alts[0]

    guided_walk(Chooser(choose), problem, checker_for(spec, problem), max_steps=3)
    assert len(prompts) >= 2 and prompts[0] != prompts[1]
    assert all(p.startswith("plan\nobjects: ") and "\ngoal: " in p for p in prompts)


def test_agent_guided_fails_closed_and_records_walks(devops):
    spec, problem = devops
    bad = Chooser(lambda prompt, alts: "(launch api)\n")
    agent = PlannerAgent(spec, backend=bad, k=2, rounds=2, fallback=False, guided=True)
    plan, verdict = agent.plan(problem)
    assert plan is None and agent.last.source is None
    assert agent.last.walks == ["dead-end"] * 4
    agent = PlannerAgent(spec, backend=bad, k=2, rounds=1, guided=True)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid and plan.provenance.source == "symbolic"


def test_agent_guided_first_walk_valid_is_llm(devops):
    from engine.symbolic.planning import solve

    spec, problem = devops
    calls = [s.call + "\n" for s in solve(problem, policies=spec.policies,
                                          access=spec.access).plan.steps]

    def choose(prompt: str, alts: list[str]) -> str:
        return next(c for c in calls if c in alts)

    backend = Chooser(choose)
    agent = PlannerAgent(spec, backend=backend, k=4, rounds=1, guided=True)
    plan, verdict = agent.plan(problem)
    assert verdict.valid and plan.provenance.source == "llm"
    assert agent.last.first_proposal_valid and agent.last.walks == ["valid"]
    assert backend.sampled == 0  # the first walk is greedy and the others were not needed


def test_guided_options(devops):
    spec, _ = devops
    with pytest.raises(PlansafeError):
        PlannerAgent(spec, guided=True, fmt="json")
    with pytest.raises(PlansafeError):
        PlannerAgent(spec, guided=True, state_aware=True)


def test_embedded_model_guided_walk(specs_dir):
    pytest.importorskip("torch")
    pytest.importorskip("outlines")
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import load_default_backend

    if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file():
        pytest.skip("the embedded model is not built (plansafe train --out engine/models/default)")
    spec = load_spec(specs_dir / "devops")
    problem = load_problem(spec, "p01")
    agent = PlannerAgent(spec, backend=load_default_backend(device="cpu"), k=2, rounds=1,
                         guided=True)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid
    assert set(agent.last.walks) <= {"valid", "dead-end", "step-limit"}
    assert agent.last.unparseable == 0
