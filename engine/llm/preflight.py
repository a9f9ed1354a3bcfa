"""Whether a prompt fits the model's context, asked before the model loads.

A problem too big for the model's context ends the model's turn with
:class:`engine.llm.backend.ContextOverflow` (``--planner auto`` falls back to the symbolic
planner). Loading transformers, outlines and the checkpoint only to find that out took ~4 s
of a 5.5 s refusal (benchmarks/results/llm_failfast-robotics2-default.jsonl). A local
checkpoint's ``tokenizer.json`` (read by the ``tokenizers`` library, what the fast
tokenizer runs) and ``config.json`` say the same without them: the Planner asks here first
and loads the model only when the prompt fits.

Only checkpoints whose count is certain are judged: no chat template (its text would come
from Jinja in transformers), a ``tokenizer.json`` and a context length in ``config.json``.
Otherwise :func:`counter_for` gives None and the loaded backend decides as before.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.llm.spec_models import checkpoint_for_spec

__all__ = ["TokenCounter", "counter_for", "checkpoint_for_spec"]


@dataclass(frozen=True, slots=True)
class TokenCounter:
    """The part of a backend that :func:`engine.llm.windows.room` and
    :func:`engine.llm.budget.token_budget` read: a tokenizer and the context length."""

    tokenizer: Any  # engine.llm.tinygpt.TinyTokenizer
    context_tokens: int

    def prompt_tokens(self, prompt: str) -> int:
        return len(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])


def counter_for(folder: Path) -> TokenCounter | None:
    """A counter for the checkpoint in ``folder``; None when it cannot count for sure
    (kept per folder while its files are unchanged: ``plansafe train`` may rewrite it)."""
    stamp = tuple(_mtime(folder / n) for n in ("config.json", "tokenizer_config.json",
                                               "tokenizer.json", "chat_template.jinja"))
    return _counter(folder, stamp)


def _mtime(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return -1, -1


@functools.lru_cache(maxsize=8)
def _counter(folder: Path, stamp: tuple[tuple[int, int], ...]) -> TokenCounter | None:
    try:
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        tok_cfg = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ctx = cfg.get("n_positions") or cfg.get("max_position_embeddings")
    if not isinstance(ctx, int) or tok_cfg.get("chat_template") or \
            (folder / "chat_template.jinja").is_file() or \
            not (folder / "tokenizer.json").is_file() or "eos_token" not in tok_cfg:
        return None
    from engine.llm.tinygpt import TinyTokenizer

    try:
        return TokenCounter(TinyTokenizer(folder), ctx)
    except Exception:  # noqa: BLE001 - an unusual tokenizer file: the backend decides
        return None
