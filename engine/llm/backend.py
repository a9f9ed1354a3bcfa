"""Model backends: a narrow base class, and transformers + outlines (llguidance) decoding.

:class:`ModelBackend` has one abstract method, ``generate``; tests pass stubs. The
transformers backend loads any local Hugging Face causal-LM checkpoint directory, picks
the device (CUDA with bf16 when present, else CPU float32), applies the tokenizer's chat
template when it has one, decodes under a Lark grammar through outlines' llguidance
logits processor, samples ``k`` candidates in one batch (the first greedy, or the best
of a beam search) and counts the tokens it generated.
"""

from __future__ import annotations

import os
import time
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError

__all__ = ["ContextOverflow", "Generation", "ModelBackend", "TransformersBackend",
           "load_default_backend", "grammar_processor_class"]


class ContextOverflow(PlansafeError):
    """The prompt and the tokens asked for do not fit in the model's context window."""

    def __init__(self, *, prompt_tokens: int, max_new_tokens: int, context_tokens: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.max_new_tokens = max_new_tokens
        self.context_tokens = context_tokens
        super().__init__(
            f"the prompt (prompt_tokens={prompt_tokens}) and the answer (max_new_tokens="
            f"{max_new_tokens}) do not fit in the model's context (context_tokens="
            f"{context_tokens}); use a smaller problem or a model with a longer context")


@dataclass(frozen=True, slots=True)
class Generation:
    text: str
    tokens: int
    seconds: float = 0.0


class ModelBackend(ABC):
    """What the planner needs from a language model."""

    name: str = "model"

    @abstractmethod
    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        """``k`` completions of ``prompt`` (the first greedy), each allowed by ``grammar``.

        ``state`` asks a backend that can for a state-aware constraint (IPC text only;
        :mod:`engine.llm.stateaware`): a :class:`verifier.validate.Checker` for the full
        rules (applicable, an allowed agent, no policy broken, the plan ends only at the
        goal), a :class:`verifier.grounding.Task` for applicability alone. ``beams`` > 1
        makes the first completion the most likely one a beam search of that width finds
        (by the model's probabilities alone) instead of the greedy one. A backend that
        cannot do either ignores it; the verifier judges every proposal either way.
        """

    def sample(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256,
               temperature: float = 0.7, state: Any = None) -> list[Generation]:
        """``n`` sampled completions; by default the rows after the first of ``k=n+1``."""
        return self.generate(prompt, grammar=grammar, k=n + 1, max_new_tokens=max_new_tokens,
                             temperature=temperature, state=state)[1:]

    def best(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256
             ) -> list[Generation]:
        """Up to ``n`` completions, most likely first (a beam search's ``n`` best whole
        answers where the backend can; by default only the greedy one)."""
        return self.generate(prompt, grammar=grammar, k=1, max_new_tokens=max_new_tokens)

    def sample_one(self, prompt: str, *, grammar: str | None, max_new_tokens: int = 256,
                   temperature: float = 0.7) -> Generation:
        """One sampled (not greedy) completion."""
        return self.sample(prompt, 1, grammar=grammar, max_new_tokens=max_new_tokens,
                           temperature=temperature)[0]


_PROCESSOR_CLASS: Any = None


def grammar_processor_class() -> Any:
    """outlines' llguidance logits processor, with the token mask applied in one step.

    Same matchers and masks as outlines' ``LLGuidanceLogitsProcessor``, same biased logits
    bit for bit; three costs are cut. outlines applies the mask row by row through
    llguidance's torch kernel, which without torch.compile runs as eight eager tensor ops
    (~0.2 ms a row on a CPU, a twentieth of the embedded model's whole step); here numpy
    unpacks the batch's bitmask and one ``masked_fill_`` applies it (~15 us). The last
    tokens are read with one ``tolist`` instead of an ``item()`` a row. And each
    generate call's matchers are copies of one compiled matcher, not compiled anew.
    """
    global _PROCESSOR_CLASS
    if _PROCESSOR_CLASS is None:
        import numpy as np
        import torch
        from llguidance import LLMatcher
        from llguidance.torch import allocate_token_bitmask, fill_next_token_bitmask
        from outlines.backends.llguidance import LLGuidanceLogitsProcessor

        class GrammarProcessor(LLGuidanceLogitsProcessor):  # type: ignore[misc]
            def _setup(self, batch_size: int) -> None:
                if self.tensor_library_name != "torch":
                    super()._setup(batch_size)
                    return
                # a fresh matcher compiles the grammar (~2 ms a row, each generate call);
                # copies of one compiled matcher cost a microsecond
                fresh = getattr(self, "_fresh", None)
                if fresh is None:
                    fresh = self._fresh = LLMatcher(self.llg_tokenizer, self.grammar)
                self.ll_matchers = [fresh.deep_copy() for _ in range(batch_size)]
                self.bitmask = allocate_token_bitmask(batch_size, self.llg_tokenizer.vocab_size)
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
                if prev is None or prev.shape != head.shape or torch.equal(head, prev):
                    return
                same = (head[:, None, :] == prev[None, :, :]).all(-1)
                first = same.int().argmax(1)
                found = same.gather(1, first[:, None])[:, 0].tolist()
                parents = [p if ok else i for i, (p, ok) in enumerate(zip(first.tolist(), found))]
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
                    for m, tok in zip(self.ll_matchers, input_ids[:, -1].tolist()):
                        m.consume_token(tok)
                return self._bias_logits(input_ids, logits)

            @staticmethod
            def _banned(words: Any, vocab: int) -> Any:
                """Bitmask rows (int32 words, llguidance's layout) as banned-token rows
                (bool, ``vocab`` wide; model rows past the tokenizer's vocabulary banned)."""
                allowed = np.unpackbits(words.view(np.uint8), axis=-1, bitorder="little")
                banned = np.ones((allowed.shape[0], vocab), dtype=bool)
                n = min(vocab, allowed.shape[1])
                banned[:, :n] = allowed[:, :n] == 0
                return torch.from_numpy(banned)

            def _row_mask(self, i: int, vocab: int) -> Any:
                m = self.ll_matchers[i]
                if self._line_cache is not None:  # a copy of the compiled matcher, fed the
                    tail = self._tails[i]  # tail, or the whole row (and under _verify_cache)
                    whole = tail is None or tail == self._ENDED or self._verify_cache
                    m = self._fresh.deep_copy()
                    eos = self.llg_tokenizer.eos_token
                    for tok in (self._ids[i, self._start:].tolist() if whole else tail):
                        m.consume_token(tok)
                        if tok == eos:
                            break
                fill_next_token_bitmask(m, self.bitmask, i)
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
                            assert torch.equal(row, self._row_mask(i, vocab)), tail
                        rows.append(row)
                    banned = rows[0].unsqueeze(0) if len(rows) == 1 else torch.stack(rows)
                    logits.masked_fill_(banned.to(logits.device, non_blocking=True),
                                        float("-inf"))
                    return logits
                for i, m in enumerate(self.ll_matchers):
                    fill_next_token_bitmask(m, self.bitmask, i)
                banned = self._banned(self.bitmask.numpy(), vocab)
                logits.masked_fill_(banned.to(logits.device, non_blocking=True), float("-inf"))
                return logits

        _PROCESSOR_CLASS = GrammarProcessor
    return _PROCESSOR_CLASS


def _device(name: str) -> tuple[str, Any]:
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return name, (torch.bfloat16 if name.startswith("cuda") else torch.float32)


class TransformersBackend(ModelBackend):
    """A local Hugging Face causal LM, constrained through outlines' llguidance backend."""

    def __init__(self, model_dir: str | Path, *, device: str = "auto",
                 threads: int | None = None, cache_size: int = 64) -> None:
        os.environ.setdefault("TORCH_COMPILE_DISABLE", "1")  # else ~20 s on the first mask
        import outlines
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # stdout/stderr belong to the command (``--json``): no weight-loading bars, no
        # padding advice (pad == eos here and the mask is always passed)
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise PlansafeError(f"no model checkpoint in {path} (config.json missing); train one "
                                "with 'plansafe train --out DIR'")
        if threads:
            torch.set_num_threads(threads)
        self.device, self.dtype = _device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=self.dtype).to(self.device)
        self.model.eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.outlines_model = outlines.from_transformers(self.model, self.tokenizer)
        self.name = path.name
        self.model_dir = path
        self._processors: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size
        self._llg_tokenizer: Any = None
        self._state_processors: list[tuple[Any, Any]] = []
        self.state_cache_size = 4  # state-aware processors kept (one per checker or task)
        cfg = self.model.config
        #: positions the model can attend to (None: no fixed limit known)
        self.context_tokens: int | None = (getattr(cfg, "n_positions", None)
                                           or getattr(cfg, "max_position_embeddings", None))

    # --- grammar ------------------------------------------------------------------------------

    def processor(self, grammar: str) -> Any:
        """outlines' llguidance logits processor for ``grammar`` (cached, LRU)."""
        proc = self._processors.get(grammar)
        if proc is None:
            import llguidance as llg

            # what outlines' get_cfg_logits_processor("llguidance", ...) builds, with the
            # llguidance tokenizer made once per model instead of once per grammar (~1 s)
            # and the mask applied to the whole batch at once
            proc = grammar_processor_class()(llg.grammar_from("lark", grammar),
                                             self.llg_tokenizer, "torch")
            if grammar.startswith("start: step*\n"):  # IPC plan text: lines of steps
                proc.cache_masks_by_line()
            self._processors[grammar] = proc
            if len(self._processors) > self._cache_size:
                self._processors.popitem(last=False)
        else:
            self._processors.move_to_end(grammar)
        return proc

    def state_processor(self, task: Any) -> Any:
        """The state-aware processor for a checker or grounded task (kept for the last few,
        so the candidates and feedback rounds of one problem share its grammars and masks)."""
        for t, proc in self._state_processors:
            if t is task:
                return proc
        from engine.llm.stateaware import state_aware_processor

        proc = state_aware_processor(task, self.llg_tokenizer, "torch")
        self._state_processors = [(task, proc),
                                  *self._state_processors[:self.state_cache_size - 1]]
        return proc

    # --- generation ---------------------------------------------------------------------------

    def format_prompt(self, prompt: str) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
        return prompt

    def _run(self, prompt: str, grammar: str | None, n: int, sample: bool,
             max_new_tokens: int, temperature: float, state: Any = None,
             min_new_tokens: int = 0, beams: int = 1) -> list[Generation]:
        import torch
        from transformers import LogitsProcessorList

        enc = self.tokenizer(self.format_prompt(prompt), return_tensors="pt",
                             add_special_tokens=False)
        ids = enc["input_ids"].to(self.device)
        if self.context_tokens and ids.shape[1] + max_new_tokens > self.context_tokens:
            # past the last position GPT-2 fails with an IndexError; say so instead
            raise ContextOverflow(prompt_tokens=int(ids.shape[1]), max_new_tokens=max_new_tokens,
                                  context_tokens=self.context_tokens)
        kwargs: dict[str, Any] = dict(max_new_tokens=max_new_tokens, num_return_sequences=n,
                                      pad_token_id=self.tokenizer.pad_token_id,
                                      eos_token_id=self.tokenizer.eos_token_id)
        if min_new_tokens:
            kwargs["min_new_tokens"] = min_new_tokens
        if sample:
            kwargs.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
        else:
            kwargs.update(do_sample=False)
            if beams > 1:  # the n most likely whole answers among ``beams`` kept each step
                kwargs.update(num_beams=beams)
        if state is not None:
            proc = self.state_processor(state)
            proc.reset()
            kwargs["logits_processor"] = LogitsProcessorList([proc])
        elif grammar is not None:
            proc = self.processor(grammar)
            proc.reset()
            kwargs["logits_processor"] = LogitsProcessorList([proc])
        start = time.perf_counter()
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # llguidance warns on the pad tokens after EOS
            out = self.model.generate(input_ids=ids, attention_mask=enc["attention_mask"]
                                      .to(self.device), **kwargs)
        seconds = time.perf_counter() - start
        gens = []
        eos = self.tokenizer.eos_token_id
        for row in out[:, ids.shape[1]:].tolist():
            n_tok = len(row)
            if eos in row:
                n_tok = row.index(eos) + 1
                row = row[:row.index(eos)]
            gens.append(Generation(self.tokenizer.decode(row, skip_special_tokens=True), n_tok,
                                   seconds / n))
        return gens

    def sample(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256,
               temperature: float = 0.7, state: Any = None) -> list[Generation]:
        return self._run(prompt, grammar, n, True, max_new_tokens, temperature, state)

    def best(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256
             ) -> list[Generation]:
        n = max(n, 1)  # beams=1 is greedy
        return self._run(prompt, grammar, n, False, max_new_tokens, 0.7, beams=n)

    @property
    def llg_tokenizer(self) -> Any:
        if self._llg_tokenizer is None:
            import llguidance.hf

            self._llg_tokenizer = llguidance.hf.from_tokenizer(self.tokenizer)
        return self._llg_tokenizer

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, min_new_tokens: int = 0, beams: int = 1
                 ) -> list[Generation]:
        """``min_new_tokens`` (benchmarks) keeps EOS out until that many tokens exist;
        ``beams`` > 1 makes the first completion a beam search's best instead of greedy."""
        out = self._run(prompt, grammar, 1, False, max_new_tokens, temperature, state,
                        min_new_tokens, beams)
        if k > 1:
            out += self._run(prompt, grammar, k - 1, True, max_new_tokens, temperature, state,
                             min_new_tokens)
        return out


_DEFAULT: dict[str, TransformersBackend] = {}


def load_default_backend(*, device: str = "auto") -> TransformersBackend:
    """The embedded model shipped in ``engine/models/default`` (loaded once per process)."""
    from engine.llm import DEFAULT_MODEL_DIR

    env = os.environ.get("PLANSAFE_MODEL")
    path = Path(env) if env else DEFAULT_MODEL_DIR
    key = f"{path}:{device}"
    if key not in _DEFAULT:
        _DEFAULT[key] = TransformersBackend(path, device=device)
    return _DEFAULT[key]
