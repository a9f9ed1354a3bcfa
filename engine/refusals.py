"""The Monitor's answer to a call refused for a reason the spec does not model
(:class:`domains.base.ToolRefused`: a quota, a change freeze, expired credentials, a lock).

A refusal is not an outage: the call is ruled out only in the state it was refused in (the
``refused`` list of a ``plan-certified`` event; once the observed state differs it may be
planned again), another route is planned if one exists, else the call is tried again; a
call refused :data:`~engine.monitor.MAX_REFUSALS` times in one run is an outage, and when no
route avoids it the run stops naming it (the diagnosis: ``failing-tool``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from engine.monitor import MAX_REFUSALS, Failure, Replanner
from engine.runstate import RunState, atoms_from_json

if TYPE_CHECKING:
    from engine.runner import RunDriver
    from engine.runstate import Recorder

__all__ = ["forbidden_now", "after_refusal"]

Call = tuple[str, tuple[str, ...]]


def forbidden_now(state: RunState) -> tuple[list[Call], list[Call]]:
    """The calls ruled out for the next plan, and which of them only in this state: a call
    refused for a reason the spec does not model is ruled out in the state it was refused
    in; once the observed state differs, it may be planned again."""
    forbidden = list(state.forbidden)
    p = state.plans.get(state.gen) or {}
    scoped = [(a, tuple(b)) for a, b in p.get("refused", [])]
    if scoped and frozenset(state.belief) != atoms_from_json(p.get("init")):
        return [c for c in forbidden if c not in scoped], []
    return forbidden, [c for c in scoped if c in forbidden]


def after_refusal(driver: RunDriver, rec: Recorder, replanner: Replanner, failure: Failure,
                  forbidden: list[Call], scoped: list[Call]) -> bool:
    """Route around the refused call in this state; with no other route, try it again;
    refused ``MAX_REFUSALS`` times, it is an outage. False when the run stops."""
    call = failure.call
    assert call is not None
    n = sum(1 for s in rec.state.steps.values()
            if s.fail_kind == "refused" and (s.action, s.args) == call)
    if n >= MAX_REFUSALS:
        failure = replace(failure, message=f"{failure.message}; refused {n} times in this "
                          "run: treated as an outage")
        return driver._replan(rec, replanner, reason="refused", failure=failure,
                              forbidden=[*forbidden, call] if call not in forbidden
                              else forbidden, scoped=[c for c in scoped if c != call])
    alt = [*forbidden, call]  # another route, the call ruled out in this state only
    if call not in forbidden and driver._replan(
            rec, replanner, reason="refused", failure=failure, forbidden=alt,
            scoped=[*scoped, call], quiet=True,
            detail="routed around the refused call; it stays ruled out only while the "
            "observed state is the one it was refused in"):
        return True
    time.sleep(driver.options.retry.delay_s(n))  # the refusal may not hold a moment later
    return driver._replan(rec, replanner, reason="refused", failure=failure,
                          forbidden=forbidden, scoped=scoped,
                          detail=f"no other route in this state: the refused call is tried "
                          f"again (refusal {n} of {MAX_REFUSALS} before it counts as an "
                          "outage)")
