"""A tokenizer grown with a new spec's words (engine/llm/vocab.py): BPE merges learnt on
the spec's text after the base's, the base's tokens kept underneath, and the model's
embedding rows grown to match."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[2]


def _texts(spec: str, n: int, seed: int) -> list[str]:
    """Plan prompts and plans of the spec's example problems' generated variants."""
    from engine.llm.prompts import plan_prompt
    from engine.llm.specgen import spec_records

    recs = spec_records(ROOT / "specs" / spec, n, seed=seed, scales=(1.0,))
    return [plan_prompt(r["objects"], r["init"], r["goal"])
            + "".join(step + "\n" for step in r["plan"]) for r in recs]


@pytest.fixture(scope="module")
def grown():
    from engine.llm.train import train_tokenizer
    from engine.llm.vocab import extend_tokenizer

    base = train_tokenizer(_texts("devops", 6, 0), 400)  # never saw robotics
    robotics = _texts("robotics", 8, 0)
    new, merges = extend_tokenizer(base, robotics[:6], new_tokens=64, min_count=4)
    return base, new, merges, robotics


def test_the_new_specs_text_takes_fewer_tokens_and_reads_back(grown) -> None:
    base, new, merges, robotics = grown
    assert 0 < len(merges) <= 64
    assert len(new) == len(base) + len(merges)
    for text in robotics[6:]:  # text the merges were not learnt on
        ids = new(text)["input_ids"]
        assert len(ids) < len(base(text)["input_ids"])
        assert new.decode(ids) == text
    assert new.eos_token_id == base.eos_token_id


def test_the_new_merges_only_join_the_bases_tokens(grown) -> None:
    """Every word's tokens are the base's tokens with the new merges applied in order: the
    base's merges all come first."""
    from engine.llm.vocab import _merge

    base, new, merges, robotics = grown
    pre = base.backend_tokenizer.pre_tokenizer
    for text in robotics:
        for word, _ in pre.pre_tokenize_str(text):
            seq = tuple(t.value for t in base.backend_tokenizer.model.tokenize(word))
            for a, b in merges:
                seq = _merge(seq, a, b)
            assert seq == tuple(t.value for t in new.backend_tokenizer.model.tokenize(word))


def test_nothing_frequent_enough_leaves_the_tokenizer_as_it_is(grown) -> None:
    from engine.llm.vocab import extend_tokenizer

    base, _, _, robotics = grown
    same, merges = extend_tokenizer(base, robotics[:1], new_tokens=8, min_count=10**6)
    assert same is base and merges == []


def test_new_embedding_rows_are_the_mean_of_their_parts(grown) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from engine.llm.vocab import grow_embeddings

    base, new, merges, _ = grown
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(base), n_positions=64, n_embd=16,
                                       n_layer=1, n_head=2))
    old = model.get_input_embeddings().weight.detach().clone()
    grow_embeddings(model, base, new, merges)
    weight = model.get_input_embeddings().weight
    assert weight.shape[0] == len(new) and model.config.vocab_size == len(new)
    assert torch.equal(weight[:len(base)], old)
    assert model.get_output_embeddings().weight.data_ptr() == weight.data_ptr()  # tied
    vocab, base_vocab = new.get_vocab(), base.get_vocab()
    a, b = merges[0]  # both parts are base tokens
    expected = (old[base_vocab[a]] + old[base_vocab[b]]) / 2
    assert torch.allclose(weight[vocab[a + b]], expected)


def test_a_tokenizer_that_is_not_bpe_is_kept_as_it_is() -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from engine.llm.vocab import extend_tokenizer

    words = Tokenizer(models.WordLevel({"<eos>": 0, "(pick": 1, "r1": 2}, unk_token="<eos>"))
    words.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=words, eos_token="<eos>")
    same, merges = extend_tokenizer(tok, ["(pick r1)\n"] * 50, new_tokens=8, min_count=1)
    assert same is tok and merges == []
