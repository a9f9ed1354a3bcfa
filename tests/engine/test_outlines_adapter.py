"""The outlines adapter (engine/llm/grammar_processor.py) pinned to the outlines version it
was checked against: an outlines upgrade that changes the processor base class fails here,
loudly, before a model run does; and its masks equal outlines' own llguidance processor's."""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest

pytest.importorskip("llguidance")
pytest.importorskip("outlines")
pytest.importorskip("transformers")

from engine.llm.grammar_processor import (  # noqa: E402
    OUTLINES_VERSIONS,
    GrammarMasks,
    grammar_processor_class,
)


def test_the_installed_outlines_is_the_checked_version() -> None:
    installed = importlib.metadata.version("outlines")
    assert installed in OUTLINES_VERSIONS, (
        f"outlines {installed} is installed; engine/llm/grammar_processor.py was checked "
        f"against {OUTLINES_VERSIONS}: re-check the OutlinesLogitsProcessor contract it "
        "relies on (its module docstring) and add the version")


def test_the_public_base_class_contract() -> None:
    from outlines.processors import OutlinesLogitsProcessor

    cls = grammar_processor_class()
    assert cls.__mro__[1:3] == (GrammarMasks, OutlinesLogitsProcessor)
    # what GrammarMasks relies on: __init__(tensor_library_name) sets tensor_adapter,
    # __call__ adapts the tensors and calls process_logits
    assert list(inspect.signature(OutlinesLogitsProcessor.__init__).parameters) == [
        "self", "tensor_library_name"]
    assert "process_logits" in inspect.getsource(OutlinesLogitsProcessor.__call__)
    assert "self.tensor_adapter" in inspect.getsource(OutlinesLogitsProcessor.__init__)
    # no private outlines hook is overridden any more
    from outlines.backends.llguidance import LLGuidanceLogitsProcessor

    assert not issubclass(cls, LLGuidanceLogitsProcessor)


@pytest.fixture(scope="module")
def lltok():  # noqa: ANN201
    import llguidance.hf

    from engine.llm.train import train_tokenizer

    tok = train_tokenizer(["plan\n(build api)\n(test api)\n(deploy api prod)\n"], 300)
    return llguidance.hf.from_tokenizer(tok)


def test_masks_equal_outlines_own_processor(lltok) -> None:  # noqa: ANN001
    import llguidance as llg
    import torch
    from outlines.backends.llguidance import LLGuidanceLogitsProcessor

    grammar = llg.grammar_from("lark", 'start: step*\nstep: "(build api)\\n" | '
                                       '"(test api)\\n" | "(deploy api prod)\\n"')
    ours = grammar_processor_class()(grammar, lltok, "torch")
    theirs = LLGuidanceLogitsProcessor(grammar, lltok, "torch")
    text = lltok.tokenize_str("(build api)\n(test api)\n")
    vocab = lltok.vocab_size
    ids = torch.tensor([[0]], dtype=torch.long)
    for step in range(len(text) + 1):
        logits = torch.zeros((1, vocab))
        a = ours(ids, logits.clone())
        b = theirs(ids, logits.clone())
        assert torch.equal(torch.isinf(a), torch.isinf(b)), step
        assert (~torch.isinf(a)).any(), step  # something is always allowed
        if step < len(text):
            ids = torch.cat([ids, torch.tensor([[text[step]]])], dim=1)
    ours.reset()
    assert ours.is_first_token


def test_only_torch(lltok) -> None:  # noqa: ANN001
    from verifier.errors import PlansafeError

    with pytest.raises(PlansafeError, match="torch tensors"):
        grammar_processor_class()("start: \"a\"", lltok, "numpy")
