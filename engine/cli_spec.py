"""``plansafe check``, ``plan`` and ``validate``: a spec and its plans (engine/plan_commands.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli_common import JsonOpt, SpecArg, emit, fail
from engine.cli_memory import MemoryOpt
from engine.progress import with_progress
from verifier.errors import PlansafeError

# plansafe plan's language-model options (help texts kept out of the command's signature)
ModelOpt = Annotated[str | None, typer.Option(
    help="local Hugging Face checkpoint folder, or the base URL of an OpenAI-compatible "
    "server (http://127.0.0.1:8000/v1; with --model-name) (default: the spec's own model "
    "from plansafe train SPEC, else the embedded model)")]
ModelGrammarOpt = Annotated[str, typer.Option(
    help="with a server URL as --model: how the plan grammar is sent: gbnf (llama.cpp's "
    "'grammar'), vllm ('guided_grammar'), json-schema (response_format, for servers "
    "that take no grammar), none")]
DecodingOpt = Annotated[str, typer.Option(
    help="how the model writes a plan: state-aware (the plan grammar; each step applicable "
    "where it is taken, with an allowed agent, breaking no policy; the plan ends only at the "
    "goal), applicable (each step applicable only), grammar (the plan grammar only), guided "
    "(one step at a time from the simulated state)")]
HintOpt = Annotated[float, typer.Option(
    min=0.0, help="state-aware decoding: nats added to the steps after which FF's relaxed plan "
    "to the goal is shortest, a hint the model may overrule; where the goal is reached the "
    "plan ends (0: the model alone)")]
BeamsOpt = Annotated[int, typer.Option(
    help="beam width of each round's first proposal (the most likely plan by the model's "
    "probabilities; 1: greedy); the other k-1 are sampled if it fails")]


def check(
    spec: SpecArg,
    as_json: JsonOpt = False,
    problem: Annotated[str | None, typer.Option(help="analyse only this problem (a file "
                                                   "or a name in the spec's problems/)")
                       ] = None,
    horizon: Annotated[int | None, typer.Option(help="steps the policy analysis looks "
                                                   "ahead (default 12)", min=1)] = None,
) -> None:
    """Lint a spec: PDDL, spec.yaml, policies, access rules and every problem; then analyse
    the policies: conflicts, vacuous rules, goals they make unreachable (bounded)."""
    from engine.api import Engine

    try:
        eng = Engine.from_spec(spec, journal=None)
        report = eng.check(problem=problem, horizon=horizon).to_json()
        eng.close()
    except PlansafeError as e:
        fail(e, as_json)
    if as_json:
        emit(report)
    else:
        from engine.render import console

        out = console()
        out.print(f"[bold]{report['spec']}[/]: {len(report['policies'])} policies, "
                  f"{len(report['agents'])} agents, {len(report['problems'])} problems"
                  + (f", {len(report['triggers'])} triggers" if report.get("triggers") else ""))
        for w in report["warnings"]:
            out.print(f"  [yellow]warning[/]: {w}")
        for err in report["errors"]:
            out.print(f"  [red]error[/]: {err}")
        for a in report.get("analysis", []):
            for note in a["notes"]:
                out.print(f"  [dim]note[/]: {a['problem']}: {note}")
        out.print("[green]ok[/]" if report["status"] == "ok" else "[red]errors[/]")
    raise typer.Exit(0 if report["status"] == "ok" else 2)


@with_progress("planning")
def plan(
    spec: SpecArg,
    problem: Annotated[str | None, typer.Argument(help="PDDL problem file, or the name of "
                                                     "one in the spec's problems/")] = None,
    goal: Annotated[str | None, typer.Option(help="goal in plain words or as PDDL "
                                                "(and (p a) ...)")] = None,
    planner: Annotated[str, typer.Option(help="llm | symbolic | auto (language model first, "
                                         "symbolic fallback) | fast-downward | pyperplan | "
                                         "module:callable (code: it must be trusted)")
                       ] = "symbolic",
    engine: Annotated[str, typer.Option(help="symbolic engine: fast-downward | pyperplan")
                      ] = "fast-downward",
    timeout_s: Annotated[float, typer.Option(
        "--timeout", min=0.001, help="seconds for the whole command (reading, grounding, "
        "compiling, search, verifying); past it the status is timeout (exit 1)")] = 60.0,
    trust_spec: Annotated[bool, typer.Option(
        "--trust-spec", help="trust code in the spec's folder: a --planner module:callable "
        "beside spec.yaml (docs/TRUST.md)")] = False,
    as_json: JsonOpt = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="also write the plan "
                                                   "JSON to this file")] = None,
    k: Annotated[int, typer.Option("--k", help="language-model candidates per round")] = 4,
    rounds: Annotated[int, typer.Option(help="language-model rounds with verifier feedback "
                                        "before the symbolic fallback")] = 3,
    model: ModelOpt = None,
    model_name: Annotated[str | None, typer.Option(
        help="with a server URL as --model: the model name the server serves")] = None,
    model_grammar: ModelGrammarOpt = "gbnf",
    decoding: DecodingOpt = "state-aware",
    beams: BeamsOpt = 16,
    hint: HintOpt = 12.0,
    journal: Annotated[Path | None, typer.Option(
        help="journal whose past runs give the action costs (--memory; default: "
        "$PLANSAFE_JOURNAL or .plansafe/journal.sqlite, when it exists)")] = None,
    memory: MemoryOpt = None,
) -> None:
    """Find a plan that satisfies every policy and access rule, verified before it is printed."""
    from engine.plan_commands import make_plan
    from engine.results import plan_exit_code

    try:
        report = make_plan(spec, problem, goal=goal, planner=planner, engine=engine,
                           journal=journal, memory=memory,
                           timeout_s=timeout_s, k=k, rounds=rounds, model=model,
                           decoding=decoding, beams=beams, hint=hint,
                           model_name=model_name,
                           model_grammar=model_grammar, trust_spec=trust_spec)
    except PlansafeError as e:
        fail(e, as_json)
    result = report.to_json()
    if output is not None and result.get("steps") is not None:
        output.write_text(json.dumps({k: result[k] for k in ("steps", "provenance", "goal")
                                      if k in result}, indent=2) + "\n")
    if as_json:
        emit(result)
    else:
        _print_plan_result(result)
    raise typer.Exit(plan_exit_code(report.status))


def _print_plan_result(result: dict[str, Any]) -> None:
    """``plansafe plan``'s text output: the goal (and how it was read), then the verified plan
    with its certificate id, or why there is none."""
    from engine.render import console, print_plan

    out = console()
    if result.get("goal"):
        how = {"words": " (read from its words: the model's readings did not pass)",
               "llm+words": " (partly read from its words)"
               }.get(str(result.get("goal_source")), "")
        out.print(f"goal: {result['goal']}{how}")
    if result["status"] == "solved":
        print_plan(result, title="verified plan")
        if result.get("certificate_id"):
            out.print(f"certificate {result['certificate_id']}")
        if result.get("memory"):
            out.print(f"action costs from {result['memory']['runs']} past runs of this "
                      "spec (plansafe stats; --no-memory plans without them)")
    else:
        out.print(f"[red]no plan[/] ({result['status']}): {result.get('message', '')}")


def validate(
    spec: SpecArg,
    problem: Annotated[str, typer.Argument(help="PDDL problem file or a problem name")],
    plan_file: Annotated[str, typer.Argument(metavar="PLAN", help="plan file (JSON or IPC "
                                             "text), or - for standard input")],
    as_json: JsonOpt = False,
    z3: Annotated[bool, typer.Option("--z3", help="decide with the Z3 encoding, cross-checked "
                                     "by the fast validator (partial-order plans always are)")
                  ] = False,
    certificate: Annotated[Path | None, typer.Option(
        help="check that this certificate (JSON, or validate --json output) matches the "
        "spec, problem and plan; exit 1 if it does not")] = None,
    timeout_s: Annotated[float | None, typer.Option(
        "--timeout", min=0.001, help="seconds for the whole check (reading, grounding, the Z3 "
        "encoding and solving); past it the verdict is unknown (exit 1)")] = None,
) -> None:
    """Check a plan: well-formedness, access, preconditions, goal and every policy; for a
    partial-order plan, in every schedule it allows."""
    from engine.plan_commands import validate_plan

    try:
        validation = validate_plan(spec, problem, plan_file,
                                   stdin_text=sys.stdin.read() if plan_file == "-" else None,
                                   z3=z3, certificate_file=certificate, timeout_s=timeout_s)
    except PlansafeError as e:
        fail(e, as_json)
    verdict_json = validation.to_json()
    if as_json:
        emit(verdict_json)
    else:
        from engine.render import console

        out = console()
        colour = {"valid": "green", "invalid": "red", "unknown": "yellow"}[verdict_json["status"]]
        out.print(f"[bold {colour}]{verdict_json['status']}[/] "
                  f"(checks: {', '.join(verdict_json['checks'])})")
        if verdict_json.get("reason"):
            out.print(f"  {verdict_json['reason']}")
        for v in verdict_json["violations"]:
            tag = v["kind"] + (f" \\[{v['rule']}]" if v.get("rule") and v["rule"] != "access"
                               else "")
            out.print(f"  [red]✗[/] {tag}: {v['message']}")
        cert = verdict_json.get("certificate")
        if cert:
            out.print(f"certificate {cert['id']} (issued {cert['issued_at']}): spec "
                      f"{cert['spec_sha256'][:12]}, problem {cert['problem_sha256'][:12]}, "
                      f"plan {cert['plan_sha256'][:12]}; checks: {', '.join(cert['checks'])}; "
                      + ", ".join(f"{k} {v}" for k, v in cert["tools"].items()))
        checked = verdict_json.get("certificate_check")
        if checked:
            out.print(f"certificate {checked['id']} from {checked['file']}: "
                      + ("[green]matches[/]" if checked["matches"] else
                         "[red]does not match[/] the spec, problem or plan"))
    raise typer.Exit(validation.exit_code)
