"""The one adapter over outlines / llguidance: a grammar-constrained logits processor.

:func:`grammar_processor_class` gives the logits processor the model backend
(:mod:`engine.llm.backend`, grammar-constrained decoding) uses and the state-aware
constraint (:mod:`engine.llm.stateaware`) subclasses. It is built on outlines' *public*
processor API: it subclasses :class:`outlines.processors.OutlinesLogitsProcessor` (exported
by ``outlines.processors``), whose ``__call__`` adapts the tensors and calls
``process_logits`` (defined here), and ``reset`` (defined here); the only inherited state
it uses is ``tensor_adapter``, which that base class's ``__init__`` sets. The matchers, the
token bitmask and the masking (``_setup`` / ``_bias_logits`` below) are this module's own,
on llguidance's public API (``LLMatcher``; ``llguidance.torch``'s two bitmask helpers
are restated in :func:`_lib`); outlines' private
``LLGuidanceLogitsProcessor._setup`` / ``_bias_logits`` hooks, which an earlier version
overrode, are no longer used. tests/engine/test_outlines_adapter.py pins the outlines
version and the base-class contract this relies on, so an outlines upgrade that changes
it fails loudly there.

Same matchers and masks as outlines' ``LLGuidanceLogitsProcessor``, same biased logits bit
for bit; three costs are cut. outlines applies the mask row by row through llguidance's
torch kernel, which without torch.compile runs as eight eager tensor ops (~0.2 ms a row on
a CPU, a twentieth of the embedded model's whole step); here numpy unpacks the batch's
bitmask and one ``masked_fill_`` applies it (~15 us). The last tokens are read with one
``tolist`` instead of an ``item()`` a row. And each generate call's matchers are copies of
one compiled matcher, not compiled anew. Everything heavy is imported lazily.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

__all__ = ["grammar_processor_class", "GrammarMasks", "OUTLINES_VERSIONS", "TorchProcessorBase"]

#: the outlines releases whose processor base class this module was checked against
#: (pyproject pins ``outlines>=1.3.3,<1.4``; the test asserts the installed one is here)
OUTLINES_VERSIONS = ("1.3.3",)


@functools.cache
def _lib() -> SimpleNamespace:
    """numpy, torch and llguidance, imported on first use. ``llguidance.torch``'s two
    helpers are written here (what they do, on the CPU): importing that module runs a
    ``torch.compile`` decorator, which imports torch's compiler stack, 3.5 s of a failing
    ``--planner llm`` run at load 13 (session 17, benchmarks/results/llm_spec_train.md)
    for a kernel this module never uses."""
    import numpy as np
    import torch
    from llguidance import LLMatcher

    def allocate_token_bitmask(batch_size: int, vocab_size: int) -> Any:
        """llguidance.torch.allocate_token_bitmask on the CPU: all tokens allowed."""
        return torch.full((batch_size, (vocab_size + 31) // 32), -1, dtype=torch.int32)

    def fill_next_token_bitmask(matcher: Any, bitmask: Any, index: int = 0) -> None:
        """llguidance.torch.fill_next_token_bitmask: row ``index`` of ``bitmask`` (int32,
        CPU, contiguous) becomes ``matcher``'s next-token mask."""
        row = bitmask[index, :]
        matcher.unsafe_compute_mask_ptr(row.data_ptr(), row.numel() * row.element_size())

    return SimpleNamespace(np=np, torch=torch, LLMatcher=LLMatcher,
                           allocate_token_bitmask=allocate_token_bitmask,
                           fill_next_token_bitmask=fill_next_token_bitmask)


class GrammarMasks:
    """The masking logic, mixed into outlines' processor base by
    :func:`grammar_processor_class` (kept apart so that this module imports nothing heavy).
    Torch tensors only (the transformers backend's)."""

    tensor_adapter: Any  # set by OutlinesLogitsProcessor.__init__
    ll_matchers: list[Any]
    _bias_logits: Callable[[Any, Any], Any]  # set by _setup (a subclass may set its own)

    def __init__(self, grammar: str, llg_tokenizer: Any, tensor_library_name: str) -> None:
        if tensor_library_name != "torch":
            from verifier.errors import PlansafeError

            raise PlansafeError(f"the grammar processor works on torch tensors, not "
                                f"{tensor_library_name}")
        self.is_first_token = True
        self.grammar = grammar
        self.llg_tokenizer = llg_tokenizer
        self.tensor_library_name = tensor_library_name
        super().__init__(tensor_library_name)  # type: ignore[call-arg]  # outlines' base

    def reset(self) -> None:
        """The next generation starts afresh (matchers set up at its first token)."""
        self.is_first_token = True

    def _setup(self, batch_size: int) -> None:
        """Matchers and bitmask for a batch (its size is known at the first token)."""
        lib = _lib()
        # a fresh matcher compiles the grammar (~2 ms a row, each generate call);
        # copies of one compiled matcher cost a microsecond
        fresh = getattr(self, "_fresh", None)
        if fresh is None:
            fresh = self._fresh = lib.LLMatcher(self.llg_tokenizer, self.grammar)
        self.ll_matchers = [fresh.deep_copy() for _ in range(batch_size)]
        self.bitmask = lib.allocate_token_bitmask(batch_size, self.llg_tokenizer.vocab_size)
        self._bias_logits = self._bias_logits_batch

    #: masks by the text since the last newline (see :meth:`cache_masks_by_line`)
    _line_cache: dict[tuple[int, ...], Any] | None = None
    _verify_cache = False  # tests: compute every mask too and compare

    def cache_masks_by_line(self) -> None:
        """Reuse masks: for a grammar of newline-terminated lines (``start: step*``,
        the IPC plan grammar) the allowed tokens depend only on the text since the
        last newline, so the mask after ``(stack b1 `` is computed once per grammar,
        not once per step. Each row's tail (its tokens since the last newline) is
        read off its last tokens every step, so rows need no matcher kept in step
        and nothing to follow when beam search reorders them: a mask not yet kept is
        computed by a copy of the compiled matcher fed the tail. Rows that ended
        share one mask (EOS only); after a token with a newline inside it a row's
        mask is computed from its whole text until a token ends a line again."""
        self._line_cache = {}
        self._tok_nl: dict[int, int] = {}  # token -> 0 no newline, 1 ends one, 2 inside

    def _setup_tails(self, batch_size: int) -> None:
        self._tails: list[tuple[int, ...] | None] = [()] * batch_size

    #: a row's tail after it wrote EOS (token ids are never negative)
    _ENDED = (-1,)
    #: tokens read back per row to find its tail; longer lines read the whole row
    _WINDOW = 48

    def _tail(self, tokens: list[int], whole: bool) -> tuple[int, ...] | None:
        """The row's tokens since its last newline (the row's last ``tokens``;
        ``whole``: they are all it wrote), :attr:`_ENDED` after EOS, ``None`` after a
        token with a newline inside it or when ``tokens`` reach back to no line end
        and are not the whole row."""
        eos = self.llg_tokenizer.eos_token
        n = len(tokens)
        for j in range(n - 1, -1, -1):
            tok = tokens[j]
            if tok == eos:
                return self._ENDED
            kind = self._newline(tok)
            if kind == 1:
                return tuple(tokens[j + 1:])
            if kind == 2:
                return None
        return tuple(tokens) if whole else None

    def _read_tails(self, input_ids: Any) -> None:
        gen = input_ids.shape[1] - self._start
        w = min(gen, self._WINDOW)
        rows = input_ids[:, input_ids.shape[1] - w:].tolist() if w else \
            [[] for _ in range(input_ids.shape[0])]
        tails = []
        for i, row in enumerate(rows):
            tail = self._tail(row, w == gen)
            if tail is None and w < gen:  # a long line, or EOS further back
                tail = self._tail(input_ids[i, self._start:].tolist(), True)
            tails.append(tail)
        self._tails = tails

    def _newline(self, tok: int) -> int:
        kind = self._tok_nl.get(tok)
        if kind is None:
            text = self.llg_tokenizer.decode_bytes([tok])
            kind = 0 if b"\n" not in text else (1 if text.index(b"\n") == len(text) - 1
                                                 else 2)
            self._tok_nl[tok] = kind
        return kind

    #: per-row lists that move with their rows under beam search (see
    #: :meth:`_follow_beams`): shared values, and values each row must own
    _row_values: tuple[str, ...] = ("_tails",)
    _row_owned: tuple[str, ...] = ()

    def _start_beams(self, input_ids: Any) -> None:
        """At the first token: every row starts with the same prompt, so only the
        tokens after it tell rows apart (:meth:`_follow_beams`)."""
        self._start = input_ids.shape[1]
        self._prev = input_ids[:, self._start:].clone()

    def _follow_beams(self, input_ids: Any) -> None:
        """Beam search reorders rows between calls: give each row the matcher (and
        the other per-row values) of the row it continues, the one whose tokens are
        its tokens but the last. Greedy and sampled rows always continue
        themselves, which one comparison shows."""
        new = input_ids[:, self._start:]
        prev, self._prev = self._prev, new.clone()
        head = new[:, :-1]
        if prev is None or prev.shape != head.shape or _lib().torch.equal(head, prev):
            return
        same = (head[:, None, :] == prev[None, :, :]).all(-1)
        first = same.int().argmax(1)
        found = same.gather(1, first[:, None])[:, 0].tolist()
        parents = [p if ok else i
                   for i, (p, ok) in enumerate(zip(first.tolist(), found, strict=True))]
        if parents == list(range(len(parents))):
            return
        self.reorders = getattr(self, "reorders", 0) + 1  # tests: beams did move
        taken: set[int] = set()
        matchers = []
        for p in parents:  # a beam that splits gets a copy of its matcher
            m = self.ll_matchers[p]
            matchers.append(m.deep_copy() if m is not None and p in taken else m)
            taken.add(p)
        self.ll_matchers = matchers
        for name in self._row_values:
            old = getattr(self, name, None)
            if old is not None:
                setattr(self, name, [old[p] for p in parents])
        for name in self._row_owned:  # the first row to continue a row takes
            old = getattr(self, name)  # its value, the others copies
            taken.clear()
            owned = []
            for p in parents:
                owned.append(old[p].copy() if p in taken else old[p])
                taken.add(p)
            setattr(self, name, owned)

    def process_logits(self, input_ids: Any, logits: Any) -> Any:
        self._ids = input_ids
        if self.is_first_token:
            self._setup(self.tensor_adapter.shape(input_ids)[0])
            self._start_beams(input_ids)
            self.is_first_token = False
            if self._line_cache is not None:
                self._setup_tails(len(self.ll_matchers))
        elif self._line_cache is not None:  # tails read off the tokens
            self._read_tails(input_ids)
        else:  # rows that ended (pad after EOS) stop their matcher: mask EOS only
            self._follow_beams(input_ids)
            for m, tok in zip(self.ll_matchers, input_ids[:, -1].tolist(), strict=False):
                m.consume_token(tok)
        return self._bias_logits(input_ids, logits)

    @staticmethod
    def _banned(words: Any, vocab: int) -> Any:
        """Bitmask rows (int32 words, llguidance's layout) as banned-token rows
        (bool, ``vocab`` wide; model rows past the tokenizer's vocabulary banned)."""
        allowed = _lib().np.unpackbits(words.view(_lib().np.uint8), axis=-1, bitorder="little")
        banned = _lib().np.ones((allowed.shape[0], vocab), dtype=bool)
        n = min(vocab, allowed.shape[1])
        banned[:, :n] = allowed[:, :n] == 0
        return _lib().torch.from_numpy(banned)

    def _row_mask(self, i: int, vocab: int) -> Any:
        m = self.ll_matchers[i]
        if self._line_cache is not None:  # a copy of the compiled matcher, fed the
            tail = self._tails[i]  # tail, or the whole row (and under _verify_cache)
            whole = tail is None or tail == self._ENDED or self._verify_cache
            m = self._fresh.deep_copy()
            eos = self.llg_tokenizer.eos_token
            toks = self._ids[i, self._start:].tolist() if whole or tail is None else tail
            for tok in toks:
                m.consume_token(tok)
                if tok == eos:
                    break
        _lib().fill_next_token_bitmask(m, self.bitmask, i)
        return self._banned(self.bitmask[i:i + 1].numpy(), vocab)[0]

    def _bias_logits_batch(self, input_ids: Any, logits: Any) -> Any:
        vocab = logits.shape[-1]
        if self._line_cache is not None:
            rows = []
            for i, tail in enumerate(self._tails):
                row = self._line_cache.get(tail) if tail is not None else None
                if row is None:
                    row = self._row_mask(i, vocab)
                    # about 64 MB of masks at most (bool rows, vocab wide)
                    if tail is not None and len(self._line_cache) * vocab < 64_000_000:
                        self._line_cache[tail] = row
                elif self._verify_cache:
                    assert _lib().torch.equal(row, self._row_mask(i, vocab)), tail
                rows.append(row)
            banned = rows[0].unsqueeze(0) if len(rows) == 1 else _lib().torch.stack(rows)
            logits.masked_fill_(banned.to(logits.device, non_blocking=True),
                                float("-inf"))
            return logits
        for i, m in enumerate(self.ll_matchers):
            _lib().fill_next_token_bitmask(m, self.bitmask, i)
        banned = self._banned(self.bitmask.numpy(), vocab)
        logits.masked_fill_(banned.to(logits.device, non_blocking=True), float("-inf"))
        return logits



_PROCESSOR_CLASS: Any = None


class _TorchAdapter:
    """The one method of outlines' torch tensor adapter the processors use."""

    @staticmethod
    def shape(tensor: Any) -> Any:
        return tensor.shape


class TorchProcessorBase:
    """outlines' ``OutlinesLogitsProcessor`` restated for torch tensors: ``__call__``
    makes 1-D input 2-D and calls ``process_logits``. For the backend's fast path
    (engine/llm/tinygpt.py): importing outlines imports transformers, and the outlines
    base's ``__init__`` imports ``torch._dynamo`` (together ~1.2 s of a failing
    ``--planner llm`` run on an idle machine)."""

    def __init__(self, tensor_library_name: str) -> None:
        self.tensor_adapter = _TorchAdapter()

    def process_logits(self, input_ids: Any, logits: Any) -> Any:
        raise NotImplementedError

    def __call__(self, input_ids: Any, logits: Any) -> Any:
        if input_ids.dim() == 1 and logits.dim() == 2 and logits.shape[0] == 1:
            input_ids = input_ids.unsqueeze(0)
        assert logits.shape[:-1] == input_ids.shape[:-1]
        if logits.dim() == 2:
            return self.process_logits(input_ids, logits)
        if logits.dim() == 1:
            return self.process_logits(input_ids.unsqueeze(0), logits.unsqueeze(0)).squeeze(0)
        raise ValueError(f"Logits shape {tuple(logits.shape)} is not supported")


@functools.cache
def light_processor_class() -> Any:
    """:class:`GrammarMasks` over :class:`TorchProcessorBase` (no outlines import)."""
    return type("GrammarProcessor", (GrammarMasks, TorchProcessorBase), {"__module__": __name__})


def grammar_processor_class(light: bool = False) -> Any:
    """The grammar processor class: :class:`GrammarMasks` over outlines' public
    ``OutlinesLogitsProcessor`` (built once, on first use: outlines is heavy);
    ``light``: over :class:`TorchProcessorBase` instead (same masks)."""
    global _PROCESSOR_CLASS
    if light:
        return light_processor_class()
    if _PROCESSOR_CLASS is None:
        from outlines.processors import OutlinesLogitsProcessor

        _PROCESSOR_CLASS = type("GrammarProcessor", (GrammarMasks, OutlinesLogitsProcessor),
                                {"__module__": __name__})
    return _PROCESSOR_CLASS
