"""Goals written as an action's ``describe`` template: "give amox1 to alice".

A spec's ``describe`` gives each action a sentence (``administer: "give {0} to {1}"``). A goal
text that is exactly such a sentence, with objects of the problem in the placeholders (of the
parameters' types), means "what that step achieves": the goal is the action's positive
effects whose arguments the sentence names (``(administered amox1)``). Nothing is guessed: a
text that matches no template, names an unknown object, or whose action's effects need an
argument the sentence leaves out gives no reading.

A predicate's ``describe`` sentence is read the same way (:func:`predicate_reading`): a
clause that is exactly ``{0} is on {1}``, after an opener such as "make sure", with
objects of the predicate's types in the placeholders, is that atom, and only when exactly
one predicate's sentence matches. The language model never sees such a clause, so it
cannot misread it ("blo36 is on blo59" read as two blocks clear).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["template_reading", "predicate_reading", "predicate_strangers"]


def _pattern(template: str) -> tuple[re.Pattern[str], list[int]] | None:
    """The template as a regular expression (words separated by any whitespace), and the
    parameter index of each placeholder in order."""
    pieces, order = [], []
    for token in re.findall(r"\{\d+\}|[^\s{}]+", template):
        m = re.fullmatch(r"\{(\d+)\}", token)
        if m:
            pieces.append(r"(\S+?)")
            order.append(int(m.group(1)))
        else:
            pieces.append(re.escape(token))
    if not order:
        return None
    return re.compile(r"^\s*" + r"\s+".join(pieces) + r"[\s.!]*$", re.IGNORECASE), order


def _places(template: str, text: str) -> list[tuple[int, str]] | None:
    """The words in ``text``'s places when it is exactly ``template`` (placeholder index,
    word), else None."""
    compiled = _pattern(template)
    m = compiled[0].match(text) if compiled is not None else None
    if compiled is None or m is None:
        return None
    return [(i, v.strip(".,")) for i, v in zip(compiled[1], m.groups(), strict=True)]


def _filled(domain: Any, template: str, objects: Mapping[str, str], text: str,
            types: tuple[str, ...]) -> dict[int, str] | None:
    """The objects in ``text``'s places when it is exactly ``template``, by placeholder
    index: each an object of the problem of the type ``types`` gives its index, a repeated
    placeholder the same object; None when the text does not match or an object does not
    fit."""
    places = _places(template, text)
    if places is None:
        return None
    by_lower = {o.lower(): o for o in objects}
    out: dict[int, str] = {}
    for index, value in places:
        obj = by_lower.get(value.lower())
        if (obj is None or index >= len(types) or out.get(index, obj) != obj
                or not domain.is_subtype(objects[obj], types[index])):
            return None
        out[index] = obj
    return out


def template_reading(spec: Any, objects: Mapping[str, str], text: str) -> str | None:
    """``(and ...)`` for a text that is an action's describe sentence, else None."""
    domain = spec.domain
    readings: list[str] = []
    for action, template in spec.describe.items():
        schema = domain.actions.get(action)
        filled = None if schema is None else _filled(
            domain, template, objects, text, tuple(t for _, t in schema.params))
        if filled is None:
            continue
        bound = {schema.params[i][0]: obj for i, obj in filled.items()}
        atoms = []
        for e in schema.effects:
            if not e.positive or e.forall or e.atom.pred.startswith("ps-"):
                continue
            args = [bound.get(a, a if not a.startswith("?") else "") for a in e.atom.args]
            if all(args):
                atoms.append("(" + " ".join((e.atom.pred, *args)) + ")")
        if atoms:
            readings.append("(and " + " ".join(dict.fromkeys(atoms)) + ")")
    return readings[0] if len(set(readings)) == 1 else None


def predicate_reading(spec: Any, objects: Mapping[str, str], text: str) -> str | None:
    """``(and (pred a b))`` for a clause that is exactly one predicate's describe sentence
    (after an opener of :data:`engine.goal_words.GOAL_OPENERS`), its placeholders filled
    with objects of the problem of the predicate's types; else None (no match, or more
    than one reading)."""
    clause = _without_opener(text)
    readings: set[str] = set()
    for pred, template in spec.describe.items():
        types = spec.domain.predicates.get(pred)
        filled = None if types is None else _filled(spec.domain, template, objects, clause,
                                                     types)
        if filled is not None and len(filled) == len(types):
            readings.add("(and (" + " ".join((pred, *(filled[i] for i in range(len(types)))))
                         + "))")
    return readings.pop() if len(readings) == 1 else None


def predicate_strangers(spec: Any, objects: Mapping[str, str], text: str) -> list[str]:
    """The words in the places of a predicate's describe sentence that ``text`` (a clause,
    after an opener) is exactly, when some are not objects of the problem ("blo27 is on
    blo65" without blo27): the clause speaks of an object the problem lacks, and is refused
    rather than read by a model (of several sentences it matches, the one with the fewest
    such words: "nothing is on blo98" names blo98, not "nothing"). Empty when no sentence
    matches, or one matches with objects in every place."""
    clause = _without_opener(text)
    by_lower = {o.lower() for o in objects}
    fewest: list[str] | None = None  # of the sentences it matches, the fewest strangers
    for pred, template in spec.describe.items():
        places = None if pred not in spec.domain.predicates else _places(template, clause)
        if places is None:
            continue
        missing = list(dict.fromkeys(w for _, w in places if w.lower() not in by_lower))
        if fewest is None or len(missing) < len(fewest):
            fewest = missing
    return fewest or []


def _without_opener(text: str) -> str:
    """``text`` without a leading opener of :data:`engine.goal_words.GOAL_OPENERS`."""
    from engine.goal_words import GOAL_OPENERS

    clause = text.strip()
    for opener in sorted({o.strip() for o in GOAL_OPENERS if o.strip()}, key=len,
                         reverse=True):
        if clause.lower().startswith(opener.lower() + " "):
            return clause[len(opener):].strip()
    return clause
