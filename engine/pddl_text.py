"""Problems as PDDL text: journaled with a run so that ``resume`` rebuilds exactly it, and
written to a file for planners that read files."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from verifier.errors import PlansafeError
from verifier.model import And, Atom, Const, Eq, Exists, Forall, Formula, Imply, Not, Or, Problem

__all__ = ["formula_pddl", "problem_to_pddl", "problem_from_pddl", "problem_on_disk"]


def formula_pddl(f: Formula) -> str:
    if isinstance(f, Atom):
        return "(" + " ".join((f.pred, *f.args)) + ")"
    if isinstance(f, Not):
        return f"(not {formula_pddl(f.arg)})"
    if isinstance(f, And):
        return "(and " + " ".join(formula_pddl(a) for a in f.args) + ")"
    if isinstance(f, Or):
        return "(or " + " ".join(formula_pddl(a) for a in f.args) + ")"
    if isinstance(f, Imply):
        return f"(imply {formula_pddl(f.left)} {formula_pddl(f.right)})"
    if isinstance(f, Eq):
        return f"(= {f.left} {f.right})"
    if isinstance(f, (Forall, Exists)):
        params = " ".join(f"{v} - {t}" for v, t in f.params)
        word = "forall" if isinstance(f, Forall) else "exists"
        return f"({word} ({params}) {formula_pddl(f.body)})"
    if isinstance(f, Const):
        return "(and)" if f.value else "(or)"
    raise PlansafeError(f"cannot write {type(f).__name__} as PDDL")


def problem_to_pddl(problem: Problem) -> str:
    consts = problem.domain.constants
    by_type: dict[str, list[str]] = {}
    for o, t in problem.objects.items():
        if o not in consts:
            by_type.setdefault(t, []).append(o)
    objs = "\n    ".join(" ".join(ns) + f" - {t}" for t, ns in by_type.items())
    init = "\n    ".join("(" + " ".join(a) + ")" for a in sorted(problem.init))
    return (f"(define (problem {problem.name}) (:domain {problem.domain.name})\n"
            f"  (:objects\n    {objs})\n  (:init\n    {init})\n"
            f"  (:goal {formula_pddl(problem.goal)}))\n")


def problem_from_pddl(domain_path: Path, text: str, *, name: str) -> Problem:
    from verifier.pddl import read_problem

    with tempfile.TemporaryDirectory(prefix="plansafe-run-") as tmp:
        path = Path(tmp) / f"{name}.pddl"
        path.write_text(text, encoding="utf-8")
        problem = read_problem(domain_path, path)
    return replace(problem, path=f"<{name}>", up_problem=problem.deferred_up_problem())



@contextlib.contextmanager
def problem_on_disk(problem: Problem) -> Iterator[Problem]:
    """``problem`` with ``path`` naming a real PDDL file (written for the duration)."""
    if Path(str(problem.path)).is_file():
        yield problem
        return
    with tempfile.TemporaryDirectory(prefix="plansafe-problem-") as tmp:
        path = Path(tmp) / "problem.pddl"
        path.write_text(problem_to_pddl(problem), encoding="utf-8")
        yield replace(problem, path=str(path), up_problem=problem.deferred_up_problem())
