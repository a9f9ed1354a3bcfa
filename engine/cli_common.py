"""What the ``plansafe`` command modules share: argument types and the error/JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from verifier.errors import PlansafeError, SpecError

SpecArg = Annotated[Path, typer.Argument(help="spec directory (domain.pddl + spec.yaml) or a "
                                         "bare PDDL domain file", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON")]
JournalOpt = Annotated[Path | None, typer.Option(
    "--journal", help="journal file (default: $PLANSAFE_JOURNAL or .plansafe/journal.sqlite)")]


def fail(error: PlansafeError, as_json: bool) -> NoReturn:
    """Report bad input (``file:line:col: message`` for a spec error) and exit 2."""
    if as_json:
        payload: dict[str, Any] = {"status": "error", "error": str(error)}
        if isinstance(error, SpecError):
            payload["position"] = error.to_json()
        typer.echo(json.dumps(payload))
    else:
        typer.echo(f"error: {error}" if not isinstance(error, SpecError) else str(error),
                   err=True)
    raise typer.Exit(2)


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))
