"""Human-readable output for the command line (rich), kept apart from the JSON shapes."""

from __future__ import annotations

from typing import Any

from verifier.model import Plan, Verdict

__all__ = ["console", "print_plan", "print_verdict"]


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_plan(plan: Plan, *, title: str | None = None) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in ("step", "action", "agent", "after"):
        table.add_column(col)
    for s in plan.steps:
        table.add_row(s.id, s.call, s.agent or "", ", ".join(s.after))
    console().print(table)
    if plan.provenance is not None:
        p = plan.provenance
        console().print(f"provenance: {p.source}" + (f" ({p.engine})" if p.engine else "")
                        + f", {p.seconds:.2f} s" + (f", {p.rounds} rounds" if p.rounds else "")
                        + (f", {p.tokens} tokens" if p.tokens else ""))


def print_verdict(verdict: Verdict) -> None:
    out = console()
    colour = {"valid": "green", "invalid": "red", "unknown": "yellow"}[verdict.status]
    out.print(f"[bold {colour}]{verdict.status}[/]: checks {', '.join(verdict.checks)}")
    if verdict.reason:
        out.print(f"  {verdict.reason}")
    for v in verdict.violations:
        tag = v.kind + (f" [{v.rule}]" if v.rule and v.rule != "access" else "")
        out.print(f"  [red]✗[/] {tag}: {v.message}", markup=True)
