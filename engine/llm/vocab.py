"""A checkpoint's tokenizer grown with the words of a new spec (``plansafe train SPEC``).

A model fine-tuned on a spec keeps its base's byte-level BPE tokenizer, which splits the
words it never saw into many pieces: the base trained without robotics writes
``(navigate`` as six tokens, and half of robotics' problems up to 3x its examples' sizes
overflowed the 768-token context for that alone (benchmarks/results/llm_hint.md). Here
the tokenizer learns more merges from the new spec's own text, the way BPE training does
(the most frequent adjacent pair of tokens, counted over the pre-tokenized words, becomes
one token, until ``new_tokens`` are made or no pair is frequent enough), appended after
the base's merges: the base's merges all apply first, so text the base already wrote in
few tokens keeps its tokens, and the new merges only join what it split. The model's
embedding table grows by the same rows, each new row the mean of the rows of the old
tokens it joins (the fine-tune then trains them). The ``tokenizers`` library runs the
result; nothing here tokenizes at run time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

__all__ = ["extend_tokenizer", "grow_embeddings"]


def _merge(seq: tuple[str, ...], a: str, b: str) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(seq):
        if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return tuple(out)


def learn_merges(tok: Any, texts: Iterable[str], *, new_tokens: int, min_count: int = 8
                 ) -> list[tuple[str, str]]:
    """The merges (pairs of tokens as the tokenizer's model writes them) BPE training
    would add after ``tok``'s (a Hugging Face fast tokenizer) on ``texts``: at most
    ``new_tokens`` of them, each joining a pair seen at least ``min_count`` times."""
    backend = tok.backend_tokenizer
    words: Counter[str] = Counter()
    for text in texts:
        for piece, _ in backend.pre_tokenizer.pre_tokenize_str(text):
            words[piece] += 1
    seqs = {w: tuple(t.value for t in backend.model.tokenize(w)) for w in words}
    vocab = backend.get_vocab()
    merges: list[tuple[str, str]] = []
    while len(merges) < new_tokens:
        pairs: Counter[tuple[str, str]] = Counter()
        for w, seq in seqs.items():
            for a, b in zip(seq, seq[1:], strict=False):
                if a + b not in vocab:  # (a token the base makes from another split)
                    pairs[(a, b)] += words[w]
        if not pairs:
            break
        (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if count < min_count:
            break
        merges.append((a, b))
        vocab[a + b] = len(vocab)
        seqs = {w: _merge(seq, a, b) if a in seq and b in seq else seq
                for w, seq in seqs.items()}
    return merges


def extend_tokenizer(tok: Any, texts: Iterable[str], *, new_tokens: int,
                     min_count: int = 8) -> tuple[Any, list[tuple[str, str]]]:
    """``tok`` with the merges of :func:`learn_merges` appended (a new fast tokenizer with
    the same special tokens) and those merges; ``tok`` itself when none is learnt or it is
    not a fast BPE tokenizer."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    backend = getattr(tok, "backend_tokenizer", None)
    if backend is None or json.loads(backend.to_str())["model"].get("type") != "BPE":
        return tok, []  # only a fast BPE tokenizer learns merges (another is kept as it is)
    merges = learn_merges(tok, texts, new_tokens=new_tokens, min_count=min_count)
    if not merges:
        return tok, []
    spec = json.loads(backend.to_str())
    model = spec["model"]
    if len(tok.backend_tokenizer.get_vocab()) != len(model["vocab"]):
        from verifier.errors import PlansafeError

        raise PlansafeError("the checkpoint's tokenizer has added tokens outside its BPE "
                            "vocabulary, so new tokens cannot be appended after its ids "
                            "(train with --new-tokens 0 to keep it as it is)")
    for a, b in merges:  # new ids after every id in use
        model["vocab"][a + b] = len(model["vocab"])
        model["merges"].append(f"{a} {b}" if model["merges"] and isinstance(
            model["merges"][0], str) else [a, b])
    grown: Any = cast(Any, PreTrainedTokenizerFast)(
        tokenizer_object=Tokenizer.from_str(json.dumps(spec)),
        eos_token=tok.eos_token, bos_token=tok.bos_token, pad_token=tok.pad_token,
        unk_token=tok.unk_token)
    grown.model_max_length = tok.model_max_length
    return grown, merges


def grow_embeddings(model: Any, old: Any, new: Any, merges: list[tuple[str, str]]) -> None:
    """Resize ``model``'s (tied) embeddings from ``old``'s vocabulary to ``new``'s; each
    new token's row is the mean of the rows of the old tokens it is made of."""
    import torch

    old_vocab = old.backend_tokenizer.get_vocab()
    new_vocab = new.backend_tokenizer.get_vocab()
    parts: dict[str, list[int]] = {}

    def ids_of(token: str) -> list[int]:
        if token in old_vocab:
            return [old_vocab[token]]
        return parts[token]

    for a, b in merges:
        parts[a + b] = ids_of(a) + ids_of(b)
    before = model.get_input_embeddings().weight.shape[0]
    model.resize_token_embeddings(max(before, len(new)), mean_resizing=False)
    weight = model.get_input_embeddings().weight
    with torch.no_grad():
        for token, ids in parts.items():
            weight[new_vocab[token]] = weight[ids].mean(dim=0)
