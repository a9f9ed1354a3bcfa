"""Problems as PDDL text: journaled with a run so that ``resume`` rebuilds exactly it, and
written to a file for planners that read files."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from verifier.model import Formula, Problem
from verifier.pddl_writer import formula_text, problem_text

__all__ = ["formula_pddl", "problem_to_pddl", "problem_from_pddl", "problem_on_disk"]


def formula_pddl(f: Formula) -> str:
    """``f`` as PDDL (:func:`verifier.pddl_writer.formula_text`)."""
    return formula_text(f)


def problem_to_pddl(problem: Problem) -> str:
    """``problem`` as PDDL (:func:`verifier.pddl_writer.problem_text`)."""
    return problem_text(problem)


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
