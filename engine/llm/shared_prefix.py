"""Beam search without copying the prompt: one copy of its keys and values for every beam.

transformers' ``generate`` expands the prompt to one row per beam and keeps a
:class:`~transformers.DynamicCache`: each new token ``torch.cat``-s every layer's keys and
values, prompt included, and every beam step ``index_select``-s all of them to follow the
beams. With the embedded model (1 M parameters, 16 beams, prompts of ~700 tokens) that
copying was most of the decoding: on a 33-object robotics problem 4.4 s of ``cat`` and
4.0 s of ``index_select`` in a 19 s decode (cProfile, session 26), and attention read the
prompt's keys 16 times over.

Here the model and ``generate`` stay transformers' own; two of its extension points change
where the keys live:

- :class:`SharedPrefixCache` (a :class:`transformers.Cache`) keeps the prompt's keys and
  values once (row 0 of the prefill: every row is the same prompt, and the prefill runs on
  that row alone) and the generated ones in a buffer per layer that grows by doubling; a
  new token is written in place, and a beam step moves the beams among the buffer's rows
  (a copy only for a parent's second child) instead of copying every row;
- :func:`shared_prefix_attention`, registered as the attention implementation
  ``"plansafe_shared_prefix"`` (``AttentionInterface``), scores one new token against the
  shared prompt keys in one matrix product for all beams, and against each beam's own
  generated keys, with one softmax over both: the same attention, computed in another
  order (float rounding aside). Outside a shared-prefix generation (the prefill, training,
  any other forward) it is transformers' SDPA attention unchanged.

Used by :class:`engine.llm.backend.TransformersBackend` for GPT-2 checkpoints (the embedded
model and its fine-tunes) when more than one row decodes the same prompt (beams or
samples); ``$PLANSAFE_SHARED_PREFIX=0`` turns it off. Tests check the tokens against
transformers' own cache (tests/engine/test_shared_prefix.py).
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from typing import Any

__all__ = ["NAME", "SharedPrefixCache", "enable", "shared_prefix_attention", "supports"]

#: the attention implementation's registered name
NAME = "plansafe_shared_prefix"
#: the cache of the generation running in this context (None: plain attention)
_ACTIVE: ContextVar[Any] = ContextVar("plansafe_shared_prefix", default=None)
_registered = False


#: the transformers release whose cache and attention interfaces this was written and
#: tested against (earlier 5.x name the generate argument otherwise): older keep their own
TESTED_FROM = (5, 25)


def supports(model: Any) -> bool:
    """Whether ``model`` can decode through the shared prefix: a GPT-2 causal LM (its
    attention has as many key heads as query heads and no sliding window) under
    transformers :data:`TESTED_FROM` or later."""
    import transformers

    cfg = getattr(model, "config", None)
    version = tuple(int(p) for p in transformers.__version__.split(".")[:2] if p.isdigit())
    return (version >= TESTED_FROM and getattr(cfg, "model_type", None) == "gpt2"
            and not getattr(cfg, "add_cross_attention", False))


def _register() -> None:
    global _registered
    if _registered:
        return
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(NAME, shared_prefix_attention)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    _registered = True


def enable(model: Any) -> bool:
    """Switch ``model``'s attention to :func:`shared_prefix_attention` (plain SDPA unless a
    :class:`SharedPrefixCache` generation runs); False when the model is not supported."""
    if not supports(model):
        return False
    _register()
    model.set_attn_implementation(NAME)
    model.register_forward_pre_hook(_prefill_one_row, with_kwargs=True)
    model.register_forward_hook(_rows_again, with_kwargs=True)
    return True


#: the per-row inputs of a forward call that the one-row prefill cuts to its first row
_ROW_INPUTS = ("input_ids", "attention_mask", "position_ids", "token_type_ids")


def _prefill_one_row(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
                     ) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """The prompt's forward pass once, not once per beam: ``generate`` expands the prompt
    to a row per beam (or sample) before the prefill, but under a shared-prefix generation
    the cache keeps row 0 only, so the other rows' passes (16 at 16 beams: 1.3 s of a
    7.5 s robotics decode, cProfile, session 28) are thrown away. When every row is the
    same prompt, the pass runs on the first row; :func:`_rows_again` copies its logits
    back to every row (the same numbers as each row's own pass)."""
    cache = _ACTIVE.get()
    if cache is None:
        return None
    ids = kwargs.get("input_ids")
    given: Any = kwargs.get("cache", kwargs.get("past_key_values"))  # (5.25's name, earlier)
    if (args or given is not cache
            or cache.get_seq_length() != 0 or ids is None or ids.shape[0] < 2
            or kwargs.get("inputs_embeds") is not None
            or not bool((ids == ids[:1]).all())):
        return None
    rows = int(ids.shape[0])
    cut = dict(kwargs)
    for name in _ROW_INPUTS:
        value = cut.get(name)
        if value is not None and hasattr(value, "shape") and value.shape[0] == rows:
            if name != "input_ids" and not bool((value == value[:1]).all()):
                return None  # rows differ (padding): every row's own pass
            cut[name] = value[:1]
    cache.prefill_rows = rows
    return args, cut


def _rows_again(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
                ) -> Any:
    """After a one-row prefill (:func:`_prefill_one_row`), its logits for every row."""
    cache: Any = _ACTIVE.get()
    rows = getattr(cache, "prefill_rows", 0) if cache is not None else 0
    if not rows:
        return None
    cache.prefill_rows = 0
    logits = output.logits
    output.logits = logits.expand(rows, *logits.shape[1:])
    return output


@functools.cache  # the class is made once, on first use (transformers imported then)
def _layer_class() -> Any:
    from transformers.cache_utils import CacheLayerMixin

    base: Any = CacheLayerMixin  # (transformers' classes are untyped)

    class SharedPrefixLayer(base):  # type: ignore[misc]
        """One layer: the prompt's keys/values once, the generated ones per row."""

        is_sliding = False
        is_compileable = False

        def __init__(self) -> None:
            base.__init__(self)
            self.prefix_k: Any = None  # [1, heads, prompt, dim]
            self.prefix_v: Any = None
            self.gen_k: Any = None  # [rows, heads, capacity, dim]
            self.gen_v: Any = None
            self.length = 0  # generated positions held
            self.split = False  # the last update returned the generated part only
            #: beam b's history is buffer row ``slot[b]``, and row j holds beam
            #: ``owner[j]``'s (None: row b is beam b's). A beam step moves the beams among
            #: the rows instead of moving the rows (:meth:`reorder_cache`)
            self.slot: Any = None
            self.owner: Any = None

        def lazy_initialization(self, key_states: Any, value_states: Any) -> None:
            self.device = key_states.device
            self.is_initialized = True

        def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any
                   ) -> tuple[Any, Any]:
            if not self.is_initialized:  # the prefill: every row is the same prompt
                self.lazy_initialization(key_states, value_states)
                self.prefix_k = key_states[:1].contiguous()
                self.prefix_v = value_states[:1].contiguous()
                self.split = False
                return key_states, value_states
            rows, heads, new, dim = key_states.shape
            if new != 1:  # beam search and sampling feed one position a step
                raise RuntimeError(f"the shared prompt cache got {new} new positions in one "
                                   "step, not 1 (PLANSAFE_SHARED_PREFIX=0 turns it off)")
            if self.gen_k is None or self.length == self.gen_k.shape[2]:
                self._grow(rows, heads, dim, key_states)
            if self.owner is not None:  # each row takes the new position of its beam
                key_states = key_states.index_select(0, self.owner)
                value_states = value_states.index_select(0, self.owner)
            self.gen_k[:, :, self.length] = key_states[:, :, 0]
            self.gen_v[:, :, self.length] = value_states[:, :, 0]
            self.length += 1
            self.split = True
            return self.gen_k[:, :, :self.length], self.gen_v[:, :, :self.length]

        def _grow(self, rows: int, heads: int, dim: int, like: Any) -> None:
            import torch

            cap = 64 if self.gen_k is None else 2 * self.gen_k.shape[2]
            k = torch.empty(rows, heads, cap, dim, dtype=like.dtype, device=like.device)
            v = torch.empty_like(k)
            if self.gen_k is not None and self.length:
                k[:, :, :self.length] = self.gen_k[:, :, :self.length]
                v[:, :, :self.length] = self.gen_v[:, :, :self.length]
            self.gen_k, self.gen_v = k, v

        def reorder_cache(self, beam_idx: Any) -> None:
            """New beam b goes on from old beam ``beam_idx[b]``. Its first new beam keeps
            the old beam's buffer row where it is; only a second child of one parent copies
            the parent's row (:func:`engine.llm.beam_slots.move_beams`). The rows are then
            in buffer order: :func:`shared_prefix_attention` reads them through ``slot``
            and ``owner``."""
            import torch

            from engine.llm.beam_slots import inverse, move_beams

            if self.gen_k is None or not self.length:
                return
            parents = [int(i) for i in beam_idx.tolist()]
            rows = len(parents)
            rows_of, copies = move_beams(parents, None if self.slot is None
                                         else self.slot.tolist())
            n = self.length
            for dst, src in copies:  # sources are kept rows; a copy_ per row beat one
                self.gen_k[dst, :, :n].copy_(self.gen_k[src, :, :n])  # indexed copy 2.7x
                self.gen_v[dst, :, :n].copy_(self.gen_v[src, :, :n])
            if rows_of == list(range(rows)):
                self.slot = self.owner = None
                return
            self.slot = torch.tensor(rows_of, device=self.gen_k.device)
            self.owner = torch.tensor(inverse(rows_of), device=self.gen_k.device)

        def _in_beam_order(self) -> None:
            """Move the rows back to beam order (before an operation that indexes rows)."""
            if self.slot is not None and self.gen_k is not None:
                self.gen_k = self.gen_k.index_select(0, self.slot)
                self.gen_v = self.gen_v.index_select(0, self.slot)
            self.slot = self.owner = None

        def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
            return self.get_seq_length() + query_length, 0

        def get_seq_length(self) -> int:
            if self.prefix_k is None:
                return 0
            return int(self.prefix_k.shape[2]) + self.length

        def get_max_length(self) -> int:
            return -1

        def reset(self) -> None:
            self.prefix_k = self.prefix_v = self.gen_k = self.gen_v = None
            self.slot = self.owner = None
            self.length = 0
            self.split = False
            self.is_initialized = False

        def batch_repeat_interleave(self, repeats: int) -> None:
            self._in_beam_order()
            if self.gen_k is not None:
                self.gen_k = self.gen_k.repeat_interleave(repeats, dim=0)
                self.gen_v = self.gen_v.repeat_interleave(repeats, dim=0)

        def batch_select_indices(self, indices: Any) -> None:
            self._in_beam_order()
            if self.gen_k is not None:
                self.gen_k = self.gen_k[indices, ...]
                self.gen_v = self.gen_v[indices, ...]

    return SharedPrefixLayer


def SharedPrefixCache(layers: int) -> Any:  # noqa: N802 (a class made on first use)
    """A :class:`transformers.Cache` of ``layers`` shared-prefix layers (module doc)."""
    from transformers import Cache

    layer = _layer_class()
    return Cache(layers=[layer() for _ in range(layers)])


class active:  # noqa: N801 (a context manager, used as ``with active(cache):``)
    """While open, :func:`shared_prefix_attention` reads the prompt's keys from ``cache``."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self._token: Any = None

    def __enter__(self) -> Any:
        self._token = _ACTIVE.set(self.cache)
        return self.cache

    def __exit__(self, *exc: Any) -> None:
        _ACTIVE.reset(self._token)


def shared_prefix_attention(module: Any, query: Any, key: Any, value: Any,
                            attention_mask: Any, dropout: float = 0.0,
                            scaling: float | None = None, **kwargs: Any) -> tuple[Any, None]:
    """Attention of new positions over the shared prompt and each row's generated part
    (module doc); plain SDPA attention when no shared-prefix generation is running or the
    layer handed back whole keys."""
    cache: Any = _ACTIVE.get()
    layer = None
    if cache is not None:
        idx = getattr(module, "layer_idx", None)
        if idx is not None and idx < len(cache.layers):
            layer = cache.layers[idx]
    if layer is None or not getattr(layer, "split", False) or query.shape[2] != 1:
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        out: tuple[Any, None] = sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
            **kwargs)
        return out
    import torch

    owner = layer.owner  # the rows are in buffer order: the queries follow them
    if owner is not None:
        query = query.index_select(0, owner)
        if attention_mask is not None and attention_mask.shape[0] == query.shape[0] > 1:
            attention_mask = attention_mask.index_select(0, owner)
    rows, heads, _, dim = query.shape
    scale = dim ** -0.5 if scaling is None else scaling
    pk, pv = layer.prefix_k, layer.prefix_v  # [1, heads, prompt, dim]
    prompt = pk.shape[2]
    q_rows = query.permute(2, 1, 0, 3)  # [1, heads, rows, dim]: the rows as queries
    s_prefix = torch.matmul(q_rows, pk.transpose(-1, -2)).permute(2, 1, 0, 3)
    s_gen = torch.matmul(query, key.transpose(-1, -2))  # [rows, heads, 1, generated]
    scores = torch.cat([s_prefix, s_gen], dim=-1) * scale
    if attention_mask is not None:
        mask = attention_mask[..., :scores.shape[-1]]
        scores = (scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool
                  else scores + mask)
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    out_prefix = torch.matmul(probs[..., :prompt].permute(2, 1, 0, 3), pv).permute(2, 1, 0, 3)
    attn = out_prefix + torch.matmul(probs[..., prompt:], value)  # [rows, heads, 1, dim]
    if owner is not None:  # back to beam order
        attn = attn.index_select(0, layer.slot)
    return attn.transpose(1, 2).contiguous(), None
