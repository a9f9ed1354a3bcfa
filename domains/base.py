"""What a tool sees and returns: the contract between the Executor and a domain pack.

A tool bound in ``spec.yaml`` (``module:callable``) is called as ``tool(ctx, *args)``,
sync or async. It returns an :class:`Observation` (facts that now hold or no longer
hold), ``None`` (nothing observed: the Executor assumes the predicted effects), or a
mapping ``{"holds": [...], "not_holds": [...]}``; or it raises. Raise
:class:`TransientToolError` for faults worth retrying, :class:`PermanentToolError` for
faults that will not go away, :class:`PreconditionFailed` when the world is not as the
plan assumed (attach what was observed).

A tool module may also define two hooks, found by the Executor next to the tools:
``setup(info: RunInfo)`` before a run's first step (again on resume; it must keep an
existing world) and ``observe(info: RunInfo) -> frozenset[GroundAtom]``, the current
state of the world, used to decide what happened after a crash or a timeout and to
replan from the observed state.

These types live in ``domains`` (not ``engine``) because imports go
``engine -> domains -> verifier``; ``engine.tools`` re-exports them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from verifier.errors import PlansafeError
from verifier.model import Domain, GroundAtom

__all__ = [
    "ToolContext", "Observation", "RunInfo", "ToolError", "TransientToolError",
    "PermanentToolError", "ToolRefused", "PreconditionFailed", "idempotent", "is_idempotent",
    "parse_atom", "atoms_of", "DomainPack", "ProblemGenerator", "PackProblems",
]

if TYPE_CHECKING:
    import random

    from domains.generated import GeneratedProblem

F = TypeVar("F", bound=Callable[..., Any])


def parse_atom(atom: str | Iterable[str]) -> GroundAtom:
    """``"(deployed api prod)"`` or ``("deployed", "api", "prod")`` as a ground atom tuple."""
    if isinstance(atom, str):
        words = atom.strip().strip("()").split()
        if not words:
            raise PlansafeError(f"empty atom {atom!r}")
        return tuple(w.lower() for w in words)
    return tuple(str(x) for x in atom)


def atoms_of(items: Iterable[Any]) -> frozenset[GroundAtom]:
    return frozenset(parse_atom(a) for a in items)


@dataclass(frozen=True, slots=True)
class Observation:
    """What a tool saw after acting: atoms that hold and atoms that do not."""

    holds: frozenset[GroundAtom] = frozenset()
    not_holds: frozenset[GroundAtom] = frozenset()

    @staticmethod
    def of(holds: Iterable[Any] = (), not_holds: Iterable[Any] = ()) -> Observation:
        return Observation(atoms_of(holds), atoms_of(not_holds))

    @staticmethod
    def coerce(value: Any) -> Observation | None:
        if value is None or isinstance(value, Observation):
            return value
        if isinstance(value, Mapping):
            return Observation.of(value.get("holds", ()), value.get("not_holds", ()))
        raise PlansafeError(f"a tool returned {type(value).__name__}; expected an Observation, "
                            "a mapping with 'holds'/'not_holds', or None")

    def to_json(self) -> dict[str, list[list[str]]]:
        return {"holds": sorted(list(a) for a in self.holds),
                "not_holds": sorted(list(a) for a in self.not_holds)}

    @staticmethod
    def from_json(data: Mapping[str, Any] | None) -> Observation | None:
        if data is None:
            return None
        return Observation(frozenset(tuple(a) for a in data.get("holds", ())),
                           frozenset(tuple(a) for a in data.get("not_holds", ())))


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a tool pack's ``setup`` / ``observe`` hooks learn about a run."""

    run_id: str
    domain: Domain
    objects: Mapping[str, str]
    init: frozenset[GroundAtom]
    world: str | None = None  # where a simulator keeps its world (a file beside the journal)
    faults: Mapping[str, Any] | None = None  # a FaultPlan as JSON, for simulators


@dataclass(frozen=True, slots=True)
class ToolContext:
    """Passed as the first argument of every tool call."""

    run_id: str
    step_id: str
    agent: str | None
    idempotency_key: str
    action: str
    args: tuple[str, ...]
    attempt: int = 1
    timeout_s: float | None = None
    world: str | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, compare=False)

    @property
    def cancelled(self) -> bool:
        """True once the Executor gave up on this call (timeout): sync tools should stop."""
        return self.cancel_event.is_set()


class ToolError(PlansafeError):
    """A tool failed. ``retryable`` says whether trying again may help."""

    retryable = False

    def __init__(self, message: str, *, observation: Observation | None = None,
                 retryable: bool | None = None) -> None:
        super().__init__(message)
        self.observation = observation
        if retryable is not None:
            self.retryable = retryable


class TransientToolError(ToolError):
    retryable = True


class PermanentToolError(ToolError):
    retryable = False


class ToolRefused(ToolError):
    """The tool refused the call for a reason the spec does not model (a quota, a change
    freeze, expired credentials, a lock held elsewhere): unlike a permanent failure, the same
    call may run in another state or later. The Monitor routes around it in the state it was
    refused in, or tries it again when no other route exists (engine/monitor.py)."""

    retryable = False


class PreconditionFailed(ToolError):
    """The world is not as the plan assumed; ``observation`` says what was seen instead."""

    retryable = False


def idempotent(fn: F) -> F:
    """Mark a tool as idempotent: calling it twice with one idempotency key acts once."""
    fn.idempotent = True  # type: ignore[attr-defined]
    return fn


def is_idempotent(fn: Callable[..., Any]) -> bool:
    return bool(getattr(fn, "idempotent", False))


# --- domain packs ---------------------------------------------------------------------------


class ProblemGenerator(Protocol):
    """A pack's random problem generator (teacher data for the model, benchmarks)."""

    def __call__(self, rng: random.Random, *, name: str = "gen", size: int | None = None
                 ) -> GeneratedProblem: ...


class PackProblems(Protocol):
    """A pack's problem module (``domains/<name>/problems.py``): its generator and its words."""

    @property
    def random_problem(self) -> ProblemGenerator: ...

    @property
    def PHRASING(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def ALIASES(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def OPENERS(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class DomainPack:
    """What a domain pack (``domains/<name>/``) declares; every part is optional.

    A pack declares itself in ``domains/<name>/pack.py`` as ``PACK = DomainPack(...)`` and
    is registered by name in :data:`engine.packs.DOMAIN_PACKS` (the name is the spec's
    ``name``). Modules are named, not imported, so a pack costs nothing until it is used.
    """

    name: str
    #: the module of its simulated tools (``module:callable`` bindings in spec.yaml), with
    #: its ``setup`` / ``observe`` hooks (see the top of this module)
    tools: str | None = None
    #: ``"module:attribute"`` of its :class:`domains.simulator.Simulator`
    simulator: str | None = None
    #: random problems of the domain (model training data, benchmarks)
    random_problem: ProblemGenerator | None = None
    #: the module whose ``build(rng, n, *, name)`` makes the benchmark scenarios' problems
    scenarios: str | None = None
    #: ways to say each predicate in words: ``{"deployed": ("deploy {0} to {1}", ...)}``
    phrasing: Mapping[str, tuple[str, ...]] | None = None
    #: other names of objects: ``{"prod": ("production", "live")}``
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: how a goal text may begin (``"please "``, ``"can you "``)
    openers: tuple[str, ...] = ()
    #: names the domain's objects take (services, vendors, items, places)
    object_names: tuple[str, ...] = ()
    #: names a goal may mention that a problem lacks (training refusals); None:
    #: ``object_names``
    absent_names: tuple[str, ...] | None = None

    @classmethod
    def simulated(cls, name: str, problems: PackProblems | None = None, *,
                  scenarios: bool = False, object_names: tuple[str, ...] = (),
                  absent_names: tuple[str, ...] | None = None) -> DomainPack:
        """The pack of ``domains/<name>/``: its simulated tools (``tools.py``, ``SIMULATOR``),
        the generator and words of ``problems`` and, with ``scenarios``, ``scenarios.py``."""
        tools = f"domains.{name}.tools"
        return cls(name=name, tools=tools, simulator=f"{tools}:SIMULATOR",
                   random_problem=problems.random_problem if problems else None,
                   scenarios=f"domains.{name}.scenarios" if scenarios else None,
                   phrasing=problems.PHRASING if problems else None,
                   aliases=problems.ALIASES if problems else {},
                   openers=problems.OPENERS if problems else (),
                   object_names=object_names, absent_names=absent_names)
