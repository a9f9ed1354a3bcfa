"""engine/llm/gguf_export.py: the embedded GPT-2 as GGUF, read back with ggml's own reader
(``gguf.GGUFReader``): metadata, tokenizer and weights as llama.cpp expects them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")
pytest.importorskip("safetensors")

from engine.llm import DEFAULT_MODEL_DIR  # noqa: E402
from engine.llm.gguf_export import export_gguf  # noqa: E402


def _value(reader, key):
    field = reader.fields[key]
    part = field.parts[field.data[0]]
    if field.types and field.types[0] == gguf.GGUFValueType.STRING:
        return bytes(part).decode()
    return part.tolist()[0]


def _strings(reader, key):
    field = reader.fields[key]
    return [bytes(field.parts[i]).decode() for i in field.data]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("gguf") / "plansafe.gguf"
    export_gguf(DEFAULT_MODEL_DIR, out)
    return gguf.GGUFReader(str(out))


def test_metadata_is_gpt2_of_the_checkpoint(exported):
    config = json.loads((Path(DEFAULT_MODEL_DIR) / "config.json").read_text())
    assert _value(exported, "general.architecture") == "gpt2"
    assert _value(exported, "gpt2.block_count") == config["n_layer"]
    assert _value(exported, "gpt2.context_length") == config["n_positions"]
    assert _value(exported, "gpt2.embedding_length") == config["n_embd"]
    assert _value(exported, "gpt2.attention.head_count") == config["n_head"]
    assert _value(exported, "tokenizer.ggml.eos_token_id") == config["eos_token_id"]


def test_tokens_and_merges_are_the_tokenizers(exported):
    tok = json.loads((Path(DEFAULT_MODEL_DIR) / "tokenizer.json").read_text())
    tokens = _strings(exported, "tokenizer.ggml.tokens")
    by_id = {i: t for t, i in tok["model"]["vocab"].items()}
    assert len(tokens) == len(by_id) and all(tokens[i] == t for i, t in by_id.items())
    merges = _strings(exported, "tokenizer.ggml.merges")
    want = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    assert merges == want


def test_weights_are_the_checkpoints_in_llama_cpp_layout(exported):
    from safetensors.numpy import load_file

    hf = load_file(str(Path(DEFAULT_MODEL_DIR) / "model.safetensors"))
    got = {t.name: t for t in exported.tensors}
    assert len(got) == len([k for k in hf if not k.endswith((".attn.bias",
                                                             ".attn.masked_bias"))])

    def array(name):  # GGUFReader gives the data with llama.cpp's dims reversed
        t = got[name]
        return np.asarray(t.data).reshape([int(d) for d in reversed(t.shape)])

    # Conv1D (in, out) -> (out, in); embeddings and norms as they are
    assert np.array_equal(array("blk.0.attn_qkv.weight"),
                          hf["transformer.h.0.attn.c_attn.weight"].T)
    assert np.array_equal(array("blk.3.ffn_down.weight"),
                          hf["transformer.h.3.mlp.c_proj.weight"].T)
    assert np.array_equal(array("token_embd.weight"), hf["transformer.wte.weight"])
    assert np.array_equal(array("output_norm.bias"), hf["transformer.ln_f.bias"])


def test_a_checkpoint_that_is_no_gpt2_is_refused(tmp_path):
    from verifier.errors import PlansafeError

    folder = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | {"model_type": "llama"}))
    with pytest.raises(PlansafeError, match="model_type='llama'"):
        export_gguf(folder, tmp_path / "x.gguf")


def test_the_gguf_command(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    out = tmp_path / "m.gguf"
    res = CliRunner().invoke(app, ["gguf", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.stdout
    assert json.loads(res.stdout)["bytes"] == out.stat().st_size > 0
    res = CliRunner().invoke(app, ["gguf", str(tmp_path), "--out", str(out)])
    assert res.exit_code == 2 and "not a checkpoint folder" in res.output
    res = CliRunner().invoke(app, ["gguf", "--out", str(tmp_path / "no" / "such" / "m.gguf")])
    assert res.exit_code == 2 and "cannot write" in res.output
