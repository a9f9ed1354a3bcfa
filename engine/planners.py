"""The planner registry: every way Plansafe proposes a plan, by name.

A planner is called ``planner(problem, *, policies, access, describe, timeout_s)`` and
returns a :class:`PlanResult`; it only *proposes*: :meth:`engine.api.Engine.plan` (and the
Monitor's replans) verify and certify whatever it returns. A planner class is built
``cls(spec, settings)`` with the :class:`PlannerSettings` the caller chose.

=================  ===========================================================================
``symbolic``       the symbolic engine named by ``settings.engine`` (Fast Downward by default)
``fast-downward``  Fast Downward on our grounded policy compilation
``pyperplan``      unified-planning's constraint remover and pyperplan
``llm``            the language model with verifier feedback, no fallback
``auto``           the language model first, then the symbolic planner
=================  ===========================================================================

Add one: a class with that call signature and ``__init__(spec, settings)``, then
``PLANNERS.register("name", "package.module:Class")``. ``Engine(planner="module:callable")``
plugs in a bare function instead (no registration, no settings).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from engine.registry import Registry
from verifier.access import AccessRules
from verifier.model import Problem
from verifier.policy import Policy
from verifier.spec import Spec

if TYPE_CHECKING:
    from engine.llm.backend import ModelBackend
    from engine.memory import JournalMemory, Memory
    from engine.planner import PlannerAgent
    from engine.symbolic.planning import PlanResult

__all__ = ["Planner", "PlannerSettings", "SymbolicPlanner", "FastDownwardPlanner",
           "PyperplanPlanner", "AgentPlanner", "LLMPlanner", "AutoPlanner", "PLANNERS",
           "make_planner"]


class Planner(Protocol):
    """What the Engine and the Monitor call to get a plan proposed."""

    def __call__(self, problem: Problem, *, policies: Sequence[Policy],
                 access: AccessRules | None, describe: Mapping[str, str],
                 timeout_s: float) -> PlanResult: ...


@dataclass(frozen=True, slots=True)
class PlannerSettings:
    """Options a registered planner may use (each ignores those it has no use for)."""

    engine: str = "fast-downward"  # the symbolic engine (and the model planners' fallback)
    backend: ModelBackend | None = None  # None: the embedded model, loaded when first needed
    k: int = 4
    rounds: int = 3
    decoding: str = "state-aware"
    beams: int | None = None
    hint: float | None = None  # the state-aware decoding's hint (None: the agent's default)
    memory: JournalMemory | None = None  # action costs from past runs (symbolic planners)


class SymbolicPlanner:
    """A symbolic engine on the policy compilation (``settings.engine``); with
    ``settings.memory``, Fast Downward minimises the action costs learnt from past runs."""

    engine: str | None = None  # subclasses fix the engine

    def __init__(self, spec: Spec, settings: PlannerSettings = PlannerSettings()) -> None:
        self.spec = spec
        self.engine_name = self.engine or settings.engine
        self.memory = settings.memory
        self.last_memory: Memory | None = None  # what the latest plan's costs came from

    def __call__(self, problem: Problem, *, policies: Sequence[Policy],
                 access: AccessRules | None, describe: Mapping[str, str],
                 timeout_s: float) -> PlanResult:
        from engine.pddl_text import problem_on_disk
        from engine.symbolic.planning import solve

        costs = self.memory.costs() if self.memory is not None else None
        self.last_memory = self.memory.last if costs is not None and self.memory else None
        with problem_on_disk(problem) as on_disk:  # some engines read the problem file
            return solve(on_disk, policies=policies, access=access, describe=dict(describe),
                         engine=self.engine_name, timeout_s=timeout_s, costs=costs)


class FastDownwardPlanner(SymbolicPlanner):
    engine = "fast-downward"


class PyperplanPlanner(SymbolicPlanner):
    engine = "pyperplan"


class AgentPlanner:
    """The Planner agent (:class:`engine.planner.PlannerAgent`): the model proposes under a
    grammar, the verifier judges; ``fallback``: the symbolic planner when it fails.
    ``last`` is the agent of the latest call (its ``last`` report: rounds, tokens)."""

    use_llm = True
    fallback = True

    def __init__(self, spec: Spec, settings: PlannerSettings = PlannerSettings()) -> None:
        from engine.llm.decodings import DECODINGS

        DECODINGS.get(settings.decoding)  # an unknown decoding fails now, not at the first plan
        self.spec, self.settings = spec, settings
        self.last: PlannerAgent | None = None

    def agent(self, spec: Spec, timeout_s: float) -> PlannerAgent:
        from engine.planner import PlannerAgent

        s = self.settings
        return PlannerAgent(spec, backend=s.backend, k=s.k, rounds=s.rounds, engine=s.engine,
                            timeout_s=timeout_s, decoding=s.decoding, beams=s.beams,
                            hint=s.hint,
                            use_llm=self.use_llm, fallback=self.fallback)

    def __call__(self, problem: Problem, *, policies: Sequence[Policy],
                 access: AccessRules | None, describe: Mapping[str, str],
                 timeout_s: float) -> PlanResult:
        from engine.pddl_text import problem_on_disk
        from engine.symbolic.planning import PlanResult

        spec = replace(self.spec, policies=tuple(policies),
                       access=access if access is not None else self.spec.access)
        self.last = a = self.agent(spec, timeout_s)
        with problem_on_disk(problem) as on_disk:  # a replan's problem has no file yet
            plan, verdict = a.plan(on_disk)
        engine = self.settings.engine
        if plan is None:
            return PlanResult(a.last.fallback_status or "error",  # type: ignore[arg-type]
                              None, verdict, engine, a.last.seconds, a.last.message,
                              tuple(a.last.blocking))
        return PlanResult("solved", plan, verdict, engine, a.last.seconds)


class LLMPlanner(AgentPlanner):
    fallback = False


class AutoPlanner(AgentPlanner):
    pass


PlannerFactory = Callable[[Spec, PlannerSettings], Planner]

PLANNERS: Registry[PlannerFactory] = Registry("planner", {
    "symbolic": "engine.planners:SymbolicPlanner",
    "fast-downward": "engine.planners:FastDownwardPlanner",
    "pyperplan": "engine.planners:PyperplanPlanner",
    "llm": "engine.planners:LLMPlanner",
    "auto": "engine.planners:AutoPlanner",
})


def make_planner(spec: Spec, name: str = "symbolic",
                 settings: PlannerSettings | None = None, **options: Any) -> Planner:
    """The registered planner ``name`` for ``spec`` (``options``: PlannerSettings fields)."""
    factory = PLANNERS.get(name)
    return factory(spec, replace(settings or PlannerSettings(), **options))
