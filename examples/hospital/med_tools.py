"""The hospital example's tools: one function per action, ``tool(ctx, *args)``.

They act on a small in-memory ward (a real deployment would call the pharmacy and the chart
systems). Each returns what it observed (``holds``: atoms now true), so the run's monitor can
check the world against the plan. See docs/TOOLS.md for the contract.
"""

from __future__ import annotations

from typing import Any

from domains.base import PermanentToolError, ToolContext, idempotent

__all__ = ["prescribe", "verify", "dispense", "administer", "chart"]


def prescribe(ctx: ToolContext, dose: str, patient: str, doctor: str) -> dict[str, Any]:
    # what a tool prints goes to the run's journal, never into `plansafe run --json`
    print(f"order entered: {dose} for {patient} by {doctor}")
    return {"holds": [("prescribed", dose)]}


@idempotent
def verify(ctx: ToolContext, dose: str, pharmacist: str) -> dict[str, Any]:
    return {"holds": [("verified", dose)]}


def dispense(ctx: ToolContext, dose: str, pharmacist: str) -> dict[str, Any]:
    return {"holds": [("dispensed", dose)]}


def administer(ctx: ToolContext, dose: str, patient: str, nurse: str) -> dict[str, Any]:
    if ctx.cancelled:
        raise PermanentToolError(f"giving {dose} to {patient} was cancelled")
    return {"holds": [("administered", dose)]}


@idempotent
def chart(ctx: ToolContext, dose: str, nurse: str) -> dict[str, Any]:
    return {"holds": [("charted", dose)]}
