"""LineMasks: the masks llguidance computes for a one-line grammar of literal lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.llm.prompts import step_line
from engine.llm.stateaware import _ground_steps, lark_of, line_masks
from verifier.spec import load_problem, load_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.fixture(scope="module")
def llg_tokenizer():
    """The embedded model's tokenizer, as llguidance sees it (no model loaded)."""
    import llguidance.hf
    from transformers import AutoTokenizer

    from engine.llm import DEFAULT_MODEL_DIR

    return llguidance.hf.from_tokenizer(AutoTokenizer.from_pretrained(DEFAULT_MODEL_DIR))


@pytest.fixture(scope="module")
def step_lines():
    """Every ground step line of a problem of each built-in spec."""
    from verifier.grounding import Task

    out = []
    for name in ("blocksworld", "devops", "documents", "robotics"):
        spec = load_spec(SPECS / name)
        task = Task(load_problem(spec, "p01"))
        out.append(sorted({line for _, line in _ground_steps(task)}))
    return out


def _llguidance_allowed(llg_tokenizer, lines, can_end, tokens):
    import llguidance as llg
    from llguidance.torch import allocate_token_bitmask, fill_next_token_bitmask

    m = llg.LLMatcher(llg_tokenizer, llg.grammar_from("lark", lark_of(lines, can_end)))
    for tok in tokens:
        assert m.consume_token(tok)
    bitmask = allocate_token_bitmask(1, llg_tokenizer.vocab_size)
    fill_next_token_bitmask(m, bitmask, 0)
    bits = np.unpackbits(bitmask[0].numpy().view(np.uint8), bitorder="little")
    return set(np.nonzero(bits[:llg_tokenizer.vocab_size])[0].tolist())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_masks_equal_llguidance_masks_along_any_walk(llg_tokenizer, step_lines, data):
    """Lines drawn from a spec's steps, may-end or not; at every token of a walk that
    picks any token llguidance allows, LineMasks allows exactly the same tokens."""
    pool = data.draw(st.sampled_from(step_lines))
    chosen = data.draw(st.lists(st.sampled_from(pool), min_size=0, max_size=12, unique=True))
    lines = tuple(sorted(t.encode() for t in chosen))
    can_end = data.draw(st.booleans())
    masks = line_masks(llg_tokenizer)
    tokens: list[int] = []
    for _ in range(40):
        want = _llguidance_allowed(llg_tokenizer, lines, can_end, tokens)
        got = masks.allowed(lines, masks.text(tokens), can_end)
        assert len(got) == len(set(got))
        assert set(got) == want, (lines, masks.text(tokens))
        tok = data.draw(st.sampled_from(sorted(want)))
        if tok == masks.eos or masks.text([*tokens, tok]).endswith(b"\n"):
            break
        tokens.append(tok)


def test_forced_text_allows_only_the_tokenizers_first_token(llg_tokenizer):
    """One line left: its bytes are forced, so the model writes them as the tokenizer
    would (the first token of their tokenization), not one letter at a time."""
    masks = line_masks(llg_tokenizer)
    line = step_line("navigate", ("r1", "kitchen", "a1", "level4", "level3")).encode()
    first = llg_tokenizer.tokenize_bytes(line)[0]
    assert masks.allowed((line,), b"", False) == [first]
    # with a second line, "(navigate r1 " is still forced, the rest is a choice
    other = step_line("navigate", ("r1", "kitchen", "dock", "level4", "level3")).encode()
    assert masks.allowed(tuple(sorted((line, other))), b"", False) == [first]
    opened = masks.text(llg_tokenizer.tokenize_bytes(b"(navigate r1 kitchen"))
    after = masks.allowed(tuple(sorted((line, other))), opened, False)
    assert {masks.bytes[t] for t in after} >= {b" a1", b" dock"}


def test_end_of_plan_and_dead_ends(llg_tokenizer):
    masks = line_masks(llg_tokenizer)
    line = step_line("stack", ("b1", "b2")).encode()
    assert masks.allowed((), b"", False) == [masks.eos]  # no step: the plan must end
    assert masks.eos in masks.allowed((line,), b"", True)  # may end: nothing is forced
    assert len(masks.allowed((line,), b"", True)) > 1
    assert masks.eos not in masks.allowed((line,), b"(stack", True)  # not mid-line
    assert masks.allowed((line,), b"(unstack", True) == []  # no line goes on from there
