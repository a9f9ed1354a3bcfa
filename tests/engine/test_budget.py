"""Fail fast, session 17 (issue 22): a proposal's token budget from the problem's relaxed
distance and the model's turn bounded by the command's deadline (engine/llm/budget.py),
one torch thread for a small CPU model
(engine/llm/backend.py) and the bitmask helpers restated without llguidance.torch
(engine/llm/grammar_processor.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.llm.backend import Generation, _cpu_threads
from engine.llm.budget import (
    STEP_SLACK,
    STEPS_PER_UNIT,
    TURN_SHARE,
    step_budget,
    step_tokens,
    token_budget,
)
from engine.llm.stateaware import Safe
from engine.planner import PlannerAgent
from tests.engine import test_failfast
from tests.engine.test_planner_agent import GOOD, ScriptedBackend
from verifier.deadline import within
from verifier.errors import PlansafeError


class WordTokenizer:
    """One token per word: a test double of a Hugging Face tokenizer's call."""

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        return {"input_ids": [len(w) for w in text.split()]}


devops = test_failfast.devops  # (spec, problem p02, its checker): the same fixture


def test_step_budget_is_the_relaxed_distance_with_slack(devops):
    _, _, checker = devops
    rules = Safe(checker)
    distance = rules.distance(rules.initial())
    assert distance and step_budget(checker) == STEPS_PER_UNIT * distance + STEP_SLACK
    assert step_budget(checker) >= len(GOOD.splitlines())  # the known good plan fits


def test_step_tokens_is_the_mean_step_line(devops):
    _, _, checker = devops
    task = checker.task
    lines = []
    for schema in task.domain.actions.values():
        lines.append(1 + len(schema.param_types))  # a word each
    assert step_tokens(WordTokenizer(), task) == -(-sum(lines) // len(lines)) + 1


class Tokenized(ScriptedBackend):
    """A scripted backend with a tokenizer, remembering the token budgets it was given."""

    tokenizer = WordTokenizer()

    def __init__(self, rounds: list[list[str]]) -> None:
        super().__init__(rounds)
        self.budgets: list[int] = []

    def generate(self, prompt: str, **kw: Any) -> list[Generation]:
        self.budgets.append(kw["max_new_tokens"])
        return super().generate(prompt, **kw)


def test_the_agent_cuts_the_flat_budget_to_the_problems_own(devops):
    spec, problem, checker = devops
    backend = Tokenized([[GOOD]])
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=1)
    plan, _ = agent.plan(problem)
    assert plan is not None
    flat = 64 + 8 * (8 + 3 * len(problem.objects))
    own = token_budget(backend, checker)
    assert own is not None and own < flat  # the budget triggers here
    assert backend.budgets == [own]
    # a given max_new_tokens, or a backend without a tokenizer: the flat budget as before
    backend = Tokenized([[GOOD]])
    PlannerAgent(spec, backend=backend, k=1, rounds=1, max_new_tokens=300).plan(problem)
    assert backend.budgets == [300]
    assert token_budget(ScriptedBackend([[GOOD]]), checker) is None


class Params:
    def __init__(self, n: int) -> None:
        self.n = n

    def parameters(self) -> list[Any]:
        import torch

        return [torch.zeros(self.n)]


def test_a_small_cpu_model_decodes_on_one_thread(monkeypatch):
    monkeypatch.delenv("PLANSAFE_TORCH_THREADS", raising=False)
    assert _cpu_threads(Params(1_000_000), "cpu") == 1
    assert _cpu_threads(Params(1_000_000), "cuda") is None
    assert _cpu_threads(Params(60_000_000), "cpu") is None
    monkeypatch.setenv("PLANSAFE_TORCH_THREADS", "2")
    assert _cpu_threads(Params(1_000_000), "cpu") == 2
    monkeypatch.setenv("PLANSAFE_TORCH_THREADS", "many")
    with pytest.raises(PlansafeError, match="PLANSAFE_TORCH_THREADS"):
        _cpu_threads(Params(1), "cpu")


def test_bitmask_helpers_match_llguidance_torch():
    import llguidance as llg
    import llguidance.hf
    import llguidance.torch as lt
    import torch
    from transformers import AutoTokenizer

    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.grammar_processor import _lib

    tok = llguidance.hf.from_tokenizer(AutoTokenizer.from_pretrained(DEFAULT_MODEL_DIR))
    grammar = llg.grammar_from("lark", 'start: "(build api)\\n" | "(test api)\\n"')
    mine, theirs = (_lib().allocate_token_bitmask(2, tok.vocab_size),
                    lt.allocate_token_bitmask(2, tok.vocab_size))
    assert torch.equal(mine, theirs)
    m = llg.LLMatcher(tok, grammar)
    _lib().fill_next_token_bitmask(m, mine, 1)
    lt.fill_next_token_bitmask(m, theirs, 1)
    assert torch.equal(mine, theirs) and not torch.equal(mine[0], mine[1])


class Timed(ScriptedBackend):
    """A scripted backend with ``max_time``, remembering it at each generate call."""

    def __init__(self, rounds: list[list[str]]) -> None:
        super().__init__(rounds)
        self.max_time: float | None = None
        self.times: list[float | None] = []

    def generate(self, prompt: str, **kw: Any) -> list[Generation]:
        self.times.append(self.max_time)
        return super().generate(prompt, **kw)


@pytest.mark.parametrize(("fallback", "share"), [(False, TURN_SHARE[0]), (True, TURN_SHARE[1])])
def test_the_commands_deadline_bounds_the_models_whole_turn(devops, fallback, share):
    spec, problem, _ = devops
    backend = Timed([[GOOD]])
    with within(20.0):
        PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=fallback).plan(problem)
    first = backend.times[0]  # the first proposal is bounded too
    assert first is not None and share * 20.0 - 5.0 < first <= share * 20.0
    assert backend.max_time is None  # cleared after the call
    backend = Timed([[GOOD]])
    PlannerAgent(spec, backend=backend, k=1, rounds=1).plan(problem)  # no deadline open
    assert backend.times == [None]
