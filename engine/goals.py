"""Plain-language goals -> formal goals, under the goal grammar; PDDL goals parsed directly.

``parse_goal(spec, problem_or_objects, text)`` returns a formal goal ``(and (p a) ...)``
that :func:`verifier.policy.parse_formula` accepts for the problem's objects. Text that
starts with ``(`` is PDDL and is only parsed and type-checked. Otherwise the language
model writes ground atoms under a grammar of the domain's predicates and the problem's
objects that the text names (by name or a known alias), or ``(unknown)``. The model's
:data:`READINGS` most likely answers (a beam search's) are checked best first; the first
that passes is taken, a less likely one only if the text's words name every predicate it
uses. When no reading passes, a clause whose words name a predicate and whose named
objects fill its arguments in exactly one well-typed way is read from its words alone
(:func:`_word_reading`; source ``words``). A goal that cannot be mapped is an error with
a clear message, never a guess: the model's ``(unknown)``, a text that names an object
this problem lacks, a negated text, a text whose words name no predicate and include
one the domain does not know, an answer that uses an object the text never mentions or
says nothing of one it names (constants included), or an answer that uses none of the
predicates the text's words name (:mod:`engine.goal_words`).

Without a problem file, ``--goal`` plans from the spec's *default problem*: its example
problem with the most objects (ties: the first by name), initial state kept, goal
replaced.

One clause is read by :mod:`engine.goal_clause`; how a text names objects and predicates is
:mod:`engine.goal_names`.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from engine.goal_clause import (
    READINGS,
    GoalTranslation,
    _conjunctive,
    _read_clause,
    _translate,
    _word_reading,
)
from engine.goal_names import _aliases, _forms, _mentioned, _objects, _predicate_words, goal_objects
from engine.goal_words import clauses as _clauses
from verifier.errors import PlansafeError, SpecError
from verifier.model import Problem

__all__ = ["parse_goal", "translate_goal", "GoalTranslation", "default_problem", "with_goal",
           "goal_objects", "READINGS"]




def translate_goal(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str, *,
                   backend: Any = None) -> GoalTranslation:
    """The formal goal for ``text``. A plain goal of several clauses is read clause by clause
    (the model reads short texts best), each under the checks of :func:`_translate`. A clause
    the model cannot read alone ("then make sure it is healthy") is read together with a
    neighbour, and that reading is kept only if it contains the neighbour's own reading and
    adds to it; so is a clause whose reading only repeats an earlier clause's. Failing that,
    a clause that leaves its object to a neighbour ("archive it", "build" in "build and
    test worker") is read with that object written in (:func:`_resolved`). Failing that,
    the whole text is read as one clause (:func:`_read_whole`). Every clause is accounted
    for, and no reading of a longer text is trusted unchecked. A quantity ("every person")
    is read through one object it covers and written for all (:mod:`engine.goal_quantity`);
    a description the initial state confirms ("box1, which is at a1,") is dropped first
    (:mod:`engine.goal_relative`)."""
    if text.strip().startswith("("):
        return _translate(spec, problem_or_objects, text, backend=backend)
    from engine.goal_quantity import expand, quantified
    from engine.goal_relative import without_descriptions

    plain = without_descriptions(spec, problem_or_objects, text)  # "box1, which is at a1, "
    if plain != text:
        inner = translate_goal(spec, problem_or_objects, plain, backend=backend)
        return GoalTranslation(text, inner.goal, inner.source, inner.tokens, inner.seconds)
    quantity = quantified(spec, problem_or_objects, text)  # "every person ..."
    if quantity is not None:
        try:
            inner = translate_goal(spec, problem_or_objects, quantity.text, backend=backend)
        except PlansafeError as e:
            said = ", ".join(f"{q.phrase!r} as {q.representative}" for q in quantity.quantities)
            raise PlansafeError(f"{e} (in {text.strip()!r}, read with {said})") from None
        return GoalTranslation(text, expand(quantity, inner.goal), f"quantity+{inner.source}",
                               inner.tokens, inner.seconds)
    parts = _clauses(text)
    if len(parts) <= 1:
        return _read_clause(spec, problem_or_objects, text, backend=backend)
    reads: list[GoalTranslation | None] = []
    errors: dict[int, PlansafeError] = {}
    seen: set[str] = set()
    spent: list[GoalTranslation] = []
    repeats: set[int] = set()  # clauses some reading of which only repeated others
    _read_each(spec, problem_or_objects, parts, backend=backend, reads=reads, errors=errors,
               seen=seen, spent=spent, repeats=repeats)
    atoms: dict[str, None] = {}
    sources: set[str] = set()  # how the readings kept were made
    for i, read in enumerate(reads):
        if read is not None:
            atoms.update(dict.fromkeys(_atoms(read.goal)))
            sources.add(read.source)
            continue
        pair = _read_with_neighbour(spec, problem_or_objects, parts, reads, i, backend=backend,
                                    spent=spent, repeats=repeats)
        if pair is None:
            pair = _read_resolved(spec, problem_or_objects, parts, i, seen, backend=backend,
                                  spent=spent, repeats=repeats)
        if pair is None:
            # a clause read as a repeat was misread, and the whole text would hide that
            whole = None if i in repeats else _read_whole(spec, problem_or_objects, text,
                                                           parts, backend=backend)
            if whole is not None:
                return whole
            raise errors[i]
        seen.update(pair)
        atoms.update(dict.fromkeys(pair))
        sources.add(spent[-1].source)  # the reading that gave the pair is the last one made
    return GoalTranslation(text, "(and " + " ".join(atoms) + ")", "+".join(sorted(sources)),
                           sum(r.tokens for r in spent), sum(r.seconds for r in spent))


def _read_each(spec: Any, problem_or_objects: Problem | Mapping[str, str], parts: list[str], *,
               backend: Any, reads: list[GoalTranslation | None],
               errors: dict[int, PlansafeError], seen: set[str], spent: list[GoalTranslation],
               repeats: set[int]) -> None:
    """Each clause read alone: its reading in ``reads`` (None, with the reason in ``errors``,
    when it cannot be read, or when it only repeats an earlier clause's atoms: noted in
    ``repeats``); every reading made in ``spent``, the atoms read so far in ``seen``."""
    for i, p in enumerate(parts):
        try:
            r = _read_clause(spec, problem_or_objects, p, backend=backend)
        except PlansafeError as e:
            reads.append(None)
            errors[i] = e
            continue
        spent.append(r)
        if set(_atoms(r.goal)) <= seen:  # a clause that only repeats an earlier one is misread
            reads.append(None)
            repeats.add(i)
            errors[i] = PlansafeError(
                f"cannot map the goal {p!r}: its reading {r.goal} only repeats an earlier "
                "clause's (say what should hold of it, or write the goal in PDDL)")
            continue
        seen.update(_atoms(r.goal))
        reads.append(r)


def _read_whole(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str,
                parts: list[str], *, backend: Any) -> GoalTranslation | None:
    """``text`` read as one clause, when its clauses cannot be read one by one ("deploy web
    and api to staging": "deploy web" names no environment): the model's reading under the
    same checks, else the words' reading (:func:`_word_reading`). Held to the words more
    strictly than a clause: the text's words must name predicates, the reading may use only
    those, and it must use one of every clause whose words name one ("validate inv7, then
    pay it" is not validated alone; "archive inv3, inv4 and inv6" is not paid for inv6)."""
    from engine.goal_words import spoken_of

    objects = _objects(problem_or_objects)
    aliases = _aliases(spec.name)
    forms = _forms(objects, aliases)
    words = _predicate_words(spec)
    spoken = spoken_of(text, words, names=forms)
    if not spoken:
        return None

    def fits(atoms: Iterable[str]) -> bool:
        read = {a.strip("()").split()[0] for a in atoms}
        return read <= spoken and all(
            not (said := spoken_of(part, words, names=forms)) or said & read for part in parts)

    try:
        r = _read_clause(spec, problem_or_objects, text, backend=backend)
    except PlansafeError:
        r = None
    if r is not None and fits(_atoms(r.goal)):
        return r
    named = {o: t for o, t in objects.items() if _mentioned(o, text, aliases)}
    atoms = _word_reading(spec.domain, named, spoken, distribute=_conjunctive(text))
    if atoms and fits(atoms):
        return GoalTranslation(text, f"(and {' '.join(atoms)})", "words",
                               r.tokens if r else 0, r.seconds if r else 0.0)
    return None


def _atoms(goal: str) -> list[str]:
    return re.findall(r"\([^()]*\)", goal)


_IT = re.compile(r"(?<![\w-])it(?![\w-])", re.I)


def _resolved(spec: Any, objects: Mapping[str, str], parts: list[str], i: int) -> str | None:
    """Clause ``i`` with the one object it leaves to its neighbours written in: "it" is the
    single object the nearest earlier clause that names one names ("pay inv6 and archive
    it"); a clause naming no object takes the single object the next clause that names one
    names ("build and test worker"), or if none does, the nearest earlier one ("get inv2
    paid and archived"). ``None`` when neither applies or it is not one object
    (domain constants such as ``prod`` are not counted)."""
    aliases = _aliases(spec.name)

    def things(clause: str) -> list[str]:
        return [o for o in objects if o not in spec.domain.constants
                and _mentioned(o, clause, aliases)]

    clause = parts[i]
    if things(clause):
        return None
    if _IT.search(clause):
        before = next((t for t in (things(p) for p in reversed(parts[:i])) if t), [])
        return _IT.sub(before[0], clause) if len(before) == 1 else None
    near = next((t for t in (things(p) for p in (*parts[i + 1:], *reversed(parts[:i]))) if t),
                [])
    return f"{clause.strip()} {near[0]}" if len(near) == 1 else None


def _read_resolved(spec: Any, problem_or_objects: Problem | Mapping[str, str],
                   parts: list[str], i: int, seen: set[str], *, backend: Any,
                   spent: list[GoalTranslation], repeats: set[int]) -> list[str] | None:
    """The atoms of clause ``i`` read with its object written in (:func:`_resolved`), under
    the same checks, if they add to what the other clauses say."""
    alt = _resolved(spec, _objects(problem_or_objects), parts, i)
    if alt is None:
        return None
    try:
        r = _read_clause(spec, problem_or_objects, alt, backend=backend)
    except PlansafeError:
        return None
    spent.append(r)
    new = [a for a in _atoms(r.goal) if a not in seen]
    if not new:
        repeats.add(i)
    return new or None


def _read_with_neighbour(spec: Any, problem_or_objects: Problem | Mapping[str, str],
                         parts: list[str], reads: list[GoalTranslation | None], i: int, *,
                         backend: Any, spent: list[GoalTranslation], repeats: set[int]
                         ) -> list[str] | None:
    """Clause ``i`` read with the clause before (else after) it, which was read alone: the
    joint reading must contain that clause's atoms and add some of its own (one that adds
    nothing marks the clause in ``repeats``)."""
    for j in (i - 1, i + 1):
        if not 0 <= j < len(parts) or reads[j] is None:
            continue
        joint = f"{parts[j]} and {parts[i]}" if j < i else f"{parts[i]} and {parts[j]}"
        try:
            r = _read_clause(spec, problem_or_objects, joint, backend=backend)
        except PlansafeError:
            continue
        spent.append(r)
        own = set(_atoms(reads[j].goal))  # type: ignore[union-attr]
        got = _atoms(r.goal)
        extra = [a for a in got if a not in own]
        if own <= set(got) and extra:
            return extra
        if own <= set(got):
            repeats.add(i)
    return None


def parse_goal(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str, *,
               backend: Any = None) -> str:
    """The formal goal for ``text`` (plain words or PDDL); :class:`PlansafeError` if unmappable."""
    return translate_goal(spec, problem_or_objects, text, backend=backend).goal


def default_problem(spec: Any) -> Problem:
    """The spec's example problem with the most objects (ties: first by name)."""
    from verifier.spec import load_problem

    if not spec.problems:
        raise SpecError("this spec has no example problems to take objects from",
                        path=str(spec.root), hint="give a PROBLEM file together with --goal")
    best: Problem | None = None
    for name in sorted(spec.problems):
        p = load_problem(spec, name)
        if best is None or len(p.objects) > len(best.objects):
            best = p
    assert best is not None
    return best


def with_goal(problem: Problem, goal: str) -> Problem:
    """The same objects and initial state with another goal (read back through the PDDL reader)."""
    from verifier.pddl import read_problem
    from verifier.pddl_writer import problem_text

    text = problem_text(problem, name=f"{problem.name}-goal", goal=goal)
    from domains.generated import scratch_dir

    # planners may read the problem file again: it lives as long as this process
    fd, name = tempfile.mkstemp(prefix=f"{problem.name}-goal-", suffix=".pddl",
                                dir=scratch_dir())
    with open(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return read_problem(Path(problem.domain.path), Path(name))
