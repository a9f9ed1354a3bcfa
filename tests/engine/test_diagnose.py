"""A stop names its real cause, computed by planning (engine.diagnose): one test per cause, on
the hospital example (examples/hospital)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from domains.base import Observation, PreconditionFailed
from engine.api import Engine
from engine.runner import RunOptions

HOSPITAL = Path(__file__).resolve().parents[2] / "examples" / "hospital"


@pytest.fixture
def ward(tmp_path: Path) -> Path:
    dst = tmp_path / "ward"
    shutil.copytree(HOSPITAL, dst, ignore=shutil.ignore_patterns("__pycache__", "plans"))
    return dst


def _engine(spec: Path, tmp_path: Path, **kw: Any) -> Engine:
    return Engine.from_spec(spec, journal=tmp_path / "j.sqlite",
                            options=RunOptions(approvals=kw.pop("approvals", "manual"),
                                               parallel=False), **kw)


def _stop(result: Any) -> dict[str, Any]:
    assert result.status == "stopped", result.message
    stops = [e for e in result.explanations if e["action"] == "stop"]
    assert stops, result.explanations
    return stops[-1]


def test_rejected_approval_is_named(ward: Path, tmp_path: Path) -> None:
    e = _engine(ward, tmp_path)
    try:
        first = e.run("p02", faults="none")
        assert first.status == "waiting-approval"
        (step,) = first.waiting
        e.approve(first.run_id, step, approved=False, by="head-nurse")
        stop = _stop(e.resume(first.run_id))
    finally:
        e.close()
    assert stop["cause"] == "rejected-approval"
    assert "only way to the goal" in stop["message"] and "policies" not in stop["message"]
    assert stop["blocking"] == []


def test_failing_tool_is_named(ward: Path, tmp_path: Path) -> None:
    def bad_administer(ctx: Any, *args: str) -> bool:
        return True  # not an Observation, a mapping or None

    e = _engine(ward, tmp_path, approvals="auto", tools={"administer": bad_administer})
    try:
        stop = _stop(e.run("p02", faults="none"))
    finally:
        e.close()
    assert stop["cause"] == "failing-tool"
    assert "a tool returned bool" in stop["message"]


def test_broken_policy_is_named(ward: Path, tmp_path: Path) -> None:
    spec = ward / "spec.yaml"
    spec.write_text(spec.read_text() + "  - id: no-dispensing\n    says: Nothing is dispensed."
                    "\n    rule: (forall (?d - dose) (always (not (dispensed ?d))))\n")
    e = _engine(ward, tmp_path, approvals="auto")
    try:
        stop = _stop(e.run("p02", faults="none"))
    finally:
        e.close()
    assert stop["cause"] == "broken-policy"
    assert stop["blocking"] == ["no-dispensing"]


def test_missing_precondition_is_named(ward: Path, tmp_path: Path) -> None:
    def discharged(ctx: Any, *args: str) -> None:
        raise PreconditionFailed("alice was discharged", observation=Observation.of(
            not_holds=[("for", "amox1", "alice")]))

    e = _engine(ward, tmp_path, approvals="auto", tools={"dispense": discharged})
    try:
        stop = _stop(e.run("p02", faults="none"))
    finally:
        e.close()
    assert stop["cause"] == "missing-precondition"
    assert "(for amox1 alice)" in stop["message"]


def test_unreachable_goal_is_named(ward: Path, tmp_path: Path) -> None:
    (ward / "problems" / "p03.pddl").write_text(
        "(define (problem p03) (:domain hospital)\n"
        "  (:objects amox1 - dose alice - patient drhouse - doctor phil pia - pharmacist\n"
        "            nina - nurse)\n"
        "  (:init) (:goal (and (charted amox1))))\n")  # amox1 is for nobody
    e = _engine(ward, tmp_path, approvals="auto")
    try:
        stop = _stop(e.run("p03", faults="none"))
    finally:
        e.close()
    assert stop["cause"] == "unreachable-goal"
    assert stop["blocking"] == []


def test_an_action_rule_that_blocks_the_goal_is_named(ward: Path, tmp_path: Path) -> None:
    """Action rules are compiled into the domain; the diagnosis plans on the author's domain
    to see whether they are the cause, and names a minimal set (four-eyes, not one-dose)."""
    (ward / "problems" / "p04.pddl").write_text(
        "(define (problem p04) (:domain hospital)\n"
        "  (:objects amox1 - dose alice - patient drhouse - doctor phil - pharmacist\n"
        "            nina - nurse)\n"
        "  (:init (for amox1 alice)) (:goal (and (charted amox1))))\n")  # one pharmacist
    e = _engine(ward, tmp_path, approvals="auto")
    try:
        stop = _stop(e.run("p04", faults="none"))
    finally:
        e.close()
    assert stop["cause"] == "broken-policy"
    assert stop["blocking"] == ["four-eyes"]
