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
from typing import Any, cast

from engine.llm.grammar_processor import grammar_processor_class
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


def _device(name: str) -> tuple[str, Any]:
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return name, (torch.bfloat16 if name.startswith("cuda") else torch.float32)


#: a CPU model with fewer parameters than this decodes on one thread (:func:`_cpu_threads`)
SMALL_MODEL_PARAMS = 50_000_000


def _cpu_threads(model: Any, device: str) -> int | None:
    """Intra-op threads for ``model`` on ``device``: 1 for a small model on the CPU, else
    None (torch's default). The embedded model (4 layers of 128 wide, 1 M parameters)
    makes matrices too small to split: on the shared 2-core machine at load 15 a 16-beam
    proposal of 60 tokens took 51.9 s on torch's 2 threads against 4.1-5.2 s on one
    (every op waited ~13 ms for the second thread to be scheduled;
    benchmarks/results/llm_spec_train.md, session 17). ``$PLANSAFE_TORCH_THREADS``
    replaces the choice."""
    env = os.environ.get("PLANSAFE_TORCH_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise PlansafeError(f"PLANSAFE_TORCH_THREADS={env!r} is not a number of "
                                "threads") from None
    if not device.startswith("cpu"):
        return None
    params = sum(p.numel() for p in model.parameters())
    return 1 if params < SMALL_MODEL_PARAMS else None


def _tiny_fits(path: Path) -> bool:
    from engine.llm.tinygpt import fits

    return fits(path)


class TransformersBackend(ModelBackend):
    """A local Hugging Face causal LM, constrained through outlines' llguidance backend."""

    def __init__(self, model_dir: str | Path, *, device: str = "auto",
                 threads: int | None = None, cache_size: int = 64) -> None:
        os.environ.setdefault("TORCH_COMPILE_DISABLE", "1")  # else ~20 s on the first mask
        import torch

        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise PlansafeError(f"no model checkpoint in {path} (config.json missing); train one "
                                "with 'plansafe train --out DIR'")
        self.device, self.dtype = _device(device)
        #: opt-in (``$PLANSAFE_TINYGPT=1``): a GPT-2 checkpoint on the CPU runs without
        #: transformers and outlines (engine/llm/tinygpt.py, ~2.5 s less to start). The
        #: default is the libraries the design names (transformers + outlines); the fast path
        #: restates their decoding and is checked token for token against them in tests.
        self.tiny = (self.device == "cpu" and os.environ.get("PLANSAFE_TINYGPT", "0") == "1"
                     and _tiny_fits(path))
        if self.tiny:
            from engine.llm.tinygpt import TinyGPT2, TinyTokenizer

            self.tokenizer: Any = TinyTokenizer(path)
            self.model: Any = TinyGPT2(path)
            self.outlines_model: Any = None  # (the transformers path only)
        else:
            self._load_transformers(path)
        threads = threads or _cpu_threads(self.model, self.device)
        if threads:
            torch.set_num_threads(threads)
        self.name = path.name
        self.model_dir = path
        self._processors: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size
        self._llg_tokenizer: Any = None
        self._state_processors: list[tuple[Any, Any]] = []
        self.state_cache_size = 4  # state-aware processors kept (one per checker or task)
        #: seconds the next generate call may take (set by the planner's time budget)
        self.max_time: float | None = None
        #: fail fast under a state-aware constraint: end the generation when no row has
        #: come closer to the goal for this many steps (set by the planner; None: never)
        self.patience: int | None = None
        self.stalled = False  # the last generate call was ended so
        #: the state-aware decoding's hint: nats added to the closest steps' tokens
        #: (engine/llm/hint.py; 0: none)
        self.prefer = 0.0
        cfg = self.model.config
        #: positions the model can attend to (None: no fixed limit known)
        self.context_tokens: int | None = (getattr(cfg, "n_positions", None)
                                           or getattr(cfg, "max_position_embeddings", None))

    def _load_transformers(self, path: Path) -> None:
        import outlines
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # stdout/stderr belong to the command (``--json``): no weight-loading bars, no
        # padding advice (pad == eos here and the mask is always passed)
        log: Any = hf_logging  # (transformers' logging functions are untyped)
        log.set_verbosity_error()
        log.disable_progress_bar()
        # transformers' stubs do not follow from_pretrained's results: kept untyped here
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        loaded: Any = AutoModelForCausalLM.from_pretrained(path, dtype=self.dtype)
        self.model = loaded.to(self.device)
        self.model.eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.outlines_model = outlines.from_transformers(self.model, cast(Any, self.tokenizer))
        #: rows decoding the same prompt share its keys (engine/llm/shared_prefix.py; GPT-2
        #: checkpoints; ``$PLANSAFE_SHARED_PREFIX=0``: transformers' own cache)
        self.shared_prefix = False
        if os.environ.get("PLANSAFE_SHARED_PREFIX", "1") != "0":
            from engine.llm.shared_prefix import enable

            self.shared_prefix = enable(self.model)

    # --- grammar ------------------------------------------------------------------------------

    def processor(self, grammar: str) -> Any:
        """outlines' llguidance logits processor for ``grammar`` (cached, LRU)."""
        proc = self._processors.get(grammar)
        if proc is None:
            import llguidance as llg

            # what outlines' get_cfg_logits_processor("llguidance", ...) builds, with the
            # llguidance tokenizer made once per model instead of once per grammar (~1 s)
            # and the mask applied to the whole batch at once
            proc = grammar_processor_class(self.tiny)(llg.grammar_from("lark", grammar),
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

        proc = state_aware_processor(task, self.llg_tokenizer, "torch", light=self.tiny)
        self._state_processors = [(task, proc),
                                  *self._state_processors[:self.state_cache_size - 1]]
        return proc

    def prompt_tokens(self, prompt: str) -> int:
        """Tokens ``prompt`` takes in the context (chat template included)."""
        return len(self.tokenizer(self.format_prompt(prompt), add_special_tokens=False)
                   ["input_ids"])

    # --- generation ---------------------------------------------------------------------------

    def format_prompt(self, prompt: str) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return str(self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True))
        return prompt

    def _run(self, prompt: str, grammar: str | None, n: int, sample: bool,
             max_new_tokens: int, temperature: float, state: Any = None,
             min_new_tokens: int = 0, beams: int = 1) -> list[Generation]:
        import torch

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
        if self.max_time is not None:  # stop at the time budget (the whole steps count)
            kwargs["max_time"] = self.max_time
        if sample:
            kwargs.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
        else:
            kwargs.update(do_sample=False)
            if beams > 1:  # the n most likely whole answers among ``beams`` kept each step
                kwargs.update(num_beams=beams)
        self.stalled = False
        procs: list[Any] = []
        if state is not None:
            proc = self.state_processor(state)
            proc.reset()
            proc.patience = self.patience
            proc.prefer = self.prefer
            procs = [proc]
        elif grammar is not None:
            proc = self.processor(grammar)
            proc.reset()
            procs = [proc]
        start = time.perf_counter()
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # llguidance warns on the pad tokens after EOS
            out = self._decode(ids, enc["attention_mask"], kwargs, procs)
        seconds = time.perf_counter() - start
        if state is not None:
            self.stalled = bool(getattr(proc, "stalled", False))
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

    def _decode(self, ids: Any, mask: Any, kwargs: dict[str, Any], procs: list[Any]) -> Any:
        """Prompt and generated ids: transformers' ``generate``, or on the fast path
        :func:`engine.llm.tinygpt.decode` (the same decoding restated)."""
        if not self.tiny:
            from transformers import LogitsProcessorList

            if procs:
                kwargs["logits_processor"] = LogitsProcessorList(procs)
            rows = max(kwargs.get("num_beams", 1), kwargs["num_return_sequences"])
            if self.shared_prefix and rows > 1 and ids.shape[0] == 1:
                from engine.llm.shared_prefix import SharedPrefixCache, active

                cache = SharedPrefixCache(self.model.config.num_hidden_layers)
                with active(cache):
                    return self.model.generate(input_ids=ids,
                                               attention_mask=mask.to(self.device),
                                               cache=cache, **kwargs)
            return self.model.generate(input_ids=ids, attention_mask=mask.to(self.device),
                                       **kwargs)
        from engine.llm.tinygpt import Decode, decode

        req = Decode(kwargs["max_new_tokens"], kwargs["num_return_sequences"],
                     kwargs["do_sample"], kwargs.get("temperature", 1.0),
                     kwargs.get("num_beams", 1), kwargs["eos_token_id"],
                     kwargs["pad_token_id"], kwargs.get("min_new_tokens", 0),
                     kwargs.get("max_time"))
        return decode(self.model, ids, req, procs)

    def sample(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256,
               temperature: float = 0.7, state: Any = None) -> list[Generation]:
        return self._run(prompt, grammar, n, True, max_new_tokens, temperature, state)

    def best(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256
             ) -> list[Generation]:
        n = max(n, 1)  # beams=1 is greedy
        return self._run(prompt, grammar, n, False, max_new_tokens, 0.7, beams=n)

    @property
    def llg_tokenizer(self) -> Any:
        if self._llg_tokenizer is None and self.tiny:
            from llguidance import LLTokenizer

            # what llguidance.hf.from_tokenizer builds, without importing transformers
            self._llg_tokenizer = LLTokenizer(self.tokenizer.llg_json(),
                                              eos_token=self.tokenizer.eos_token_id)
        elif self._llg_tokenizer is None:
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
    from engine.llm import default_model_dir

    path = default_model_dir()
    key = f"{path}:{device}"
    if key not in _DEFAULT:
        _DEFAULT[key] = TransformersBackend(path, device=device)
    return _DEFAULT[key]
