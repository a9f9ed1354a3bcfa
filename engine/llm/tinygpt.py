"""A GPT-2 checkpoint run without transformers: the fast path of the embedded model.

Importing transformers' GPT-2 and its ``generate`` costs about 2.5 s of a 5 s budget on
the 2-core machine (transformers' own imports pull in torch's compiler stack, its
distributed tensors and scipy; benchmarks/results/llm_spec_train.md, fail fast). For a
GPT-2 checkpoint on the CPU the backend (:class:`engine.llm.backend.TransformersBackend`)
uses this module instead when ``$PLANSAFE_TINYGPT=1`` (opt-in; the default stays
transformers + outlines): the weights from ``model.safetensors``, the tokenizer from
``tokenizer.json`` (the ``tokenizers`` library transformers wraps), and a decoding loop
that restates transformers' greedy, sampling and beam search (``GenerationMixin._sample``
and ``_beam_search`` of the pinned release: the same log-softmax, processors, top-k of
twice the beams, finished-beam bookkeeping and early-stop heuristic, with the default
length penalty 1.0 and ``early_stopping=False``). Logits processors are called exactly as
transformers calls them (all rows' ids so far, the scores). tests/engine/test_tinygpt.py
compares outputs with transformers' token for token.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TinyGPT2", "TinyTokenizer", "Decode", "decode", "fits"]


def fits(path: Path) -> bool:
    """Whether the checkpoint in ``path`` is one this module runs: GPT-2 with a
    ``tokenizers`` tokenizer file, safetensors weights, no chat template."""
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        tok = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (cfg.get("model_type") == "gpt2" and cfg.get("activation_function") == "gelu_new"
            and not cfg.get("add_cross_attention") and not cfg.get("reorder_and_upcast_attn")
            and not cfg.get("scale_attn_by_inverse_layer_idx")
            and cfg.get("scale_attn_weights", True) and cfg.get("tie_word_embeddings", True)
            and not tok.get("chat_template") and isinstance(tok.get("eos_token"), str)
            and (path / "tokenizer.json").is_file()
            and (path / "model.safetensors").is_file())


class TinyTokenizer:
    """The part of a Hugging Face fast tokenizer the backend and the budget use."""

    chat_template = None

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self.backend_tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        cfg = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
        self.eos_token: str = cfg["eos_token"]
        self.eos_token_id = self.backend_tokenizer.token_to_id(self.eos_token)
        pad = cfg.get("pad_token") or self.eos_token
        self.pad_token_id = self.backend_tokenizer.token_to_id(pad)

    def __call__(self, text: str, *, add_special_tokens: bool = False,
                 return_tensors: str | None = None) -> dict[str, Any]:
        ids = self.backend_tokenizer.encode(text, add_special_tokens=add_special_tokens).ids
        if return_tensors == "pt":
            import torch

            t = torch.tensor([ids], dtype=torch.long)
            return {"input_ids": t, "attention_mask": torch.ones_like(t)}
        return {"input_ids": ids, "attention_mask": [1] * len(ids)}

    def __len__(self) -> int:
        return int(self.backend_tokenizer.get_vocab_size(with_added_tokens=True))

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return str(self.backend_tokenizer.decode(ids, skip_special_tokens=skip_special_tokens))

    def llg_json(self) -> str:
        """The tokenizer as the JSON llguidance takes (what ``llguidance.hf`` sends)."""
        from copy import copy

        tok = copy(self.backend_tokenizer)
        tok.no_padding()
        tok.no_truncation()
        return str(tok.to_str())


@dataclass(frozen=True, slots=True)
class _Config:
    n_positions: int
    n_embd: int
    n_head: int
    n_layer: int
    layer_norm_epsilon: float
    vocab_size: int


class TinyGPT2:
    """GPT-2's forward pass (transformers' ``GPT2LMHeadModel`` in eval mode, sdpa
    attention) over a key/value cache, weights from the checkpoint folder."""

    def __init__(self, path: Path) -> None:
        from safetensors.torch import load_file

        raw = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.config = _Config(raw["n_positions"], raw["n_embd"], raw["n_head"], raw["n_layer"],
                              raw["layer_norm_epsilon"], raw["vocab_size"])
        w = {k.removeprefix("transformer."): v for k, v in
             load_file(str(path / "model.safetensors")).items()}
        self.wte, self.wpe = w["wte.weight"], w["wpe.weight"]
        self.ln_f = (w["ln_f.weight"], w["ln_f.bias"])
        self.layers = [{name: w[f"h.{i}.{name}"] for name in (
            "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
            "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
            "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias")}
            for i in range(self.config.n_layer)]

    def parameters(self) -> list[Any]:
        return [self.wte, self.wpe, *self.ln_f, *(t for lay in self.layers for t in lay.values())]

    def forward(self, ids: Any, cache: _Cache) -> Any:
        """Logits of the last position for ``ids`` (rows, new tokens) after the cached
        positions. The first call (the prompt, one row) fills the cache's shared prefix;
        later calls (one token a row) attend to it and to their own row's tokens."""
        import torch
        import torch.nn.functional as F

        cfg = self.config
        rows, n = ids.shape
        past = cache.length
        c = cfg.n_embd
        x = self.wte[ids] + self.wpe[past:past + n]
        for i, lay in enumerate(self.layers):
            h = F.layer_norm(x, (c,), lay["ln_1.weight"], lay["ln_1.bias"],
                             cfg.layer_norm_epsilon)
            a = self._attend(i, h, lay, cache)
            x = x + a.view(rows, n, c)
            h = F.layer_norm(x, (c,), lay["ln_2.weight"], lay["ln_2.bias"],
                             cfg.layer_norm_epsilon)
            m = torch.addmm(lay["mlp.c_fc.bias"], h.view(-1, c), lay["mlp.c_fc.weight"])
            m = 0.5 * m * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi)
                                            * (m + 0.044715 * torch.pow(m, 3.0))))
            x = x + torch.addmm(lay["mlp.c_proj.bias"], m, lay["mlp.c_proj.weight"]).view(
                rows, n, c)
        cache.length += n
        if cache.prefix_done(0) and past:
            cache.step_done()
        last = F.layer_norm(x[:, -1:], (c,), *self.ln_f, cfg.layer_norm_epsilon)
        return F.linear(last, self.wte)[:, -1]

    def _attend(self, i: int, h: Any, lay: dict[str, Any], cache: _Cache) -> Any:
        """Attention of layer ``i`` (output projection included), rows x new tokens."""
        import torch
        import torch.nn.functional as F

        rows, n, c = h.shape
        heads = self.config.n_head
        qkv: Any = torch.addmm(lay["attn.c_attn.bias"], h.view(-1, c),
                               lay["attn.c_attn.weight"])
        q, k, v = (t.view(rows, n, heads, -1).transpose(1, 2)
                   for t in qkv.view(rows, n, 3 * c).split(c, dim=2))
        scale = (c // heads) ** -0.5
        if not cache.prefix_done(i):  # the prompt: one row, causal
            cache.set_prefix(i, k[0], v[0])
            a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, scale=scale,
                                               is_causal=n > 1)
        else:  # one token a row: the shared prompt's keys, then the row's own
            keys, values = cache.append(i, k, v)  # (own, rows * heads, head size)
            owner = cache.owner  # the rows are in buffer order: the queries follow them
            if owner is not None:
                q = q.index_select(0, owner)
            pk, pv = cache.prefix[i]  # (heads, prompt, head size)
            qh = q[:, :, 0].transpose(0, 1)  # (heads, rows, head size)
            sp = torch.bmm(qh, pk.transpose(1, 2)).transpose(0, 1)  # (rows, heads, prompt)
            qr = q.reshape(rows * heads, 1, -1)
            so = torch.bmm(qr, keys.permute(1, 2, 0)).view(rows, heads, -1)  # own
            w = torch.softmax(torch.cat([sp, so], dim=-1) * scale, dim=-1)
            split = pk.shape[1]
            own = torch.bmm(w[:, :, split:].reshape(rows * heads, 1, -1),
                            values.transpose(0, 1)).view(rows, heads, -1)
            a = (torch.bmm(w[:, :, :split].transpose(0, 1), pv).transpose(0, 1) + own)[:, :, None]
            if owner is not None:  # back to beam order
                a = a.index_select(0, cache.slot)
        a = a.transpose(1, 2).contiguous().view(-1, c)
        return torch.addmm(lay["attn.c_proj.bias"], a, lay["attn.c_proj.weight"])


class _Cache:
    """Keys and values: the prompt's once (every row shares it), then each row's own
    tokens, time-major (own token, row x head, head size). Beam search moves the beams
    among the rows (:mod:`engine.llm.beam_slots`): beam b's tokens are in row ``slot[b]``,
    and only a parent's second child copies a row."""

    def __init__(self, layers: int, room: int) -> None:
        self.prefix: list[tuple[Any, Any]] = []
        self.own: list[list[Any]] = []  # per layer: keys, values
        self.length = 0  # positions cached (prompt and own)
        self.used = 0  # own tokens cached
        self.room = room
        self.layers = layers
        self.slot: Any = None  # beam -> row (None: beam b in row b)
        self.owner: Any = None  # row -> beam

    def prefix_done(self, i: int) -> bool:
        return len(self.prefix) > i

    def set_prefix(self, i: int, k: Any, v: Any) -> None:
        self.prefix.append((k.contiguous(), v.contiguous()))

    def append(self, i: int, k: Any, v: Any) -> tuple[Any, Any]:
        """Layer ``i``'s keys and values of the rows' own tokens, the new ones (rows,
        heads, 1, head size) included."""
        import torch

        rows, heads, _, size = k.shape
        if len(self.own) <= i:
            self.own.append([torch.empty((self.room, rows * heads, size))
                             for _ in range(2)])
        bk, bv = self.own[i]
        if self.owner is not None:  # each row takes the new token of its beam
            k, v = k.index_select(0, self.owner), v.index_select(0, self.owner)
        bk[self.used] = k.reshape(rows * heads, size)
        bv[self.used] = v.reshape(rows * heads, size)
        return bk[:self.used + 1], bv[:self.used + 1]

    def step_done(self) -> None:
        self.used += 1

    def reorder(self, idx: Any) -> None:
        """Beam search: beam ``r`` continues beam ``idx[r]``."""
        import torch

        from engine.llm.beam_slots import inverse, move_beams

        parents = [int(i) for i in idx.tolist()]
        rows = len(parents)
        slot, copies = move_beams(parents, None if self.slot is None else self.slot.tolist())
        n = self.used
        if copies and n and self.own:
            h = self.own[0][0].shape[1] // rows  # columns are row x head
            for bufs in self.own:
                for b in bufs:
                    for dst, src in copies:  # sources are kept rows
                        b[:n, dst * h:(dst + 1) * h].copy_(b[:n, src * h:(src + 1) * h])
        if slot == list(range(rows)):
            self.slot = self.owner = None
        else:
            self.slot, self.owner = torch.tensor(slot), torch.tensor(inverse(slot))


@dataclass(frozen=True, slots=True)
class Decode:
    """One decoding request (what the backend gave transformers' ``generate``)."""

    max_new_tokens: int
    n: int = 1
    sample: bool = False
    temperature: float = 1.0
    beams: int = 1
    eos: int = 0
    pad: int = 0
    min_new_tokens: int = 0
    max_time: float | None = None


def decode(model: TinyGPT2, ids: Any, req: Decode, processors: list[Any]) -> Any:
    """Rows of prompt and generated ids, as ``generate`` returns them."""
    import torch

    start = time.time()
    with torch.inference_mode():
        if req.beams > 1:
            return _beam_search(model, ids.repeat_interleave(req.beams, dim=0), req,
                                processors, start)
        return _sample(model, ids.repeat_interleave(req.n, dim=0), req, processors, start)


def _process(ids: Any, scores: Any, req: Decode, prompt: int, processors: list[Any]) -> Any:
    """transformers' processor order: min_new_tokens, the caller's, then temperature."""
    import torch

    if req.min_new_tokens and ids.shape[-1] - prompt < req.min_new_tokens:
        vocab = torch.arange(scores.shape[-1])
        scores = torch.where(vocab == req.eos, -math.inf, scores)
    for p in processors:
        scores = p(ids, scores)
    if req.sample and req.temperature != 1.0:
        scores = scores / req.temperature
    return scores


def _stop(ids: Any, req: Decode, max_length: int, start: float) -> Any:
    """transformers' max-length, max-time and EOS criteria, per row."""
    import torch

    if ids.shape[1] >= max_length or (req.max_time is not None
                                      and time.time() - start > req.max_time):
        return torch.ones(ids.shape[0], dtype=torch.bool)
    return ids[:, -1] == req.eos


def _sample(model: TinyGPT2, ids: Any, req: Decode, processors: list[Any],
            start: float) -> Any:
    """``GenerationMixin._sample``: greedy, or multinomial draws when ``req.sample``."""
    import torch

    prompt = ids.shape[1]
    max_length = prompt + req.max_new_tokens
    unfinished = torch.ones(ids.shape[0], dtype=torch.long)
    cache = _Cache(model.config.n_layer, req.max_new_tokens)
    logits = model.forward(ids[:1], cache).expand(ids.shape[0], -1)
    while True:
        scores = _process(ids, logits.to(copy=True, dtype=torch.float32), req, prompt,
                          processors)
        if req.sample:
            nxt = torch.multinomial(torch.softmax(scores, dim=-1), num_samples=1).squeeze(1)
        else:
            nxt = torch.argmax(scores, dim=-1)
        nxt = nxt * unfinished + req.pad * (1 - unfinished)
        ids = torch.cat([ids, nxt[:, None]], dim=-1)
        unfinished = unfinished & ~_stop(ids, req, max_length, start)
        if unfinished.max() == 0:
            return ids
        logits = model.forward(nxt[:, None], cache)


def _gather(t: Any, idx: Any) -> Any:
    while idx.dim() < t.dim():
        idx = idx.unsqueeze(-1)
    return t.take_along_dim(idx, dim=1)


def _beam_search(model: TinyGPT2, ids: Any, req: Decode, processors: list[Any],
                 start: float) -> Any:
    """``GenerationMixin._beam_search`` for one prompt (batch 1), no sampling, length
    penalty 1.0, ``early_stopping=False``; the best ``req.n`` beams."""
    import torch
    import torch.nn.functional as F

    beams, cur = req.beams, ids.shape[1]
    prompt, max_length, keep = cur, cur + req.max_new_tokens, 2 * beams
    top_mask = torch.cat((torch.ones(beams, dtype=torch.bool),
                          torch.zeros(keep - beams, dtype=torch.bool)))
    running = torch.full((1, beams, max_length), req.pad, dtype=torch.int64)
    running[:, :, :cur] = ids.view(1, beams, cur)
    sequences = running.clone()
    run_scores = torch.zeros((1, beams))
    run_scores[:, 1:] = -1e9
    scores = torch.full((1, beams), -1e9)
    finished = torch.zeros((1, beams), dtype=torch.bool)
    improvable = torch.ones((1, 1), dtype=torch.bool)
    run_idx = torch.full((1, beams, max_length - cur), -1, dtype=torch.int32)
    indices = run_idx.clone()
    cache = _Cache(model.config.n_layer, req.max_new_tokens)
    logits = model.forward(ids[:1], cache).expand(beams, -1)
    while True:
        flat = running[:, :, :cur].reshape(beams, cur)
        logp = F.log_softmax(logits.to(copy=True, dtype=torch.float32), dim=-1)
        logp = _process(flat, logp, req, prompt, processors)
        logp = (logp.view(1, beams, -1) + run_scores[:, :, None]).reshape(1, -1)
        top_lp, top_i = torch.topk(logp, k=keep)
        vocab = logp.shape[-1] // beams
        top_beam = top_i // vocab
        top_idx = _gather(run_idx, top_beam)
        top_seq = _gather(running, top_beam)
        top_seq[:, :, cur] = top_i % vocab
        top_idx[:, :, cur - prompt] = top_beam
        hits = _stop(top_seq[0, :, :cur + 1], req, max_length, start).view(1, keep)
        run_lp = top_lp + hits.to(torch.float32) * -1.0e9
        nxt = torch.topk(run_lp, k=beams)[1]
        running, run_scores, run_idx = (_gather(top_seq, nxt), _gather(run_lp, nxt),
                                        _gather(top_idx, nxt))
        done = hits & top_mask[None, :]
        lp = top_lp / (cur + 1 - prompt)
        lp = lp + (~improvable).to(torch.float32) * -1.0e9 + (~done) * -1.0e9
        merged = torch.topk(torch.cat((scores, lp), dim=1), k=beams)[1]
        sequences = _gather(torch.cat((sequences, top_seq), dim=1), merged)
        scores = _gather(torch.cat((scores, lp), dim=1), merged)
        indices = _gather(torch.cat((indices, top_idx), dim=1), merged)
        finished = _gather(torch.cat((finished, done), dim=1), merged)
        cache.reorder(run_idx[0, :, cur - prompt].long())
        cur += 1
        worst = torch.where(finished, torch.min(scores, dim=1, keepdim=True)[0], -1.0e9)
        improvable = improvable & torch.any(run_scores[:, :1] / (cur - prompt) > worst,
                                            dim=-1, keepdim=True)
        if not (bool(torch.any(improvable)) and not bool(torch.all(hits))):
            break
        logits = model.forward(running[:, :, cur - 1].reshape(beams, 1), cache)
    out = sequences[0, :req.n]
    length = int(((indices[0, :req.n] + 1).bool()).sum(dim=1).max())
    return out[:, :prompt + length]
