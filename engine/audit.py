"""``plansafe audit``: export a journal's chain head, verify the journal against it, adopt an
older (unkeyed) journal's history.

The journal's events are chained with a keyed hash (:mod:`engine.journal`), so an edit, a
reordering, a deleted event in the middle or a rewrite with recomputed hashes is detected
without anything else. A truncated tail is not: the chain that is left is intact. Export the
head (``plansafe audit export --all``, e.g. after every run, to storage the journal's writers
cannot rewrite) and ``plansafe audit verify --head FILE`` detects it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from verifier.errors import PlansafeError

__all__ = ["audit_app", "export_heads", "verify_heads"]

audit_app = typer.Typer(help="Export and verify the journal's chain head (tamper evidence).",
                        no_args_is_help=True)

JournalOpt = Annotated[Path | None, typer.Option(help="journal file (default: "
                                                 "$PLANSAFE_JOURNAL or .plansafe/journal.sqlite)")]


def export_heads(journal: Path, run_id: str | None, *, all_runs: bool) -> dict[str, Any]:
    """The head of the whole journal (``all_runs``) or of one run, with each run's head."""
    from engine.journal import open_journal

    if not journal.exists():
        raise PlansafeError(f"no journal at {journal}")
    j = open_journal(journal)
    try:
        j.require_intact(run_id)
        if run_id is not None:
            if not j.events(run_id, kinds=("run-started",)):
                raise PlansafeError(f"no run {run_id!r} in {journal}")
            return {"heads": [j.head(run_id)]}
        if not all_runs:
            raise PlansafeError("give a RUN or --all")
        return {"heads": [j.head(None)] + [j.head(r) for r in j.runs()]}
    finally:
        j.close()


def verify_heads(journal: Path, heads: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The chain checked, and against every exported head given."""
    from engine.journal import open_journal

    if not journal.exists():
        raise PlansafeError(f"no journal at {journal}")
    j = open_journal(journal)
    try:
        chain = j.verify_chain()
        out: dict[str, Any] = {"journal": str(journal), "ok": chain.ok,
                               "chain": {"ok": chain.ok, "checked": chain.checked,
                                         "bad_event": chain.bad_id, "message": chain.message},
                               "heads": []}
        for h in heads or []:
            r = j.verify_head(h)
            out["heads"].append({"run": h.get("run"), "last_id": h.get("last_id"), "ok": r.ok,
                                 "bad_event": r.bad_id, "message": r.message})
            out["ok"] = out["ok"] and r.ok
        return out
    finally:
        j.close()


def _journal(journal: Path | None) -> Path:
    from engine.run_commands import journal_path

    return journal_path(journal)


def _read_heads(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PlansafeError(f"{path}: cannot read the exported head ({e})") from None
    heads = data.get("heads", [data]) if isinstance(data, dict) else None
    if not isinstance(heads, list) or not all(isinstance(h, dict) for h in heads):
        raise PlansafeError(f"{path}: not an exported journal head (plansafe audit export)")
    return heads


def _error(e: PlansafeError) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(2)


@audit_app.command("export")
def export_cmd(
    run_id: Annotated[str | None, typer.Argument(metavar="[RUN]", help="a run id")] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="the whole journal and every run")
                        ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the head(s) here "
                                              "(default: print)")] = None,
    journal: JournalOpt = None,
) -> None:
    """Write the chain head(s): keep them where the journal's writers cannot change them."""
    try:
        data = export_heads(_journal(journal), run_id, all_runs=all_runs)
    except PlansafeError as e:
        _error(e)
    text = json.dumps(data, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {len(data['heads'])} head(s) to {out}")


@audit_app.command("verify")
def verify_cmd(
    head: Annotated[Path | None, typer.Option("--head", help="an exported head (plansafe "
                                              "audit export): also detects a lost tail")
                    ] = None,
    journal: JournalOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Check the keyed chain (and, with --head, that nothing the head saw was lost); exit 2
    naming the first bad event otherwise."""
    try:
        data = verify_heads(_journal(journal), _read_heads(head) if head else None)
    except PlansafeError as e:
        _error(e)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        c = data["chain"]
        typer.echo(f"chain: {'intact' if c['ok'] else 'BROKEN: ' + c['message']} "
                   f"({c['checked']} events)")
        for h in data["heads"]:
            typer.echo(f"head {h['run'] or '(journal)'} @ {h['last_id']}: "
                       f"{'ok' if h['ok'] else 'FAILED: ' + h['message']}")
    if not data["ok"]:
        raise typer.Exit(2)


@audit_app.command("adopt")
def adopt_cmd(journal: JournalOpt = None) -> None:
    """Accept an older journal's unkeyed (format 1) history under its new key (once, by its
    owner: anyone could have written unkeyed events)."""
    from engine.journal import open_journal

    path = _journal(journal)
    if not path.exists():
        _error(PlansafeError(f"no journal at {path}"))
    j = open_journal(path)
    try:
        n = j.adopt_legacy()
    except PlansafeError as e:
        _error(e)
    finally:
        j.close()
    typer.echo(f"adopted {n} unkeyed event(s) of {path}")
