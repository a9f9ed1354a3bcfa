"""The ``plansafe`` command line. Exit codes: 0 ok, 1 no / invalid, 2 bad input.

The commands live in small modules (engine/cli_spec.py: check, plan, validate; engine/cli_train.py:
train, bench; engine/cli_run.py: run, runs, show, approve, resume, worker, event; engine/audit.py,
engine/console/command.py) and are registered here, in the order ``plansafe --help`` lists them.
A new command: a function in its own module and one ``app.command()(...)`` line below."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine import cli_memory, cli_run, cli_spec, cli_train, cli_trust
from verifier.errors import PlansafeError

app = typer.Typer(
    name="plansafe",
    help="Verified planning for workflow orchestration: plan, verify, run.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="log to stderr: -v info, -vv debug (default: "
                                         "quiet; progress lines on a terminal)")] = 0,
) -> None:
    """Verified planning for workflow orchestration: plan, verify, run."""
    from engine.logs import configure

    configure(verbose)


for _command in (cli_spec.check, cli_spec.plan, cli_spec.validate, cli_train.train,
                 cli_run.run, cli_run.runs, cli_run.show, cli_run.approve, cli_run.resume,
                 cli_run.worker, cli_train.bench, cli_memory.stats, cli_train.gguf):
    app.command()(_command)


def _add_audit() -> None:
    from engine.audit import audit_app

    app.add_typer(audit_app, name="audit")


_add_audit()


def _add_preload() -> None:
    from engine.cli_preload import preload_app

    app.add_typer(preload_app, name="preload")


_add_preload()


def _add_serve() -> None:
    from engine.console.command import serve

    app.command("serve")(serve)


_add_serve()


@app.command("mcp")
def mcp_serve(
    specs: Annotated[list[Path], typer.Argument(help="spec directories to serve")],
    journal: Annotated[Path | None, typer.Option(
        help="journal of the runs (default .plansafe/journal.sqlite)")] = None,
    trust_spec: cli_run.TrustSpecOpt = False,
) -> None:
    """Serve specs as an MCP server over stdio (tools: specs, check, plan, validate, run,
    status, approve), for agent frameworks and IDEs. Each spec's tools must be trusted
    (--trust-spec or the trust file; docs/TRUST.md)."""
    from engine.mcp_server import serve

    try:
        serve(specs, journal=journal, trust_spec=trust_spec)
    except PlansafeError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None


app.command()(cli_run.event)
app.command()(cli_trust.trust)


def main() -> None:
    try:
        app()
    except SystemExit as e:  # typer ends every command so
        from engine.quick_exit import leave

        leave(e.code)  # without the second of teardown after torch (engine/quick_exit.py)
        raise


if __name__ == "__main__":  # (the plansafe command is engine.launch: the preload server)
    main()
