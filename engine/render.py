"""Human-readable output for the command line (rich), kept apart from the JSON shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifier.model import Plan, Verdict

__all__ = ["console", "print_plan", "print_verdict"]


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_plan(plan: Plan | Mapping[str, Any], *, title: str | None = None) -> None:
    """A plan as a table: a :class:`Plan`, or the JSON shape ``plan --json`` prints."""
    from rich.table import Table

    if isinstance(plan, Mapping):  # our own JSON: no need to re-validate it
        rows = [(s.get("id", f"s{i}"), "(" + " ".join([s["action"], *s.get("args", [])]) + ")",
                 s.get("agent") or "", ", ".join(s.get("after", [])))
                for i, s in enumerate(plan.get("steps", []), 1)]
        prov = plan.get("provenance") or None
    else:
        rows = [(s.id, s.call, s.agent or "", ", ".join(s.after)) for s in plan.steps]
        prov = None if plan.provenance is None else {
            "source": plan.provenance.source, "engine": plan.provenance.engine,
            "seconds": plan.provenance.seconds, "rounds": plan.provenance.rounds,
            "tokens": plan.provenance.tokens}
    table = Table(title=title, show_lines=False)
    for col in ("step", "action", "agent", "after"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console().print(table)
    if prov is not None:
        console().print(f"provenance: {prov.get('source')}"
                        + (f" ({prov['engine']})" if prov.get("engine") else "")
                        + f", {float(prov.get('seconds') or 0):.2f} s"
                        + (f", {prov['rounds']} rounds" if prov.get("rounds") else "")
                        + (f", {prov['tokens']} tokens" if prov.get("tokens") else ""))


def print_verdict(verdict: Verdict) -> None:
    out = console()
    colour = {"valid": "green", "invalid": "red", "unknown": "yellow"}[verdict.status]
    out.print(f"[bold {colour}]{verdict.status}[/]: checks {', '.join(verdict.checks)}")
    if verdict.reason:
        out.print(f"  {verdict.reason}")
    for v in verdict.violations:
        tag = v.kind + (f" [{v.rule}]" if v.rule and v.rule != "access" else "")
        out.print(f"  [red]✗[/] {tag}: {v.message}", markup=True)
