"""``plansafe stats SPEC``: what the journal remembers of the spec's runs (engine/memory.py) --
per ground action and tool: calls, failures, failure rate, mean / p95 duration, and the cost the
symbolic planners use."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.cli_common import JournalOpt, JsonOpt, SpecArg, emit, fail
from verifier.errors import PlansafeError

if TYPE_CHECKING:
    from engine.memory import Memory

__all__ = ["stats", "spec_memory", "MemoryOpt"]

MemoryOpt = Annotated[bool | None, typer.Option(
    "--memory/--no-memory", help="plan with action costs learnt from the journal's past runs "
    "of this spec (plansafe stats); default: when the journal has outcomes for it")]


def spec_memory(spec: Path, journal: Path) -> Memory:
    """The memory of ``spec``'s runs in ``journal`` (which must exist)."""
    from engine.journal import journal_url, open_journal
    from engine.memory import read_memory
    from verifier.spec import load_spec

    loaded = load_spec(spec)
    url = journal_url(journal)
    if url is None and not journal.exists():
        raise PlansafeError(f"no journal at {journal} (give --journal or set PLANSAFE_JOURNAL)")
    j = open_journal(url or journal)
    try:
        return read_memory(j, loaded)
    finally:
        j.close()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def stats(spec: SpecArg, journal: JournalOpt = None, as_json: JsonOpt = False) -> None:
    """Per ground action and tool: runs, failures, failure rate, mean/p95 duration, and the
    action cost the symbolic planners learn from them (plan/run --memory)."""
    from engine.run_commands import journal_path

    try:
        memory = spec_memory(spec, journal_path(journal))
    except PlansafeError as e:
        fail(e, as_json)
    if as_json:
        emit(memory.to_json())
        return
    cols = ("action", "tool", "runs", "failures", "rate", "p(fail)", "mean ms", "p95 ms",
            "cost")
    cells = [(s.call, s.tool, str(s.outcomes.calls), str(s.outcomes.failures),
              f"{s.outcomes.failure_rate:.2f}", f"{s.failure_estimate:.3f}",
              _ms(s.outcomes.mean_ms), _ms(s.outcomes.p95_ms), f"{s.cost:.2f}")
             for s in memory.stats()]
    m = memory.model
    note = (f"{memory.runs} runs of {memory.spec_name}; cost = 1 + {m.failure_weight:g} * "
            f"p(fail) + mean s / {m.seconds_per_step:g}; an action never called: its tool's "
            f"p(fail), or {m.prior_rate:g}")
    if not sys.stdout.isatty():  # piped: one tab-separated line per ground action
        for line in (cols, *cells):
            typer.echo("\t".join(line))
        typer.echo(note)
        return
    from rich.table import Table

    from engine.render import console

    table = Table()
    for col in cols:
        table.add_column(col, justify="left" if col in ("action", "tool") else "right")
    for row in cells:
        table.add_row(*row)
    out = console()
    out.print(table)
    out.print(note)
