"""Beam search and sampling through the shared prompt cache (engine/llm/shared_prefix.py)
write what transformers' own cache writes, token for token; outside such a generation the
attention is transformers' SDPA unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from engine.llm import DEFAULT_MODEL_DIR
from engine.llm.backend import TransformersBackend
from engine.llm.grammar import plan_grammar
from engine.llm.prompts import problem_prompt
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def backend() -> Any:
    b = TransformersBackend(DEFAULT_MODEL_DIR, device="cpu")
    assert b.shared_prefix  # on by default for the embedded GPT-2
    return b


def _calls(backend: Any, spec_dir: Any, name: str, *, shared: bool) -> list[tuple[str, int]]:
    import torch

    spec = load_spec(spec_dir)
    problem = load_problem(spec, name)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    prompt = problem_prompt(problem)
    grammar = plan_grammar(problem.domain, problem.objects, fmt="text")
    backend.shared_prefix = shared
    try:
        gens = [*backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=120,
                                  state=checker, beams=16),
                *backend.best(prompt, 3, grammar=grammar, max_new_tokens=60)]
        torch.manual_seed(5)
        gens += backend.sample(prompt, 3, grammar=grammar, max_new_tokens=60, state=checker)
    finally:
        backend.shared_prefix = True
    return [(g.text, g.tokens) for g in gens]


@pytest.mark.parametrize("spec,name", [("blocksworld", "p03"), ("robotics", "p02"),
                                       ("devops", "p02")])
def test_same_tokens_as_transformers_cache(backend, specs_dir, spec, name) -> None:  # noqa: ANN001
    ours = _calls(backend, specs_dir / spec, name, shared=True)
    theirs = _calls(backend, specs_dir / spec, name, shared=False)
    assert ours == theirs
    assert len(ours) == 7 and ours[0][0].count("\n") >= 2  # the beams wrote steps


def test_generation_uses_the_shared_cache(backend, specs_dir, monkeypatch) -> None:  # noqa: ANN001
    """The generated part is what the beams reorder; the prompt's keys are held once."""
    from engine.llm import shared_prefix

    seen: list[Any] = []
    real = shared_prefix.SharedPrefixCache

    def spy(layers: int) -> Any:
        seen.append(real(layers))
        return seen[-1]

    monkeypatch.setattr(shared_prefix, "SharedPrefixCache", spy)
    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p03")
    prompt = problem_prompt(problem)
    grammar = plan_grammar(problem.domain, problem.objects, fmt="text")
    gen = backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=40, beams=8)[0]
    assert len(seen) == 1
    layer = seen[0].layers[0]
    prompt_tokens = backend.prompt_tokens(prompt)
    assert layer.prefix_k.shape[0] == 1 and layer.prefix_k.shape[2] == prompt_tokens
    assert layer.gen_k.shape[0] == 8 and 0 < layer.length <= 40
    assert layer.get_seq_length() == prompt_tokens + layer.length
    assert gen.tokens <= 40


def test_prompt_passes_the_model_once(backend, specs_dir) -> None:  # noqa: ANN001
    """The prefill runs on one row, not one per beam; every later step on every beam."""
    rows: list[int] = []

    def spy(module: Any, args: Any, kwargs: Any) -> None:
        rows.append(int(kwargs["input_ids"].shape[0]))

    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p03")
    grammar = plan_grammar(problem.domain, problem.objects, fmt="text")
    handle = backend.model.register_forward_pre_hook(spy, with_kwargs=True)
    try:
        backend.generate(problem_prompt(problem), grammar=grammar, k=1, max_new_tokens=12,
                         beams=8)
    finally:
        handle.remove()
    assert rows[0] == 1 and len(rows) > 2 and set(rows[1:]) == {8}


def test_prefill_of_different_rows_runs_every_row(backend) -> None:  # noqa: ANN001
    """Rows that are not the same prompt each get their own pass (the one-row prefill is
    for a prompt repeated per beam only)."""
    import torch

    from engine.llm.shared_prefix import SharedPrefixCache, active

    ids = torch.tensor([[5, 17, 40, 99], [6, 18, 41, 98]])
    with torch.no_grad():
        alone = backend.model(input_ids=ids[1:]).logits
        with active(SharedPrefixCache(backend.model.config.num_hidden_layers)) as cache:
            both = backend.model(input_ids=ids, cache=cache, use_cache=True).logits
    assert both.shape[0] == 2 and torch.allclose(both[1:], alone, atol=1e-5)
    assert not torch.allclose(both[0], both[1])


def test_plain_forward_is_sdpa(backend) -> None:  # noqa: ANN001
    """Training and scoring forwards (no shared-prefix generation open) are unchanged."""
    import torch

    ids = torch.tensor([[5, 17, 40, 99, 3, 250, 7]])
    with torch.no_grad():
        ours = backend.model(input_ids=ids).logits
        backend.model.set_attn_implementation("sdpa")
        try:
            theirs = backend.model(input_ids=ids).logits
        finally:
            backend.model.set_attn_implementation("plansafe_shared_prefix")
    assert torch.equal(ours, theirs)


def test_reorder_follows_the_beams() -> None:
    """A beam step copies each row's generated keys from the row it continues."""
    import torch

    from engine.llm.shared_prefix import SharedPrefixCache

    cache = SharedPrefixCache(1)
    layer = cache.layers[0]
    prompt = torch.randn(3, 2, 5, 4)
    prompt[1:] = prompt[0]
    layer.update(prompt, prompt.clone())
    steps = [torch.randn(3, 2, 1, 4) for _ in range(2)]
    for s in steps:
        k, _ = layer.update(s, s.clone())
    assert k.shape == (3, 2, 2, 4) and layer.get_seq_length() == 7
    # (the buffer past ``length`` is uninitialised memory, NaN at times: compare the rest)
    held = layer.gen_k[:, :, :layer.length].clone()
    layer.reorder_cache(torch.tensor([0, 1, 2]))  # every row goes on from itself: no copy
    assert torch.equal(layer.gen_k[:, :, :layer.length], held) and layer.slot is None
    layer.reorder_cache(torch.tensor([2, 2, 0]))
    # beam 0 keeps old beam 2's row, beam 2 takes old beam 0's, beam 1 (a second child of
    # old beam 2) copies it into the row of old beam 1, which has no child: one copy
    assert layer.slot.tolist() == [2, 1, 0] and layer.owner.tolist() == [2, 1, 0]
    assert torch.equal(layer.gen_k[0, :, :2], held[0]) and torch.equal(layer.gen_k[1, :, :2],
                                                                  held[2, :, :2])
    new = torch.randn(3, 2, 1, 4)
    k, _ = layer.update(new, new.clone())
    beams = k.index_select(0, layer.slot)  # each beam's history, in beam order
    want = torch.cat(steps, dim=2)[torch.tensor([2, 2, 0])]
    assert torch.equal(beams[:, :, :2], want) and torch.equal(beams[:, :, 2], new[:, :, 0])
    before = layer.gen_k[:, :, :layer.length].clone()
    layer.reorder_cache(torch.tensor([1, 2, 0]))  # a permutation of the beams: no copy
    assert torch.equal(layer.gen_k[:, :, :layer.length], before)
    beams = layer.gen_k[:, :, :3].index_select(0, layer.slot)
    assert torch.equal(beams[:, :, :2], want[torch.tensor([1, 2, 0])])


def test_other_models_keep_transformers_attention() -> None:
    from types import SimpleNamespace

    from engine.llm.shared_prefix import supports

    assert not supports(SimpleNamespace(config=SimpleNamespace(model_type="llama")))
    assert supports(SimpleNamespace(config=SimpleNamespace(model_type="gpt2")))


def test_more_than_one_new_position_is_refused() -> None:
    import torch

    from engine.llm.shared_prefix import SharedPrefixCache

    layer = SharedPrefixCache(1).layers[0]
    layer.update(torch.zeros(2, 2, 5, 4), torch.zeros(2, 2, 5, 4))
    with pytest.raises(RuntimeError, match="2 new positions"):
        layer.update(torch.zeros(2, 2, 2, 4), torch.zeros(2, 2, 2, 4))


@pytest.mark.gpu
def test_same_tokens_on_cuda(specs_dir) -> None:  # noqa: ANN001
    """The shared cache on the GPU writes what transformers' own cache writes there (in
    float32: bfloat16, the GPU default, rounds the two summation orders apart)."""
    import torch

    gpu = TransformersBackend(DEFAULT_MODEL_DIR, device="cuda")
    assert gpu.shared_prefix
    gpu.model.to(torch.float32)
    ours = _calls(gpu, specs_dir / "robotics", "p02", shared=True)
    assert ours == _calls(gpu, specs_dir / "robotics", "p02", shared=False)
