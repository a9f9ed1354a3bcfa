"""``plansafe serve``: the web console on 127.0.0.1 (imports the web stack only when run)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["serve"]


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
) -> None:
    """Serve the web console: runs, timelines, plan graphs, certificates, approvals, specs."""
    from engine.console.app import create_app
    from engine.run_commands import journal_path
    from verifier.errors import PlansafeError

    users = users or (Path(os.environ["PLANSAFE_USERS"]) if os.environ.get("PLANSAFE_USERS")
                      else None)
    try:
        app = create_app(journal_path(journal), specs=tuple(spec or ()), users=users)
        for s in spec or ():
            app.state.console.spec(s)  # a bad spec folder is an error now, not on a page
    except (PlansafeError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    import uvicorn

    typer.echo(f"Plansafe console on http://{host}:{port}/ (journal {journal_path(journal)}"
               + ("" if users else "; read-only: no users file") + ")", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
