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
"""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import PlansafeError, SpecError
from verifier.model import Problem

if TYPE_CHECKING:
    from verifier.spec import Spec

__all__ = ["parse_goal", "translate_goal", "GoalTranslation", "default_problem", "with_goal",
           "goal_objects", "READINGS"]

#: the model's most likely readings of a goal clause that are checked, best first
READINGS = 4


@dataclass(frozen=True, slots=True)
class GoalTranslation:
    text: str
    goal: str  # formal, "(and ...)"
    source: str  # "pddl" | "llm" | "words" (see _word_reading) | "llm+words"
    tokens: int = 0
    seconds: float = 0.0


def _objects(problem_or_objects: Problem | Mapping[str, str]) -> dict[str, str]:
    if isinstance(problem_or_objects, Problem):
        return dict(problem_or_objects.objects)
    return dict(problem_or_objects)


def _aliases(spec_name: str) -> dict[str, tuple[str, ...]]:
    from engine.packs import pack_for

    return dict(pack_for(spec_name).aliases)


def _predicate_words(spec: Spec) -> dict[str, frozenset[str]]:
    from engine.goal_words import predicate_words
    from engine.packs import pack_for

    return predicate_words(spec.domain.predicates, pack_for(spec.name).phrasing,
                           types=spec.domain.types)


def _forms(objects: Iterable[str], aliases: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every way the text may name one of ``objects``: its name and its known aliases."""
    return [f for o in objects for f in (o, *aliases.get(o, ()))]


def _vocabulary(spec: Spec) -> frozenset[str]:
    """The words this spec's goals are written in (:func:`engine.goal_words.vocabulary`)."""
    from engine.goal_words import vocabulary
    from engine.packs import pack_for

    dom = spec.domain
    pack = pack_for(spec.name)
    phrasing = pack.phrasing or {}
    texts = [*dom.predicates, *dom.actions, *dom.types, *_known_names(spec),
             *(t for ts in phrasing.values() for t in ts), *pack.openers,
             *(a for al in _aliases(spec.name).values() for a in al)]
    return vocabulary(t.replace("-", " ") for t in texts)


def _known_names(spec: Spec) -> frozenset[str]:
    """Names that are objects in some problem of this spec (pools of its generator too);
    the problem files are read once per spec."""
    return _names_of(spec.name, tuple(str(p) for p in spec.problems.values()),
                     tuple(spec.domain.types))


@functools.lru_cache(maxsize=32)
def _names_of(spec_name: str, problem_paths: tuple[str, ...], type_names: tuple[str, ...]
              ) -> frozenset[str]:
    from engine.packs import pack_for

    names: set[str] = set(pack_for(spec_name).object_names)
    for path in problem_paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        m = re.search(r"\(:objects(.*?)\)", text, re.S | re.I)
        if m:
            names.update(w for w in m.group(1).split() if w != "-" and not w.startswith(";"))
    types = {t.lower() for t in type_names}
    return frozenset(n.lower() for n in names if len(n) > 1) - types  # "invoice 1": inv1


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9_\-]*", text.lower())


def _mentioned(obj: str, text: str, aliases: Mapping[str, tuple[str, ...]]) -> bool:
    low = " " + " ".join(_words(text)) + " "
    forms = {obj, *aliases.get(obj, ())}
    m = re.fullmatch(r"([a-z]+)(\d+)", obj)
    if m:
        forms.add(f"{m.group(1)} {m.group(2)}")
        forms.add(m.group(2)) if m.group(1) in ("inv",) else None
    return any(f" {' '.join(_words(f))} " in low for f in forms if _words(f))


def goal_objects(objects: Iterable[str], text: str, aliases: Mapping[str, tuple[str, ...]]
                 ) -> list[str]:
    """The objects a goal text names (by name or a known alias), sorted; all of ``objects``
    when it names none. The goal prompt lists these, so what the model reads does not grow
    with the problem (training problems are small, real ones are not)."""
    objs = list(objects)
    named = sorted(o for o in objs if _mentioned(o, text, aliases))
    return named or sorted(objs)


_CLAUSE = re.compile(r"\s*(?:;|,\s*and\s+|,\s*then\s+|,|\s+and\s+|\s+then\s+)\s*", re.I)


def _clauses(text: str) -> list[str]:
    """A plain goal cut at its joiners ("a, b and c", "a; then b"); one part if none."""
    return [c for c in _CLAUSE.split(text.strip().rstrip(".")) if c.strip()]


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
    for, and no reading of a longer text is trusted unchecked."""
    if text.strip().startswith("("):
        return _translate(spec, problem_or_objects, text, backend=backend)
    parts = _clauses(text)
    if len(parts) <= 1:
        return _read_clause(spec, problem_or_objects, text, backend=backend)
    reads: list[GoalTranslation | None] = []
    errors: dict[int, PlansafeError] = {}
    seen: set[str] = set()
    spent = []
    repeats: set[int] = set()  # clauses some reading of which only repeated others
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


def _conjunctive(text: str) -> bool:
    """No "or" / "either": a goal of several objects means all of them."""
    return not {"or", "either"} & set(_words(text))


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


def _read_clause(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str, *,
                 backend: Any) -> GoalTranslation:
    """One clause; when the model cannot map it, once more with aliases replaced by the
    objects' own names ("stage" -> "staging")."""
    try:
        return _translate(spec, problem_or_objects, text, backend=backend)
    except PlansafeError:
        from engine.goal_templates import template_reading

        # an action's describe sentence ("give amox1 to alice"): what that step achieves
        read = template_reading(spec, _objects(problem_or_objects), text)
        if read is not None:
            return GoalTranslation(text, read, "template")
        plain = _canonical(text, _aliases(spec.name), _objects(problem_or_objects))
        if plain == text:
            raise
        out = _translate(spec, problem_or_objects, plain, backend=backend)
        return GoalTranslation(text, out.goal, out.source, out.tokens, out.seconds)


def _canonical(text: str, aliases: Mapping[str, tuple[str, ...]], objects: Mapping[str, str]
               ) -> str:
    pairs = sorted(((a, o) for o, forms in aliases.items() if o in objects for a in forms
                    if a != o), key=lambda p: -len(p[0]))
    out = text
    for alias, obj in pairs:
        out = re.sub(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", obj, out, flags=re.I)
    return out


def _translate(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str, *,
               backend: Any = None) -> GoalTranslation:
    import time

    from verifier.policy import parse_formula

    objects = _objects(problem_or_objects)
    stripped = text.strip()
    if not stripped:
        raise PlansafeError("the goal is empty (write it in plain words or as PDDL, e.g. "
                            "\"(and (deployed api prod))\")")
    if stripped.startswith("("):
        parse_formula(stripped, spec.domain, objects, path="<goal>")  # SpecError on bad input
        return GoalTranslation(text, stripped, "pddl")
    names = ", ".join(sorted(o for o in objects if o not in spec.domain.constants))
    aliases = _aliases(spec.name)
    known = _known_names(spec)
    absent = sorted({w for w in _words(stripped) if w in known and w not in objects
                     and not any(w in al for al in aliases.values())}
                    | {o for o in aliases if o not in objects and _mentioned(o, stripped, aliases)
                       and not any(_mentioned(p, stripped, aliases) and set(aliases[o]) &
                                   set(aliases.get(p, ())) for p in objects)})
    if absent:
        raise PlansafeError(f"cannot map the goal {stripped!r}: "
                            + ", ".join(repr(a) for a in absent)
                            + f" is not an object of this problem (objects: {names}); give a "
                            "problem that has it, or write the goal in PDDL")
    hint = (f"objects: {names}; say which object and what should hold, or write the goal in "
            "PDDL, e.g. (and (pred obj ...))")
    from engine.goal_words import negations, spoken_of, unknown_words

    negated = negations(stripped)
    if negated:
        raise PlansafeError(f"cannot map the goal {stripped!r}: {negated[0]!r} negates, and a "
                            "goal in plain words says what must hold; write it in PDDL, e.g. "
                            "(and (not (pred obj ...)))")

    forms = _forms(objects, aliases)
    naming = {w for f in forms for w in _words(f)} | {"the", "a", "an", "and", "or"}
    if not [w for w in _words(stripped) if w not in naming]:
        # "inv6" alone (a clause of "archive inv3, inv4 and inv6"): any reading is a guess
        raise PlansafeError(f"cannot map the goal {stripped!r}: it names objects but says "
                            f"nothing of what should hold of them ({hint})")
    spoken = spoken_of(stripped, _predicate_words(spec), names=forms)
    if not spoken:
        odd = unknown_words(stripped, _vocabulary(spec), names=forms)
        if odd:
            # no word names a predicate, and some word is not this domain's: any reading
            # would be the model's guess ("reject invoice 2" read as paid)
            raise PlansafeError(
                f"cannot map the goal {stripped!r}: " + ", ".join(repr(w) for w in odd)
                + f" names nothing {spec.name} goals can say (they say: "
                + ", ".join(sorted(_predicate_words(spec))) + f"; {hint})")
    from engine.llm.grammar import goal_grammar
    from engine.llm.prompts import goal_prompt

    if backend is None:
        from engine.llm.spec_models import backend_for_spec

        backend = backend_for_spec(spec)  # the spec's own model when it has one
    t0 = time.perf_counter()
    # The grammar admits only objects the text names (by name or a known alias), so the
    # model can choose which predicate holds of them but cannot pick an unnamed object.
    named = {o: t for o, t in objects.items() if _mentioned(o, stripped, aliases)}
    gens = backend.best(goal_prompt(spec.name, goal_objects(objects, stripped, aliases),
                                    stripped),
                        READINGS, grammar=goal_grammar(spec.domain, named or objects),
                        max_new_tokens=160)
    seconds = time.perf_counter() - t0
    first: PlansafeError | None = None
    for i, gen in enumerate(gens):
        try:
            formal, read = _checked(spec, objects, stripped, gen.text, named, spoken, aliases,
                                    hint)
        except PlansafeError as e:
            first = first or e
            continue
        if i and not read <= spoken:
            # a less likely reading is taken only when the text's own words name every
            # predicate it uses ("build auth" read as built and tested is not); a text
            # without such words gets the top reading or nothing
            continue
        return GoalTranslation(text, formal, "llm", gen.tokens, seconds)
    atoms = _word_reading(spec.domain, named, spoken, distribute=_conjunctive(stripped))
    if atoms:
        return GoalTranslation(text, f"(and {' '.join(atoms)})", "words",
                               sum(g.tokens for g in gens), seconds)
    if first is None:
        first = PlansafeError(f"cannot map the goal {stripped!r} to {spec.name} ({hint})")
    raise first


def _word_reading(domain: Any, named: Mapping[str, str], spoken: set[str] | frozenset[str],
                  *, distribute: bool = True) -> list[str]:
    """The ground atoms a text's words allow, when no model reading passed: one predicate
    the words speak of (:func:`engine.goal_words.spoken_of`) whose arguments the named
    objects fill in exactly one well-typed way, each object in one argument, one argument
    possibly taking several objects, which then gives one atom each ("build the auth
    service" -> ``(built auth)``; "bring box1 and box2 to c3" -> ``(item-at box1 c3)
    (item-at box2 c3)``; not with ``distribute=False``, for "api in prod or staging").
    Empty unless exactly one such reading exists ("move r2 to the dock": item-at takes an
    item, r2 is a robot)."""
    import itertools

    readings: list[list[str]] = []
    for pred in sorted(spoken):
        types = domain.predicates.get(pred)
        if not named or not types or len(named) < len(types):
            continue
        slots = {o: [k for k, want in enumerate(types) if domain.is_subtype(t, want)]
                 for o, t in sorted(named.items())}
        if any(len(ks) != 1 for ks in slots.values()):
            continue  # an object that fits no argument, or more than one
        by_slot = [[o for o, ks in slots.items() if ks[0] == k] for k in range(len(types))]
        many = [k for k, objs in enumerate(by_slot) if len(objs) > 1]
        if any(not objs for objs in by_slot) or len(many) > (1 if distribute else 0):
            continue
        readings.append([f"({pred} {' '.join(args)})"
                         for args in itertools.product(*by_slot)])
    return readings[0] if len(readings) == 1 else []


def _checked(spec: Any, objects: Mapping[str, str], stripped: str, answer: str,
             named: Mapping[str, str], spoken: set[str] | frozenset[str],
             aliases: Mapping[str, tuple[str, ...]], hint: str) -> tuple[str, set[str]]:
    """The formal goal of one model answer and the predicates it uses, or
    :class:`PlansafeError` saying why it is not a reading of ``stripped`` (unknown,
    ill-typed, an object the text does not name or silence on one it does, none of the
    predicates its words name)."""
    from engine.llm.prompts import UNKNOWN_GOAL
    from verifier.policy import parse_formula

    atoms = answer.strip()
    if not atoms or atoms == UNKNOWN_GOAL:
        raise PlansafeError(f"cannot map the goal {stripped!r} to {spec.name} ({hint})")
    atoms = " ".join(dict.fromkeys(re.findall(r"\([^()]*\)", atoms)))  # drop repeats
    formal = f"(and {atoms})"
    try:
        parse_formula(formal, spec.domain, objects, path="<goal>")
    except SpecError as e:
        raise PlansafeError(f"cannot map the goal {stripped!r}: the model wrote {formal}, "
                            f"which is not a goal of this problem ({e.message})") from None
    ground = [atom.split() for atom in re.findall(r"\(([^()]*)\)", atoms)]
    used = sorted({a for atom in ground for a in atom[1:]})
    unnamed = [o for o in used if not _mentioned(o, stripped, aliases)]
    if unnamed:
        raise PlansafeError(f"cannot map the goal {stripped!r}: the reading {formal} uses "
                            + ", ".join(repr(o) for o in unnamed)
                            + f", which the text does not name ({hint})")
    # constants too: "get web live" read as (tested web) drops what "live" says
    missed = sorted(o for o in named if o not in used)
    if missed:
        raise PlansafeError(f"cannot map the goal {stripped!r}: the reading {formal} says "
                            "nothing about " + ", ".join(repr(o) for o in missed)
                            + f", which the text names ({hint})")
    read = {atom[0] for atom in ground}
    if spoken and not spoken & read:
        raise PlansafeError(f"cannot map the goal {stripped!r}: the text speaks of "
                            + " or ".join(sorted(spoken)) + f", the reading {formal} of "
                            + " and ".join(sorted(read)) + f" ({hint})")
    return formal, read


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
