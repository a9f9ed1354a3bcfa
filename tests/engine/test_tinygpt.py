"""The embedded model without transformers (engine/llm/tinygpt.py) writes what transformers'
``generate`` writes: beam search under the state-aware rules, greedy under the plan
grammar, the best few beams, and sampled rows from the same seed, token for token."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from engine.llm import DEFAULT_MODEL_DIR
from engine.llm.backend import TransformersBackend
from engine.llm.grammar import plan_grammar
from engine.llm.prompts import problem_prompt
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def both() -> tuple[Any, Any]:
    import os

    hf = TransformersBackend(DEFAULT_MODEL_DIR, device="cpu")  # the default
    os.environ["PLANSAFE_TINYGPT"] = "1"
    try:
        tiny = TransformersBackend(DEFAULT_MODEL_DIR, device="cpu")
    finally:
        del os.environ["PLANSAFE_TINYGPT"]
    assert tiny.tiny and not hf.tiny
    return tiny, hf


def _calls(backend: Any, spec_dir: Any, name: str) -> list[tuple[str, int]]:
    import torch

    spec = load_spec(spec_dir)
    problem = load_problem(spec, name)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    prompt = problem_prompt(problem)
    grammar = plan_grammar(problem.domain, problem.objects, fmt="text")
    gens = [*backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=60, state=checker,
                              beams=16),
            *backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=60),
            *backend.best(prompt, 3, grammar=grammar, max_new_tokens=40)]
    torch.manual_seed(3)
    gens += backend.sample(prompt, 3, grammar=grammar, max_new_tokens=40, state=checker)
    return [(g.text, g.tokens) for g in gens]


@pytest.mark.parametrize("spec,name", [("blocksworld", "p03"), ("robotics", "p02"),
                                       ("devops", "p02")])
def test_same_tokens_as_transformers(both, specs_dir, spec, name) -> None:  # noqa: ANN001
    tiny, hf = both
    ours = _calls(tiny, specs_dir / spec, name)
    assert ours == _calls(hf, specs_dir / spec, name)
    assert ours[0][0].count("\n") >= 2  # the beam wrote steps


def test_same_tokenizer_as_transformers(both) -> None:  # noqa: ANN001
    tiny, hf = both
    text = "(stack b1 b2)\n(unstack zuxi53 molo49)\n<|endoftext|> plan:"
    assert tiny.tokenizer(text)["input_ids"] == hf.tokenizer(text, add_special_tokens=False)[
        "input_ids"]
    ids = hf.tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tiny.tokenizer.decode(ids) == hf.tokenizer.decode(ids, skip_special_tokens=True)
    assert tiny.llg_tokenizer.vocab_size == hf.llg_tokenizer.vocab_size
    assert tiny.llg_tokenizer.tokenize_str(text) == hf.llg_tokenizer.tokenize_str(text)


def test_the_opt_in_fast_path_imports_no_transformers(tmp_path) -> None:  # noqa: ANN001
    code = ("import sys; from engine.llm.backend import load_default_backend; "
            "b = load_default_backend(device='cpu'); "
            "b.generate('plan:', grammar='start: step*\\nstep: \"(a)\\\\n\"', k=2, "
            "max_new_tokens=4); "
            "print(sorted(m for m in ('transformers', 'outlines', 'torch._dynamo') "
            "if m in sys.modules))")
    import os

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PLANSAFE_TINYGPT": "1"})
    assert out.stdout.strip().splitlines()[-1] == "[]"
