"""Descriptions of a named object in a plain goal: "box1, which is currently at a1, should be
moved to c1".

A clause set off by commas after an object's name, opened by "which" or "who", says what
holds of that object now; it is no part of the goal. When its words are one predicate's
``describe`` sentence (or its name) about that object, other arguments named
(:func:`engine.goal_quantity._relative`), the problem's initial state decides it: true, the
clause is dropped before the goal is read; false, the goal is refused (the text describes
another problem). A clause that matches no sentence is left in the text for the reader's
usual checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from verifier.errors import PlansafeError
from verifier.model import Problem

__all__ = ["without_descriptions"]

_DESCRIPTION = re.compile(
    r"(?P<obj>[A-Za-z0-9][\w-]*)\s*,\s*(?P<clause>(?:which|who)\b[^,;]*?)\s*(?:,|$)", re.I)


def without_descriptions(spec: object, problem_or_objects: Problem | Mapping[str, str],
                         text: str) -> str:
    """``text`` without the descriptions of named objects that the initial state confirms;
    :class:`PlansafeError` for one it contradicts."""
    from engine.goal_quantity import _holds, _relative, _tokens

    if not isinstance(problem_or_objects, Problem):
        return text
    objects = {o.lower(): o for o in problem_or_objects.objects}
    init = frozenset(problem_or_objects.init)
    out = text
    for m in reversed(list(_DESCRIPTION.finditer(text))):
        obj = objects.get(m.group("obj").lower())
        if obj is None:
            continue
        clause = m.group("clause")
        toks = _tokens(clause)
        try:
            cond, end = _relative(spec, problem_or_objects.objects, clause, toks, 0,
                                  problem_or_objects.objects[obj])
        except PlansafeError:
            continue  # not a sentence of this domain: the reader's checks decide
        if end != len(toks):
            continue
        if not _holds(init, cond, obj):
            raise PlansafeError(f"cannot map the goal {text.strip()!r}: {obj} {clause!r} "
                                "does not hold in this problem's initial state (check the "
                                "problem, or write the goal in PDDL)")
        # drop ", which ...": keep the comma or end that closed it
        out = out[:m.end("obj")] + out[m.end("clause"):].lstrip(",")
    return out
