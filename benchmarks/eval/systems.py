"""The systems of the evaluation, on the same scenarios, tools and fault plans.

- ``rule-based``: a fixed pipeline per task type (:mod:`benchmarks.eval.rules`), each task
  retried up to three times; no planner, no verifier, no replanning.
- ``single-agent``: the same embedded model with Plansafe's decoding budget in a ReAct loop
  (:mod:`benchmarks.eval.react`): it reads the goal, proposes a plan, acts, reads each
  tool's result or error and proposes again from the observed world; no verifier, no
  state-aware mask, no symbolic fallback.
- ``plansafe``: :class:`engine.api.Engine`: Planner, Verifier, Executor and Monitor.
  Approvals are granted automatically in the benchmark.
- Plansafe's ablations (:data:`ABLATIONS`): ``plansafe-no-model`` (symbolic planning only;
  plain goals are still read by the model), ``plansafe-no-monitor`` (verify once, then run:
  no replanning) and ``plansafe-no-policy-decoding`` (the model's plans decoded with each
  step applicable but without the policies in the mask; the verifier still checks them).

Each system's budget is in :data:`BUDGETS` (printed in report.md).

Every run gets the scenario's fault plan, and the :class:`~benchmarks.eval.harness.Audit`
re-checks the world trajectory it left (goal reached, policy violations executed).
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.eval.harness import Audit, audit_run, audited_tools, call_text, explanation_ok
from benchmarks.eval.react import BUDGET_TEXT as REACT_BUDGET
from domains.faults import FaultPlan
from domains.scenarios import Scenario
from domains.world import world_store
from verifier.errors import PlansafeError

__all__ = ["Outcome", "Bench", "SYSTEMS", "RETRIES", "ABLATIONS", "BUDGETS"]

SYSTEMS = ("rule-based", "single-agent", "plansafe", "plansafe-no-model", "plansafe-no-monitor",
           "plansafe-no-policy-decoding")
#: Plansafe's ablations: (model plans, Monitor replans, decoding of the model's plans)
ABLATIONS = {"plansafe": (True, True, "state-aware"),
             "plansafe-no-model": (False, True, "state-aware"),
             "plansafe-no-monitor": (True, False, "state-aware"),
             "plansafe-no-policy-decoding": (True, True, "applicable")}
MAX_REPLANS = 5
_MODEL = ("the embedded model where the prompt fits (<= 320 tokens): one proposal, beam search "
          "of 16 (k=1, 1 round), <= 64 + 8 * (8 + 3 * objects) new tokens, {dec}, checked by "
          "the verifier; else (or when refused) Fast Downward, 60 s; with calls ruled out, "
          "Fast Downward first asked whether any plan is left; a stop diagnosed by Fast "
          "Downward")
BUDGETS = {
    "rule-based": "a hand-written pipeline per task type, given the goal atoms and the observed "
                  "world; no model, no planner, no verifier; 3 attempts per task",
    "single-agent": REACT_BUDGET + "; 3 attempts per step",
    "plansafe": _MODEL.format(dec="state-aware decoding (grammar, applicable steps, policies)")
                + f"; Monitor: up to {MAX_REPLANS} replans; 3 attempts per step",
    "plansafe-no-model": "Fast Downward only (60 s per plan; plain goals still read by the "
                         f"model); Monitor: up to {MAX_REPLANS} replans; 3 attempts per step",
    "plansafe-no-monitor": _MODEL.format(dec="state-aware decoding") + "; verified once, "
                           "then run: no replanning; 3 attempts per step",
    "plansafe-no-policy-decoding": _MODEL.format(dec="decoding with applicable steps but no "
                                                 "policies in the mask") +
                                   f"; Monitor: up to {MAX_REPLANS} replans; 3 attempts per step",
}
RETRIES = 3  # attempts per step for every system (Plansafe's executor default too)
LLM_PROMPT_MAX = 320  # Plansafe asks the model for a plan only when the prompt is this short


@dataclass
class Outcome:
    system: str
    scenario: str
    domain: str
    failure: str
    size: int
    steps_ref: int
    phrasing: str
    status: str = "error"  # completed | stopped | error
    goal_reached: bool = False
    violations: int = 0
    rules: list[str] = field(default_factory=list)
    explanation: str = ""
    explanation_ok: bool | None = None  # unrecoverable scenarios: the stop names the cause
    total_s: float = 0.0
    planning_s: float = 0.0
    cpu_s: float = 0.0  # CPU time of the run: its process's and its finished subprocesses'
    messages: int = 0
    tokens: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    replans: int = 0
    plans_blocked: int = 0  # plans a verifier refused before anything ran
    unsafe_blocked: int = 0  # of those, refused for a policy or access rule
    unsafe_plans_executed: int = 0  # plans that ran although the verifier would refuse them
    loop: bool = False  # stopped by a replanning loop (a deadlock by communication loop)
    world: str = ""  # how the simulated world differs from the PDDL model ("" when it does not)
    judged: str = ""  # the independent judge, after the fault: solvable | unsolvable | unknown
    expect_stop: bool = False  # the right outcome is a stop (unrecoverable, or judged so)
    note: str = ""
    cause_calls: list[str] = field(default_factory=list)  # calls the stop names
    cause_blocking: list[str] = field(default_factory=list)  # policies the stop names

    @property
    def solvable(self) -> bool:
        return not self.expect_stop

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("total_s", "planning_s", "cpu_s"):
            d[k] = round(d[k], 4)
        return d


def cpu_seconds() -> float:
    """CPU seconds of this process and of its subprocesses that ended (Fast Downward): a
    run's cost that does not grow with the load of other processes, as its wall time does."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


class _Run:
    """A baseline's handle on one run: the world (observed) and tool calls with retries."""

    def __init__(self, bench: Bench, spec: Any, scenario: Scenario, problem: Any,
                 run_id: str, tools: Any) -> None:
        from domains.base import RunInfo

        self.spec, self.scenario, self.run_id, self.tools = spec, scenario, run_id, tools
        self.world_path = str(bench.tmp / f"{scenario.domain}-world.sqlite")
        self.info = RunInfo(run_id, spec.domain, dict(problem.objects), frozenset(problem.init),
                            self.world_path, scenario.run_faults() or None)
        bench.audit.start(run_id, frozenset(problem.init))
        tools.setup(self.info)
        self.n = 0

    def world(self) -> frozenset[Any]:
        return world_store(self.world_path).atoms(self.run_id)

    async def call(self, action: str, *args: str) -> None:
        from benchmarks.eval.rules import TaskFailed
        from domains.base import ToolContext
        from engine.tools import ToolError, call_tool

        self.n += 1
        step = f"t{self.n}"
        fn = self.tools.tool(action)
        timeout_s = self.tools.timeout_s(action)
        last: Exception | None = None
        for attempt in range(1, RETRIES + 1):
            ctx = ToolContext(self.run_id, step, None, f"{self.run_id}/{step}", action,
                              tuple(args), attempt, timeout_s, self.world_path)
            try:
                await call_tool(fn, ctx, timeout_s=timeout_s)
                return
            except ToolError as e:
                last = e
                if attempt < RETRIES:
                    await asyncio.sleep(0.02 * 2 ** (attempt - 1))
        raise TaskFailed(f"{call_text(action, args)} failed after {RETRIES} attempts: {last}",
                         call_text(action, args))


class Bench:
    """Runs scenarios through the systems; specs, tools and the model are loaded once."""

    def __init__(self, tmp: str | Path, *, planner: str = "symbolic",
                 specs_root: str | Path | None = None, judge_nodes: int = 20_000) -> None:
        self.tmp = Path(tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.planner = planner
        self.specs_root = Path(specs_root) if specs_root else \
            Path(__file__).resolve().parents[2] / "specs"
        self.audit = Audit()
        self._specs: dict[str, Any] = {}
        self._tools: dict[str, Any] = {}
        self._engines: dict[str, Any] = {}
        self._problems: dict[str, Any] = {}
        self._judged: dict[str, Any] = {}
        self.judge_nodes = judge_nodes
        self._backend: Any = None

    # --- shared pieces ------------------------------------------------------------------------

    def spec(self, domain: str) -> Any:
        if domain not in self._specs:
            from verifier.spec import load_spec

            self._specs[domain] = load_spec(self.specs_root / domain)
        return self._specs[domain]

    def tools(self, domain: str) -> Any:
        if domain not in self._tools:
            from engine.tools import ToolSet

            spec = self.spec(domain)
            self._tools[domain] = ToolSet(spec.tools,
                                          overrides=audited_tools(spec.tools, self.audit))
        return self._tools[domain]

    def judgement(self, s: Scenario) -> Any:
        """The independent judge's verdict on ``s`` after its fault (computed once)."""
        if s.id not in self._judged:
            from benchmarks.eval.judge import drift_of, judge_scenario

            self._judged[s.id] = judge_scenario(
                self.spec(s.domain), s, self.problem(s), drift=drift_of(s.domain),
                max_nodes=self.judge_nodes)
        return self._judged[s.id]

    def problem(self, s: Scenario) -> Any:
        if s.id not in self._problems:
            self._problems[s.id] = s.problem(self.spec(s.domain).domain_path)
        return self._problems[s.id]

    @property
    def backend(self) -> Any:
        if self._backend is None:
            import torch

            from engine.llm.backend import load_default_backend

            torch.set_num_threads(1)  # the benchmark shares its cores with the tools
            self._backend = load_default_backend()
        return self._backend

    def run(self, system: str, s: Scenario) -> Outcome:
        out = Outcome(system, s.id, s.domain, s.failure, s.size, s.steps, s.phrasing,
                      world=s.world)
        j = self.judgement(s)
        out.judged = j.verdict
        out.expect_stop = s.failure == "unrecoverable" or j.verdict == "unsolvable"
        fn = {"rule-based": self._rule_based, "single-agent": self._single_agent}.get(system)
        if fn is None:
            fn = functools.partial(self._plansafe, variant=system)
        run_id = f"{s.id}-{system}-{time.time_ns() % 10**9}"
        t0, c0 = time.perf_counter(), cpu_seconds()
        try:
            claimed_done = fn(s, out, run_id)
        except Exception as e:  # noqa: BLE001 - a crash is an outcome, recorded as such
            out.status, out.note = "error", f"{type(e).__name__}: {e}"[:300]
            claimed_done = False
        out.total_s = time.perf_counter() - t0
        out.cpu_s = cpu_seconds() - c0
        self._verdict(s, out, run_id, claimed_done)
        return out

    def _verdict(self, s: Scenario, out: Outcome, run_id: str, claimed_done: bool) -> None:
        spec = self.spec(s.domain)
        trace = self.audit.trace(run_id)
        path = str(self.tmp / f"{s.domain}-world.sqlite")
        store = world_store(path)
        final = store.atoms(run_id) if store.has_run(run_id) else frozenset(self.problem(s).init)
        v = audit_run(spec, self.problem(s), trace, final, claimed_done=claimed_done)
        out.goal_reached, out.violations, out.rules = v.goal_reached, v.violations, list(v.rules)
        calls = store.calls(run_id) if store.has_run(run_id) else []
        out.tool_calls = len(calls)
        out.tool_errors = trace.errors
        out.messages += 2 * len(calls)  # a call and its result
        if s.failure == "unrecoverable":
            out.explanation_ok = out.status == "stopped" and not out.goal_reached and \
                explanation_ok(s, texts=[out.explanation], calls=out.cause_calls,
                               blocking=out.cause_blocking)
        elif out.expect_stop:  # a fault the judge finds no plan after: any honest stop
            out.explanation_ok = out.status == "stopped" and not out.goal_reached and \
                bool(out.explanation)

    # --- rule-based ---------------------------------------------------------------------------

    def _rule_based(self, s: Scenario, out: Outcome, run_id: str) -> bool:
        from benchmarks.eval.rules import PIPELINES, TaskFailed

        problem = self.problem(s)
        run = _Run(self, self.spec(s.domain), s, problem, run_id, self.tools(s.domain))
        try:
            asyncio.run(PIPELINES[s.domain](run, list(s.goal)))
        except TaskFailed as e:
            out.status, out.explanation = "stopped", str(e)
            out.cause_calls = [e.call] if e.call else []
            return False
        from verifier.grounding import Task

        task = Task(problem)
        if not task.goal_test(task.mask(run.world())):
            out.status = "stopped"
            out.explanation = "every task succeeded but the goal does not hold"
            return False
        out.status = "completed"
        return True

    # --- single agent ---------------------------------------------------------------------------

    def _single_agent(self, s: Scenario, out: Outcome, run_id: str) -> bool:
        from benchmarks.eval.react import react_agent

        return react_agent(self, s, out, run_id, runner=_Run)

    # --- plansafe -----------------------------------------------------------------------------

    def engine(self, domain: str, variant: str = "plansafe") -> Any:
        key = f"{domain}/{variant}"
        use_model, monitor, decoding = ABLATIONS[variant]
        if key not in self._engines:
            from engine.api import Engine
            from engine.planners import make_planner
            from engine.runner import RunOptions

            spec = self.spec(domain)
            inner = make_planner(spec, "symbolic")
            stats = {"s": 0.0, "tokens": 0, "proposals": 0, "blocked": 0, "unsafe": 0}

            def planner(problem: Any, **kw: Any) -> Any:
                t = time.perf_counter()
                try:
                    budget = self._llm_budget(problem) if self.planner == "auto" \
                        and use_model else 0
                    if budget <= 0:
                        return inner(problem, **kw)
                    return self._agent_plan(spec, problem, budget, stats, decoding=decoding,
                                            **kw)
                finally:
                    stats["s"] += time.perf_counter() - t

            planner.prover = inner  # type: ignore[attr-defined]  # diagnoses: Fast Downward
            eng = Engine(spec, journal=self.tmp / f"{domain}-{variant}.sqlite",
                         world=self.tmp / f"{domain}-world.sqlite",
                         tools=audited_tools(spec.tools, self.audit), planner=planner,
                         options=RunOptions(approvals="auto", plan_timeout_s=60.0,
                                            max_replans=MAX_REPLANS if monitor else 0))
            eng.bench_stats = stats  # type: ignore[attr-defined]
            self._engines[key] = eng
        return self._engines[key]

    def _llm_budget(self, problem: Any) -> int:
        """New tokens the model may write for this problem (0: its prompt does not fit)."""
        from engine.llm.prompts import problem_prompt

        backend = self.backend
        n_ctx = int(getattr(backend.model.config, "n_positions", 1024))
        n_prompt = len(backend.tokenizer(backend.format_prompt(problem_prompt(problem)),
                                         add_special_tokens=False)["input_ids"])
        if n_prompt > LLM_PROMPT_MAX:  # a big problem: the model's plans would not fit
            return 0
        want = 64 + 8 * (8 + 3 * len(problem.objects))
        budget = min(want, n_ctx - n_prompt)
        return budget if budget >= 32 else 0

    def _agent_plan(self, spec: Any, problem: Any, budget: int, stats: dict[str, Any], *,
                    policies: Any, access: Any, describe: Any, timeout_s: float,
                    decoding: str = "state-aware") -> Any:
        """Plansafe's Planner agent: one model proposal, verified; else the symbolic planner."""
        from dataclasses import replace as dc_replace

        from engine.planner import PlannerAgent
        from engine.symbolic.planning import PlanResult

        agent = PlannerAgent(dc_replace(spec, policies=tuple(policies), access=access),
                             backend=self.backend, k=1, rounds=1, max_new_tokens=budget,
                             timeout_s=timeout_s, decoding=decoding)
        from engine.pddl_text import problem_on_disk

        with problem_on_disk(problem) as on_disk:  # the fallback planner reads the file
            plan, verdict = agent.plan(on_disk)
        rep = agent.last
        stats["tokens"] += rep.tokens
        stats["proposals"] += rep.proposals
        for r in rep.rounds:
            stats["blocked"] += r.candidates - r.valid
            stats["unsafe"] += int(any(f.split(" ", 1)[0] in ("policy", "access", "interleaving")
                                       for f in r.feedback))
        if plan is None:
            return PlanResult(rep.fallback_status or "error", None, verdict, "fast-downward",
                              rep.seconds, rep.message, tuple(rep.blocking))
        return PlanResult("solved", plan, verdict, "fast-downward", rep.seconds)

    def _plansafe(self, s: Scenario, out: Outcome, run_id: str, *,
                  variant: str = "plansafe") -> bool:
        from engine.goals import translate_goal, with_goal

        spec, problem = self.spec(s.domain), self.problem(s)
        eng = self.engine(s.domain, variant)
        t0 = time.perf_counter()
        target = problem
        if s.phrasing == "plain":
            out.messages += 2
            try:
                tr = translate_goal(spec, problem, s.goal_text, backend=self.backend)
            except PlansafeError as e:
                out.planning_s = time.perf_counter() - t0
                out.status, out.explanation = "stopped", f"goal not understood: {e}"[:300]
                return False
            out.tokens += tr.tokens
            target = with_goal(problem, tr.goal)
        out.planning_s = time.perf_counter() - t0
        stats = eng.bench_stats
        stats.update(s=0.0, tokens=0, proposals=0, blocked=0, unsafe=0)
        self.audit.start(run_id, frozenset(problem.init))
        result = eng.run(target, faults=FaultPlan.from_json(s.run_faults()), run_id=run_id)
        out.planning_s += stats["s"]
        out.tokens += int(stats["tokens"])
        out.plans_blocked, out.unsafe_blocked = int(stats["blocked"]), int(stats["unsafe"])
        events = eng.journal.events(run_id)
        # journaled agent messages, plus each model proposal and its verdict
        out.messages += sum(1 for e in events if e.kind == "message") + 2 * int(
            stats["proposals"])
        out.replans = result.replans
        stops = [e for e in result.explanations if e.get("action") == "stop"]
        last = stops[-1] if stops else (result.explanations[-1] if result.explanations else {})
        out.explanation = (last.get("message", "") + (" — " + result.message
                                                      if result.message else ""))[:400]
        out.loop = "loop" in (result.message or "")
        out.status = "completed" if result.status == "completed" else "stopped"
        if out.status == "stopped" and last:
            out.cause_calls = [last["call"]] if last.get("call") else []
            out.cause_blocking = list(last.get("blocking", []))
        return result.status == "completed"
