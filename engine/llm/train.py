"""Train the embedded default model: a byte-level BPE tokenizer and a small GPT-2.

``plansafe train`` runs :func:`train`: random problems of the built-in specs are solved by
the symbolic planner (cached under ``build/llm/data``), turned into plan, repair and goal
examples, and a causal LM learns the completions (the loss covers completion tokens only).
Never trains on ``../shared/data``; PlanBench problems are read only to keep identical
random problems out of the training set (decontamination), when that folder exists.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from engine.llm.dataset import Example
from verifier.errors import PlansafeError

__all__ = ["SIZES", "TrainConfig", "train", "train_tokenizer", "DEFAULT_COUNTS", "spec_config",
           "replay_counts"]

# (n_embd, n_layer, n_head)
SIZES = {"tiny": (96, 2, 4), "small": (128, 4, 4), "base": (256, 6, 8), "large": (512, 8, 8)}
DEFAULT_COUNTS = {"devops": 600, "documents": 400, "blocksworld": 1200, "robotics": 800}
SPECIAL = "<|endoftext|>"
CHUNK_REGEX = r" ?[^ \n]+\n?| +\n?|\n"


@dataclass(frozen=True, slots=True)
class TrainConfig:
    out: Path
    steps: int = 5000
    size: str = "small"
    device: str = "auto"
    seed: int = 0
    batch_tokens: int = 4096
    lr: float = 1.5e-3
    vocab_size: int = 1024
    max_len: int = 768
    data_dir: Path = Path("build/llm/data")
    counts: tuple[tuple[str, int], ...] = tuple(DEFAULT_COUNTS.items())
    workers: int = 2
    threads: int = 2
    max_minutes: float | None = None  # stop early (and say so) past this much training time
    suffixes: int = 3  # mid-plan problems per solved problem (dataset.suffix_records)
    goal_examples: int = 4  # plain-language goal examples per solved problem
    detours: int = 2  # recovery examples tried per solved problem (dataset.detour_records)
    init: Path | None = None  # continue from this checkpoint (its weights and tokenizer)
    #: spec folders or PDDL domains to train on (engine/llm/specgen.py; no domain pack needed)
    specs: tuple[str, ...] = ()
    spec_problems: int = 200  # solved problems made per spec in ``specs``
    rename_share: float = 0.3  # share of renamings that rename predicates and actions too
    #: share of a spec's problems with one more plan example whose prompt leaves out static
    #: atoms (the prompts :func:`engine.llm.prompts.fitted_prompt` makes past the context)
    compact_share: float = 0.2
    eval_problems: int = 10  # held-out problems per spec, first proposals measured after
    #: with ``specs`` and ``init``: tokens the tokenizer learns from the specs' text
    new_tokens: int = 256


def replay_counts(replay: int, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Built-in problems per built-in spec when fine-tuning on the user's specs: ``replay``
    each (so they do not get worse), then ``counts`` (name -> n) over it."""
    out = {k: replay for k in DEFAULT_COUNTS if replay}
    out.update(counts or {})
    return out


def spec_config(specs: Sequence[str | Path], *, out: Path | None = None,
                init: Path | None = None, scratch: bool = False, steps: int | None = None,
                lr: float | None = None, counts: dict[str, int] | None = None,
                replay: int = 40, suffixes: int = 1, detours: int = 0,
                **options: Any) -> TrainConfig:
    """The configuration of ``plansafe train SPEC ...`` (and :meth:`engine.api.Engine.train`):
    fine-tuning the shipped model (``init``; a new one with ``scratch``) for 1000 steps
    (``steps``) at 5e-4 (``lr``), into the first spec's model folder where ``plan`` and
    ``run`` find it (``out``), with ``replay`` built-in problems per built-in spec; the
    other :class:`TrainConfig` fields as ``options``."""
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.spec_models import spec_model_dir

    paths = tuple(str(p) for p in specs)
    if not paths:
        raise PlansafeError("no spec to train on (name a spec folder or a PDDL domain)")
    if init is None and not scratch:
        init = DEFAULT_MODEL_DIR
    return TrainConfig(out=out or spec_model_dir(paths[0]), steps=steps or 1000,
                       specs=paths, init=init,
                       lr=lr or (5e-4 if init is not None else 1.5e-3),
                       counts=tuple((k, v) for k, v in replay_counts(replay, counts).items()
                                    if v),
                       suffixes=min(suffixes, 1), detours=detours, **options)


def train_tokenizer(texts: Sequence[str], vocab_size: int) -> Any:
    """Byte-level BPE whose pre-tokenizer keeps words such as ``(unstack`` or `` b1)`` whole."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CHUNK_REGEX), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[SPECIAL],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)
    fast: Any = cast(Any, PreTrainedTokenizerFast)(
        tokenizer_object=tok, eos_token=SPECIAL, bos_token=SPECIAL, pad_token=SPECIAL,
        unk_token=None)
    fast.model_max_length = 1024
    return fast


def _pick_device(name: str) -> tuple[str, Any]:
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if name.startswith("cuda") else torch.float32
    return name, dtype


def _encode(tok: Any, examples: Sequence[Example], max_len: int) -> list[tuple[list[int], int]]:
    """Token ids and where the loss starts: after the prompt and any ``prefix`` (steps
    shown as already written; tokenized on their own, as the model wrote them)."""
    prompts = tok([e.prompt for e in examples], add_special_tokens=False)["input_ids"]
    comps = tok([e.completion for e in examples], add_special_tokens=False)["input_ids"]
    pres = tok([e.prefix for e in examples], add_special_tokens=False)["input_ids"]
    out = []
    for p, pre, c in zip(prompts, pres, comps, strict=True):
        ids = p + pre + c + [tok.eos_token_id]
        if len(ids) <= max_len:
            out.append((ids, len(p) + len(pre)))
    return out


def _batches(rng: random.Random, data: list[tuple[list[int], int]], batch_tokens: int
             ) -> list[list[tuple[list[int], int]]]:
    """Length-bucketed batches of about ``batch_tokens`` tokens each (padding kept low)."""
    order = sorted(data, key=lambda x: len(x[0]) + rng.random())
    batches: list[list[tuple[list[int], int]]] = []
    cur: list[tuple[list[int], int]] = []
    longest = 0
    for item in order:
        longest2 = max(longest, len(item[0]))
        if cur and longest2 * (len(cur) + 1) > batch_tokens:
            batches.append(cur)
            cur, longest2 = [], len(item[0])
        cur.append(item)
        longest = longest2
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def planbench_keys(planbench: Path | None) -> set[str]:
    """Prompt hashes of the PlanBench instances (to keep them out of training)."""
    if planbench is None or not (planbench / "instances").is_dir():
        return set()
    import hashlib

    from engine.llm.prompts import problem_prompt
    from verifier.pddl import read_problem

    return {hashlib.sha1(problem_prompt(read_problem(planbench / "domain.pddl", inst))
                         .encode()).hexdigest()[:16]
            for inst in sorted((planbench / "instances").glob("*.pddl"))}


def _base_prompt(e: Example) -> str:
    marker = "\nrejected:\n"
    return e.prompt[:e.prompt.index(marker)] + "\n" if marker in e.prompt else e.prompt


def decontaminate(records: dict[str, list[dict[str, Any]]], planbench: Path | None
                  ) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """Drop generated problems identical to a PlanBench instance (by prompt); count them."""
    if planbench is None or not (planbench / "instances").is_dir():
        return records, 0
    from engine.llm.dataset import record_key
    from engine.llm.prompts import atom_text, goal_parts
    from verifier.pddl import read_problem

    keys = set()
    for inst in sorted((planbench / "instances").glob("*.pddl")):
        p = read_problem(planbench / "domain.pddl", inst)
        keys.add(record_key(list(p.objects), [atom_text(a) for a in p.init],
                            goal_parts(p.goal)))
    dropped = 0
    out = {}
    for name, recs in records.items():
        kept = [r for r in recs if record_key(r["objects"], r["init"], r["goal"]) not in keys]
        dropped += len(recs) - len(kept)
        out[name] = kept
    return out, dropped


def _load_init(folder: Path, max_len: int) -> tuple[Any, Any, dict[str, Any]]:
    """A local causal-LM checkpoint to continue training: its weights, its tokenizer (kept, so
    the vocabulary the weights learnt stays) and what ``training.json`` says about it."""
    from transformers import AutoModelForCausalLM, AutoTokenizer


    if not (folder / "config.json").is_file():
        raise PlansafeError(f"{folder}: not a checkpoint folder, no config.json (pass a folder "
                            "written by `plansafe train` or save_pretrained)")
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True,
                                                 dtype="float32")
    positions = getattr(model.config, "n_positions", None) or getattr(
        model.config, "max_position_embeddings", None)
    if positions is not None and positions < max_len:
        raise PlansafeError(f"{folder}: the model takes {positions} positions, training "
                            f"needs {max_len} (continue from a model with a longer context)")
    if tok.eos_token_id is None:
        raise PlansafeError(f"{folder}: the tokenizer has no end-of-text token (training ends "
                            "every completion with it)")
    info_path = folder / "training.json"
    prior = json.loads(info_path.read_text()) if info_path.is_file() else {}
    return model, tok, prior


def _generated_examples(cfg: TrainConfig, planbench: Path, log: Callable[[str], None]
                        ) -> tuple[dict[str, Any], list[Example], int]:
    """The built-in specs' generated problems (by spec; those equal to a PlanBench instance
    dropped), their examples (with detours when asked) and how many problems were dropped."""
    from engine.llm.dataset import build_dataset
    from engine.llm.detours import generate_detours
    from engine.llm.examples import examples_from

    records = build_dataset(Path(cfg.data_dir), dict(cfg.counts), seed=cfg.seed,
                            workers=cfg.workers, log=log)
    records, dropped = decontaminate(records, planbench if planbench.is_dir() else None)
    log(f"decontamination: {dropped} generated problems equal to a PlanBench instance dropped")
    detours = None
    if cfg.detours:
        detours = generate_detours(records, cfg.detours, seed=cfg.seed, workers=cfg.workers,
                                   folder=Path(cfg.data_dir), log=log)
    examples = examples_from(records, seed=cfg.seed, suffixes=cfg.suffixes,
                             goals_per_record=cfg.goal_examples, detours=detours)
    return records, examples, dropped


def _save(model: Any, tok: Any, out_dir: Path) -> None:
    """The trained model (on the CPU, in float32, as safetensors) and its tokenizer."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu").float()
    model.generation_config.pad_token_id = tok.eos_token_id
    model.save_pretrained(out_dir, safe_serialization=True)
    tok.save_pretrained(out_dir)


def _trained_keys(cfg: TrainConfig, examples: list[Example]) -> set[str]:
    """The keys of the plan prompts trained on (and on before, with ``cfg.init``): the
    benchmarks leave those problems out."""
    import hashlib

    keys = {hashlib.sha1(e.prompt.encode()).hexdigest()[:16]
            for e in examples if e.task == "plan"}
    if cfg.init is not None and (Path(cfg.init) / "train_keys.json").is_file():
        # what the checkpoint was trained on before stays excluded from the benchmarks
        keys |= set(json.loads((Path(cfg.init) / "train_keys.json").read_text()))
    return keys


def _add_spec_info(info: dict[str, Any], cfg: TrainConfig, spec_counts: dict[str, int],
                   held_out: dict[str, list[dict[str, Any]]], out_dir: Path,
                   log: Callable[[str], None]) -> None:
    """The user's specs in ``info``: training problems of each and, measured on its held-out
    problems, the validity of the trained model's first proposals."""
    info["specs"] = {str(p): {"problems": spec_counts.get(n, 0)} for p, n in
                     ((p, _spec_name(p)) for p in cfg.specs)}
    info["rename_share"] = cfg.rename_share
    info["compact_share"] = cfg.compact_share
    if any(held_out.values()):
        log("measuring first proposals on held-out problems ...")
        for path, recs in held_out.items():
            if recs:  # none held out (--eval 0): the model card says "not measured"
                info["specs"][path]["validity"] = measure_validity(out_dir, path, recs,
                                                                   log=log)


def _spec_data(cfg: TrainConfig, held_out: dict[str, list[dict[str, Any]]],
               spec_counts: dict[str, int], log: Callable[[str], None]) -> list[Example]:
    """The examples made from the user's specs (each spec's own example problems); the
    problems held out of each (by spec path) and the training problems' counts (by name) fill
    ``held_out`` and ``spec_counts``."""
    from engine.llm.specgen import load_source, spec_examples, spec_records

    examples: list[Example] = []
    deadline = (time.monotonic() + cfg.max_minutes * 60 * 0.4
                if cfg.max_minutes is not None else None)
    for i, path in enumerate(cfg.specs):
        src = load_source(path)
        recs = spec_records(path, cfg.spec_problems + cfg.eval_problems,
                            seed=cfg.seed + i, log=log, deadline=deadline)
        n_eval = min(cfg.eval_problems, len(recs) // 5) if len(recs) < \
            cfg.spec_problems + cfg.eval_problems else cfg.eval_problems
        held_out[str(path)] = recs[len(recs) - n_eval:] if n_eval else []
        train_recs = recs[:len(recs) - n_eval]
        spec_counts[src.spec.name] = len(train_recs)
        log(f"{src.spec.name}: {len(train_recs)} training problems, {n_eval} held out "
            f"(from {len(src.examples)} example problems of {path})")
        examples += spec_examples(train_recs, src.spec, seed=cfg.seed + i,
                                  rename_share=cfg.rename_share,
                                  compact_share=cfg.compact_share,
                                  goals_per_record=cfg.goal_examples)
    return examples


def _without_planbench(examples: list[Example], planbench: Path, log: Callable[[str], None]
                       ) -> tuple[list[Example], int]:
    """The examples without those whose (renamed) problem equals a PlanBench instance, and how
    many were dropped (renamed copies can coincide with one too)."""
    import hashlib

    pb_keys = planbench_keys(planbench if planbench.is_dir() else None)
    before = len(examples)
    examples = [e for e in examples if e.task == "goal" or hashlib.sha1(
        _base_prompt(e).encode()).hexdigest()[:16] not in pb_keys]
    log(f"decontamination: {before - len(examples)} renamed examples equal to a PlanBench "
        "instance dropped")
    return examples, before - len(examples)


def _model_for(cfg: TrainConfig, examples: list[Example], device: str
               ) -> tuple[Any, Any, dict[str, Any], str]:
    """The model to train, its tokenizer, what the checkpoint it continues says of itself
    (``{}`` for a new one) and its size: ``cfg.init`` loaded, or a new GPT-2 of ``cfg.size``
    with a tokenizer trained on ``examples``."""
    if cfg.init is not None:
        model, tok, prior = _load_init(Path(cfg.init), cfg.max_len)
        return model.to(device), tok, prior, prior.get("size", "custom")
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = train_tokenizer([e.prompt + e.prefix + e.completion for e in examples],
                          cfg.vocab_size)
    n_embd, n_layer, n_head = SIZES[cfg.size]
    mcfg = GPT2Config(vocab_size=len(tok), n_positions=cfg.max_len, n_embd=n_embd,
                      n_layer=n_layer, n_head=n_head, bos_token_id=tok.eos_token_id,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id,
                      resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return cast(Any, GPT2LMHeadModel(mcfg)).to(device), tok, {}, cfg.size


def _tensors(batch: list[tuple[list[int], int]], pad: int) -> tuple[Any, Any, Any]:
    """A batch's input ids (padded with ``pad``), labels (the completions only; -100 elsewhere)
    and attention mask."""
    import torch

    width = max(len(ids) for ids, _ in batch)
    inp = torch.full((len(batch), width), pad, dtype=torch.long)
    lab = torch.full((len(batch), width), -100, dtype=torch.long)
    att = torch.zeros((len(batch), width), dtype=torch.long)
    for i, (ids, plen) in enumerate(batch):
        inp[i, :len(ids)] = torch.tensor(ids)
        lab[i, plen:len(ids)] = torch.tensor(ids[plen:])
        att[i, :len(ids)] = 1
    return inp, lab, att


def _optimise(cfg: TrainConfig, model: Any, data: list[tuple[list[int], int]],
              rng: random.Random, device: str, dtype: Any, pad: int, elapsed_s: float,
              log: Callable[[str], None]) -> tuple[list[float], int | None]:
    """``cfg.steps`` AdamW steps (warm-up, then cosine), within ``cfg.max_minutes`` (with specs
    counted from the start of the data, ``elapsed_s`` ago): the losses, and the step the time
    budget stopped it at (None: every step ran)."""
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = max(1, min(200, cfg.steps // 10))

    def lr_at(step: int) -> float:
        if step < warmup:
            return cfg.lr * (step + 1) / warmup
        frac = (step - warmup) / max(1, cfg.steps - warmup)
        return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))

    model.train()
    step, losses, t_train = 0, [], time.perf_counter()
    stopped_at: int | None = None
    while step < cfg.steps:
        for batch in _batches(rng, data, cfg.batch_tokens):
            if step >= cfg.steps:
                break
            # with specs the bound covers the whole run (data made from them included)
            limit = (None if cfg.max_minutes is None else cfg.max_minutes * 60
                     - (elapsed_s if cfg.specs else 0.0))
            if limit is not None and time.perf_counter() - t_train > (
                    max(30.0, limit) if cfg.specs else limit):
                log(f"time budget of {cfg.max_minutes} min reached at step {step}")
                stopped_at = step
                step = cfg.steps
                break
            inp, lab, att = _tensors(batch, pad)
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            with torch.autocast(device_type="cuda", dtype=dtype, enabled=device != "cpu"):
                out = model(input_ids=inp.to(device), attention_mask=att.to(device),
                            labels=lab.to(device))
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(float(out.loss.detach()))
            step += 1
            if step % 50 == 0 or step == cfg.steps:
                log(f"step {step}/{cfg.steps} loss {sum(losses[-50:]) / len(losses[-50:]):.4f} "
                    f"lr {lr_at(step):.2e} {time.perf_counter() - t_train:.0f} s")
    return losses, stopped_at


def _grow_vocab(model: Any, tok: Any, own: list[Example], new_tokens: int,
                log: Callable[[str], None]) -> tuple[Any, dict[str, Any]] | None:
    """The continued checkpoint's tokenizer grown with up to ``new_tokens`` merges learnt
    from the specs' own examples, and the model's embeddings with it
    (:mod:`engine.llm.vocab`); what changed, for ``training.json``. None: nothing learnt."""
    from engine.llm.vocab import extend_tokenizer, grow_embeddings

    texts = [e.prompt + e.prefix + e.completion for e in own[:2000]]
    new, merges = extend_tokenizer(tok, texts, new_tokens=new_tokens)
    if not merges:
        return None
    grow_embeddings(model, tok, new, merges)
    sample = texts[:200]
    before = sum(len(tok(t)["input_ids"]) for t in sample)
    after = sum(len(new(t)["input_ids"]) for t in sample)
    log(f"tokenizer: {len(merges)} tokens learnt from the specs' text (vocabulary "
        f"{len(tok)} -> {len(new)}); the specs' examples take {after} tokens instead of "
        f"{before} ({after / max(1, before):.0%})")
    return new, {"added": len(merges), "before": len(tok), "after": len(new),
                 "tokens_ratio": round(after / max(1, before), 3)}


def train(cfg: TrainConfig, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    import torch

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = random.Random(cfg.seed)
    t0 = time.perf_counter()
    planbench = Path(__file__).resolve().parents[3] / "shared" / "data" / "planbench"
    records, examples, dropped = _generated_examples(cfg, planbench, log)
    held_out: dict[str, list[dict[str, Any]]] = {}
    spec_counts: dict[str, int] = {}
    own: list[Example] = []
    if cfg.specs:  # the user's specs: problems made from each spec's own examples
        own = _spec_data(cfg, held_out, spec_counts, log)
        examples += own
        random.Random(cfg.seed).shuffle(examples)
    examples, renamed = _without_planbench(examples, planbench, log)
    dropped += renamed
    data_s = time.perf_counter() - t0
    counts = {k: sum(1 for e in examples if e.task == k) for k in ("plan", "repair", "goal")}
    log(f"{len(examples)} examples {counts} in {data_s:.0f} s")

    device, dtype = _pick_device(cfg.device)
    model, tok, prior, size = _model_for(cfg, examples, device)
    grown = (_grow_vocab(model, tok, own, cfg.new_tokens, log)
             if cfg.init is not None and own and cfg.new_tokens else None)
    if grown is not None:
        tok = grown[0]
    data = _encode(tok, examples, cfg.max_len)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model {size}: {n_params / 1e6:.2f} M parameters, vocab {len(tok)}, "
        f"{len(data)} sequences, device {device}"
        + (f", continuing from {cfg.init}" if cfg.init is not None else ""))
    t_train = time.perf_counter()
    losses, stopped_at = _optimise(cfg, model, data, rng, device, dtype, tok.eos_token_id,
                                   t_train - t0, log)
    train_s = time.perf_counter() - t_train
    out_dir = Path(cfg.out)
    _save(model, tok, out_dir)
    keys = _trained_keys(cfg, examples)
    info = {"size": size, "parameters": n_params, "steps": stopped_at or cfg.steps,
            "steps_planned": cfg.steps, "seed": cfg.seed,
            "device": device, "examples": counts, "records": {k: len(v) for k, v in
                                                             records.items()},
            "decontaminated": dropped,
            "final_loss": sum(losses[-100:]) / max(1, len(losses[-100:])),
            "train_seconds": round(train_s, 1), "data_seconds": round(data_s, 1),
            "batch_tokens": cfg.batch_tokens, "lr": cfg.lr, "suffixes": cfg.suffixes,
            "goal_examples": cfg.goal_examples, "detours": cfg.detours}
    if grown is not None:
        info["vocabulary"] = grown[1]
    if cfg.specs:
        _add_spec_info(info, cfg, spec_counts, held_out, out_dir, log)
    if cfg.init is not None:
        info["init"] = {"from": str(cfg.init), "steps": prior.get("steps"),
                        "total_steps": (prior.get("steps") or 0) + info["steps"]
                        if isinstance(prior.get("steps"), int) else None}
    (out_dir / "training.json").write_text(json.dumps(info, indent=2) + "\n")
    (out_dir / "train_keys.json").write_text(json.dumps(sorted(keys)) + "\n")
    if cfg.specs:
        (out_dir / "MODEL_CARD.md").write_text(model_card(info))
    log(f"saved to {out_dir}: loss {info['final_loss']:.4f}, {train_s:.0f} s training")
    return info


def _spec_name(path: str) -> str:
    from verifier.spec import load_spec

    return str(load_spec(path).name)


def measure_validity(model_dir: Path, spec_path: str, records: Sequence[dict[str, Any]], *,
                     log: Callable[[str], None] = print) -> dict[str, Any]:
    """First proposals (state-aware decoding, the default; no feedback round, no fallback)
    of the model in ``model_dir`` on held-out generated problems: how many pass the
    verifier."""
    from engine.llm.backend import TransformersBackend
    from engine.llm.specgen import _problem
    from engine.planner import PlannerAgent
    from verifier.spec import load_spec

    spec = load_spec(spec_path)
    backend = TransformersBackend(model_dir, device="cpu")
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False)
    valid = 0
    t0 = time.perf_counter()
    for rec in records:
        atoms = [tuple(a.strip("()").split()) for a in rec["init"]]
        goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
        problem = _problem(f"heldout{rec['seed']}", spec.domain, rec["types"], atoms, goal)
        agent.plan(problem)
        valid += bool(agent.last.first_proposal_valid)
    out = {"first_proposals_valid": valid, "problems": len(records),
           "seconds": round(time.perf_counter() - t0, 1),
           "decoding": agent.decoding}
    log(f"{spec.name}: {valid}/{len(records)} first proposals valid on held-out problems")
    return out


def model_card(info: dict[str, Any]) -> str:
    """A short model card: what the model was trained on, how long, and what it does."""
    lines = ["# Model card", "",
             f"Fine-tuned from `{info.get('init', {}).get('from', 'scratch')}` "
             f"({info['size']}, {info['parameters']:,} parameters) by `plansafe train`.", "",
             "## Data", ""]
    for path, s in info.get("specs", {}).items():
        lines.append(f"- `{path}`: {s['problems']} problems made from the spec's example "
                     "problems (sizes up to 3x, random-walk states and goals, teacher plans "
                     "from Fast Downward with policies and access compiled in)")
    replay = {k: v for k, v in info["records"].items()}
    lines.append(f"- replay of built-in data: {replay or 'none'}")
    lines.append(f"- examples: {info['examples']}; renamed predicates/actions in a "
                 f"{info.get('rename_share', 0):.0%} share of renamings, objects always; "
                 f"{info.get('compact_share', 0):.0%} of the problems once more with static "
                 "atoms left out of the prompt")
    vocab = info.get("vocabulary")
    if vocab:
        lines.append(f"- tokenizer: {vocab['added']} tokens learnt from the specs' text "
                     f"(vocabulary {vocab['before']} -> {vocab['after']}; the specs' "
                     f"examples in {vocab['tokens_ratio']:.0%} of the tokens)")
    lines += ["", "## Training", "",
              f"- steps: {info['steps']} of {info['steps_planned']} planned, "
              f"{info['train_seconds']} s on {info['device']}",
              f"- final loss (mean of the last 100 steps): {info['final_loss']:.4f}", "",
              "## Measured validity", ""]
    for path, s in info.get("specs", {}).items():
        v = s.get("validity")
        if v:
            lines.append(f"- `{path}`: {v['first_proposals_valid']} of {v['problems']} first "
                         f"proposals valid ({v['decoding']} decoding) on held-out generated "
                         f"problems, {v['seconds']} s")
        else:
            lines.append(f"- `{path}`: not measured (no held-out problems)")
    return "\n".join(lines) + "\n"
