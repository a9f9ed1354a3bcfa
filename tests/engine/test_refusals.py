"""A call refused for a reason the spec does not model (the world differs from the PDDL
model): the Monitor routes around it in the state it was refused in, tries it again when no
other route exists, and stops naming the call once it counts as an outage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domains.base import PermanentToolError, ToolRefused
from domains.faults import FaultPlan, ScheduledFault
from engine.monitor import MAX_REFUSALS, classify

pytestmark = pytest.mark.timeout(300)


def _calls(engine: Any, run_id: str, prefix: str) -> list[str]:
    """The run's tool calls (attempts included) that start with ``(prefix``."""
    from domains.world import world_store

    return [c for _step, c, _attempt in world_store(engine.world).calls(run_id)
            if c.startswith("(" + prefix)]


def _with_prover() -> tuple[Any, Any, Any]:
    """A planner (counted: ``main``) with a symbolic ``prover`` (counted too)."""
    from tests.engine.planners import bfs_planner, counting

    main, prover = counting(bfs_planner), counting(bfs_planner)

    def planner(problem: Any, **kw: Any) -> Any:
        return main(problem, **kw)

    planner.prover = prover  # type: ignore[attr-defined]
    return planner, main, prover


def test_a_refusal_is_not_an_outage() -> None:
    assert classify(ToolRefused("(deploy api prod): refused: a change freeze is in effect"),
                    idempotent=False) == ("refused", False)
    assert classify(PermanentToolError("(deploy api prod): failed permanently"),
                    idempotent=False) == ("permanent", False)


def test_a_refusal_once_is_tried_again_when_no_other_route_exists(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults=FaultPlan(schedule=(
        ScheduledFault("hidden-precondition", action="deploy"),)))
    r = e.run("p01")
    assert r.status == "completed" and r.replans == 1
    first = r.explanations[0]
    assert first["kind"] == "refused" and first["action"] == "replan"
    assert first["call"] == "(deploy api staging)" and "tried again" in first["detail"]
    assert len(_calls(e, r.run_id, "deploy ")) == 2  # refused, then run
    certified = e.journal.events(r.run_id, kinds=("plan-certified",))
    assert all(not ev.payload["forbidden"] for ev in certified)  # never ruled out for the run


def test_a_call_refused_every_time_stops_naming_it(make_engine) -> None:  # noqa: ANN001
    e = make_engine(faults=FaultPlan(schedule=(
        ScheduledFault("hidden-precondition", action="deploy", times=99),)))
    r = e.run("p01")
    assert r.status == "stopped"
    last = r.explanations[-1]
    assert last["action"] == "stop" and last["kind"] == "refused"
    assert last["call"] == "(deploy api staging)" and last["cause"] == "failing-tool"
    assert f"refused {MAX_REFUSALS} times" in last["message"]
    assert len(_calls(e, r.run_id, "deploy ")) == MAX_REFUSALS
    assert ("deployed", "api", "staging") not in r.final_state


ROUTES = """(define (problem two-routes)
  (:domain robotics)
  (:objects r1 - robot  dock hall store lab - location  box1 - item)
  (:init
    (next level0 level1) (next level1 level2) (next level2 level3) (next level3 level4)
    (charger dock)
    (connected dock hall) (connected hall dock) (connected hall lab) (connected lab hall)
    (connected dock store) (connected store dock) (connected store lab) (connected lab store)
    (at r1 dock) (battery r1 level4) (free r1) (item-at box1 dock))
  (:goal (and (item-at box1 lab))))
"""


def test_another_route_is_taken_in_the_state_of_the_refusal(specs_dir: Path,
                                                            tmp_path: Path) -> None:
    from engine.api import Engine
    from tests.engine.planners import bfs_planner
    from verifier.spec import load_spec

    spec = load_spec(specs_dir / "robotics")
    problem = tmp_path / "two-routes.pddl"
    problem.write_text(ROUTES, encoding="utf-8")
    plain = Engine(spec, journal=tmp_path / "j0.sqlite", planner=bfs_planner)
    try:
        first = next(s for s in plain.run(problem).steps if s["action"] == "navigate")
    finally:
        plain.close()
    call = ("navigate", tuple(first["args"]))  # the first leg of the planner's route
    e = Engine(spec, journal=tmp_path / "j.sqlite", planner=bfs_planner,
               faults=FaultPlan(schedule=(ScheduledFault("hidden-precondition", *call,
                                                         times=99),)))
    try:
        r = e.run(problem, approvals="auto")
        assert r.status == "completed", r.explanations
        assert r.explanations[0]["kind"] == "refused"
        assert "routed around" in r.explanations[0]["detail"]
        certified = e.journal.events(r.run_id, kinds=("plan-certified",))
        assert [[call[0], list(call[1])]] in [ev.payload.get("refused") for ev in certified]
        said = "(" + " ".join((call[0], *call[1])) + ")"
        assert _calls(e, r.run_id, said[1:]) == [said]  # refused once, never tried again
    finally:
        e.close()


@pytest.mark.parametrize(("kind", "times", "status", "main_calls", "min_proofs"), [
    ("hidden-precondition", 1, "completed", 2, 1),  # no route without it: the first plan, retry
    ("hidden-precondition", 99, "stopped", 2, 3),  # then an outage: no plan left, diagnosis
    ("permanent", 99, "stopped", 1, 2)])  # the first plan; the proof, the diagnosis
def test_the_prover_answers_whether_a_plan_is_left(make_engine, kind: str, times: int,  # noqa: ANN001
                                                   status: str, main_calls: int,
                                                   min_proofs: int) -> None:
    """With a call ruled out, "is any plan left?" and a stop's diagnosis are asked of the
    Planner's symbolic ``prover``; the Planner itself only plans routes that exist."""
    planner, main, prover = _with_prover()
    e = make_engine(planner=planner, faults=FaultPlan(schedule=(
        ScheduledFault(kind, action="deploy", times=times),)))
    r = e.run("p01")
    assert r.status == status
    if status == "stopped":
        assert r.explanations[-1]["cause"] == "failing-tool"
    else:
        assert "tried again" in r.explanations[0]["detail"]
    assert main.calls == main_calls and prover.calls >= min_proofs
