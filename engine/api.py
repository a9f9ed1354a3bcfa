"""The Python API: ``Engine.from_spec(path)``, then ``plan``, ``verify``, ``run`` / ``arun``.

    engine = Engine.from_spec("specs/devops", journal="runs.sqlite")
    result = engine.run("p02", on_event=print)          # a problem name, file or Problem
    result = engine.run(goal="(and (deployed api prod))")  # or a goal (PDDL or plain words)
    engine.approve(result.run_id, "s5"); engine.resume(result.run_id)

A run ends ``completed``, ``stopped`` (with explanations) or ``waiting-approval``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, cast

from engine.journal import Event, Journal, open_journal
from engine.planners import AgentPlanner, Planner, PlannerSettings, make_planner
from engine.results import Planning, PlanStatus, ShowReport, TrainingReport
from engine.run_result import RunResult, RunStatus, result_of
from engine.runner import RunDriver, RunOptions
from engine.runstate import RunState, StepRecord
from engine.tools import ToolSet
from verifier.certificate import Certificate
from verifier.deadline import seconds_left
from verifier.errors import PlansafeError
from verifier.model import Plan, Problem, Verdict
from verifier.spec import Spec
from verifier.verify import Verification

if TYPE_CHECKING:
    from domains.faults import FaultPlan
    from engine.goals import GoalTranslation
    from engine.identity import User
    from engine.llm.backend import ModelBackend
    from engine.memory import JournalMemory
    from engine.results import CheckReport
    from engine.trust import Trust

__all__ = ["Engine", "RunResult", "RunStatus", "CertifiedPlan", "NoPlanError",
           "DEFAULT_JOURNAL", "result_of"]

T = TypeVar("T")

DEFAULT_JOURNAL = Path(".plansafe") / "journal.sqlite"


class NoPlanError(PlansafeError):
    """No certified plan: the planner found none (``planning`` says why) or its plan failed
    verification."""

    def __init__(self, message: str, *, blocking: tuple[str, ...] = (), status: str = "",
                 planning: Planning | None = None) -> None:
        super().__init__(message)
        self.blocking, self.status, self.planning = blocking, status, planning


@dataclass(frozen=True, slots=True)
class CertifiedPlan:
    plan: Plan
    certificate: Certificate
    verdict: Verdict
    problem: Problem
    planning: Planning | None = None  # how it was proposed (None: verified, not planned)


class Engine:
    """One spec, one journal, its tools; plans, verifies and runs."""

    def __init__(self, spec: Spec, *, journal: str | Path | Journal | None = DEFAULT_JOURNAL,
                 world: str | Path | None = None,
                 tools: Mapping[str, Callable[..., Any]] | None = None,
                 planner: str | Callable[..., Any] = "symbolic",
                 planning_engine: str = "fast-downward",
                 options: RunOptions | None = None, faults: Any = None,
                 settings: PlannerSettings | None = None,
                 backend: ModelBackend | None = None,
                 executor: Literal["local", "ray"] = "local",
                 ray_address: str | None = None,
                 users: str | Path | None = None,
                 memory: bool | None = None, trust: Trust | None = None) -> None:
        """``planner``: a name in :data:`engine.planners.PLANNERS`, ``"module:callable"`` or
        a callable; ``settings`` its options (``planning_engine`` and ``backend`` fill
        theirs); ``backend`` also reads goals given in words. ``memory``: the symbolic
        planners minimise action costs learnt from the journal's past runs of this spec
        (:mod:`engine.memory`); None (default): when the journal has outcomes for it."""
        if trust is not None:  # code trust (engine/trust.py): before any code is imported
            trust.require(spec, planner=planner if isinstance(planner, str) else None)
        self.trust_record = trust.record() if trust is not None else None
        self.spec = spec
        self.backend = backend
        from engine.identity import Users, users_file

        # who may approve (engine/identity.py); empty: approvals are not authenticated
        self.users = Users.from_file(users_file(users))
        self.journal = journal if isinstance(journal, Journal) else open_journal(journal)
        world = _world_path(self.journal, world)
        self.world = None if world is None else str(world)
        self.options = options or RunOptions()
        self.tools = _tool_set(spec, tools, self.options, executor, ray_address)
        self.planner_ref = planner if isinstance(planner, str) else \
            f"{getattr(planner, '__module__', '?')}:{getattr(planner, '__qualname__', '?')}"
        self.planner_name = planner if isinstance(planner, str) and ":" not in planner \
            else "custom"
        self.memory: JournalMemory | None = None  # what the symbolic planners remember
        self._planner_args = (planner, settings, planning_engine, backend, memory, executor,
                              ray_address)
        self.planner: Planner | Callable[..., Any] = self._build_planner()
        self.faults = faults
        self.last_orders: dict[int, str] = {}
        from engine.plan_cache import PlanCache

        # certified plans by (spec digest, problem digest): a run (or replan) from a state
        # this Engine planned from before, for the same goal and rules, does not plan again
        self.plan_cache = PlanCache()

    def _build_planner(self) -> Planner | Callable[..., Any]:
        """The Planner from the constructor's arguments (again after :meth:`train`)."""
        planner, settings, planning_engine, backend, memory, executor, address = \
            self._planner_args
        made = self._make_planner(planner, settings, planning_engine, backend, memory)
        if executor == "ray":  # planning as a Ray task too (engine/ray_executor.py)
            from engine.ray_executor import ray_planner

            made = ray_planner(made, spec=self.spec, address=address,
                               name=planner if isinstance(planner, str) else None)
        return made

    def _make_planner(self, planner: str | Callable[..., Any], settings: PlannerSettings | None,
                      planning_engine: str, backend: ModelBackend | None, memory: bool | None
                      ) -> Planner | Callable[..., Any]:
        """The planner ``planner`` names: a callable as given, ``"module:callable"`` loaded,
        a registered name made (the symbolic ones with the journal's memory, set here)."""
        if callable(planner):
            return planner
        if ":" in planner:  # "module:callable", a planner plugged in by name
            from engine.tools import load_callable

            return load_callable(planner)
        from engine.memory import JournalMemory

        self.memory = None if memory is False else JournalMemory(self.journal, self.spec,
                                                                 enabled=memory)
        return make_planner(self.spec, planner, settings, engine=planning_engine,
                            backend=backend if backend is not None else
                            (settings.backend if settings else None),
                            memory=self.memory)

    @classmethod
    def from_spec(cls, path: str | Path, **options: Any) -> Engine:
        from verifier.spec import load_spec

        return cls(load_spec(path), **options)

    def close(self) -> None:
        self.journal.close()

    # --- problems, plans, verification ---------------------------------------------------------

    def problem(self, problem: str | Path | Problem | None = None, *, goal: str | None = None
                ) -> Problem:
        """A problem by name, path or object; ``goal`` (PDDL or plain words) replaces its goal
        (without a problem: the spec's default problem gives objects and initial state)."""
        return self.read_problem(problem, goal=goal)[0]

    def read_problem(self, problem: str | Path | Problem | None = None, *,
                     goal: str | None = None) -> tuple[Problem, GoalTranslation | None]:
        """:meth:`problem`, with how the goal was read (None when no goal was given)."""
        from verifier.spec import load_problem

        if isinstance(problem, Problem):
            base = problem
        elif problem is not None and not (isinstance(problem, str) and problem.lstrip()
                                          .startswith("(")):
            base = load_problem(self.spec, problem)
        else:
            if isinstance(problem, str):  # a PDDL goal given in the problem's place
                goal = problem
            if goal is None:
                raise PlansafeError("give a problem (name or file) or a goal")
            from engine.goals import default_problem

            base = default_problem(self.spec)
        if goal is None:
            return base, None
        from engine.goals import translate_goal, with_goal

        translation = translate_goal(self.spec, base, goal, backend=self.backend)
        return with_goal(base, translation.goal), translation

    def verify(self, plan: Plan | CertifiedPlan, problem: str | Path | Problem | None = None,
               *, goal: str | None = None, z3: bool = False) -> Verification:
        """Verify a plan: its verdict and, when valid, its certificate (a
        :class:`~verifier.verify.Verification`; ``engine.run`` accepts a valid one).

        The same code path as ``plansafe validate`` (:func:`verifier.verify.verify`): a
        partial-order plan (and every plan with ``z3``) goes through the Z3 checker, which
        proves every schedule safe or gives one that is not. A problem read unchanged from
        its file is certified by the file's digest (so both give one certificate id); one
        built in memory by a digest of its content, policies and access rules."""
        from verifier.verify import verify

        if isinstance(plan, CertifiedPlan):
            prob, plan = plan.problem, plan.plan
        else:
            prob = self.problem(problem, goal=goal)
        return verify(self.spec, prob, plan, z3=z3)

    def plan(self, problem: str | Path | Problem | None = None, *, goal: str | None = None
             ) -> CertifiedPlan:
        """Plan with the Planner, verify, certify; :class:`NoPlanError` when none exists."""
        prob = self.problem(problem, goal=goal)
        result = self.planner(prob, policies=self.spec.policies, access=self.spec.access,
                              describe=self.spec.describe,
                              timeout_s=seconds_left(self.options.plan_timeout_s))
        planning = self._planning(result)
        if result.plan is None:
            raise NoPlanError(f"no plan ({planning.status}): {result.message}",
                              blocking=tuple(result.blocking), status=planning.status,
                              planning=planning)
        checked = self.verify(result.plan, prob)
        if checked.certificate is None:
            out = checked.verdict
            why = "; ".join(v.message for v in out.violations[:3]) or str(out.reason or "")
            raise NoPlanError("the Planner's plan failed verification: " + why,
                              status="invalid", planning=replace(
                                  planning, status="invalid",
                                  message=f"the Planner's plan failed verification: {why}"))
        return CertifiedPlan(checked.plan, checked.certificate, checked.verdict, prob, planning)

    def _planning(self, result: Any) -> Planning:
        """How the planner's ``result`` (a PlanResult) came about."""
        agent = self.planner.last if isinstance(self.planner, AgentPlanner) else None
        if agent is None:
            used = getattr(self.planner, "last_memory", None)  # costs from past runs
            return Planning(self.planner_name, cast(PlanStatus, result.status),
                            str(result.engine), float(result.seconds), str(result.message or ""),
                            tuple(result.blocking),
                            memory_runs=used.runs if used is not None else None)
        report = agent.last
        status = "solved" if result.plan is not None else (report.fallback_status
                                                           or "no-valid-proposal")
        return Planning(self.planner_name, cast(PlanStatus, status), agent.engine,
                        report.seconds, report.message, tuple(report.blocking), report,
                        agent.decoding if agent.use_llm else None,
                        agent.beams if agent.use_llm else None)

    def train(self, *, minutes: float | None = None, steps: int | None = None,
              problems: int = 200, eval_problems: int = 10, replay: int = 40,
              init: str | Path | None = None, out: str | Path | None = None,
              device: Literal["auto", "cpu", "cuda"] = "auto", seed: int = 0,
              log: Callable[[str], None] | None = None, **options: Any) -> TrainingReport:
        """Fine-tune the shipped model (or ``init``) on this spec, as ``plansafe train SPEC``
        does (:func:`engine.llm.train.spec_config`): problems made from the spec's own
        examples, ``replay`` built-in problems per built-in spec, at most ``minutes`` on
        a CPU, then first proposals measured on ``eval_problems`` held-out problems. The
        model goes to the spec's model folder (or ``out``) and this Engine's Planner is
        made again, so ``plan`` and ``run`` use it (a ``backend`` given to the
        constructor stays). ``options``: other :class:`engine.llm.train.TrainConfig`
        fields (``batch_tokens``, ``size`` with ``init=None`` and ``scratch=True``, ...).
        Progress lines go to ``log``."""
        import time

        from engine.llm.spec_models import forget_backend
        from engine.llm.specgen import load_source
        from engine.llm.train import spec_config
        from engine.llm.train import train as run_training

        spec = self.spec
        where = (spec.spec_path.parent if spec.spec_path is not None
                 else spec.source_domain_path or spec.domain_path)
        load_source(where)  # a spec without example problems is refused here, with why
        for name, value, least in (("steps", steps, 1), ("problems", problems, 1),
                                   ("eval_problems", eval_problems, 0),
                                   ("replay", replay, 0)):
            if value is not None and value < least:
                raise PlansafeError(f"{name}={value!r}: must be at least {least}")
        if minutes is not None and not minutes > 0:
            raise PlansafeError(f"minutes={minutes!r}: must be positive")
        cfg = spec_config([where], out=Path(out) if out is not None else None,
                          init=Path(init) if init is not None else None, steps=steps,
                          replay=replay, max_minutes=minutes, spec_problems=problems,
                          eval_problems=eval_problems, device=device, seed=seed, **options)
        t0 = time.perf_counter()
        info = run_training(cfg, log=log or (lambda _m: None))
        forget_backend(cfg.out)
        self.planner = self._build_planner()
        made: dict[str, Any] = next(iter(info.get("specs", {}).values()), {})
        measured = made.get("validity")
        card = cfg.out / "MODEL_CARD.md"
        return TrainingReport(
            model_dir=str(cfg.out), steps=int(info["steps"]),
            final_loss=float(info["final_loss"]), examples=sum(info["examples"].values()),
            problems=int(made.get("problems", 0)),
            validity=(measured["first_proposals_valid"] / measured["problems"]
                      if measured and measured.get("problems") else None),
            seconds=time.perf_counter() - t0, card=str(card) if card.is_file() else None)

    def check(self, *, problem: str | None = None, horizon: int | None = None,
              analysis_timeout_s: float = 2.0) -> CheckReport:
        """Lint the spec and analyse its policies on every problem (or ``problem``)."""
        from engine.commands import check_report

        return check_report(self.spec, problem=problem, horizon=horizon,
                            analysis_timeout_s=analysis_timeout_s)

    # --- running -------------------------------------------------------------------------------

    def _faults(self, faults: str | FaultPlan | Mapping[str, Any] | None
                ) -> tuple[dict[str, Any] | None, str]:
        from domains.faults import FaultPlan

        f = self.faults if faults is None else faults
        if f is None or f == "none":
            return None, "none"
        if f == "demo":
            plan = self.tools.demo_faults()
            return (plan.to_json() if plan is not None else None), "demo"
        if isinstance(f, FaultPlan):
            return f.to_json(), f"seed {f.seed}"
        if isinstance(f, Mapping):
            return FaultPlan.from_json(f).to_json(), "custom"
        raise PlansafeError(f"faults must be none, demo, a FaultPlan or a mapping, not {f!r}")

    def _driver(self, on_event: Callable[[Event], Any] | None, options: RunOptions
                ) -> RunDriver:
        from engine import parallel
        from engine.plan_cache import cached_planner

        return RunDriver(spec=self.spec, journal=self.journal, tools=self.tools,
                         planner=cached_planner(self.spec, self.planner, self.plan_cache),
                         options=options, world=self.world,
                         on_event=on_event, z3check=parallel.adapter(),
                         planner_ref=self.planner_ref)

    async def arun(self,
                   problem: str | Path | Problem | CertifiedPlan | Verification | None = None,
                   *,
                   goal: str | None = None, plan: Plan | None = None,
                   certificate: Certificate | None = None,
                   on_event: Callable[[Event], Any] | None = None, faults: Any = None,
                   approvals: str | None = None, run_id: str | None = None,
                   token: str | None = None, user: User | None = None) -> RunResult:
        """Start a run. With a users file, ``token`` (or a signed-in ``user``) names who
        starts it (recorded in ``run-started``, for approval rules with ``not_starter``)."""
        if isinstance(problem, Verification):
            if problem.certificate is None:
                raise PlansafeError(f"the plan is {problem.status}: only a certified plan runs "
                                    "(see its verdict's violations)")
            plan, certificate, prob = problem.plan, problem.certificate, problem.problem
        elif isinstance(problem, CertifiedPlan):
            plan, certificate, prob = problem.plan, problem.certificate, problem.problem
        else:
            prob = self.problem(problem, goal=goal)
        options = self.options
        if approvals is not None:
            options = replace(options, approvals=approvals)
        fault_json, fault_name = self._faults(faults)
        driver = self._driver(on_event, options)
        driver.started_by = self._starter(token, user)
        driver.trust = self.trust_record
        state = await driver.start(prob, plan=plan, certificate=certificate,
                                   goal_text=goal, faults=fault_json, run_id=run_id,
                                   faults_label=fault_name)
        self.last_orders = driver.orders
        return result_of(state, self.spec, self.journal, orders=driver.orders, base=prob)

    def run(self, problem: str | Path | Problem | CertifiedPlan | Verification | None = None,
            **kw: Any) -> RunResult:
        """Run to the end (or to an approval); see :meth:`arun` for the options."""
        return _sync(self.arun(problem, **kw))

    async def aresume(self, run_id: str, *, on_event: Callable[[Event], Any] | None = None
                      ) -> RunResult:
        self.journal.require_intact(run_id)  # the options below come from the journal
        events = self.journal.events(run_id, kinds=("run-started",))
        if not events:
            raise PlansafeError(f"no run {run_id!r} in {self.journal.path or 'this journal'}")
        options = RunOptions.from_json(events[0].payload.get("options", {}))
        driver = self._driver(on_event, options)
        state = await driver.resume(run_id)
        return result_of(state, self.spec, self.journal, orders=driver.orders)

    def resume(self, run_id: str, **kw: Any) -> RunResult:
        return _sync(self.aresume(run_id, **kw))

    def approve(self, run_id: str, step: str, *, approved: bool = True, by: str = "api",
                reason: str = "", call: str | None = None, generation: int | None = None,
                token: str | None = None, user: User | None = None) -> Event:
        """Approve (or reject) a step of a run; ``resume`` then goes on.

        The approval binds to the step's exact ground action, agent and plan generation (a
        replan that reuses the id for another call waits for a new approval). ``call`` (e.g.
        ``"(deploy web prod)"``) and ``generation``, when given, must match the step as the
        journal has it now, so an approver never authorises a call they did not see.

        With a users file (``Engine(users=...)`` or ``$PLANSAFE_USERS``) the approver is the
        user whose ``token`` this is (``by`` is then their name), and one of their roles must
        be an agent the spec allows to perform the step's action; a refusal is journaled and
        raises :class:`engine.identity.ApprovalRefused`. In-process callers that signed the
        user in themselves (the console) pass ``user=`` instead of a token.
        """
        self.journal.require_intact(run_id)  # never approve on a forged or broken journal
        state = RunState.fold(run_id, self.journal.events(run_id))
        if not state.started:
            raise PlansafeError(f"no run {run_id!r} in {self.journal.path or 'this journal'}")
        s = state.steps.get(step)
        if s is None:
            raise PlansafeError(f"run {run_id} has no step {step!r} (steps: "
                                + ", ".join(x.id for x in state.gen_steps()) + ")")
        if not self.spec.needs_approval(s.action, s.args):
            raise PlansafeError(f"step {step} {s.call} does not need approval")
        if s.status in ("completed", "superseded"):
            raise PlansafeError(f"step {step} is already {s.status}")
        if call is not None and " ".join(call.strip().strip("()").split()) != " ".join(
                (s.action, *s.args)):
            raise PlansafeError(f"step {step} of run {run_id} is now {s.call} (generation "
                                f"{s.gen}), not {call}; nothing approved")
        if generation is not None and generation != s.gen:
            raise PlansafeError(f"step {step} of run {run_id} belongs to generation {s.gen}, "
                                f"not {generation}; nothing approved")
        from engine.approvals import decide

        who = self._approver(run_id, s, token=token, user=user, approved=approved) \
            if self.users or user is not None else None
        # the spec's approval rules (who, how many, not the starter): engine/approvals.py
        ruling = decide(self.spec, state, s, user=who, by=by, approved=approved)
        if not ruling.allowed:
            self._refuse_approval(run_id, s, who.name if who else by, approved, ruling.reason)
        return self.journal.append(run_id, "approval", {
            "step": step, "approved": approved, "by": who.name if who else by,
            "reason": reason, "generation": s.gen, "action": s.action, "args": list(s.args),
            "agent": s.agent,
            # more approvers needed (a rule's count): the step keeps waiting
            **({"released": False} if approved and not ruling.released else {})})

    def _starter(self, token: str | None, user: User | None) -> dict[str, Any]:
        """Who starts a run: the token's user (with a users file) and the OS account."""
        import getpass

        from engine.approvals import starter_needed

        who = user if user is not None else (
            self.users.by_token(token) if token and self.users else None)
        if who is None and token and self.users:
            raise PlansafeError("the token matches no user in the users file; nothing started")
        if who is None and self.users and starter_needed(self.spec):
            raise PlansafeError(f"{self.spec.name}'s approval rules exclude the run's starter: "
                                "start the run with a token (--token or $PLANSAFE_TOKEN)")
        try:
            os_user: str | None = getpass.getuser()
        except (OSError, KeyError):
            os_user = None
        return {"user": who.name if who else None, "os_user": os_user}

    def _approver(self, run_id: str, s: StepRecord, *, token: str | None,
                  user: User | None, approved: bool) -> User:
        """The signed-in user (``user``, or the one ``token`` belongs to); a refusal is
        journaled."""
        who = user if user is not None else (self.users.by_token(token) if token else None)
        if who is not None:
            return who
        self._refuse_approval(run_id, s, None, approved, (
            "a token is required: this journal's approvals are authenticated (plansafe "
            "approve --token or $PLANSAFE_TOKEN)" if not token else
            "the token matches no user in the users file"))

    def _refuse_approval(self, run_id: str, s: StepRecord, by: str | None, approved: bool,
                         why: str) -> NoReturn:
        from engine.identity import ApprovalRefused

        self.journal.append(run_id, "message", {
            "from": "api", "to": "executor", "about": "approval-refused", "step": s.id,
            "call": s.call, "generation": s.gen, "by": by, "approved": approved,
            "reason": why})
        raise ApprovalRefused(f"approval of {s.id} {s.call} refused: {why}")

    def result(self, run_id: str) -> RunResult:
        state = RunState.fold(run_id, self.journal.events(run_id))
        if not state.started:
            raise PlansafeError(f"no run {run_id!r} in {self.journal.path or 'this journal'}")
        return result_of(state, self.spec, self.journal)

    def show(self, run_id: str) -> ShowReport:
        """A run's result, readable timeline, events and whether the journal's chain holds."""
        from engine.render import timeline

        events = self.journal.events(run_id)
        if not events:
            raise PlansafeError(f"no run {run_id!r} in {self.journal.path or 'this journal'} "
                                "(see plansafe runs)")
        chain = self.journal.verify_chain()
        try:
            result = result_of(RunState.fold(run_id, events), self.spec, self.journal)
        except (PlansafeError, KeyError) as e:
            if chain.ok:
                raise
            return ShowReport.unreadable(run_id, events, chain, f"cannot read the run: {e}")
        from engine.runlinks import run_links

        parent, children = run_links(self.journal, run_id)  # sub-workflows
        return ShowReport(run_id, result, tuple(timeline(events)), tuple(events), chain,
                          parent=parent, children=children)


def _world_path(journal: Journal, world: str | Path | None) -> str | Path | None:
    """The world's file: ``world`` if given, else beside a file journal (none for a server)."""
    if world is None and journal.path is not None and "://" not in journal.path:
        jp = Path(journal.path)
        return jp.with_name(jp.stem + ".world.sqlite")
    return world


def _tool_set(spec: Spec, tools: Mapping[str, Callable[..., Any]] | None, options: RunOptions,
              executor: Literal["local", "ray"], ray_address: str | None) -> ToolSet:
    """The spec's tools (``tools`` overriding some), as Ray tasks for ``executor="ray"``."""
    if executor == "ray":  # steps as Ray tasks (engine/ray_executor.py)
        from engine.ray_executor import ray_tools

        tools = {**ray_tools(spec.tools, address=ray_address), **(tools or {})}
    return ToolSet(spec.tools, overrides=tools, default_timeout_s=options.tool_timeout_s,
                   adapters=getattr(spec, "adapters", None),
                   search_path=(Path(spec.root).resolve(),))


def _sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise PlansafeError("Engine.run/resume cannot be called from a running event loop; "
                        "use 'await engine.arun(...)' / 'await engine.aresume(...)'")

