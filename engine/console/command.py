"""``plansafe serve``: the web console on 127.0.0.1 (imports the web stack only when run)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["serve"]


def _served(console: Any, folders: Sequence[Path], trust: Any) -> dict[str, Any]:
    """The specs given with --spec by name (a bad folder is an error now, not on a page);
    ``trust`` (the service runs their tools): each must be trusted."""
    from verifier.errors import PlansafeError

    served: dict[str, Any] = {}
    for folder in folders:
        loaded = console.spec(folder)
        if trust is not None:
            trust.require(loaded)
        same = served.setdefault(loaded.name, loaded)
        if Path(same.root).resolve() != Path(loaded.root).resolve():
            raise PlansafeError(f"two specs are named {loaded.name!r} ({same.root} and "
                                f"{loaded.root}); serve one of them")
    return served


def serve(
    journal: Annotated[Path | None, typer.Option(
        "--journal", help="journal file (default: $PLANSAFE_JOURNAL or "
        ".plansafe/journal.sqlite)")] = None,
    spec: Annotated[list[Path] | None, typer.Option(
        "--spec", help="a spec folder to show (repeatable; the specs the journal's runs name "
        "are shown too)")] = None,
    port: Annotated[int, typer.Option(help="TCP port", min=0, max=65535)] = 8765,
    host: Annotated[str, typer.Option(help="address to bind (127.0.0.1: this machine only)")
                    ] = "127.0.0.1",
    users: Annotated[Path | None, typer.Option(
        help="users who may sign in (JSON or YAML: users: {NAME: {token_sha256: HEX, roles: "
        "[AGENT]}}; default $PLANSAFE_USERS); without it the console is read-only")] = None,
    worker: Annotated[bool, typer.Option(
        "--worker/--no-worker", help="drive runs in the background: those POST /api/runs, "
        "events and triggers start, and those a dead process left running or waiting "
        "(--no-worker: the console and the API only read)")] = True,
    trust_spec: Annotated[bool, typer.Option(
        "--trust-spec", help="trust the code of the specs given with --spec (their tools run "
        "with your privileges; docs/TRUST.md)")] = False,
) -> None:
    """Serve the web console and its JSON API (docs/EVENTS.md): runs, timelines, plan graphs,
    certificates, approvals, specs; runs started by POST /api/runs, events and triggers."""
    from engine.console.app import create_app
    from engine.run_commands import journal_path
    from verifier.errors import PlansafeError

    users = users or (Path(os.environ["PLANSAFE_USERS"]) if os.environ.get("PLANSAFE_USERS")
                      else None)
    from engine.trust import Trust

    try:
        app = create_app(journal_path(journal), specs=tuple(spec or ()), users=users)
        trust = Trust.load(trust_spec=trust_spec)  # the served specs' tools run: engine/trust.py
        served = _served(app.state.console, spec or (), trust if worker else None)
    except (PlansafeError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    from engine.console.api import add_api

    service = None
    if worker:
        from engine.console.runner import RunService

        service = RunService(journal_path(journal), served, trust=trust.record()).start()
    add_api(app, service, host=host)
    import uvicorn

    typer.echo(f"Plansafe console on http://{host}:{port}/ (journal {journal_path(journal)}"
               + ("" if users else "; no users file: no approvals in the console, and the "
                  "API's writes need no token") + ")", err=True)
    typer.echo(f"API on http://{host}:{port}/api/ (docs/EVENTS.md): " + (
        f"runs of {', '.join(sorted(served)) or 'no spec (give --spec)'}, events, "
        f"{sum(len(s.triggers) for s in served.values())} trigger(s)" if service is not None
        else "read-only (--no-worker)"), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
