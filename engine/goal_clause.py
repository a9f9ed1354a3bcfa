"""One goal clause read: PDDL parsed, plain words read by the language model under the goal
grammar and checked against the text's words (:func:`_checked`), else read from the words alone
(:func:`_word_reading`). :mod:`engine.goals` reads goals of several clauses with these."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.goal_names import (
    _aliases,
    _forms,
    _known_names,
    _mentioned,
    _objects,
    _predicate_words,
    _vocabulary,
    _words,
    goal_objects,
)
from verifier.errors import PlansafeError, SpecError
from verifier.model import Problem

#: the model's most likely readings of a goal clause that are checked, best first
READINGS = 4


@dataclass(frozen=True, slots=True)
class GoalTranslation:
    text: str
    goal: str  # formal, "(and ...)"
    source: str  # "pddl" | "llm" | "words" (see _word_reading) | "llm+words"
    tokens: int = 0
    seconds: float = 0.0


def _conjunctive(text: str) -> bool:
    """No "or" / "either": a goal of several objects means all of them."""
    return not {"or", "either"} & set(_words(text))


def _read_clause(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str, *,
                 backend: Any) -> GoalTranslation:
    """One clause; when the model cannot map it, once more with aliases replaced by the
    objects' own names ("stage" -> "staging"). A clause that is exactly a predicate's
    describe sentence ("blo36 is on blo59") is that atom, read before any model
    (:func:`engine.goal_templates.predicate_reading`)."""
    from engine.goal_templates import predicate_reading

    said = predicate_reading(spec, _objects(problem_or_objects), text)
    if said is not None:
        return GoalTranslation(text, said, "template")
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
    """One clause (or a PDDL goal, only parsed): refused at once when its words cannot make a
    goal of this problem (:func:`_refusal_checks`), else the model's readings
    (:func:`_model_reading`)."""
    from verifier.policy import parse_formula

    objects = _objects(problem_or_objects)
    stripped = text.strip()
    if not stripped:
        raise PlansafeError("the goal is empty (write it in plain words or as PDDL, e.g. "
                            "\"(and (deployed api prod))\")")
    if stripped.startswith("("):
        parse_formula(stripped, spec.domain, objects, path="<goal>")  # SpecError on bad input
        return GoalTranslation(text, stripped, "pddl")
    aliases = _aliases(spec.name)
    hint, spoken = _refusal_checks(spec, objects, stripped, aliases)
    return _model_reading(spec, objects, text, stripped, aliases=aliases, hint=hint,
                          spoken=spoken, backend=backend)


def _refusal_checks(spec: Any, objects: Mapping[str, str], stripped: str,
                    aliases: Mapping[str, tuple[str, ...]]
                    ) -> tuple[str, set[str] | frozenset[str]]:
    """:class:`PlansafeError` for a text that names an object this problem lacks, negates,
    names objects only, or speaks of nothing this domain's goals can say; else the hint for
    later messages and the predicates the text's words speak of."""
    from engine.goal_templates import predicate_strangers

    names = ", ".join(sorted(o for o in objects if o not in spec.domain.constants))
    known = _known_names(spec)
    absent = sorted({w for w in _words(stripped) if w in known and w not in objects
                     and not any(w in al for al in aliases.values())}
                    | {w for w in predicate_strangers(spec, objects, stripped)
                       if not any(w in al for al in aliases.values())}
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
    return hint, spoken


def _model_reading(spec: Any, objects: Mapping[str, str], text: str, stripped: str, *,
                   aliases: Mapping[str, tuple[str, ...]], hint: str,
                   spoken: set[str] | frozenset[str], backend: Any) -> GoalTranslation:
    """The model's :data:`READINGS` most likely readings under the goal grammar, the first
    that passes :func:`_checked` (a less likely one only if the words name each predicate it
    uses; a top one that adds a predicate no word names only if no such one passes); else
    the words' own reading (:func:`_word_reading`); else the first refusal."""
    import time

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
    from engine.goal_words import named_by_any

    said = named_by_any(stripped, _predicate_words(spec), names=_forms(objects, aliases))
    first: PlansafeError | None = None
    held: GoalTranslation | None = None
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
        reading = GoalTranslation(text, formal, "llm", gen.tokens, seconds)
        if not i and said and not read <= said:
            # a top reading that adds a predicate no word of the text names gives way to a
            # less likely one the words name ("tote29 received their equipment" read with
            # has-account too); kept when there is none ("have api ok": healthy)
            held = reading
            continue
        return reading
    if held is not None:
        return held
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
