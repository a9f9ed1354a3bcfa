"""Core immutable types: formulas, domains, problems, plans, violations and verdicts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "GroundAtom", "Atom", "Not", "And", "Or", "Imply", "Eq", "Forall", "Exists", "Const",
    "Formula", "Always", "Sometime", "AtMostOnce", "SometimeBefore", "SometimeAfter",
    "Temporal", "Effect", "ActionSchema", "Domain", "Problem", "LazyUpProblem", "Step",
    "Provenance", "Plan", "Violation", "ViolationKind", "Verdict", "Status", "format_atom",
]

GroundAtom = tuple[str, ...]
"""``(predicate, arg1, arg2, ...)`` with object names."""


def format_atom(atom: GroundAtom) -> str:
    return "(" + " ".join(atom) + ")"


# --- state formulas ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Atom:
    """A predicate applied to terms; a term starting with ``?`` is a variable."""

    pred: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Not:
    """``arg`` does not hold."""

    arg: Formula


@dataclass(frozen=True, slots=True)
class And:
    """Every one of ``args`` holds (``(and)`` is true)."""

    args: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one of ``args`` holds (``(or)`` is false)."""

    args: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Imply:
    """If ``left`` holds, ``right`` holds."""

    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Eq:
    """Two terms (objects, constants or variables) name the same object."""

    left: str
    right: str


@dataclass(frozen=True, slots=True)
class Forall:
    """``body`` holds for every binding of ``params``, ``((?var, type), ...)``."""

    params: tuple[tuple[str, str], ...]
    body: Formula


@dataclass(frozen=True, slots=True)
class Exists:
    """``body`` holds for some binding of ``params``, ``((?var, type), ...)``."""

    params: tuple[tuple[str, str], ...]
    body: Formula


@dataclass(frozen=True, slots=True)
class Const:
    """The constant ``true`` or ``false``."""

    value: bool


Formula = Atom | Not | And | Or | Imply | Eq | Forall | Exists | Const

# --- temporal (policy) formulas: PDDL3 state-trajectory constraints ---------------------------


@dataclass(frozen=True, slots=True)
class _OverStates:
    """A rule on one state formula, judged over the plan's sequence of states."""

    arg: Formula


@dataclass(frozen=True, slots=True)
class Always(_OverStates):
    """``arg`` holds in every state, the initial one included."""


@dataclass(frozen=True, slots=True)
class Sometime(_OverStates):
    """``arg`` holds in some state."""


@dataclass(frozen=True, slots=True)
class AtMostOnce(_OverStates):
    """``arg`` is true in at most one unbroken run of states."""


@dataclass(frozen=True, slots=True)
class _Precedence:
    """A rule relating two state formulas: when ``trigger`` holds, ``required`` must too."""

    trigger: Formula
    required: Formula


@dataclass(frozen=True, slots=True)
class SometimeBefore(_Precedence):
    """Whenever ``trigger`` holds, ``required`` held in some strictly earlier state."""


@dataclass(frozen=True, slots=True)
class SometimeAfter(_Precedence):
    """Whenever ``trigger`` holds, ``required`` holds then or in some later state."""


Temporal = Always | Sometime | AtMostOnce | SometimeBefore | SometimeAfter

# --- domains and problems ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Effect:
    atom: Atom
    positive: bool
    condition: Formula = Const(True)
    forall: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ActionSchema:
    name: str
    params: tuple[tuple[str, str], ...]  # ((?var, type), ...)
    precondition: Formula
    effects: tuple[Effect, ...]

    @property
    def param_types(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.params)


@dataclass(frozen=True, eq=False)
class Domain:
    name: str
    types: dict[str, str | None]  # type -> parent type (None for a root)
    predicates: dict[str, tuple[str, ...]]  # predicate -> parameter types
    actions: dict[str, ActionSchema]
    constants: dict[str, str]  # constant -> type
    path: str = "<domain>"

    @property
    def static_predicates(self) -> frozenset[str]:
        """Predicates that no action changes: their truth is fixed by the initial state."""
        changed = {e.atom.pred for a in self.actions.values() for e in a.effects}
        return frozenset(self.predicates) - changed

    def is_subtype(self, sub: str, sup: str) -> bool:
        t: str | None = sub
        while t is not None:
            if t == sup:
                return True
            t = self.types.get(t)
        return sup == "object"


class LazyUpProblem:
    """A unified-planning problem built on first use: ``Problem(..., up_problem=LazyUpProblem(
    build))`` calls ``build()`` the first time ``problem.up_problem`` is read, then keeps it.

    Problems that share one (``dataclasses.replace`` passing it on) share what it builds.
    ``build`` should be picklable (a module-level function or a ``functools.partial`` of one).
    """

    __slots__ = ("build", "_built")

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build
        self._built: tuple[Any] | None = None

    def get(self) -> Any:
        if self._built is None:
            self._built = (self.build(),)
        return self._built[0]

    def __repr__(self) -> str:
        return f"LazyUpProblem({'built' if self._built else 'not built yet'})"


class _UpProblemSlot:
    """The descriptor behind ``Problem.up_problem``: stores the value (or a
    :class:`LazyUpProblem`) in the instance and builds a lazy one on first read."""

    _key = "_up_problem_value"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return None  # the field's default
        value = obj.__dict__.get(self._key)
        if isinstance(value, LazyUpProblem):
            value = value.get()
            obj.__dict__[self._key] = value  # the cache (the dataclass is frozen)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self._key] = None if value is self else value


@dataclass(frozen=True, eq=False)
class Problem:
    name: str
    domain: Domain
    objects: dict[str, str]  # every object and constant -> its type
    init: frozenset[GroundAtom]
    goal: Formula
    path: str = "<problem>"
    # unified-planning's problem, None, or a LazyUpProblem (built when first read)
    up_problem: Any = field(default=_UpProblemSlot(), repr=False, compare=False)

    def objects_of(self, type_name: str) -> tuple[str, ...]:
        return tuple(o for o, t in self.objects.items() if self.domain.is_subtype(t, type_name))

    def deferred_up_problem(self) -> Any:
        """``up_problem`` as stored, without building it: a :class:`LazyUpProblem`, the
        unified-planning problem or None. Pass it on (``dataclasses.replace(problem, ...,
        up_problem=problem.deferred_up_problem())``) to keep a derived problem lazy."""
        return self.__dict__.get(_UpProblemSlot._key)


# --- plans ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    action: str
    args: tuple[str, ...]
    agent: str | None = None
    after: tuple[str, ...] = ()

    @property
    def call(self) -> str:
        return "(" + " ".join((self.action, *self.args)) + ")"


@dataclass(frozen=True, slots=True)
class Provenance:
    source: Literal["llm", "llm-repaired", "symbolic", "user"]
    rounds: int = 0
    tokens: int = 0
    seconds: float = 0.0
    engine: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]
    provenance: Provenance | None = None
    goal: str | None = None

    @property
    def is_sequential(self) -> bool:
        return not any(s.after for s in self.steps)


# --- verdicts ---------------------------------------------------------------------------------

ViolationKind = Literal[
    "unknown-action", "arity", "type", "unknown-object", "access", "precondition",
    "goal", "policy", "interleaving", "malformed",
]
Status = Literal["valid", "invalid", "unknown"]


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    message: str
    step: str | None = None
    rule: str | None = None
    atoms: tuple[GroundAtom, ...] = ()
    schedule: tuple[str, ...] | None = None
    state: tuple[GroundAtom, ...] | None = None  # the state where it breaks (interleavings)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind, "step": self.step, "rule": self.rule, "message": self.message,
            "atoms": [format_atom(a) for a in self.atoms],
        }
        if self.schedule is not None:
            out["schedule"] = list(self.schedule)
        if self.state is not None:
            out["state"] = [format_atom(a) for a in self.state]
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    violations: tuple[Violation, ...] = ()
    checks: tuple[str, ...] = ()
    plan: Plan | None = None  # the plan as checked, agents filled in
    reason: str | None = None  # why the status is "unknown"

    @property
    def valid(self) -> bool:
        return self.status == "valid"
