"""``plansafe train`` (engine/llm/train.py) and ``plansafe bench`` (benchmarks/eval, through the
``plansafe.bench`` entry point: engine never imports benchmarks)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli_common import JsonOpt, emit, fail
from engine.progress import with_progress
from verifier.errors import PlansafeError

# --- plansafe train's options ---

_Specs = Annotated[list[Path] | None, typer.Argument(
        metavar="[SPEC]...", help="spec folders or bare PDDL domains (with example problems) "
        "to fine-tune the shipped model on; none: train the embedded model on the built-in "
        "specs", show_default=False)]
_Out = Annotated[Path | None, typer.Option(
        help="folder for the checkpoint (default: build/llm/model; with SPEC, the spec's "
        "own model folder <spec>/.plansafe-model, where plan and run find it)")]
_Steps = Annotated[int | None, typer.Option(help="optimiser steps (default 5000; 1000 "
                                              "with SPEC)")]
_Size = Annotated[str, typer.Option(help="tiny | small | base | large (a new model: "
                                      "without SPEC, or with --scratch)")]
_Device = Annotated[str, typer.Option(help="auto | cpu | cuda")]
_Seed = Annotated[int, typer.Option(help="random seed (data and weights)")]
_DataDir = Annotated[Path, typer.Option(help="cache of generated training problems")
                        ]
_MaxMinutes = Annotated[float | None, typer.Option(
        "--max-minutes", "--minutes", help="bound the run: data from SPEC gets up to 40% "
        "of it, training stops at it")]
_Suffixes = Annotated[int, typer.Option(help="mid-plan problems per solved problem (the "
                                          "state after a teacher prefix, the rest of its plan)")
                        ]
_GoalExamples = Annotated[int, typer.Option(help="plain-language goal examples per solved "
                                               "problem")]
_Detours = Annotated[int | None, typer.Option(
        help="recovery examples tried per solved problem (teacher steps, a detour, a new "
        "plan from there; default 2, 0 with SPEC)")]
_Lr = Annotated[float | None, typer.Option(
        help="peak learning rate (warm-up, then cosine decay to 5% of it; default 1.5e-3, "
        "5e-4 when fine-tuning)")]
_Init = Annotated[Path | None, typer.Option(help="continue training this checkpoint folder "
                                                 "(its weights and tokenizer; --size is then "
                                                 "ignored; with SPEC the shipped model unless "
                                                 "--scratch)")]
_Scratch = Annotated[bool, typer.Option("--scratch", help="with SPEC: a new model of "
                                          "--size instead of the shipped one")]
_Count = Annotated[list[str] | None, typer.Option(
        help="random problems of one built-in spec, SPEC=N (repeatable; default "
             "devops=600 documents=400 blocksworld=1200 robotics=800; with SPEC, the replay "
             "of built-in data: --replay each)")]
_Replay = Annotated[int, typer.Option(help="with SPEC: built-in problems per built-in "
                                        "spec replayed so they do not get worse (0: none)")
                      ]
_Problems = Annotated[int, typer.Option(help="with SPEC: problems made per spec")]
_EvalProblems = Annotated[int, typer.Option(
        "--eval", help="with SPEC: held-out problems per spec whose first proposals are "
        "measured after training (in the model card)")]
_BatchTokens = Annotated[int, typer.Option(help="tokens per optimiser step")]
_NewTokens = Annotated[int, typer.Option(help="with SPEC, continuing a checkpoint: tokens "
                                         "its tokenizer learns from the spec's text (BPE "
                                         "merges, engine/llm/vocab.py; 0: keep it as it is)")]


@with_progress("training")
def train(
    specs: _Specs = None,
    out: _Out = None,
    steps: _Steps = None,
    size: _Size = "small",
    device: _Device = "auto",
    seed: _Seed = 0,
    data_dir: _DataDir = Path("build/llm/data"),
    max_minutes: _MaxMinutes = None,
    suffixes: _Suffixes = 3,
    goal_examples: _GoalExamples = 4,
    detours: _Detours = None,
    lr: _Lr = None,
    init: _Init = None,
    scratch: _Scratch = False,
    count: _Count = None,
    replay: _Replay = 40,
    problems: _Problems = 200,
    eval_problems: _EvalProblems = 10,
    batch_tokens: _BatchTokens = 4096,
    new_tokens: _NewTokens = 256,
) -> None:
    """Train a model: on SPEC folders (problems made from each spec's own examples,
    fine-tuning the shipped model), or the embedded model on the built-in specs."""
    from engine.llm.spec_models import link_spec_models
    from engine.llm.specgen import load_source
    from engine.llm.train import DEFAULT_COUNTS, SIZES, TrainConfig, spec_config
    from engine.llm.train import train as run_training

    if size not in SIZES:
        fail(PlansafeError(f"unknown size '{size}' (use {', '.join(SIZES)})"), False)
    _check_counts((("--suffixes", suffixes), ("--goal-examples", goal_examples),
                   ("--detours", detours if detours is not None else 0),
                   ("--replay", replay), ("--eval", eval_problems),
                   ("--new-tokens", new_tokens)))
    if lr is not None and not lr > 0:
        fail(PlansafeError(f"--lr must be positive (got {lr})"), False)
    if (steps is not None and steps < 1) or problems < 1 or batch_tokens < 64:
        fail(PlansafeError("--steps and --problems must be at least 1, --batch-tokens at "
                            "least 64"), False)
    if init is not None and not (init / "config.json").is_file():
        fail(PlansafeError(f"{init}: not a checkpoint folder, no config.json (pass a folder "
                            "written by `plansafe train` or save_pretrained)"), False)
    spec_paths = [str(p) for p in specs or []]
    for p in spec_paths:  # each spec read first: bad input exits 2
        try:
            load_source(p)
        except PlansafeError as e:
            fail(e, False)
    counts = _problem_counts(count or [])
    common: dict[str, Any] = dict(
        size=size, device=device, seed=seed, data_dir=data_dir, max_minutes=max_minutes,
        goal_examples=goal_examples, spec_problems=problems, eval_problems=eval_problems,
        batch_tokens=batch_tokens, new_tokens=new_tokens)
    if spec_paths:
        cfg = spec_config(spec_paths, out=out, init=init, scratch=scratch, steps=steps,
                          lr=lr, counts=counts, replay=replay, suffixes=suffixes,
                          detours=detours or 0, **common)
    else:
        cfg = TrainConfig(out=out or Path("build/llm/model"), steps=steps or 5000,
                          counts=tuple((k, v) for k, v in (DEFAULT_COUNTS | counts).items()
                                       if v),
                          suffixes=suffixes, detours=2 if detours is None else detours,
                          init=init, lr=lr or (5e-4 if init is not None else 1.5e-3),
                          **common)
    info = run_training(cfg, log=lambda m: typer.echo(m, err=True))
    if spec_paths:
        link_spec_models(spec_paths, cfg.out)
        typer.echo(f"model for {', '.join(spec_paths)} in {cfg.out} (model card: "
                   f"{cfg.out / 'MODEL_CARD.md'})", err=True)
    typer.echo(json.dumps(info, indent=2))


def _check_counts(counts: tuple[tuple[str, int], ...]) -> None:
    for name, v in counts:
        if v < 0:
            fail(PlansafeError(f"{name} must be 0 or more (got {v})"), False)


def _problem_counts(count: list[str]) -> dict[str, int]:
    """Each ``--count SPEC=N`` (over the defaults: the built-in set, or with SPEC the
    replay of ``--replay`` each)."""
    from engine.llm.train import DEFAULT_COUNTS

    counts: dict[str, int] = {}
    for item in count:
        name, _, n = item.partition("=")
        if name not in DEFAULT_COUNTS or not n.isdigit():
            fail(PlansafeError(f"--count {item!r}: use SPEC=N with SPEC one of "
                                f"{', '.join(DEFAULT_COUNTS)} and N a whole number"), False)
        counts[name] = int(n)
    return counts


def gguf(
    model: Annotated[Path | None, typer.Argument(
        help="a GPT-2 checkpoint folder (default: the embedded model)", show_default=False)
                     ] = None,
    out: Annotated[Path, typer.Option(help="the GGUF file to write")] = Path("plansafe.gguf"),
    as_json: JsonOpt = False,
) -> None:
    """Write a GPT-2 checkpoint as GGUF for llama.cpp servers (serve it with
    `python -m llama_cpp.server --model FILE --hf_pretrained_model_name_or_path MODEL`,
    then `plansafe plan ... --model http://127.0.0.1:8000/v1`)."""
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.gguf_export import export_gguf

    folder = model or Path(DEFAULT_MODEL_DIR)
    need = ("config.json", "model.safetensors", "tokenizer.json")
    if not all((folder / name).is_file() for name in need):
        fail(PlansafeError(f"{folder}: not a checkpoint folder ({', '.join(need)} are "
                           "needed)"), as_json)
    try:
        path = export_gguf(folder, out)
    except ImportError:
        fail(PlansafeError("the GGUF export needs the gguf package (pip install "
                           "'plansafe[gguf]')"), as_json)
    except PlansafeError as e:
        fail(e, as_json)
    except OSError as e:  # an output path that cannot be written
        fail(PlansafeError(f"{out}: cannot write the GGUF file ({e.strerror or e})"), as_json)
    if as_json:
        emit({"status": "written", "path": str(path), "bytes": path.stat().st_size,
              "model": str(folder)})
    else:
        typer.echo(f"{path}: {path.stat().st_size:,} bytes (GGUF of {folder})")


@with_progress("evaluating")
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="a fixed small subset (every failure "
                                        "condition, small sizes, one formal PDDL goal per "
                                        "domain) and quick versions of the earlier "
                                        "benchmarks: a few minutes")] = False,
    domains: Annotated[str, typer.Option(help="comma-separated: devops, documents, robotics")
                       ] = "devops,documents,robotics",
    systems: Annotated[str, typer.Option(help="comma-separated: rule-based, single-agent, "
                                         "plansafe, plansafe-no-model, plansafe-no-monitor, "
                                         "plansafe-no-policy-decoding")] = (
        "rule-based,single-agent,plansafe,plansafe-no-model,plansafe-no-monitor,"
        "plansafe-no-policy-decoding"),
    n: Annotated[int | None, typer.Option("--n", help="the first N scenarios of each domain "
                                             "(default: 40 of 100, the defined full set, "
                                             "26 min on 2 idle cores with the scorecard; "
                                             "100: all 300, about an hour)", min=1)] = None,
    out: Annotated[Path | None, typer.Option(help="result folder (default: "
                                                "benchmarks/results/<date>[-quick])")] = None,
    planner: Annotated[str, typer.Option(help="Plansafe's planner: auto (model first, then "
                                         "Fast Downward) | symbolic")] = "auto",
    scorecard: Annotated[bool, typer.Option("--scorecard/--no-scorecard", help="also run the "
                                            "earlier benchmarks (validation, planning, Z3, "
                                            "runtime, model)")] = True,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="write PNG charts")
                      ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate rule-based, the single agent, Plansafe and its ablations on the scenario
    fixtures under injected failures; write report.json, report.md and charts. Without
    --quick: the defined full set (the first 40 scenarios of each domain, every system),
    the goal phrasings and the full scorecard."""
    from engine.render import console

    if planner not in ("auto", "symbolic"):
        fail(PlansafeError(f"unknown planner '{planner}' (use auto or symbolic)"), as_json)
    from engine.plugins import entry_point

    try:  # benchmarks.eval.run:bench, .report:markdown_table (engine never imports benchmarks)
        run_bench: Any = entry_point("plansafe.bench", "run")
        markdown_table: Any = entry_point("plansafe.bench", "table")
    except PlansafeError as e:
        fail(e, as_json)

    err = console(stderr=True)
    argv = " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith(
        ("plansafe", "cli.py")) else ""  # plansafe ... or python -m engine.cli ...

    def log(message: str) -> None:
        err.print(message, highlight=False, markup=False)

    try:
        report = run_bench(quick=quick, domains=[d for d in domains.split(",") if d],
                           n=n, systems=[s for s in systems.split(",") if s], out=out,
                           planner=planner, with_scorecard=scorecard, with_charts=charts,
                           log=log, command="plansafe " + (argv or "bench"))
    except (ValueError, FileNotFoundError) as e:
        fail(PlansafeError(str(e)), as_json)
    summary = {name: {k: d[k] for k in ("completion_rate", "recovery_rate", "mttr_s",
                                        "messages_per_task", "violations_executed")}
               for name, d in report["systems"].items()}
    if as_json:
        emit({"folder": report["folder"], "systems": summary,
               "targets": report.get("targets", {}), "wall_s": report["wall_s"]})
    else:
        typer.echo(markdown_table(report))
        typer.echo(f"\nreport: {report['folder']}/report.md")
