"""The one PDDL writer: formulas, domains and problems of :mod:`verifier.model` as PDDL text.

Reading what it writes (:func:`verifier.pddl.read_problem`) gives the same model back
(tests/verifier/test_pddl_writer.py, over the built-in specs and the IPC corpus). What the
model does not hold (numeric fluents, action costs, requirements beyond those the model
uses) is not written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from verifier import model as m
from verifier.errors import PlansafeError
from verifier.formula_fold import FormulaFold

__all__ = ["atom_text", "formula_text", "domain_text", "problem_text", "problem_parts_text"]


def atom_text(atom: m.GroundAtom) -> str:
    """``("on", "a", "b")`` as ``(on a b)``."""
    return "(" + " ".join(atom) + ")"


def _params(params: Iterable[tuple[str, str]]) -> str:
    return " ".join(f"{v} - {t}" for v, t in params)


def formula_text(f: m.Formula) -> str:
    """A state formula; ``Const(True)`` is ``(and)``, ``Const(False)`` is ``(or)``."""
    return _PDDL(f)


def _cannot_write(f: object) -> str:
    raise PlansafeError(f"cannot write {type(f).__name__} as PDDL")


_PDDL: FormulaFold[str] = FormulaFold(
    atom=lambda f: atom_text((f.pred, *f.args)),
    not_=lambda arg: f"(not {arg})",
    and_=lambda args: "(and " + " ".join(args) + ")" if args else "(and)",
    or_=lambda args: "(or " + " ".join(args) + ")" if args else "(or)",
    imply=lambda left, right: f"(imply {left} {right})",
    eq=lambda f: f"(= {f.left} {f.right})",
    quantified=lambda f, body: f"({'forall' if isinstance(f, m.Forall) else 'exists'} "
                               f"({_params(f.params)}) {body})",
    const=lambda value: "(and)" if value else "(or)",
    other=_cannot_write,
)


def _effect_text(e: m.Effect) -> str:
    text = formula_text(e.atom) if e.positive else f"(not {formula_text(e.atom)})"
    if not (isinstance(e.condition, m.Const) and e.condition.value):
        text = f"(when {formula_text(e.condition)} {text})"
    if e.forall:
        text = f"(forall ({_params(e.forall)}) {text})"
    return text


def _action_text(a: m.ActionSchema) -> str:
    effects = " ".join(_effect_text(e) for e in a.effects)
    return (f"  (:action {a.name}\n    :parameters ({_params(a.params)})\n"
            f"    :precondition {formula_text(a.precondition)}\n"
            f"    :effect (and {effects}))")


def _requirements(domain: m.Domain) -> str:
    reqs = [":strips", ":typing", ":negative-preconditions", ":disjunctive-preconditions",
            ":equality", ":quantified-preconditions"]
    if any(not (isinstance(e.condition, m.Const) and e.condition.value) or e.forall
           for a in domain.actions.values() for e in a.effects):
        reqs.append(":conditional-effects")
    return " ".join(reqs)


def domain_text(domain: m.Domain) -> str:
    """The domain: types with their parents, constants, predicates and actions."""
    # subtypes first: bare names at the end of a typed list are roots (of type object)
    types = " ".join([f"{t} - {parent}" for t, parent in domain.types.items() if parent]
                     + [t for t, parent in domain.types.items() if not parent and t != "object"])
    preds = " ".join(
        "(" + " ".join((p, *(f"?x{i} - {t}" for i, t in enumerate(sig)))) + ")"
        for p, sig in domain.predicates.items())
    parts = [f"(define (domain {domain.name})", f"  (:requirements {_requirements(domain)})"]
    if types:
        parts.append(f"  (:types {types})")
    if domain.constants:
        parts.append(f"  (:constants {_params(domain.constants.items())})")
    parts.append(f"  (:predicates {preds})")
    parts += [_action_text(a) for a in domain.actions.values()]
    return "\n".join(parts) + ")\n"


def problem_parts_text(name: str, domain_name: str, objects: Iterable[tuple[str, str]],
                       init: Iterable[m.GroundAtom], goal: m.Formula | str) -> str:
    """A problem from its parts: ``objects`` as ``(name, type)`` pairs (domain constants
    left out), ``init`` in the order given, ``goal`` a formula or PDDL text."""
    by_type: dict[str, list[str]] = {}
    for o, t in objects:
        by_type.setdefault(t, []).append(o)
    objs = "\n    ".join(" ".join(ns) + f" - {t}" for t, ns in by_type.items())
    facts = "\n    ".join(atom_text(a) for a in init)
    goal_pddl = goal if isinstance(goal, str) else formula_text(goal)
    return (f"(define (problem {name}) (:domain {domain_name})\n"
            f"  (:objects\n    {objs})\n  (:init\n    {facts})\n"
            f"  (:goal {goal_pddl}))\n")


def problem_text(problem: m.Problem, *, name: str | None = None,
                 goal: m.Formula | str | None = None) -> str:
    """``problem`` as PDDL (objects that are not domain constants, the initial state sorted),
    optionally under another ``name`` or with another ``goal``."""
    consts: Mapping[str, str] = problem.domain.constants
    objects = [(o, t) for o, t in problem.objects.items() if o not in consts]
    return problem_parts_text(name or problem.name, problem.domain.name, objects,
                              sorted(problem.init), problem.goal if goal is None else goal)
