"""The ``plansafe`` command line. Exit codes: 0 ok, 1 no / invalid, 2 bad input."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.progress import with_progress
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


@app.callback()
def _global_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="log to stderr: -v info, -vv debug (default: "
                                         "quiet; progress lines on a terminal)")] = 0,
) -> None:
    """Verified planning for workflow orchestration: plan, verify, run."""
    from engine.logs import configure

    configure(verbose)


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
        for err in report["errors"]:
            out.print(f"  [red]error[/]: {err}")
        for a in report.get("analysis", []):
            for note in a["notes"]:
                out.print(f"  [dim]note[/]: {a['problem']}: {note}")
        out.print("[green]ok[/]" if report["status"] == "ok" else "[red]errors[/]")
    raise typer.Exit(0 if report["status"] == "ok" else 2)


@app.command()
@with_progress("planning")
def plan(
    spec: SpecArg,
    problem: Annotated[str | None, typer.Argument(help="PDDL problem file, or the name of "
                                                     "one in the spec's problems/")] = None,
    goal: Annotated[str | None, typer.Option(help="goal in plain words or as PDDL "
                                                "(and (p a) ...)")] = None,
    planner: Annotated[str, typer.Option(help="llm | symbolic | auto (language model first, "
                                         "symbolic fallback) | fast-downward | pyperplan")
                       ] = "symbolic",
    engine: Annotated[str, typer.Option(help="symbolic engine: fast-downward | pyperplan")
                      ] = "fast-downward",
    timeout_s: Annotated[float, typer.Option("--timeout", help="seconds before giving up")
                         ] = 60.0,
    as_json: JsonOpt = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="also write the plan "
                                                   "JSON to this file")] = None,
    k: Annotated[int, typer.Option("--k", help="language-model candidates per round")] = 4,
    rounds: Annotated[int, typer.Option(help="language-model rounds with verifier feedback "
                                        "before the symbolic fallback")] = 3,
    model: Annotated[str | None, typer.Option(
        help="local Hugging Face checkpoint folder, or the base URL of an OpenAI-compatible "
        "server (http://127.0.0.1:8000/v1; with --model-name) (default: the spec's own model "
        "from plansafe train SPEC, else the embedded model)")] = None,
    model_name: Annotated[str | None, typer.Option(
        help="with a server URL as --model: the model name the server serves")] = None,
    decoding: Annotated[str, typer.Option(help="how the model writes a plan: state-aware "
                                          "(the plan grammar; each step applicable where it is "
                                          "taken, with an allowed agent, breaking no policy; the "
                                          "plan ends only at the goal), applicable (each step "
                                          "applicable only), grammar (the plan grammar only), "
                                          "guided (one step at a time from the simulated state)")
                        ] = "state-aware",
    beams: Annotated[int, typer.Option(help="beam width of each round's first proposal (the "
                                       "most likely plan by the model's probabilities; 1: "
                                       "greedy); the other k-1 are sampled if it fails")] = 16,
) -> None:
    """Find a plan that satisfies every policy and access rule, verified before it is printed."""
    from engine.plan_commands import make_plan
    from engine.results import plan_exit_code

    try:
        report = make_plan(spec, problem, goal=goal, planner=planner, engine=engine,
                           timeout_s=timeout_s, k=k, rounds=rounds, model=model,
                           decoding=decoding, beams=beams, model_name=model_name)
    except PlansafeError as e:
        _fail(e, as_json)
    result = report.to_json()
    if output is not None and result.get("steps") is not None:
        output.write_text(json.dumps({k: result[k] for k in ("steps", "provenance", "goal")
                                      if k in result}, indent=2) + "\n")
    if as_json:
        _emit(result)
    else:
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
        else:
            out.print(f"[red]no plan[/] ({result['status']}): {result.get('message', '')}")
    raise typer.Exit(plan_exit_code(report.status))


@app.command()
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
) -> None:
    """Check a plan: well-formedness, access, preconditions, goal and every policy; for a
    partial-order plan, in every schedule it allows."""
    from engine.plan_commands import validate_plan

    try:
        validation = validate_plan(spec, problem, plan_file,
                                   stdin_text=sys.stdin.read() if plan_file == "-" else None,
                                   z3=z3, certificate_file=certificate)
    except PlansafeError as e:
        _fail(e, as_json)
    verdict_json = validation.to_json()
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


@app.command()
@with_progress("training")
def train(
    specs: Annotated[list[Path] | None, typer.Argument(
        metavar="[SPEC]...", help="spec folders or bare PDDL domains (with example problems) "
        "to fine-tune the shipped model on; none: train the embedded model on the built-in "
        "specs", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        help="folder for the checkpoint (default: build/llm/model; with SPEC, the spec's "
        "own model folder <spec>/.plansafe-model, where plan and run find it)")] = None,
    steps: Annotated[int | None, typer.Option(help="optimiser steps (default 5000; 1000 "
                                              "with SPEC)")] = None,
    size: Annotated[str, typer.Option(help="tiny | small | base | large (a new model: "
                                      "without SPEC, or with --scratch)")] = "small",
    device: Annotated[str, typer.Option(help="auto | cpu | cuda")] = "auto",
    seed: Annotated[int, typer.Option(help="random seed (data and weights)")] = 0,
    data_dir: Annotated[Path, typer.Option(help="cache of generated training problems")
                        ] = Path("build/llm/data"),
    max_minutes: Annotated[float | None, typer.Option(
        "--max-minutes", "--minutes", help="bound the run: data from SPEC gets up to 40% "
        "of it, training stops at it")] = None,
    suffixes: Annotated[int, typer.Option(help="mid-plan problems per solved problem (the "
                                          "state after a teacher prefix, the rest of its plan)")
                        ] = 3,
    goal_examples: Annotated[int, typer.Option(help="plain-language goal examples per solved "
                                               "problem")] = 4,
    detours: Annotated[int | None, typer.Option(
        help="recovery examples tried per solved problem (teacher steps, a detour, a new "
        "plan from there; default 2, 0 with SPEC)")] = None,
    lr: Annotated[float | None, typer.Option(
        help="peak learning rate (warm-up, then cosine decay to 5% of it; default 1.5e-3, "
        "5e-4 when fine-tuning)")] = None,
    init: Annotated[Path | None, typer.Option(help="continue training this checkpoint folder "
                                                 "(its weights and tokenizer; --size is then "
                                                 "ignored; with SPEC the shipped model unless "
                                                 "--scratch)")] = None,
    scratch: Annotated[bool, typer.Option("--scratch", help="with SPEC: a new model of "
                                          "--size instead of the shipped one")] = False,
    count: Annotated[list[str] | None, typer.Option(
        help="random problems of one built-in spec, SPEC=N (repeatable; default "
             "devops=600 documents=400 blocksworld=1200 robotics=800; with SPEC, the replay "
             "of built-in data: --replay each)")] = None,
    replay: Annotated[int, typer.Option(help="with SPEC: built-in problems per built-in "
                                        "spec replayed so they do not get worse (0: none)")
                      ] = 40,
    problems: Annotated[int, typer.Option(help="with SPEC: problems made per spec")] = 200,
    eval_problems: Annotated[int, typer.Option(
        "--eval", help="with SPEC: held-out problems per spec whose first proposals are "
        "measured after training (in the model card)")] = 10,
    batch_tokens: Annotated[int, typer.Option(help="tokens per optimiser step")] = 4096,
) -> None:
    """Train a model: on SPEC folders (problems made from each spec's own examples,
    fine-tuning the shipped model), or the embedded model on the built-in specs."""
    from engine.llm.train import SIZES, TrainConfig
    from engine.llm.train import train as run_training

    if size not in SIZES:
        _fail(PlansafeError(f"unknown size '{size}' (use {', '.join(SIZES)})"), False)
    for name, v in (("--suffixes", suffixes), ("--goal-examples", goal_examples),
                    ("--detours", detours if detours is not None else 0),
                    ("--replay", replay), ("--eval", eval_problems)):
        if v < 0:
            _fail(PlansafeError(f"{name} must be 0 or more (got {v})"), False)
    if lr is not None and not lr > 0:
        _fail(PlansafeError(f"--lr must be positive (got {lr})"), False)
    if (steps is not None and steps < 1) or problems < 1 or batch_tokens < 64:
        _fail(PlansafeError("--steps and --problems must be at least 1, --batch-tokens at "
                            "least 64"), False)
    if init is not None and not (init / "config.json").is_file():
        _fail(PlansafeError(f"{init}: not a checkpoint folder, no config.json (pass a folder "
                            "written by `plansafe train` or save_pretrained)"), False)
    spec_paths = [str(p) for p in specs or []]
    if spec_paths:
        from engine.llm import DEFAULT_MODEL_DIR
        from engine.llm.spec_models import spec_model_dir
        from engine.llm.specgen import load_source

        for p in spec_paths:
            try:
                load_source(p)
            except PlansafeError as e:
                _fail(e, False)
        if init is None and not scratch:
            init = DEFAULT_MODEL_DIR
        out = out or spec_model_dir(spec_paths[0])
    from engine.llm.train import DEFAULT_COUNTS

    counts = ({k: replay for k in DEFAULT_COUNTS if replay} if spec_paths
              else dict(DEFAULT_COUNTS))
    for item in count or []:
        name, _, n = item.partition("=")
        if name not in DEFAULT_COUNTS or not n.isdigit():
            _fail(PlansafeError(f"--count {item!r}: use SPEC=N with SPEC one of "
                                f"{', '.join(DEFAULT_COUNTS)} and N a whole number"), False)
        counts[name] = int(n)
    out = out or Path("build/llm/model")
    info = run_training(TrainConfig(
        out=out, steps=steps or (1000 if spec_paths else 5000), size=size, device=device,
        seed=seed, counts=tuple((k, v) for k, v in counts.items() if v),
        data_dir=data_dir, max_minutes=max_minutes,
        suffixes=suffixes if not spec_paths else min(suffixes, 1),
        goal_examples=goal_examples,
        detours=detours if detours is not None else (0 if spec_paths else 2),
        init=init, lr=lr or (5e-4 if init is not None else 1.5e-3),
        specs=tuple(spec_paths), spec_problems=problems, eval_problems=eval_problems,
        batch_tokens=batch_tokens), log=lambda m: typer.echo(m, err=True))
    if spec_paths:  # the other specs find the model too
        for p in spec_paths[1:]:
            link = spec_model_dir(p)
            if not link.exists() and not link.is_symlink():
                link.symlink_to(out.resolve(), target_is_directory=True)
        typer.echo(f"model for {', '.join(spec_paths)} in {out} (model card: "
                   f"{out / 'MODEL_CARD.md'})", err=True)
    typer.echo(json.dumps(info, indent=2))


# --- runtime: run / runs / show / approve / resume (engine/run_commands.py) ----------------------

JournalOpt = Annotated[Path | None, typer.Option(
    "--journal", help="journal file (default: $PLANSAFE_JOURNAL or .plansafe/journal.sqlite)")]


def _run_output(result: dict[str, Any], as_json: bool) -> None:
    from engine.run_commands import exit_code

    if as_json:
        _emit(result)
    else:
        from engine.render import console

        out = console()
        colour = {"completed": "green", "waiting-approval": "magenta"}.get(result["status"], "red")
        out.print(f"run [bold]{result['run']}[/]: [bold {colour}]{result['status']}[/] — "
                  f"{sum(1 for s in result['steps'] if s['status'] == 'completed')} steps done, "
                  f"{result['replans']} replans, violations executed: "
                  f"{result['violations_executed']}")
        for e in result["explanations"]:
            out.print(f"  [yellow]{e['kind']}[/] → {e['action']}: {e['message']}")
        if result.get("message"):
            out.print(f"  {result['message']}")
        out.print(f"  journal: {result['journal']}  (plansafe show {result['run']})")
    raise typer.Exit(exit_code(result["status"]))


@app.command()
def run(
    spec: SpecArg,
    problem_arg: Annotated[str | None, typer.Argument(
        metavar="[PROBLEM]", help="problem file or name (same as --problem)")] = None,
    problem: Annotated[str | None, typer.Option(help="PDDL problem file, or the name of "
                                                   "one in the spec's problems/")] = None,
    goal: Annotated[str | None, typer.Option(help="goal in plain words or as PDDL "
                                                "(and (p a) ...)")] = None,
    journal: JournalOpt = None,
    faults: Annotated[str | None, typer.Option(
        help="fault injection of simulated tools: demo (default) | none | random:SEED[:RATE] "
             "| FILE.json")] = "demo",
    approve_all: Annotated[bool, typer.Option("--approve-all", help="approve every step "
                                              "that needs approval (journaled as 'auto')")
                           ] = False,
    concurrency: Annotated[int, typer.Option(help="steps running at once")] = 4,
    max_replans: Annotated[int, typer.Option(help="replans before the run stops")] = 5,
    planner: Annotated[str, typer.Option(help="symbolic | llm | auto | module:callable (a "
                                         "planner plugged in by name)")] = "symbolic",
    plan_file: Annotated[Path | None, typer.Option("--plan", help="run this plan (needs "
                                                      "--certificate)")] = None,
    certificate: Annotated[Path | None, typer.Option(help="certificate JSON (or the "
                                                        "output of plansafe validate --json)")
                           ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Plan, certify and run a workflow with its tools; journaled, monitored, replanned.

    Exit 0 completed, 1 stopped or refused, 3 waiting for approval, 2 bad input."""
    from engine.run_commands import journal_path, run_workflow

    try:
        result = run_workflow(spec, problem=problem or problem_arg, goal=goal,
                              journal=journal_path(journal), faults=faults,
                              approve_all=approve_all, concurrency=concurrency,
                              max_replans=max_replans, plan_file=plan_file,
                              certificate_file=certificate, progress=not as_json,
                              planner=planner).to_json()
    except PlansafeError as e:
        if type(e).__name__ == "CertificateError":
            if as_json:
                _emit({"status": "refused", "error": str(e)})
            else:
                typer.echo(f"refused: {e}", err=True)
            raise typer.Exit(1) from None
        _fail(e, as_json)
    _run_output(result, as_json)


@app.command()
def runs(journal: JournalOpt = None, as_json: JsonOpt = False) -> None:
    """List the runs in the journal."""
    from engine.run_commands import journal_path, list_runs

    try:
        rows = [r.to_json() for r in list_runs(journal=journal_path(journal))]
    except PlansafeError as e:
        _fail(e, as_json)
    if as_json:
        _emit(rows)
        return
    from rich.table import Table

    from engine.render import console

    cols = ("run", "spec", "problem", "status", "steps", "replans", "started")
    cells = [(r["run"], str(r["spec"]), str(r["problem"]), r["status"],
              f"{r['done']}/{r['steps']}", str(r["replans"]), r["started"]) for r in rows]
    if not sys.stdout.isatty():  # piped: whole ids, one tab-separated line per run
        for line in (cols, *cells):
            typer.echo("\t".join(line))
        return
    table = Table()
    widest = max((len(c[0]) for c in cells), default=3)
    for col in cols:  # ids are never cut (a narrow terminal folds the other columns)
        table.add_column(col, no_wrap=col == "run", min_width=widest if col == "run" else None)
    for row in cells:
        table.add_row(*row)
    console().print(table)


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="run id (see plansafe runs)")],
    journal: JournalOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A run's timeline from the journal (and whether the hash chain is intact)."""
    from engine.run_commands import journal_path, show_run

    try:
        data = show_run(run_id, journal=journal_path(journal)).to_json()
    except PlansafeError as e:
        _fail(e, as_json)
    if as_json:
        _emit(data)
        if not data["chain"]["ok"]:
            raise typer.Exit(2)
        return
    from engine.render import console

    out = console()
    r = data["result"]
    out.print(f"run [bold]{run_id}[/]: {r['status']}, {r['replans']} replans, violations "
              f"executed: {r['violations_executed']}")
    for line in data["timeline"]:
        out.print(line, markup=False)
    c = data["chain"]
    state = "[green]intact[/]" if c["ok"] else "[red]BROKEN[/] " + c["message"]
    out.print(f"journal chain: {state} ({c['checked']} events)")
    if not c["ok"]:
        raise typer.Exit(2)


@app.command()
def approve(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    step: Annotated[str, typer.Argument(metavar="STEP")],
    reject: Annotated[bool, typer.Option("--reject", help="reject instead of approve")] = False,
    by: Annotated[str, typer.Option(help="who decides")] = os.environ.get("USER", "cli"),
    reason: Annotated[str, typer.Option(help="why")] = "",
    token: Annotated[str | None, typer.Option(
        envvar="PLANSAFE_TOKEN", help="your token, when approvals are authenticated (a users "
        "file: --users or $PLANSAFE_USERS); you are then the approver, whatever --by says")
    ] = None,
    users: Annotated[Path | None, typer.Option(
        help="users file (name, token digest, roles = the spec's agents); default "
        "$PLANSAFE_USERS")] = None,
    journal: JournalOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve (or --reject) a step that waits for approval; then plansafe resume RUN."""
    from engine.run_commands import approve_step, journal_path

    try:
        data = approve_step(run_id, step, journal=journal_path(journal), reject=reject, by=by,
                            reason=reason, token=token, users=users).to_json()
    except PlansafeError as e:
        _fail(e, as_json)
    if as_json:
        _emit(data)
    else:
        typer.echo(f"{'rejected' if reject else 'approved'} {step} of {run_id}; next: "
                   f"{data['next']}")


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    journal: JournalOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Continue a run after a crash or an approval: no completed step runs again."""
    from engine.run_commands import journal_path, resume_run

    try:
        result = resume_run(run_id, journal=journal_path(journal),
                            progress=not as_json).to_json()
    except PlansafeError as e:
        if type(e).__name__ == "CertificateError":
            if as_json:
                _emit({"status": "refused", "error": str(e)})
            else:
                typer.echo(f"refused: {e}", err=True)
            raise typer.Exit(1) from None
        _fail(e, as_json)
    _run_output(result, as_json)


@app.command()
def worker(
    journal: JournalOpt = None,
    idle_exit: Annotated[float | None, typer.Option(
        "--idle-exit", help="exit after this many seconds with no ready run (default: run "
        "until stopped)", min=0)] = None,
    max_runs: Annotated[int | None, typer.Option("--max-runs", min=1)] = None,
    lease_s: Annotated[float | None, typer.Option(
        "--lease-s", help="PostgreSQL lease time; renewed every third of it (default 30, or "
        "$PLANSAFE_LEASE_S)", min=0.1)] = None,
    planner: Annotated[str | None, typer.Option(
        help="planner for the runs it takes (default: the one each run recorded: symbolic, "
        "llm or auto)")] = None,
    ray: Annotated[str | None, typer.Option(
        "--ray", help="run steps as Ray tasks on this cluster (ADDRESS, or 'auto')")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Take ready runs (submitted, resumed, approved) from a shared journal, with leases,
    and drive them; many workers may share one journal (PostgreSQL: postgresql://...)."""
    from engine.journal import journal_url, open_journal
    from engine.run_commands import journal_path
    from engine.worker import Worker

    where = journal_path(journal)
    if lease_s is not None:
        os.environ["PLANSAFE_LEASE_S"] = str(lease_s)
    try:
        j = open_journal(journal_url(where) or where)
    except PlansafeError as e:
        _fail(e, as_json)

    def said(r: Any) -> None:
        if not as_json:
            note = f" {r.message}" if r.message else ""
            typer.echo(f"{r.run_id}: {r.status} ({r.seconds:.2f} s){note}", err=True)

    try:
        report = Worker(j, planner=planner, on_run=said, ray_address=ray).run(idle_exit_s=idle_exit,
                                                             max_runs=max_runs)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        j.close()
    if as_json:
        _emit(report.to_json())
    else:
        typer.echo(f"{len(report.runs)} runs driven by {report.owner}")


# --- evaluation (benchmarks/eval) -----------------------------------------------------------------


@app.command()
@with_progress("evaluating")
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="a fixed small subset (every failure "
                                        "condition, small sizes) and quick versions of the "
                                        "earlier benchmarks: a few minutes")] = False,
    domains: Annotated[str, typer.Option(help="comma-separated: devops, documents, robotics")
                       ] = "devops,documents,robotics",
    systems: Annotated[str, typer.Option(help="comma-separated: rule-based, single-agent, "
                                         "plansafe, plansafe-no-model, plansafe-no-monitor, "
                                         "plansafe-no-policy-decoding")] = (
        "rule-based,single-agent,plansafe,plansafe-no-model,plansafe-no-monitor,"
        "plansafe-no-policy-decoding"),
    n: Annotated[int | None, typer.Option("--n", help="only the first N scenarios of each "
                                             "domain", min=1)] = None,
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
    """Evaluate rule-based, single-agent LLM and Plansafe on the scenario fixtures under
    injected failures; write report.json, report.md and charts."""
    from engine.render import console

    if planner not in ("auto", "symbolic"):
        _fail(PlansafeError(f"unknown planner '{planner}' (use auto or symbolic)"), as_json)
    from engine.plugins import entry_point

    try:  # benchmarks.eval.run:bench, .report:markdown_table (engine never imports benchmarks)
        run_bench: Any = entry_point("plansafe.bench", "run")
        markdown_table: Any = entry_point("plansafe.bench", "table")
    except PlansafeError as e:
        _fail(e, as_json)

    err = console(stderr=True)
    argv = " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("plansafe") else ""

    def log(message: str) -> None:
        err.print(message, highlight=False, markup=False)

    try:
        report = run_bench(quick=quick, domains=[d for d in domains.split(",") if d],
                           n=n, systems=[s for s in systems.split(",") if s], out=out,
                           planner=planner, with_scorecard=scorecard, with_charts=charts,
                           log=log, command="plansafe " + (argv or "bench"))
    except (ValueError, FileNotFoundError) as e:
        _fail(PlansafeError(str(e)), as_json)
    summary = {name: {k: d[k] for k in ("completion_rate", "recovery_rate", "mttr_s",
                                        "messages_per_task", "violations_executed")}
               for name, d in report["systems"].items()}
    if as_json:
        _emit({"folder": report["folder"], "systems": summary,
               "targets": report.get("targets", {}), "wall_s": report["wall_s"]})
    else:
        typer.echo(markdown_table(report))
        typer.echo(f"\nreport: {report['folder']}/report.md")


def _add_audit() -> None:
    from engine.audit import audit_app

    app.add_typer(audit_app, name="audit")


_add_audit()


def _add_serve() -> None:
    from engine.console.command import serve

    app.command("serve")(serve)


_add_serve()


@app.command("mcp")
def mcp_serve(
    specs: Annotated[list[Path], typer.Argument(help="spec directories to serve")],
    journal: Annotated[Path | None, typer.Option(
        help="journal of the runs (default .plansafe/journal.sqlite)")] = None,
) -> None:
    """Serve specs as an MCP server over stdio (tools: specs, check, plan, validate, run,
    status, approve), for agent frameworks and IDEs."""
    from engine.mcp_server import serve

    try:
        serve(specs, journal=journal)
    except PlansafeError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None


@app.command()
def event(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    name: Annotated[str, typer.Argument(help="the event a step waits for (its 'event:')")],
    data: Annotated[str | None, typer.Option(help="JSON object; 'holds' / 'not_holds' "
                                             "become the waiting step's observation")] = None,
    journal: JournalOpt = None,
) -> None:
    """Post an outside event to a run: its step waiting for NAME completes (at once if the run
    is live, on `plansafe resume` if its process is gone)."""
    import json as _json

    from engine.adapters.event import post_event
    from engine.journal import open_journal
    from engine.run_commands import journal_path

    try:
        path = journal_path(journal)
        payload = _json.loads(data) if data else {}
        if not isinstance(payload, dict):
            raise PlansafeError("--data must be a JSON object")
        j = open_journal(path)
        try:
            known = bool(j.events(run_id, kinds=("run-started",)))
        finally:
            j.close()
        if not known:
            raise PlansafeError(f"no run {run_id!r} in {path} (see plansafe runs)")
        post_event(path, run_id, name, payload)
    except ValueError as e:
        _fail(PlansafeError(f"--data is not JSON: {e}"), False)
    except PlansafeError as e:
        _fail(e, False)
    typer.echo(f"event {name} posted to {run_id}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
