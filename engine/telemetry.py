"""OpenTelemetry traces and metrics of runs, made from the events a run journals.

Spans (one trace per run driven by this process; a resumed run starts its own)::

    plansafe.run                      spec, run, status, certificate, tokens, replans
      plansafe.plan  (generation N)   reason, certificate, source, engine, rounds, tokens,
        plansafe.plan.propose         the Planner: model proposal or symbolic; a
                                      ``fallback`` event when the model's plans did not pass
        plansafe.plan.verify          the Verifier: certificate id and checks
        plansafe.step                 step, action, agent, attempts, outcome; ``retry`` events
          plansafe.tool_call          one per attempt: attempt, outcome, error kind, ms

Metrics: ``plansafe.steps`` (by outcome and agent), ``plansafe.step.failures`` (by kind),
``plansafe.replans``, ``plansafe.runs`` (by status), ``plansafe.planning.latency`` (seconds
from the Planner's request to the certified plan), ``plansafe.plan.tokens``.

Nothing happens unless telemetry is on: :func:`install` (tests, embedding applications)
gives providers, or the standard ``OTEL_*`` variables ask for OTLP export
(``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or
``OTEL_TRACES_EXPORTER=otlp``; ``OTEL_SDK_DISABLED=true`` wins), or an application already
set global OpenTelemetry providers. Without the ``opentelemetry`` packages it is a no-op.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.journal import Event
    from engine.runstate import RunState

__all__ = ["install", "uninstall", "observer", "RunTelemetry", "configure_from_env"]

_lock = threading.Lock()
_installed: tuple[Any, Any] | None = None  # (tracer provider, meter provider)
_env_done = False
_instruments: dict[int, Any] = {}


def install(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Send the spans and metrics of runs started from now on to these providers."""
    global _installed
    with _lock:
        _installed = (tracer_provider, meter_provider)


def uninstall() -> None:
    global _installed
    with _lock:
        _installed = None


def configure_from_env() -> bool:
    """OTLP export when the standard ``OTEL_*`` variables ask for it (once per process);
    True when telemetry is on that way."""
    global _env_done, _installed
    env = os.environ
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    wanted = any(env.get(k) for k in ("OTEL_EXPORTER_OTLP_ENDPOINT",
                                       "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                                       "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")) \
        or env.get("OTEL_TRACES_EXPORTER", "").lower() == "otlp"
    if not wanted:
        return False
    with _lock:
        if _env_done:
            return _installed is not None
        _env_done = True
        try:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as e:
            print(f"plansafe: OTEL_* asks for OTLP export but {e.name} is not installed "
                  "(pip install 'plansafe[telemetry]'); no telemetry", file=sys.stderr)
            return False
        resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "plansafe")})
        tp = TracerProvider(resource=resource)
        tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        mp = MeterProvider(resource=resource,
                           metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
        _installed = (tp, mp)
        import atexit

        atexit.register(tp.shutdown)
        atexit.register(mp.shutdown)
        return True


def _providers() -> tuple[Any, Any] | None:
    if _installed is not None:
        return _installed
    if configure_from_env():
        return _installed
    if "opentelemetry.trace" not in sys.modules:  # nobody set global providers: off, and
        return None  # nothing imported
    try:  # an application that set global providers itself
        from opentelemetry import metrics, trace
        from opentelemetry.trace import ProxyTracerProvider
    except ImportError:
        return None
    tp = trace.get_tracer_provider()
    if isinstance(tp, ProxyTracerProvider):
        return None
    return tp, metrics.get_meter_provider()


def observer() -> RunTelemetry | None:
    """A fresh observer for one run's events, or None when telemetry is off."""
    providers = _providers()
    if providers is None:
        return None
    try:
        return RunTelemetry(*providers)
    except ImportError:
        return None


def _ns(ts: float) -> int:
    return int(ts * 1e9)


@dataclass
class _Instruments:
    steps: Any
    failures: Any
    replans: Any
    runs: Any
    latency: Any
    tokens: Any


def _instruments_for(meter_provider: Any) -> _Instruments | None:
    if meter_provider is None:
        return None
    with _lock:
        hit = _instruments.get(id(meter_provider))
        if hit is None or hit[0] is not meter_provider:
            m = meter_provider.get_meter("plansafe")
            hit = (meter_provider, _Instruments(
                m.create_counter("plansafe.steps", unit="{step}",
                                 description="steps that ran, by outcome"),
                m.create_counter("plansafe.step.failures", unit="{failure}",
                                 description="failed tool calls, by kind"),
                m.create_counter("plansafe.replans", unit="{replan}",
                                 description="replans after a failure or a changed world"),
                m.create_counter("plansafe.runs", unit="{run}",
                                 description="runs that finished or stopped, by status"),
                m.create_histogram("plansafe.planning.latency", unit="s",
                                   description="from the Planner's request to a certified "
                                   "plan"),
                m.create_counter("plansafe.plan.tokens", unit="{token}",
                                 description="tokens the language model wrote for plans")))
            _instruments[id(meter_provider)] = hit
    return hit[1]


@dataclass
class RunTelemetry:
    """Turns one run's events (as the Recorder appends them) into spans and metrics."""

    tracer_provider: Any = None
    meter_provider: Any = None
    run: Any = None
    plan: Any = None
    propose: Any = None
    verify: Any = None
    plan_asked: float = 0.0
    plan_reason: str = "initial"
    steps: dict[str, Any] = field(default_factory=dict)
    calls: dict[str, Any] = field(default_factory=dict)
    spec: str = ""
    planner: str = ""
    tokens: int = 0

    def __post_init__(self) -> None:
        from opentelemetry import trace

        tp = self.tracer_provider or trace.get_tracer_provider()
        self.tracer = tp.get_tracer("plansafe")
        self.metrics = _instruments_for(self.meter_provider)

    # --- helpers ----------------------------------------------------------------------------

    def _start(self, name: str, parent: Any, ts: float, attrs: dict[str, Any]) -> Any:
        from opentelemetry import trace

        ctx = trace.set_span_in_context(parent) if parent is not None else None
        return self.tracer.start_span(name, context=ctx, start_time=_ns(ts),
                                      attributes={k: v for k, v in attrs.items()
                                                  if v is not None})

    def _base(self, state: RunState) -> dict[str, Any]:
        return {"plansafe.spec": self.spec, "plansafe.run": state.run_id}

    def _end_plan(self, ts: float) -> None:
        for sid in list(self.steps):
            self._end_step(sid, ts, "superseded")
        for name in ("verify", "propose", "plan"):
            span = getattr(self, name)
            if span is not None:
                span.end(end_time=_ns(ts))
                setattr(self, name, None)

    def _end_step(self, sid: str, ts: float, outcome: str) -> None:
        call = self.calls.pop(sid, None)
        if call is not None:
            call.set_attribute("plansafe.outcome", outcome)
            call.end(end_time=_ns(ts))
        span = self.steps.pop(sid, None)
        if span is not None:
            span.set_attribute("plansafe.outcome", outcome)
            span.end(end_time=_ns(ts))

    def _ask_plan(self, state: RunState, ts: float, reason: str) -> None:
        self._end_plan(ts)
        self.plan_asked, self.plan_reason = ts, reason
        self.plan = self._start("plansafe.plan", self.run, ts, {
            **self._base(state), "plansafe.generation": state.gen + 1,
            "plansafe.reason": reason, "plansafe.planner": self.planner})
        self.propose = self._start("plansafe.plan.propose", self.plan, ts, {
            **self._base(state), "plansafe.planner": self.planner})

    # --- the events -------------------------------------------------------------------------

    def __call__(self, state: RunState, e: Event) -> None:
        with contextlib.suppress(Exception):  # telemetry never breaks a run
            self._on(state, e)

    def _on(self, state: RunState, e: Event) -> None:  # noqa: C901 - one branch per kind
        p, k, ts = e.payload, e.kind, e.ts
        if k in ("run-started", "run-resumed"):
            st = state.started
            self.spec, self.planner = str(st.get("spec_name", "")), str(st.get("planner", ""))
            self.run = self._start("plansafe.run", None, ts, {
                **self._base(state), "plansafe.problem": st.get("problem"),
                "plansafe.planner": self.planner, "plansafe.resumed": k == "run-resumed"})
        elif self.run is None:
            return
        elif k == "message":
            self._message(state, p, ts)
        elif k == "plan-certified":
            self._certified(state, p, ts)
        elif k == "replan":
            self.run.add_event("replan", {"plansafe.count": int(p.get("count", 0)),
                                          "plansafe.reason": str(p.get("reason", ""))},
                               timestamp=_ns(ts))
            if self.metrics:
                self.metrics.replans.add(1, {"plansafe.spec": self.spec,
                                             "plansafe.reason": str(p.get("reason", ""))})
        elif k == "explanation":
            self.run.add_event("explanation", {
                "plansafe.kind": str(p.get("kind", "")), "plansafe.action":
                str(p.get("action", "")), "plansafe.message": str(p.get("message", ""))},
                timestamp=_ns(ts))
        elif k == "step-intent":
            self._intent(state, p, ts)
        elif k == "retry":
            span = self.steps.get(str(p.get("step")))
            if span is not None:
                span.add_event("retry", {"plansafe.attempt": int(p.get("attempt", 0)),
                                         "plansafe.delay_s": float(p.get("delay_s", 0.0))},
                               timestamp=_ns(ts))
        elif k == "step-result":
            self._result(state, p, ts)
        elif k in ("approval-requested", "approval"):
            self.run.add_event(k, {"plansafe.step": str(p.get("step")),
                                   "plansafe.by": str(p.get("by", "")),
                                   "plansafe.approved": bool(p.get("approved", False))},
                               timestamp=_ns(ts))
        elif k in ("run-finished", "run-suspended"):
            self._run_ended(state, k, p, ts)

    def _message(self, state: RunState, p: dict[str, Any], ts: float) -> None:
        """Planner messages open and close the propose and verify spans."""
        about, frm, to = p.get("about"), p.get("from"), p.get("to")
        if about == "plan" and to == "planner":
            self._ask_plan(state, ts, "initial")
        elif about == "replan" and to == "planner":
            self._ask_plan(state, ts, str(p.get("kind", "replan")))
        elif about == "plan" and frm == "planner" and self.propose is not None:
            self.propose.set_attribute("plansafe.steps", int(p.get("steps", 0)))
            self.propose.end(end_time=_ns(ts))
            self.propose = None
            self.verify = self._start("plansafe.plan.verify", self.plan, ts,
                                      self._base(state))
        elif about == "certificate" and self.verify is not None:
            self.verify.set_attribute("plansafe.certificate", str(p.get("certificate")))
            self.verify.set_attribute("plansafe.checks", [str(c) for c in
                                                          p.get("checks", [])])
            self.verify.end(end_time=_ns(ts))
            self.verify = None

    def _run_ended(self, state: RunState, k: str, p: dict[str, Any], ts: float) -> None:
        """The run span's outcome and end (an error status unless it completed)."""
        assert self.run is not None
        status = str(p.get("status", "waiting-approval"))
        self._end_plan(ts)
        self.run.set_attribute("plansafe.outcome", status)
        self.run.set_attribute("plansafe.replans", state.replans)
        self.run.set_attribute("plansafe.tokens", self.tokens)
        if k == "run-finished" and status != "completed":
            from opentelemetry.trace import Status, StatusCode

            self.run.set_status(Status(StatusCode.ERROR, str(p.get("reason", status))))
        self.run.end(end_time=_ns(ts))
        self.run = None
        if self.metrics and k == "run-finished":
            self.metrics.runs.add(1, {"plansafe.spec": self.spec,
                                      "plansafe.outcome": status})

    def _certified(self, state: RunState, p: dict[str, Any], ts: float) -> None:
        cert = str(p.get("certificate", {}).get("id", ""))
        prov = p.get("plan", {}).get("provenance") or {}
        source = str(prov.get("source", ""))
        tokens = int(prov.get("tokens") or 0)
        reason = str(p.get("reason", self.plan_reason))
        fallback = self.planner in ("auto", "llm") and source == "symbolic"
        if self.plan is None:  # a given plan: no Planner request
            self._end_plan(ts)
            self.plan_asked = ts
            self.plan = self._start("plansafe.plan", self.run, ts, {
                **self._base(state), "plansafe.reason": reason})
        if self.propose is not None:  # no separate verify message (given plans)
            self.propose.end(end_time=_ns(ts))
            self.propose = None
        attrs = {"plansafe.generation": int(p.get("generation", 0)),
                 "plansafe.certificate": cert, "plansafe.plan.source": source,
                 "plansafe.plan.engine": str(prov.get("engine") or ""),
                 "plansafe.plan.rounds": int(prov.get("rounds") or 0),
                 "plansafe.tokens": tokens, "plansafe.plan.fallback": fallback,
                 "plansafe.steps": len(p.get("plan", {}).get("steps", []))}
        for a, v in attrs.items():
            self.plan.set_attribute(a, v)
        if fallback:
            self.plan.add_event("fallback", {"plansafe.planner": self.planner,
                                             "plansafe.plan.engine": str(prov.get("engine"))},
                                timestamp=_ns(ts))
        self.run.set_attribute("plansafe.certificate", cert)
        self.tokens += tokens
        if self.metrics:
            labels = {"plansafe.spec": self.spec, "plansafe.reason": reason}
            self.metrics.latency.record(max(ts - self.plan_asked, 0.0), labels)
            if tokens:
                self.metrics.tokens.add(tokens, labels)

    def _intent(self, state: RunState, p: dict[str, Any], ts: float) -> None:
        sid = str(p["step"])
        attrs = {**self._base(state), "plansafe.step": sid,
                 "plansafe.action": str(p.get("action", "")),
                 "plansafe.args": [str(a) for a in p.get("args", [])],
                 "plansafe.agent": str(p.get("agent") or "")}
        span = self.steps.get(sid)
        if span is None:
            span = self._start("plansafe.step", self.plan or self.run, ts, attrs)
            self.steps[sid] = span
        attempt = int(p.get("attempt", 1))
        span.set_attribute("plansafe.attempts", attempt)
        self.calls[sid] = self._start("plansafe.tool_call", span, ts,
                                      {**attrs, "plansafe.attempt": attempt})

    def _result(self, state: RunState, p: dict[str, Any], ts: float) -> None:
        sid = str(p["step"])
        status = str(p.get("status", ""))
        rec = state.steps.get(sid)
        agent = (rec.agent if rec is not None else None) or ""
        call = self.calls.pop(sid, None)
        if call is not None:
            call.set_attribute("plansafe.outcome", status)
            if p.get("kind"):
                call.set_attribute("plansafe.error.kind", str(p["kind"]))
            if p.get("ms") is not None:
                call.set_attribute("plansafe.ms", float(p["ms"]))
            call.end(end_time=_ns(ts))
        final = status in ("ok", "mismatch") or p.get("final", True)
        if status not in ("ok", "mismatch") and self.metrics:
            self.metrics.failures.add(1, {"plansafe.spec": self.spec, "plansafe.agent": agent,
                                          "plansafe.kind": str(p.get("kind", "exception"))})
        if final:
            outcome = status if status in ("ok", "mismatch") else "failed"
            span = self.steps.get(sid)
            if span is not None and outcome == "failed":
                from opentelemetry.trace import Status, StatusCode

                span.set_status(Status(StatusCode.ERROR, str(p.get("error", ""))))
            self._end_step(sid, ts, outcome)
            if self.metrics:
                self.metrics.steps.add(1, {"plansafe.spec": self.spec, "plansafe.agent": agent,
                                           "plansafe.outcome": outcome})
