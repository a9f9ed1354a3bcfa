"""The runtime commands: ``plansafe run``, ``runs``, ``show``, ``approve``, ``resume``, ``worker``
and ``event`` (engine/run_commands.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from engine.cli_common import JournalOpt, JsonOpt, SpecArg, emit, fail
from engine.cli_memory import MemoryOpt
from verifier.errors import PlansafeError

TrustSpecOpt = Annotated[bool, typer.Option(
    "--trust-spec", help="trust this spec's code: the tools its tools: declares and modules "
    "in its folder (docs/TRUST.md)")]


def _run_output(result: dict[str, Any], as_json: bool) -> None:
    from engine.run_commands import exit_code

    if as_json:
        emit(result)
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


def _fail_run(e: PlansafeError, as_json: bool) -> NoReturn:
    """A plan its certificate does not match is refused (exit 1); other bad input, untrusted
    code and a tool changed since certification included, exits 2."""
    if type(e).__name__ == "CertificateError":
        if as_json:
            emit({"status": "refused", "error": str(e)})
        else:
            typer.echo(f"refused: {e}", err=True)
        raise typer.Exit(1) from None
    fail(e, as_json)


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
    trust_spec: TrustSpecOpt = False,
    memory: MemoryOpt = None,
    token: Annotated[str | None, typer.Option(
        envvar="PLANSAFE_TOKEN", help="your token (with a users file): you start the run, "
        "for approval rules with not_starter")] = None,
    users: Annotated[Path | None, typer.Option(
        help="users file; default $PLANSAFE_USERS")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Plan, certify and run a workflow with its tools; journaled, monitored, replanned.

    A spec's tools are code: only trusted code runs (--trust-spec, or the trust file;
    docs/TRUST.md). Exit 0 completed, 1 stopped or refused, 3 waiting for approval, 2 bad
    input or untrusted code."""
    from engine.run_commands import journal_path, run_workflow

    try:
        result = run_workflow(spec, problem=problem or problem_arg, goal=goal,
                              journal=journal_path(journal), faults=faults,
                              approve_all=approve_all, concurrency=concurrency,
                              max_replans=max_replans, plan_file=plan_file,
                              certificate_file=certificate, progress=not as_json,
                              planner=planner, memory=memory,
                              trust_spec=trust_spec, token=token,
                              users=users).to_json()
    except PlansafeError as e:
        _fail_run(e, as_json)
    _run_output(result, as_json)


def runs(journal: JournalOpt = None, as_json: JsonOpt = False) -> None:
    """List the runs in the journal."""
    from engine.run_commands import journal_path, list_runs

    try:
        rows = [r.to_json() for r in list_runs(journal=journal_path(journal))]
    except PlansafeError as e:
        fail(e, as_json)
    if as_json:
        emit(rows)
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
        fail(e, as_json)
    if as_json:
        emit(data)
        if not data["chain"]["ok"]:
            raise typer.Exit(2)
        return
    from engine.render import console

    out = console()
    r = data["result"]
    out.print(f"run [bold]{run_id}[/]: {r['status']}, {r['replans']} replans, violations "
              f"executed: {r['violations_executed']}")
    if data.get("parent"):  # sub-workflows (engine/runlinks.py)
        out.print(f"parent run: {data['parent']['run']} ({data['parent']['status']})",
                  markup=False)
    for c in data.get("children", []):
        out.print(f"child run: {c['run']} (step {c['step']}, {c['status']})", markup=False)
    for line in data["timeline"]:
        out.print(line, markup=False)
    c = data["chain"]
    state = "[green]intact[/]" if c["ok"] else "[red]BROKEN[/] " + c["message"]
    out.print(f"journal chain: {state} ({c['checked']} events)")
    if not c["ok"]:
        raise typer.Exit(2)


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
        fail(e, as_json)
    if as_json:
        emit(data)
    else:
        typer.echo(f"{'rejected' if reject else 'approved'} {step} of {run_id}; next: "
                   f"{data['next']}")


def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    journal: JournalOpt = None,
    trust_spec: TrustSpecOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Continue a run after a crash or an approval: no completed step runs again.

    The run's code is trusted as its starter trusted it (run --trust-spec), or with
    --trust-spec now; a tool changed since its plan was certified is refused (exit 2)."""
    from engine.run_commands import journal_path, resume_run

    try:
        result = resume_run(run_id, journal=journal_path(journal), progress=not as_json,
                            trust_spec=trust_spec).to_json()
    except PlansafeError as e:
        _fail_run(e, as_json)
    _run_output(result, as_json)


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
        fail(e, as_json)

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
        emit(report.to_json())
    else:
        typer.echo(f"{len(report.runs)} runs driven by {report.owner}")


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
        fail(PlansafeError(f"--data is not JSON: {e}"), False)
    except PlansafeError as e:
        fail(e, False)
    typer.echo(f"event {name} posted to {run_id}")
