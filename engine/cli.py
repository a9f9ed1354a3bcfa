"""The ``plansafe`` command line. Exit codes: 0 ok, 1 no / invalid, 2 bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from verifier.errors import PlansafeError, SpecError

app = typer.Typer(
    name="plansafe",
    help="Verified planning for workflow orchestration: plan, verify, run.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

SpecArg = Annotated[Path, typer.Argument(help="spec directory (domain.pddl + spec.yaml) or a "
                                         "bare PDDL domain file", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON")]


def _fail(error: PlansafeError, as_json: bool) -> None:
    if as_json:
        payload: dict[str, Any] = {"status": "error", "error": str(error)}
        if isinstance(error, SpecError):
            payload["position"] = error.to_json()
        typer.echo(json.dumps(payload))
    else:
        typer.echo(f"error: {error}" if not isinstance(error, SpecError) else str(error),
                   err=True)
    raise typer.Exit(2)


def _emit(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


@app.command()
def check(spec: SpecArg, as_json: JsonOpt = False) -> None:
    """Lint a spec: PDDL, spec.yaml, policies, access rules and every problem."""
    from engine.commands import check_spec

    try:
        report = check_spec(spec)
    except PlansafeError as e:
        _fail(e, as_json)
    if as_json:
        _emit(report)
    else:
        from engine.render import console

        out = console()
        out.print(f"[bold]{report['spec']}[/]: {len(report['policies'])} policies, "
                  f"{len(report['agents'])} agents, {len(report['problems'])} problems")
        for w in report["warnings"]:
            out.print(f"  [yellow]warning[/]: {w}")
        for e in report["errors"]:
            out.print(f"  [red]error[/]: {e}")
        out.print("[green]ok[/]" if report["status"] == "ok" else "[red]errors[/]")
    raise typer.Exit(0 if report["status"] == "ok" else 2)


@app.command()
def plan(
    spec: SpecArg,
    problem: Annotated[Optional[str], typer.Argument(help="PDDL problem file, or the name of "
                                                     "one in the spec's problems/")] = None,
    goal: Annotated[Optional[str], typer.Option(help="goal in plain words or as PDDL "
                                                "(and (p a) ...)")] = None,
    planner: Annotated[str, typer.Option(help="llm | symbolic | auto (language model first, "
                                         "symbolic fallback)")] = "symbolic",
    engine: Annotated[str, typer.Option(help="symbolic engine: fast-downward | pyperplan")
                      ] = "fast-downward",
    timeout_s: Annotated[float, typer.Option("--timeout", help="seconds before giving up")
                         ] = 60.0,
    as_json: JsonOpt = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="also write the plan "
                                                   "JSON to this file")] = None,
    k: Annotated[int, typer.Option("--k", help="language-model candidates per round")] = 4,
    rounds: Annotated[int, typer.Option(help="language-model rounds with verifier feedback "
                                        "before the symbolic fallback")] = 3,
    model: Annotated[Optional[Path], typer.Option(help="local Hugging Face checkpoint folder "
                                                  "(default: the embedded model)")] = None,
) -> None:
    """Find a plan that satisfies every policy and access rule, verified before it is printed."""
    from engine.commands import make_plan

    try:
        result = make_plan(spec, problem, goal=goal, planner=planner, engine=engine,
                           timeout_s=timeout_s, k=k, rounds=rounds, model=model)
    except PlansafeError as e:
        _fail(e, as_json)
    if output is not None and result.get("steps") is not None:
        output.write_text(json.dumps({k: result[k] for k in ("steps", "provenance", "goal")
                                      if k in result}, indent=2) + "\n")
    if as_json:
        _emit(result)
    else:
        from engine.render import console, print_plan
        from verifier.plan_io import parse_plan

        out = console()
        if result.get("goal"):
            out.print(f"goal: {result['goal']}")
        if result["status"] == "solved":
            print_plan(parse_plan(json.dumps(result)), title="verified plan")
        else:
            out.print(f"[red]no plan[/] ({result['status']}): {result.get('message', '')}")
    raise typer.Exit(0 if result["status"] == "solved" else
                     2 if result["status"] in ("unsupported", "error") else 1)


@app.command()
def validate(
    spec: SpecArg,
    problem: Annotated[str, typer.Argument(help="PDDL problem file or a problem name")],
    plan_file: Annotated[str, typer.Argument(metavar="PLAN", help="plan file (JSON or IPC "
                                             "text), or - for standard input")],
    as_json: JsonOpt = False,
) -> None:
    """Check a plan: well-formedness, access, preconditions, goal and every policy."""
    from engine.commands import validate_plan

    try:
        verdict_json = validate_plan(spec, problem, plan_file,
                                     stdin_text=sys.stdin.read() if plan_file == "-" else None)
    except PlansafeError as e:
        _fail(e, as_json)
    if as_json:
        _emit(verdict_json)
    else:
        from engine.render import console

        out = console()
        colour = {"valid": "green", "invalid": "red", "unknown": "yellow"}[verdict_json["status"]]
        out.print(f"[bold {colour}]{verdict_json['status']}[/] "
                  f"(checks: {', '.join(verdict_json['checks'])})")
        if verdict_json.get("reason"):
            out.print(f"  {verdict_json['reason']}")
        for v in verdict_json["violations"]:
            tag = v["kind"] + (f" [{v['rule']}]" if v.get("rule") and v["rule"] != "access"
                               else "")
            out.print(f"  [red]✗[/] {tag}: {v['message']}")
        cert = verdict_json.get("certificate")
        if cert:
            out.print(f"certificate: {cert.get('id', '')}")
    raise typer.Exit({"valid": 0, "invalid": 1}.get(verdict_json["status"], 1))


@app.command()
def train(
    out: Annotated[Path, typer.Option(help="folder for the checkpoint (config.json, "
                                      "model.safetensors, tokenizer.json)")
                   ] = Path("build/llm/model"),
    steps: Annotated[int, typer.Option(help="optimiser steps")] = 3000,
    size: Annotated[str, typer.Option(help="tiny | small | base | large")] = "small",
    device: Annotated[str, typer.Option(help="auto | cpu | cuda")] = "auto",
    seed: Annotated[int, typer.Option(help="random seed (data and weights)")] = 0,
    data_dir: Annotated[Path, typer.Option(help="cache of generated training problems")
                        ] = Path("build/llm/data"),
) -> None:
    """Reproduce the embedded model: solve random problems of the built-in specs, train on them."""
    from engine.llm.train import SIZES, TrainConfig, train as run_training

    if size not in SIZES:
        _fail(PlansafeError(f"unknown size '{size}' (use {', '.join(SIZES)})"), False)
    info = run_training(TrainConfig(out=out, steps=steps, size=size, device=device, seed=seed,
                                    data_dir=data_dir),
                        log=lambda m: typer.echo(m, err=True))
    typer.echo(json.dumps(info, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
