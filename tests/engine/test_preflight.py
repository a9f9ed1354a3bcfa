"""A prompt too long for the model's context is refused before the model loads
(engine/llm/preflight.py), with the answer and the message the loaded backend gives."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.llm import DEFAULT_MODEL_DIR
from engine.llm.preflight import checkpoint_for_spec, counter_for
from engine.planner import PlannerAgent
from verifier.spec import load_spec

pytest.importorskip("tokenizers")


def _padded(spec, extra: int):
    """Robotics' example p01 with ``extra`` idle items lying about (the goal and its plan
    are p01's; only the prompt grows)."""
    from dataclasses import replace

    from verifier.spec import load_problem

    base = load_problem(spec, "p01")
    where = sorted(base.objects_of("location"))[0]
    objects = dict(base.objects) | {f"crate{i}": "item" for i in range(extra)}
    init = base.init | {("item-at", f"crate{i}", where) for i in range(extra)}
    return replace(base, objects=objects, init=frozenset(init))


@pytest.fixture(scope="module")
def robotics(specs_dir):
    return load_spec(specs_dir / "robotics")


def test_counter_counts_what_the_backend_counts(robotics, specs_dir):
    from engine.llm.backend import load_default_backend
    from engine.llm.prompts import problem_prompt

    counter = counter_for(DEFAULT_MODEL_DIR)
    assert counter is not None
    backend = load_default_backend()
    assert counter.context_tokens == backend.context_tokens
    for p in (_padded(robotics, 0), _padded(robotics, 20), _padded(robotics, 120)):
        prompt = problem_prompt(p)
        assert counter.prompt_tokens(prompt) == backend.prompt_tokens(prompt)


def test_overflow_is_told_without_loading_the_model(robotics, specs_dir):
    from engine.llm.backend import load_default_backend

    problem = _padded(robotics, 120)
    early = PlannerAgent(robotics, k=1, rounds=1, fallback=False)
    plan, _ = early.plan(problem)
    assert plan is None and early.last.context_overflow
    assert early._backend is None  # refused before loading the model
    # the same answer and message from the loaded backend
    loaded = PlannerAgent(robotics, backend=load_default_backend(), k=1, rounds=1,
                          fallback=False)
    plan2, _ = loaded.plan(problem)
    assert plan2 is None and loaded.last.context_overflow
    assert loaded.last.message == early.last.message
    assert "prompt_tokens=" in early.last.message


def test_auto_falls_back_without_loading_the_model(robotics, specs_dir):
    agent = PlannerAgent.for_planner(robotics, "auto", k=1, rounds=1)
    plan, verdict = agent.plan(_padded(robotics, 120))
    assert plan is not None and verdict is not None and verdict.valid
    assert agent.last.context_overflow and agent._backend is None


def test_a_problem_that_fits_loads_the_model(robotics, specs_dir):
    small = _padded(robotics, 0)
    agent = PlannerAgent(robotics, k=1, rounds=1, fallback=False)
    agent.plan(small)
    assert not agent.last.context_overflow and agent._backend is not None


def test_counter_declines_what_it_cannot_count(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    assert counter_for(folder) is not None
    cfg = json.loads((folder / "tokenizer_config.json").read_text())
    cfg["chat_template"] = "{{ messages }}"
    (folder / "tokenizer_config.json").write_text(json.dumps(cfg))
    assert counter_for(folder) is None  # a chat template's text comes from transformers
    gone = tmp_path / "n"
    shutil.copytree(DEFAULT_MODEL_DIR, gone, ignore=shutil.ignore_patterns("*.safetensors",
                                                                             "tokenizer.json"))
    assert counter_for(gone) is None
    assert counter_for(tmp_path / "missing") is None


def test_checkpoint_for_spec_follows_the_env(robotics, monkeypatch, tmp_path):
    monkeypatch.delenv("PLANSAFE_MODEL", raising=False)
    assert checkpoint_for_spec(robotics) == DEFAULT_MODEL_DIR
    monkeypatch.setenv("PLANSAFE_MODEL", str(tmp_path))
    assert checkpoint_for_spec(robotics) == tmp_path
