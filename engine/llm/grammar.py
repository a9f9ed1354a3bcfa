"""Grammars from the grounded problem, for llguidance (Lark syntax), cached per problem.

A plan grammar admits only the domain's actions with the right arity, and at each
parameter position only the problem's objects of that parameter's type (subtypes
included), in IPC plan text (one ``(action args)`` a line) or in the JSON plan format. A
goal grammar admits a conjunction of well-typed ground atoms over the domain's
predicates and the problem's objects, or ``(unknown)``.

Object alternatives carry their delimiter (``"b "``, ``"b)\\n"``), so that no alternative
is a prefix of another and the lexer never has to guess where a name ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from verifier.errors import PlansafeError
from verifier.model import Domain

__all__ = ["plan_grammar", "goal_grammar", "PlanFormat", "grammar_key"]

PlanFormat = Literal["text", "json"]
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def _lit(s: str) -> str:
    return json.dumps(s)


def _rule(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def _pools(domain: Domain, objects: Mapping[str, str], types: set[str]) -> dict[str, list[str]]:
    out = {}
    for t in sorted(types):
        names = sorted(o for o, ot in objects.items() if domain.is_subtype(ot, t))
        for n in names:
            if not _NAME.match(n):
                raise PlansafeError(f"object name '{n}' cannot appear in a plan grammar")
        out[t] = names
    return out


def grammar_key(domain: Domain, objects: Mapping[str, str]) -> tuple[object, ...]:
    return (id(domain), domain.name, tuple(sorted(objects.items())))


def plan_grammar(domain: Domain, objects: Mapping[str, str], *, fmt: PlanFormat = "text",
                 actions: tuple[str, ...] | None = None) -> str:
    """The Lark grammar of plans for these objects (cached per domain, objects and format)."""
    return _plan_grammar(domain, tuple(sorted(objects.items())), fmt,
                         tuple(sorted(actions)) if actions is not None else None)


@lru_cache(maxsize=256)
def _plan_grammar(domain: Domain, objects_t: tuple[tuple[str, str], ...], fmt: PlanFormat,
                  actions: tuple[str, ...] | None) -> str:
    objects = dict(objects_t)
    names = [a for a in domain.actions if actions is None or a in actions]
    types = {t for a in names for t in domain.actions[a].param_types}
    pools = _pools(domain, objects, types)
    lines: list[str] = []
    alts: list[str] = []
    # per type: an object followed by the next delimiter
    ends = {"text": (" ", ")\n"), "json": ('", "', '"]}')}[fmt]
    used: set[tuple[str, int]] = set()
    for a in sorted(names):
        schema = domain.actions[a]
        params = schema.param_types
        if any(not pools[t] for t in params):
            continue  # no objects for some parameter: the action cannot appear
        parts = []
        for i, t in enumerate(params):
            is_last = i == len(params) - 1
            parts.append(f"o_{_rule(t)}_{int(is_last)}")
            used.add((t, int(is_last)))
        if fmt == "text":
            first = _lit(f"({a}" + (" " if params else ")\n"))
        else:
            first = _lit('{"action": "' + a + '", "args": [' + ('"' if params else "]}"))
        alts.append(" ".join([first, *parts]))
    if not alts:
        raise PlansafeError("no action of the domain can be written with these objects")
    for t, last in sorted(used):
        delim = ends[last]
        lines.append(f"o_{_rule(t)}_{last}: " + " | ".join(_lit(o + delim) for o in pools[t]))
    if fmt == "text":
        head = ["start: step*", "step: " + "\n    | ".join(alts)]
    else:
        head = ['start: "{\\"steps\\": [" (step (", " step)*)? "]}"',
                "step: " + "\n    | ".join(alts)]
    return "\n".join(head + lines) + "\n"


def goal_grammar(domain: Domain, objects: Mapping[str, str], *, unknown: bool = True) -> str:
    """Lark grammar: ground atoms separated by single spaces, or ``(unknown)``. Predicates
    that no action changes (robotics' ``connected``, ``charger``) are left out: their truth
    is fixed by the initial state, so no goal asks for them."""
    return _goal_grammar(domain, tuple(sorted(objects.items())), unknown)


@lru_cache(maxsize=256)
def _goal_grammar(domain: Domain, objects_t: tuple[tuple[str, str], ...], unknown: bool) -> str:
    objects = dict(objects_t)
    types = {t for ts in domain.predicates.values() for t in ts}
    pools = _pools(domain, objects, types)
    alts, used = [], set()
    static = domain.static_predicates
    for pred in sorted(domain.predicates):
        params = domain.predicates[pred]
        if pred in static or any(not pools[t] for t in params):
            continue
        parts = []
        for i, t in enumerate(params):
            is_last = i == len(params) - 1
            parts.append(f"o_{_rule(t)}_{int(is_last)}")
            used.add((t, int(is_last)))
        alts.append(" ".join([_lit(f"({pred}" + (" " if params else ")")), *parts]))
    if not alts:
        if not unknown:
            raise PlansafeError("no predicate of the domain can be written with these objects")
        return 'start: "(unknown)"\n'
    lines = ['start: atom (" " atom)*' + (' | "(unknown)"' if unknown else ""),
             "atom: " + "\n    | ".join(alts)]
    for t, last in sorted(used):
        delim = ")" if last else " "
        lines.append(f"o_{_rule(t)}_{last}: " + " | ".join(_lit(o + delim) for o in pools[t]))
    return "\n".join(lines) + "\n"
