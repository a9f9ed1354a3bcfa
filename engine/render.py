"""Human-readable output for the command line (rich), kept apart from the JSON shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from verifier.model import Plan, Verdict

if TYPE_CHECKING:
    from engine.journal import Event

__all__ = ["console", "print_plan", "print_verdict", "timeline", "changes_text"]


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


def changes_text(p: Mapping[str, Any]) -> str:
    """An event's ``add`` and ``del`` atoms as ``+(atom) ... -(atom) ...``."""
    return " ".join([f"+({' '.join(a)})" for a in p.get("add", [])]
                    + [f"-({' '.join(a)})" for a in p.get("del", [])])


def timeline(events: list[Event]) -> list[str]:
    """One readable line per event."""
    t0 = events[0].ts if events else 0.0
    return [f"{e.id:>5} {e.ts - t0:8.3f}s  {e.kind:<18} {_event_text(e.kind, e.payload)}"
            for e in events]


def _event_text(k: str, p: Mapping[str, Any]) -> str:  # noqa: C901 - one branch per kind
    """What one event says, after its id, time and kind."""
    if k == "run-started":
        what = f"spec {p.get('spec_name')}, problem {p.get('problem')}"
    elif k == "plan-certified":
        calls = ", ".join("(" + " ".join([s["action"], *s["args"]]) + ")"
                          for s in p["plan"]["steps"][:6])
        more = len(p["plan"]["steps"]) - 6
        what = (f"generation {p['generation']} ({p['reason']}): {calls}"
                + (f" … +{more}" if more > 0 else "") + f" [cert {p['certificate']['id']}]")
    elif k == "step-intent":
        what = f"{p['step']} ({' '.join([p['action'], *p['args']])}) by {p.get('agent')}, " \
               f"attempt {p['attempt']}"
    elif k == "step-result":
        if p["status"] in ("ok", "mismatch"):
            ch = changes_text(p)
            what = f"{p['step']} {p['status']} {ch}" + (" (recovered)" if p.get("recovered")
                                                        else "")
        else:
            what = f"{p['step']} {p.get('kind')}: {p.get('error')}"
    elif k == "observation":
        ch = changes_text(p)
        what = f"world ({p.get('source')}): {ch}"
    elif k == "message":
        what = f"{p.get('from')} → {p.get('to')}: {p.get('about')}" + (
            f" ({p['order']})" if "order" in p else "")
        if p.get("about") == "output":  # what a tool printed (engine.tools.call_tool)
            printed = " | ".join(line for stream in ("stdout", "stderr")
                                 for line in str(p.get(stream) or "").splitlines())
            what += f" of {p.get('step')}: {printed}"
    elif k == "explanation":
        what = f"{p['kind']} → {p['action']}: {p['message']}" + (
            f" [policies: {', '.join(p['policies'])}]" if p.get("policies") else "") + (
            f" [blocking: {', '.join(p['blocking'])}]" if p.get("blocking") else "")
    elif k == "approval":
        what = f"{p['step']} {'approved' if p['approved'] else 'rejected'} by {p.get('by')}" \
               + (f": {p['reason']}" if p.get("reason") else "") \
               + (" (more approvers needed)" if p.get("released") is False else "")
    else:
        what = ", ".join(f"{a}={v}" for a, v in p.items() if not isinstance(v, (dict, list)))
    return what
