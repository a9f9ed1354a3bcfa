"""Memory of past runs: the journal's outcomes per ground action and tool become action costs.

Every attempt the Executor makes is journaled as a ``step-intent`` (the ground action) and a
``step-result`` (``ok``, ``mismatch`` or ``error``, with its duration in ``ms``). This module
reads them back, through the :class:`~engine.journal.Journal` interface, so every backend in
:data:`engine.journal.JOURNALS` (SQLite, PostgreSQL, memory) works, for the runs whose
``run-started`` names the spec (by its name: copies of a spec share their memory).

The cost model (:class:`CostModel`), per ground action ``a`` bound to tool ``t``:

- failure estimate, smoothed twice (additive smoothing with a Beta prior of weight ``s``):
  ``p_t = (f_t + s*m0) / (n_t + s)`` over every call of the tool, then
  ``p_a = (f_a + s*p_t) / (n_a + s)`` over the calls of this ground action. An action never
  called borrows its tool's estimate (a new object meets the tool's record); a tool never
  called gets the prior ``m0`` (5%: most calls work). ``m0 = 0.5, s = 2`` would be Laplace's
  rule; a prior that low makes a failure count at once (one failure in one call: 37%).
- expected cost ``c_a = 1 + k*p_a + mean_s(a)/tau``: one step, plus ``k`` (10) steps for
  what a failure costs (the failed call, the Monitor's explanation, a replan, steps that may
  have to be redone) times its probability, plus the mean duration in units of ``tau``
  (60 s of tool time cost one step); an action never called has no duration term.
- Fast Downward gets integer costs ``round(100 * c_a)`` (``:action-costs``, metric
  ``(minimize (total-cost))``, a cost-aware search; :mod:`engine.symbolic.compile_pddl`).

So the costs only steer the proposer: every plan is still verified and certified, and a
spec without outcomes plans exactly as before. What counts as one call: each attempt
(retries included); ``error`` and ``mismatch`` results are failures; results the crash
recovery wrote (``recovered``, ``not-run``) and intents with no result are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.journal import Event, Journal
    from verifier.spec import Spec

__all__ = ["Call", "ActionCosts", "CostModel", "Outcomes", "ActionStats", "Memory",
           "JournalMemory", "read_memory", "UNBOUND"]

Call = tuple[str, tuple[str, ...]]
#: ``(action, args) -> integer cost`` as Fast Downward gets it
ActionCosts = Callable[[str, tuple[str, ...]], int]
UNBOUND = "(unbound)"  # the tool of an action the spec binds to none
_KINDS = ("run-started", "step-intent", "step-result")


@dataclass(frozen=True, slots=True)
class CostModel:
    """The constants of the cost model (see the module docstring)."""

    failure_weight: float = 10.0  # k: steps a failure costs
    prior_rate: float = 0.05  # m0: the failure rate of a tool never called
    prior_weight: float = 2.0  # s: the prior counts as this many calls
    seconds_per_step: float = 60.0  # tau: tool time worth one step
    scale: int = 100  # integer costs for the planner: round(scale * cost)

    def estimate(self, failures: int, calls: int, prior: float) -> float:
        return (failures + self.prior_weight * prior) / (calls + self.prior_weight)


@dataclass(frozen=True, slots=True)
class Outcomes:
    """The calls of one ground action (or of one tool) and how they ended."""

    calls: int = 0
    failures: int = 0
    durations_ms: tuple[float, ...] = ()

    @property
    def failure_rate(self) -> float:
        return self.failures / self.calls if self.calls else 0.0

    @property
    def mean_ms(self) -> float | None:
        return sum(self.durations_ms) / len(self.durations_ms) if self.durations_ms else None

    @property
    def p95_ms(self) -> float | None:
        """The 95th percentile (nearest rank)."""
        if not self.durations_ms:
            return None
        ordered = sorted(self.durations_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class ActionStats:
    """One row of ``plansafe stats``: a ground action, its tool, its record and its cost."""

    action: str
    args: tuple[str, ...]
    tool: str
    outcomes: Outcomes
    failure_estimate: float
    cost: float
    planner_cost: int

    @property
    def call(self) -> str:
        return "(" + " ".join((self.action, *self.args)) + ")"

    def to_json(self) -> dict[str, Any]:
        o = self.outcomes
        return {"action": self.action, "args": list(self.args), "tool": self.tool,
                "runs": o.calls, "failures": o.failures, "failure_rate": o.failure_rate,
                "failure_estimate": self.failure_estimate, "mean_ms": o.mean_ms,
                "p95_ms": o.p95_ms, "cost": self.cost, "planner_cost": self.planner_cost}


@dataclass(frozen=True, slots=True)
class Memory:
    """What the journal remembers of a spec's runs, and the costs it gives actions."""

    spec_name: str
    runs: int
    by_call: Mapping[Call, Outcomes]
    by_tool: Mapping[str, Outcomes]
    tools: Mapping[str, str]  # action -> tool reference
    model: CostModel = CostModel()

    @property
    def has_outcomes(self) -> bool:
        return bool(self.by_call)

    def tool(self, action: str) -> str:
        return self.tools.get(action, UNBOUND)

    def failure_estimate(self, action: str, args: tuple[str, ...]) -> float:
        m = self.model
        t = self.by_tool.get(self.tool(action), Outcomes())
        p_tool = m.estimate(t.failures, t.calls, m.prior_rate)
        a = self.by_call.get((action, tuple(args)), Outcomes())
        return m.estimate(a.failures, a.calls, p_tool)

    def cost(self, action: str, args: tuple[str, ...]) -> float:
        """The expected cost of one call, in steps (``1 + k*p + mean_s/tau``)."""
        m = self.model
        mean = self.by_call.get((action, tuple(args)), Outcomes()).mean_ms
        duration = (mean or 0.0) / 1000.0 / m.seconds_per_step
        return 1.0 + m.failure_weight * self.failure_estimate(action, args) + duration

    def planner_cost(self, action: str, args: tuple[str, ...]) -> int:
        return max(1, round(self.model.scale * self.cost(action, args)))

    def stats(self) -> tuple[ActionStats, ...]:
        """One row per ground action called, ordered by action and arguments."""
        return tuple(ActionStats(a, args, self.tool(a), o, self.failure_estimate(a, args),
                                 self.cost(a, args), self.planner_cost(a, args))
                     for (a, args), o in sorted(self.by_call.items()))

    def to_json(self) -> dict[str, Any]:
        m = self.model
        return {"spec": self.spec_name, "runs": self.runs,
                "model": {"failure_weight": m.failure_weight, "prior_rate": m.prior_rate,
                          "prior_weight": m.prior_weight,
                          "seconds_per_step": m.seconds_per_step, "scale": m.scale},
                "actions": [s.to_json() for s in self.stats()]}


@dataclass
class _Tally:
    """Outcomes folded from journal events, read incrementally (events after ``after_id``)."""

    spec_name: str
    after_id: int = 0
    runs: set[str] = field(default_factory=set)
    open: dict[tuple[str, str], Call] = field(default_factory=dict)  # (run, step) -> call
    calls: dict[Call, list[tuple[bool, float | None]]] = field(default_factory=dict)

    def fold(self, events: Iterable[Event]) -> None:
        for e in events:
            self.after_id = max(self.after_id, e.id)
            p = e.payload
            if e.kind == "run-started":
                if p.get("spec_name") == self.spec_name:
                    self.runs.add(e.run_id)
            elif e.run_id not in self.runs:
                continue
            elif e.kind == "step-intent":
                call = (str(p.get("action")), tuple(str(x) for x in p.get("args", ())))
                self.open[(e.run_id, str(p.get("step")))] = call
            elif e.kind == "step-result":
                self._result(e.run_id, p)

    def _result(self, run_id: str, p: Mapping[str, Any]) -> None:
        call = self.open.pop((run_id, str(p.get("step"))), None)
        if call is None or p.get("recovered") or p.get("kind") == "not-run":
            return  # no intent, or the crash recovery's record: no real call to count
        ms = p.get("ms")
        self.calls.setdefault(call, []).append(
            (p.get("status") != "ok", float(ms) if isinstance(ms, (int, float)) else None))

    def memory(self, tools: Mapping[str, str], model: CostModel) -> Memory:
        by_call = {c: _outcomes(rs) for c, rs in self.calls.items()}
        per_tool: dict[str, list[tuple[bool, float | None]]] = {}
        for (action, _), rs in self.calls.items():
            per_tool.setdefault(tools.get(action, UNBOUND), []).extend(rs)
        return Memory(self.spec_name, len(self.runs), by_call,
                      {t: _outcomes(rs) for t, rs in per_tool.items()}, dict(tools), model)


def _outcomes(results: list[tuple[bool, float | None]]) -> Outcomes:
    return Outcomes(len(results), sum(failed for failed, _ in results),
                    tuple(ms for _, ms in results if ms is not None))


def read_memory(journal: Journal, spec: Spec, model: CostModel = CostModel()) -> Memory:
    """The spec's memory as the journal holds it now."""
    tally = _Tally(spec.name)
    tally.fold(journal.events(kinds=_KINDS))
    return tally.memory(spec.tools, model)


class JournalMemory:
    """A planner's view of the memory: re-reads only the events appended since its last read,
    so each plan (and each replan) sees every outcome journaled before it.

    ``enabled``: True (always plan with costs), False (never), None (when the journal has
    outcomes for the spec: a spec without any plans exactly as without memory)."""

    def __init__(self, journal: Journal, spec: Spec, *, enabled: bool | None = None,
                 model: CostModel = CostModel()) -> None:
        self.journal, self.spec, self.enabled, self.model = journal, spec, enabled, model
        self._tally = _Tally(spec.name)
        self.last: Memory | None = None  # the snapshot behind the latest costs (None: none)

    def snapshot(self) -> Memory:
        self._tally.fold(self.journal.events(after_id=self._tally.after_id, kinds=_KINDS))
        return self._tally.memory(self.spec.tools, self.model)

    def costs(self) -> ActionCosts | None:
        """The planner's cost function now, or None (plan without costs)."""
        self.last = None
        if self.enabled is False:
            return None
        memory = self.snapshot()
        if self.enabled is None and not memory.has_outcomes:
            return None
        self.last = memory
        return memory.planner_cost
