"""Fail fast and long problems (issue 22): a generation that stops coming closer to the
goal ends, rounds that make no progress end the model's turn, the time budget after the
first proposal follows how long it took, and a proposal cut by the context goes on from
the state it reached (engine/llm/windows.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.llm.backend import Generation
from engine.llm.stateaware import Safe
from engine.llm.windows import MIN_ANSWER, continue_proposal, node_after, room
from engine.planner import PlannerAgent
from tests.engine.test_planner_agent import GOOD, ScriptedBackend
from verifier.plan_io import parse_plan
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker


@pytest.fixture(scope="module")
def devops(specs_dir):
    spec = load_spec(specs_dir / "devops")
    problem = load_problem(spec, "p02")
    return spec, problem, Checker(problem, policies=spec.policies, access=spec.access)


def test_distance_falls_to_zero_along_a_valid_plan(devops):
    _, _, checker = devops
    rules = Safe(checker)
    nodes = rules.after([checker.task.action(*_call(line)) for line in GOOD.splitlines()])
    ds = [rules.distance(n) for n in nodes]
    assert len(nodes) == 7 and ds[0] > 0 and ds[-1] == 0
    assert ds == sorted(ds, reverse=True)  # a good plan never goes further away


def test_distance_of_an_unreachable_goal(specs_dir):
    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p01")
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    rules = Safe(checker)
    assert rules.distance(rules.initial()) > 0
    # a state with no atoms: nothing is clear or on the table, no step applies
    assert rules.distance((0, rules.initial()[1])) == 10**6


def _call(line: str) -> tuple[str, tuple[str, ...]]:
    words = line.strip("()\n").split()
    return words[0], tuple(words[1:])


class Patient(ScriptedBackend):
    """A scripted backend with the attributes the agent sets for fail fast."""

    def __init__(self, rounds: list[list[str]]) -> None:
        super().__init__(rounds)
        self.patience: int | None = None
        self.patiences: list[int | None] = []
        self.stalled = False

    def generate(self, prompt: str, **kw: Any) -> list[Generation]:
        self.patiences.append(self.patience)
        return super().generate(prompt, **kw)


def test_the_agent_sets_patience_for_each_generation_and_clears_it(devops):
    spec, problem, _ = devops
    backend = Patient([[GOOD]])
    PlannerAgent(spec, backend=backend, k=1, rounds=1).plan(problem)
    assert backend.patiences == [10 + 2 * len(problem.objects)] and backend.patience is None
    backend = Patient([[GOOD]])
    PlannerAgent(spec, backend=backend, k=1, rounds=1, patience=0).plan(problem)
    assert backend.patiences == [None]


def test_rounds_that_come_no_closer_end_the_models_turn(devops):
    spec, problem, _ = devops
    stuck = "(build api)\n(test api)\n(deploy api staging)\n"  # the same each round
    backend = ScriptedBackend([[stuck]])
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=5, fallback=False,
                         llm_seconds=300)
    plan, _ = agent.plan(problem)
    assert plan is None
    # no step came closer to the goal: round 2 was the feedback round, then the turn ended
    assert len(agent.last.rounds) == 2 and len(backend.prompts) == 2


def test_the_budget_after_the_first_proposal_follows_its_time(devops, monkeypatch):
    spec, problem, _ = devops
    monkeypatch.delenv("PLANSAFE_LLM_SECONDS", raising=False)
    agent = PlannerAgent(spec, backend=ScriptedBackend([[GOOD]]))
    cap = min(12.0, 3.0 + 0.25 * len(problem.objects))
    assert agent._budget(problem, 0.1) == 1.0
    assert agent._budget(problem, 2.5) == min(2.5, cap)
    assert agent._budget(problem, 100.0) == cap
    assert PlannerAgent(spec, llm_seconds=7.0)._budget(problem, 0.1) == 7.0


class Sized:
    context_tokens = 100

    def prompt_tokens(self, prompt: str) -> int:
        return len(prompt)


def test_room_is_what_the_context_leaves():
    assert room(Sized(), "x" * 10, 50) == 50  # fits
    assert room(Sized(), "x" * 30, 100) == 70  # clipped to the context
    assert room(Sized(), "x" * (100 - MIN_ANSWER + 1), 100) == 100  # too little: overflow
    assert room(object(), "x" * 99, 100) == 100  # a backend with no known context


def test_a_proposal_cut_by_the_context_goes_on_from_its_state(devops):
    _, problem, checker = devops
    lines = GOOD.splitlines(keepends=True)
    first = Generation("".join(lines[:3]) + "(backup", 20)  # cut at its cap (20 tokens)
    prompts: list[tuple[str, Any]] = []

    def write(prompt: str, node: Any) -> tuple[Generation, int]:
        prompts.append((prompt, node))
        return Generation("".join(lines[3:]), 12), 20  # ended before its cap

    gen = continue_proposal(first, 20, 100, windows=3, checker=checker, problem=problem,
                            start=None, write=write)
    assert gen.text == GOOD and gen.tokens == 32 and len(prompts) == 1
    prompt, node = prompts[0]
    assert node == node_after("".join(lines[:3]), checker)
    assert "(deployed api staging)" in prompt  # the state the first window reached
    assert checker.check(parse_plan(gen.text, path="<windows>")).valid


def test_steps_that_cannot_be_taken_reach_no_node(devops):
    _, _, checker = devops
    assert node_after("(deploy api prod)\n", checker) is None
    assert node_after("(fly api)\n", checker) is None
