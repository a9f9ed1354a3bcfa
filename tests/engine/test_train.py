"""``plansafe train`` end to end at toy size: planner traces -> tokenizer -> GPT-2 -> checkpoint
that the transformers backend loads and decodes under the domain's grammar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def toy_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from engine.llm.train import TrainConfig, train

    out = tmp_path_factory.mktemp("model")
    cfg = TrainConfig(out=out, steps=4, size="tiny", device="cpu", seed=3, batch_tokens=1024,
                      vocab_size=400, data_dir=tmp_path_factory.mktemp("data"),
                      counts=(("devops", 6), ("blocksworld", 6)), workers=1, threads=1)
    logs: list[str] = []
    info = train(cfg, log=logs.append)
    return out, info


def test_training_writes_a_loadable_checkpoint(toy_checkpoint):
    out, info = toy_checkpoint
    for name in ("config.json", "model.safetensors", "tokenizer.json", "training.json",
                 "train_keys.json"):
        assert (out / name).is_file(), name
    assert info["steps"] == 4 and info["size"] == "tiny"
    # duplicates and problems equal to a PlanBench instance are dropped, never added
    assert 1 <= info["records"]["devops"] <= 6 and 1 <= info["records"]["blocksworld"] <= 6
    n_records = info["records"]["devops"] + info["records"]["blocksworld"]
    assert info["examples"]["plan"] >= n_records and info["examples"]["goal"] > 0
    assert json.loads((out / "training.json").read_text())["seed"] == 3
    # the keys of the training prompts, so benchmarks can exclude them
    assert len(json.loads((out / "train_keys.json").read_text())) >= n_records


def test_trained_checkpoint_decodes_under_the_grammar(toy_checkpoint, specs_dir):
    """Even an untrained-quality model emits only real, well-typed actions."""
    from engine.llm.backend import TransformersBackend
    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt
    from verifier.plan_io import parse_plan
    from verifier.spec import load_problem, load_spec

    out, _ = toy_checkpoint
    spec = load_spec(specs_dir / "devops")
    problem = load_problem(spec, "p01")
    backend = TransformersBackend(out, device="cpu", threads=1)
    gens = backend.generate(problem_prompt(problem), k=2, max_new_tokens=40,
                            grammar=plan_grammar(problem.domain, problem.objects))
    assert len(gens) == 2
    actions = set(spec.domain.actions)
    for g in gens:
        assert g.tokens > 0
        # a generation cut at max_new_tokens may end inside a step: judge its whole steps
        text = g.text if g.tokens < 40 else g.text[:g.text.rfind("\n") + 1]
        plan = parse_plan(text) if text.strip() else None
        for step in (plan.steps if plan else ()):
            assert step.action in actions


def test_training_continues_from_a_checkpoint(toy_checkpoint, tmp_path):
    """--init keeps the checkpoint's tokenizer, starts from its weights and adds up the steps."""
    import torch
    from safetensors.torch import load_file

    from engine.llm.train import TrainConfig, train

    src, first = toy_checkpoint
    out = tmp_path / "continued"
    cfg = TrainConfig(out=out, steps=2, size="small", device="cpu", seed=3, batch_tokens=1024,
                      vocab_size=400, data_dir=tmp_path / "data",
                      counts=(("devops", 6), ("blocksworld", 6)), workers=1, threads=1,
                      init=src)
    info = train(cfg, log=lambda _m: None)
    assert (out / "tokenizer.json").read_text() == (src / "tokenizer.json").read_text()
    assert info["size"] == "tiny"  # the checkpoint's size, not --size
    assert info["parameters"] == first["parameters"]
    assert info["init"] == {"from": str(src), "steps": 4, "total_steps": 6}
    before, after = load_file(src / "model.safetensors"), load_file(out / "model.safetensors")
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[k], after[k]) for k in before)  # it did train
    old_keys = set(json.loads((src / "train_keys.json").read_text()))
    assert old_keys <= set(json.loads((out / "train_keys.json").read_text()))


def test_continuing_from_a_folder_that_is_no_checkpoint_is_refused(tmp_path):
    from engine.llm.train import _load_init
    from verifier.errors import PlansafeError

    with pytest.raises(PlansafeError, match="not a checkpoint folder"):
        _load_init(tmp_path, 768)


def test_loss_starts_after_the_prompt_and_the_prefix() -> None:
    from engine.llm.dataset import Example
    from engine.llm.train import _encode, train_tokenizer

    examples = [Example("plan\ngoal: (x)\n", "(b)\n", "plan", "(a)\n"),
                Example("plan\ngoal: (x)\n", "(a)\n(b)\n", "plan")]
    tok = train_tokenizer([e.prompt + e.prefix + e.completion for e in examples], 300)
    (ids1, start1), (ids2, start2) = _encode(tok, examples, 64)
    assert tok.decode(ids1[start1:-1]) == "(b)\n" and ids1[-1] == tok.eos_token_id
    assert tok.decode(ids1[:start1]) == "plan\ngoal: (x)\n(a)\n"
    assert tok.decode(ids2[start2:-1]) == "(a)\n(b)\n"
