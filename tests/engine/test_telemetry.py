"""OpenTelemetry spans and metrics of real runs, read from the SDK's in-memory exporter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from engine import telemetry

pytest.importorskip("opentelemetry.sdk", reason="the opentelemetry-sdk package is not installed")

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.fixture
def otel() -> Iterator[tuple[InMemorySpanExporter, InMemoryMetricReader]]:
    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(spans))
    telemetry.install(tp, MeterProvider(metric_readers=[reader]))
    yield spans, reader
    telemetry.uninstall()


def metric_points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for rm in data.resource_metrics if data else ():
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                out.setdefault(m.name, []).extend(m.data.data_points)
    return out


def by_name(spans: Any, name: str) -> list[Any]:
    return [s for s in spans if s.name == name]


def test_a_run_with_faults_is_traced(otel: Any, tmp_path: Path) -> None:
    from engine.api import Engine

    exporter, reader = otel
    eng = Engine.from_spec(SPECS / "devops", journal=tmp_path / "j.sqlite", faults="demo")
    eng.options = replace(eng.options, approvals="auto")
    try:
        result = eng.run("p04")
    finally:
        eng.close()
    assert result.status == "completed" and result.replans >= 1
    spans = exporter.get_finished_spans()
    (run,) = by_name(spans, "plansafe.run")
    assert run.attributes["plansafe.spec"] == "devops"
    assert run.attributes["plansafe.run"] == result.run_id
    assert run.attributes["plansafe.outcome"] == "completed"
    assert run.attributes["plansafe.replans"] == result.replans
    plans = by_name(spans, "plansafe.plan")
    assert len(plans) == result.replans + 1
    assert all(p.parent.span_id == run.context.span_id for p in plans)
    assert [p.attributes["plansafe.generation"] for p in plans] == list(range(len(plans)))
    assert all(len(p.attributes["plansafe.certificate"]) == 16 for p in plans)
    assert run.attributes["plansafe.certificate"] == plans[-1].attributes["plansafe.certificate"]
    plan_ids = {p.context.span_id for p in plans}
    for child in ("plansafe.plan.propose", "plansafe.plan.verify"):
        assert {s.parent.span_id for s in by_name(spans, child)} == plan_ids
    assert all(s.attributes["plansafe.certificate"] for s in by_name(spans,
                                                                      "plansafe.plan.verify"))
    steps = by_name(spans, "plansafe.step")
    assert steps and all(s.parent.span_id in plan_ids for s in steps)
    assert all(s.attributes["plansafe.agent"] in ("ci", "release", "lead") for s in steps)
    done = [s for s in steps if s.attributes.get("plansafe.outcome") in ("ok", "mismatch")]
    assert len(done) == sum(1 for s in result.steps if s["status"] == "completed")
    calls = by_name(spans, "plansafe.tool_call")
    step_ids = {s.context.span_id for s in steps}
    assert all(c.parent.span_id in step_ids for c in calls)
    retried = [s for s in steps if any(ev.name == "retry" for ev in s.events)]
    assert retried, "the demo faults make a transient failure that is retried"
    assert any(c.attributes.get("plansafe.error.kind") for c in calls)
    assert any(ev.name == "replan" for ev in run.events)
    points = metric_points(reader)
    assert sum(p.value for p in points["plansafe.steps"]) == len(
        [s for s in steps if s.attributes.get("plansafe.outcome") in ("ok", "mismatch", "failed")])
    assert sum(p.value for p in points["plansafe.replans"]) == result.replans
    assert sum(p.value for p in points["plansafe.step.failures"]) >= 1
    (latency,) = points["plansafe.planning.latency"][:1]
    assert sum(p.count for p in points["plansafe.planning.latency"]) == len(plans)
    assert latency.sum > 0
    assert [(p.attributes["plansafe.outcome"], p.value) for p in points["plansafe.runs"]] == \
        [("completed", 1)]


def test_suspend_and_resume_are_two_traces(otel: Any, tmp_path: Path) -> None:
    from engine.api import Engine

    exporter, _ = otel
    eng = Engine.from_spec(SPECS / "devops", journal=tmp_path / "j.sqlite")
    try:
        first = eng.run("p02")
        eng.approve(first.run_id, "s5", by="alice")
        second = eng.resume(first.run_id)
    finally:
        eng.close()
    assert second.status == "completed"
    runs = by_name(exporter.get_finished_spans(), "plansafe.run")
    assert [r.attributes["plansafe.outcome"] for r in runs] == ["waiting-approval", "completed"]
    assert [r.attributes["plansafe.resumed"] for r in runs] == [False, True]
    assert any(ev.name == "approval-requested" for ev in runs[0].events)
    s5 = [s for s in by_name(exporter.get_finished_spans(), "plansafe.step")
          if s.attributes["plansafe.step"] == "s5"]
    assert len(s5) == 1 and s5[0].attributes["plansafe.agent"] == "lead"
    assert s5[0].parent.span_id == runs[1].context.span_id


def test_off_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
              "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(k, raising=False)
    telemetry.uninstall()
    assert telemetry.observer() is None


def test_otlp_when_the_environment_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http",
                        reason="opentelemetry-exporter-otlp-proto-http is not installed")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(telemetry, "_env_done", False)
    monkeypatch.setattr(telemetry, "_installed", None)
    assert telemetry.configure_from_env()
    tp, mp = telemetry._installed  # type: ignore[misc]
    assert type(tp).__name__ == "TracerProvider" and type(mp).__name__ == "MeterProvider"
    assert telemetry.observer() is not None
    tp.shutdown()
    mp.shutdown(timeout_millis=100)


def test_model_plans_and_fallback_are_marked(otel: Any) -> None:
    """The Planner's provenance: a model plan carries its rounds and tokens; a symbolic plan
    under the auto planner is a fallback (an event on the plan span)."""
    from engine.journal import Event
    from engine.runstate import RunState

    exporter, reader = otel
    obs = telemetry.observer()
    assert obs is not None
    state = RunState("run-x")
    n = 0

    def emit(kind: str, payload: dict[str, Any]) -> None:
        nonlocal n
        n += 1
        e = Event(n, "run-x", kind, payload, 1000.0 + n, "", "")
        state.apply(e)
        obs(state, e)

    def certified(gen: int, source: str, tokens: int) -> None:
        emit("plan-certified", {"generation": gen, "reason": "initial", "init": [],
                                "certificate": {"id": f"cert{gen}"},
                                "plan": {"steps": [], "provenance": {
                                    "source": source, "engine": "fast-downward",
                                    "rounds": 3, "tokens": tokens}}})

    emit("run-started", {"spec_name": "devops", "planner": "auto", "problem": "p01"})
    emit("message", {"from": "executor", "to": "planner", "about": "plan"})
    emit("message", {"from": "planner", "to": "verifier", "about": "plan", "steps": 0})
    emit("message", {"from": "verifier", "to": "executor", "about": "certificate",
                     "certificate": "cert0", "checks": ["goal"]})
    certified(0, "llm", 420)
    emit("message", {"from": "monitor", "to": "planner", "about": "replan",
                     "kind": "world-changed"})
    certified(1, "symbolic", 0)
    emit("run-finished", {"status": "completed"})
    plans = by_name(exporter.get_finished_spans(), "plansafe.plan")
    assert [(p.attributes["plansafe.plan.source"], p.attributes["plansafe.plan.fallback"],
             p.attributes["plansafe.tokens"]) for p in plans] == \
        [("llm", False, 420), ("symbolic", True, 0)]
    assert [ev.name for ev in plans[1].events] == ["fallback"]
    (run,) = by_name(exporter.get_finished_spans(), "plansafe.run")
    assert run.attributes["plansafe.tokens"] == 420
    assert sum(p.value for p in metric_points(reader)["plansafe.plan.tokens"]) == 420
