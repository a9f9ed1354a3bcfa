"""Token masks of a grammar that is a finite set of lines, without compiling it.

The state-aware constraint (:mod:`engine.llm.stateaware`) gives every plan state its own
grammar: one of the step lines allowed there, or the end of the plan. Compiling such a
grammar into an llguidance matcher costs about 0.5-0.9 ms, once per state a generation
reaches, which is most of the constraint's cost on a problem's first call. A finite set
of lines needs no parser: after the text ``P`` written so far on the line, a token is
allowed when ``P`` followed by the token's bytes begins one of the lines.

:class:`LineMasks` computes exactly the masks llguidance computes for the grammar
``start: step?`` / ``step: "line 1" | "line 2" ...`` (tests compare the two over random
walks of every built-in spec), including llguidance's one refinement: where the grammar
forces the next bytes (every line left goes on the same way), only the first token of
the tokenizer's own tokenization of those bytes is allowed, so the model writes forced
text the way it was trained to; the last tokens of that tokenization are dropped first
while a longer token the grammar also allows begins with them.
"""

from __future__ import annotations

import bisect
import json
import os
from collections.abc import Sequence
from typing import Any

__all__ = ["LineMasks", "lark_of", "line_masks"]

_IDS = -1  # the trie key under which a node keeps the tokens that end there


class LineMasks:
    """Masks over the token vocabulary of one llguidance tokenizer."""

    def __init__(self, llg_tokenizer: Any) -> None:
        self.tokenizer = llg_tokenizer
        self.eos = llg_tokenizer.eos_token
        self.vocab_size = llg_tokenizer.vocab_size
        #: each token's bytes (special tokens: none)
        self.bytes = [b"" if llg_tokenizer.is_special_token(tok) else
                      llg_tokenizer.decode_bytes([tok]) for tok in range(self.vocab_size)]
        self._tokenized: dict[bytes, tuple[int, ...]] = {}  # forced bytes -> their tokens
        self.root: dict[int, Any] = {}  # a byte trie of the tokens
        for tok, data in enumerate(self.bytes):
            if tok == self.eos or not data:
                continue
            node = self.root
            for byte in data:
                node = node.setdefault(byte, {})
            node.setdefault(_IDS, []).append(tok)

    def text(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``."""
        return b"".join(self.bytes[t] for t in tokens)

    def allowed(self, lines: Sequence[bytes], prefix: bytes, can_end: bool) -> list[int]:
        """The tokens allowed after ``prefix`` on a line of ``lines`` (sorted; each ends
        with its newline); EOS where the line has not begun and the plan may end there,
        or where there are no lines at all."""
        if not lines:
            return [self.eos]
        rests = self._rests(lines, prefix)
        end = not prefix and can_end
        forced = b"" if end or not rests else os.path.commonprefix(rests)
        if forced:
            toks = self._forced_tokens(lines, prefix, forced)
            if toks:
                return [toks[0]]
        out = [self.eos] if end else []
        seen: set[int] = set()
        for rest in rests:
            node: dict[int, Any] = self.root
            for byte in rest:
                child: dict[int, Any] | None = node.get(byte)
                if child is None:
                    break
                node = child
                for tok in node.get(_IDS, ()):
                    if tok not in seen:
                        seen.add(tok)
                        out.append(tok)
        return out

    @staticmethod
    def _rests(lines: Sequence[bytes], prefix: bytes) -> list[bytes]:
        """What is left of each line that begins with ``prefix``."""
        i, n, out = bisect.bisect_left(lines, prefix), len(prefix), []
        while i < len(lines) and lines[i].startswith(prefix):
            out.append(lines[i][n:])
            i += 1
        return out

    def _forced_tokens(self, lines: Sequence[bytes], prefix: bytes, forced: bytes
                       ) -> list[int]:
        """The tokenizer's tokens of ``forced``, less the last ones a longer allowed token
        could replace."""
        kept = self._tokenized.get(forced)
        if kept is None:
            if len(self._tokenized) > 65536:
                self._tokenized.clear()
            kept = self._tokenized[forced] = tuple(self.tokenizer.tokenize_bytes(forced))
        toks = list(kept)
        while toks:
            before = prefix + self.text(toks[:-1])
            if not self._extends(lines, before, self.bytes[toks[-1]]):
                break
            toks.pop()
        return toks

    def _extends(self, lines: Sequence[bytes], before: bytes, data: bytes) -> bool:
        """Whether a token longer than ``data`` and beginning with it may follow
        ``before``."""
        node: Any = self.root
        for byte in data:
            node = node.get(byte)
            if node is None:
                return False
        for rest in self._rests(lines, before + data):
            sub = node
            for byte in rest:
                sub = sub.get(byte)
                if sub is None:
                    break
                if sub.get(_IDS):
                    return True
        return False


def lark_of(lines: tuple[bytes, ...], can_end: bool) -> str:
    """The Lark grammar of a node: one of ``lines`` (optional where the plan may end);
    with no lines, the end of the plan."""
    if not lines:
        return 'start: ""'
    alts = " | ".join(json.dumps(t.decode()) for t in lines)
    return f"start: step{'?' if can_end else ''}\nstep: {alts}"


_MASKS: dict[int, tuple[Any, Any]] = {}


def line_masks(llg_tokenizer: Any) -> Any:
    """One :class:`engine.llm.linemask.LineMasks` per tokenizer (its token trie is built
    once)."""
    got = _MASKS.get(id(llg_tokenizer))
    if got is None or got[0] is not llg_tokenizer:
        got = _MASKS[id(llg_tokenizer)] = (llg_tokenizer, LineMasks(llg_tokenizer))
    return got[1]
