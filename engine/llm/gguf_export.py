"""A GPT-2 checkpoint (the embedded model, or one ``plansafe train`` wrote) as a GGUF file,
for llama.cpp and the servers built on it (llama-cpp-python's OpenAI-compatible server).

Written with the ``gguf`` package (ggml's own GGUF writer and tensor-name map); the
architecture's metadata, the weights (float32; GPT-2's ``Conv1D`` weights transposed to
``(out, in)`` as llama.cpp reads them) and the byte-level BPE tokenizer (its tokens by id and
its merges from ``tokenizer.json``). llama.cpp has no pre-tokenizer equal to this project's
(words such as ``(unstack`` kept whole, :data:`engine.llm.train.CHUNK_REGEX`); the file
names GPT-2's, so a server should tokenize with the checkpoint's own ``tokenizer.json``
(llama-cpp-python's ``--hf_pretrained_model_name_or_path``), as the exact-tokens test does.
"""

from __future__ import annotations

import json
from pathlib import Path

from verifier.errors import PlansafeError

__all__ = ["export_gguf"]

#: HF GPT-2 weights stored (in, out) by ``Conv1D``; llama.cpp wants (out, in)
_TRANSPOSED = (".c_attn.weight", ".c_proj.weight", ".c_fc.weight")


def export_gguf(model_dir: str | Path, out: str | Path) -> Path:
    """Write the GPT-2 checkpoint in ``model_dir`` to ``out`` (GGUF, float32)."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    folder = Path(model_dir)
    config = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "gpt2":
        raise PlansafeError(f"{folder}: model_type={config.get('model_type')!r}; only GPT-2 "
                            "checkpoints are exported to GGUF here")
    tok = json.loads((folder / "tokenizer.json").read_text())
    vocab: dict[str, int] = tok["model"]["vocab"]
    added = {a["id"]: a["content"] for a in tok.get("added_tokens", [])}
    n_vocab = int(config["vocab_size"])
    tokens = [""] * n_vocab
    for text, i in list(vocab.items()) + [(t, i) for i, t in added.items()]:
        if i < n_vocab:
            tokens[i] = text
    missing = [i for i, t in enumerate(tokens) if not t]
    for i in missing:  # rows the tokenizer never fills (none in this project's models)
        tokens[i] = f"[PAD{i}]"
    types = [gguf.TokenType.CONTROL if i in added else
             gguf.TokenType.UNUSED if i in missing else gguf.TokenType.NORMAL
             for i in range(n_vocab)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]

    n_layer = int(config["n_layer"])
    writer = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.GPT2])
    writer.add_name(folder.name)
    writer.add_block_count(n_layer)
    writer.add_context_length(int(config["n_positions"]))
    writer.add_embedding_length(int(config["n_embd"]))
    writer.add_feed_forward_length(int(config.get("n_inner") or 4 * config["n_embd"]))
    writer.add_head_count(int(config["n_head"]))
    writer.add_layer_norm_eps(float(config["layer_norm_epsilon"]))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    eos = config.get("eos_token_id")
    if eos is not None:
        writer.add_eos_token_id(int(eos))
        writer.add_bos_token_id(int(config.get("bos_token_id", eos)))
        writer.add_pad_token_id(int(config.get("pad_token_id", eos)))
    writer.add_add_bos_token(False)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.GPT2, n_layer)
    weights = load_file(str(folder / "model.safetensors"))
    for name, data in sorted(weights.items()):
        if name.endswith((".attn.bias", ".attn.masked_bias")):
            continue  # GPT-2's causal mask buffers, not weights
        key = name if name.startswith("transformer.") or name.startswith("lm_head") \
            else f"transformer.{name}"
        new = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if new is None:
            raise PlansafeError(f"{folder}: no GGUF name for tensor {name!r}")
        if name.endswith(_TRANSPOSED):
            data = data.T
        writer.add_tensor(new, np.ascontiguousarray(data, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out)
