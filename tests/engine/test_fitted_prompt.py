"""A plan prompt too long for the model's context leaves out static atoms
(engine/llm/prompts.py ``fitted_prompt``) and the state-aware decoding still plans."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.llm.prompts import fitted_prompt, problem_prompt
from verifier.spec import load_problem, load_spec


@pytest.fixture(scope="module")
def robotics(specs_dir):
    return load_spec(specs_dir / "robotics")


def _hall(spec, side: int):
    """Robotics' p01 (bring box1 from the dock to the shelf) with a ``side`` x ``side``
    grid of extra hall locations joined to the shelf: many static ``connected`` atoms, the
    same goal."""
    base = load_problem(spec, "p01")
    cells = [f"hall{i}x{j}" for i in range(side) for j in range(side)]
    links = set()
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < side and j + dj < side:
                    a, b = f"hall{i}x{j}", f"hall{i + di}x{j + dj}"
                    links |= {("connected", a, b), ("connected", b, a)}
    links |= {("connected", "shelf", "hall0x0"), ("connected", "hall0x0", "shelf")}
    return replace(base, objects=dict(base.objects) | {c: "location" for c in cells},
                   init=frozenset(base.init | links))


def test_a_prompt_that_fits_is_the_whole_prompt(robotics):
    p = _hall(robotics, 3)
    assert fitted_prompt(p, lambda text: True) == problem_prompt(p)


def test_the_largest_static_group_goes_first(robotics):
    p = _hall(robotics, 3)
    full = problem_prompt(p)
    assert "(connected hall0x0 hall0x1)" in full and "(charger dock)" in full
    once = fitted_prompt(p, lambda text: "(connected" not in text)
    assert "(connected" not in once
    # the other static atoms stay while the prompt fits without the largest group
    assert "(charger dock)" in once and "(next level0 level1)" in once
    # fluent atoms, objects and the goal are never left out
    none = fitted_prompt(p, lambda text: False)
    for kept in ("(at r1 dock)", "(battery r1 level4)", "(free r1)", "(item-at box1 dock)",
                 "hall2x2", "goal: (item-at box1 shelf)"):
        assert kept in none
    assert "(charger" not in none and "(next" not in none and "(connected" not in none


def test_the_state_aware_decoding_plans_past_the_context(robotics):
    pytest.importorskip("tokenizers")
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.preflight import counter_for
    from engine.planner import PlannerAgent

    p = _hall(robotics, 7)
    counter = counter_for(DEFAULT_MODEL_DIR)
    assert counter is not None
    # the whole prompt does not fit the embedded model's context at all
    assert counter.prompt_tokens(problem_prompt(p)) > counter.context_tokens
    agent = PlannerAgent(robotics, k=1, rounds=1, fallback=False)
    plan, verdict = agent.plan(p)
    assert not agent.last.context_overflow
    assert plan is not None and verdict is not None and verdict.valid
    assert agent.last.source == "llm"
