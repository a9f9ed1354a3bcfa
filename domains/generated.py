"""Random problems of a spec, as data: objects, initial atoms and goal atoms, written as PDDL.

Each domain pack's ``problems.py`` builds :class:`GeneratedProblem` values; this module
turns them into PDDL text and into :class:`verifier.model.Problem` objects, and holds
the shared goal-phrasing helpers used to make (plain-language goal -> formal goal) pairs.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from verifier.model import And, Atom, GroundAtom, Problem
from verifier.pddl_writer import problem_parts_text

__all__ = ["GeneratedProblem", "to_pddl", "load_generated", "phrase_goal", "GoalPhrasing",
           "scratch_dir", "drawn_progress", "call_outages"]


@dataclass(frozen=True, slots=True)
class GeneratedProblem:
    name: str
    domain: str
    objects: tuple[tuple[str, str], ...]  # (name, type); domain constants are not listed
    init: tuple[GroundAtom, ...]
    goal: tuple[GroundAtom, ...]


def drawn_progress(rng: random.Random, subject: str,
                   stages: Sequence[tuple[float, tuple[str, ...]]]) -> list[GroundAtom]:
    """How far ``subject`` already is, from one draw ``r``: the facts ``(pred subject)`` of the
    first stage ``(below, preds)`` with ``r < below``; none when ``r`` is under no stage."""
    r = rng.random()
    for below, preds in stages:
        if r < below:
            return [(p, subject) for p in preds]
    return []


def call_outages(plan: Sequence[tuple[str, tuple[str, ...]]], labels: Mapping[str, str]
                 ) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    """(label, [call]) for each distinct call of ``plan`` whose action ``labels`` names, in plan
    order: a resource whose failure makes that one call fail. In a label, ``{0}``, ``{1}``...
    are the call's arguments and ``{action}`` its action."""
    return [(labels[action].format(*args, action=action), [(action, args)])
            for action, args in dict.fromkeys(plan) if action in labels]


def to_pddl(p: GeneratedProblem) -> str:
    """The generated problem as PDDL (:func:`verifier.pddl_writer.problem_parts_text`)."""
    goal = And(tuple(Atom(a[0], tuple(a[1:])) for a in p.goal))
    return problem_parts_text(p.name, p.domain, p.objects, p.init, goal)


_SCRATCH: list[Path] = []


def scratch_dir() -> Path:
    """A folder for generated PDDL files that lives as long as this process.

    The files must outlive reading: planners may read the problem file again.
    """
    if not _SCRATCH:
        import atexit
        import shutil

        path = Path(tempfile.mkdtemp(prefix="plansafe-gen-"))
        atexit.register(shutil.rmtree, path, True)
        _SCRATCH.append(path)
    return _SCRATCH[0]


def load_generated(domain_path: str | Path, p: GeneratedProblem) -> Problem:
    """Read a generated problem through the same PDDL reader as user files."""
    import os

    from verifier.pddl import read_problem

    path = scratch_dir() / f"{p.name}-{os.getpid()}.pddl"
    path.write_text(to_pddl(p), encoding="utf-8")
    return read_problem(domain_path, path)


GoalPhrasing = Mapping[str, Sequence[str]]
"""predicate -> templates such as ``"deploy {0} to {1}"``; ``{0}`` etc. are object mentions."""


def phrase_goal(rng: random.Random, goal: Sequence[GroundAtom], phrasing: GoalPhrasing,
                aliases: Mapping[str, Sequence[str]], *, openers: Sequence[str] = ("",)
                ) -> str | None:
    """One plain-language phrasing of a conjunctive goal (None: a predicate has no template)."""
    parts = []
    for atom in goal:
        templates = phrasing.get(atom[0])
        if not templates:
            return None
        names = [rng.choice(tuple(aliases.get(o, ())) + (o,)) if aliases.get(o) else o
                 for o in atom[1:]]
        parts.append(rng.choice(tuple(templates)).format(*names))
    if len(parts) == 1:
        body = parts[0]
    else:
        joiner = rng.choice((" and ", ", and ", "; ", ", then ")) if len(parts) == 2 else None
        body = (parts[0] + joiner + parts[1]) if joiner else \
            ", ".join(parts[:-1]) + rng.choice((", and ", " and ")) + parts[-1]
    opener = rng.choice(tuple(openers))
    text = (opener + body).strip()
    return text[0].lower() + text[1:] if rng.random() < 0.7 else text[0].upper() + text[1:]
