"""``triggers:`` in ``spec.yaml``: an outside event or a cron schedule that starts a run.

::

    triggers:
      - on: deploy-requested              # an event posted to plansafe serve (POST /api/events)
        fields: [service]                 # the event's fields the goal may use
        goal: "(deployed {service} prod)" # PDDL (or plain words), a template
      - cron: "*/5 * * * *"               # minute hour day-of-month month day-of-week
        problem: p01                      # a problem of the spec (or a goal)

This module holds the checked, frozen form (:class:`Trigger`) with positions in ``spec.yaml``;
``plansafe serve`` (engine/console/runner.py) starts the runs. Checks, each a
``file:line:col`` error: exactly one of ``on`` / ``cron``; a schedule that parses
(:mod:`verifier.cron`); a goal or a known problem; placeholders only of declared ``fields``
(a cron trigger has none); a PDDL goal's atoms name the domain's predicates with their arity
(an action named where a predicate belongs is refused with a hint).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.cron import CronError, CronSchedule, parse_cron
from verifier.errors import SpecError, did_you_mean
from verifier.model import Domain
from verifier.sexpr import SExpr, SList, Sym, read_sexpr
from verifier.tool_binding import PLACEHOLDER

__all__ = ["Trigger", "read_triggers", "render_goal", "EVENT_NAME", "keys_as_text"]

#: what an event name may hold (it travels in URLs and log lines)
EVENT_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_CONNECTIVES = {"and", "or", "not", "imply"}
_QUANTIFIERS = {"forall", "exists"}


@dataclass(frozen=True, slots=True)
class Trigger:
    """A checked trigger: ``on`` an event name, or on a ``cron`` schedule."""

    name: str
    on: str | None
    cron: CronSchedule | None
    goal: str | None  # a template with {field} placeholders
    problem: str | None
    fields: tuple[str, ...]
    path: str = "<spec>"
    line: int = 1
    col: int = 1

    def goal_for(self, fields: Mapping[str, Any]) -> str | None:
        """The goal with the event's fields filled in (see :func:`render_goal`)."""
        return None if self.goal is None else render_goal(self.goal, fields)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "on": self.on, "cron": self.cron.text if self.cron else None,
                "goal": self.goal, "problem": self.problem, "fields": list(self.fields)}


def render_goal(template: str, fields: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by the field's text. A value must be one PDDL
    name (letters, digits, ``-``, ``_``, ``.``) so an event cannot inject goal syntax."""
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in fields:
            raise SpecError(f"the event has no field '{name}'", hint="post it with "
                            f"fields: {{{name}: ...}}")
        value = str(fields[name])
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", value):
            raise SpecError(f"field '{name}' = {value!r} is not one name (letters, digits, "
                            "'-', '_', '.')")
        return value

    return PLACEHOLDER.sub(one, template)


def keys_as_text(triggers_node: Any) -> None:
    """YAML 1.1 reads the key ``on`` as the boolean true; in trigger entries every key is
    text (as GitHub Actions reads its ``on:``). Retags the keys of each entry in place."""
    for entry in getattr(triggers_node, "value", None) or ():
        if isinstance(getattr(entry, "value", None), list):
            for k, _v in entry.value:
                if str(getattr(k, "tag", "")).endswith(":bool"):
                    setattr(k, "tag", "tag:yaml.org,2002:str")  # noqa: B010 - a yaml node


def _pos(node: Any) -> tuple[int, int]:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    return line, col + (1 if getattr(node, "style", None) in ("'", '"') else 0)


def _items(node: Any) -> dict[str, Any]:
    if node is None or not isinstance(getattr(node, "value", None), list):
        return {}
    return {k.value: v for k, v in node.value if isinstance(getattr(k, "value", None), str)}


def _check_atoms(e: SExpr, domain: Domain, err: Any) -> None:
    if isinstance(e, Sym) or not e.items:
        raise err(e, "a goal is a formula such as (deployed {service} prod)")
    head = e.items[0]
    if not isinstance(head, Sym):
        raise err(head, "a formula starts with a predicate or and/or/not")
    word = head.text.lower()
    if word in _CONNECTIVES:
        for sub in e.items[1:]:
            _check_atoms(sub, domain, err)
        return
    if word in _QUANTIFIERS and len(e.items) == 3:
        _check_atoms(e.items[2], domain, err)
        return
    if word not in domain.predicates:
        hint = (f"'{word}' is an action; a goal names what should hold (a predicate)"
                if word in domain.actions else did_you_mean(word, list(domain.predicates)))
        raise err(head, f"unknown predicate '{head.text}'", hint)
    arity = len(domain.predicates[word])
    if len(e.items) - 1 != arity:
        raise err(head, f"'{word}' takes {arity} argument(s), not {len(e.items) - 1}")
    for arg in e.items[1:]:
        if isinstance(arg, SList):
            raise err(arg, f"an argument of '{word}' is a name, not a formula")


def _check_goal(goal: str, node: Any, domain: Domain, fields: Sequence[str], path: str,
                text: str) -> None:
    line, col = _pos(node)
    for m in PLACEHOLDER.finditer(goal):
        if m.group(1) not in fields:
            raise SpecError(
                f"triggers: unknown event field '{{{m.group(1)}}}' in the goal", path=path,
                line=line, col=col, hint=did_you_mean(m.group(1), list(fields))
                or f"the trigger's fields: {', '.join(fields) or 'none'} (declare them under "
                "'fields'; a cron trigger has none)")
    if not goal.lstrip().startswith("("):
        return  # plain words: read (and verified) when the run starts
    raw = text[node.start_mark.index:node.end_mark.index]
    if getattr(node, "style", None) in ("'", '"'):
        raw = raw[1:-1]
    if raw != goal:  # escapes or folding changed the text: positions from the value's start
        raw = goal
    masked = PLACEHOLDER.sub(lambda m: "_" + m.group(1) + "_", raw)

    def err(at: SExpr, message: str, hint: str | None = None) -> SpecError:
        return SpecError(f"triggers: {message}", path=path, line=at.line, col=at.col, hint=hint)

    _check_atoms(read_sexpr(masked, path=path, line=line, col=col), domain, err)


def read_triggers(models: Sequence[Any], node: Any, domain: Domain, problems: Sequence[str],
                  *, path: str, text: str) -> tuple[Trigger, ...]:
    """Check the ``TriggerModel`` list (pydantic) against the domain; errors carry positions."""
    nodes = node.value if node is not None and isinstance(node.value, list) else []
    out: list[Trigger] = []
    names: set[str] = set()
    for i, (m, n) in enumerate(zip(models, nodes, strict=False)):
        items = _items(n)

        def err(key: str | None, message: str, hint: str | None = None,
                n: Any = n, items: dict[str, Any] = items, i: int = i) -> SpecError:
            line, col = _pos(items[key]) if key in items else _pos(n)
            return SpecError(f"triggers[{i}]: {message}", path=path, line=line, col=col,
                             hint=hint)

        if (m.on is None) == (m.cron is None):
            raise err(None, "a trigger needs exactly one of 'on' (an event name) or 'cron' "
                      "(a schedule)", "for example on: deploy-requested")
        if m.goal is None and m.problem is None:
            raise err(None, "a trigger needs a 'goal' (a template) or a 'problem'",
                      "for example goal: '(deployed {service} prod)'")
        schedule = None
        if m.on is not None and not EVENT_NAME.match(m.on):
            raise err("on", f"'{m.on}' is not an event name (letters, digits, '.', '_', ':', "
                      "'-')")
        if m.cron is not None:
            if m.fields:
                raise err("fields", "a cron trigger has no event fields")
            try:
                schedule = parse_cron(m.cron)
            except CronError as e:
                line, col = _pos(items["cron"])
                raise SpecError(f"triggers[{i}].cron: {e}", path=path, line=line,
                                col=col + e.col - 1, hint="five fields: minute hour "
                                "day-of-month month day-of-week, e.g. '*/5 * * * *'") from None
        if m.problem is not None and m.problem not in problems:
            raise err("problem", f"no problem '{m.problem}'", did_you_mean(m.problem, problems)
                      or f"problems: {', '.join(problems) or 'none'}")
        if m.goal is not None:
            _check_goal(m.goal, items["goal"], domain, m.fields, path, text)
        name = m.name or (f"on-{m.on}" if m.on else f"cron-{i}")
        if name in names:
            raise err("name", f"two triggers are named '{name}'", "give each a unique 'name'")
        names.add(name)
        line, col = _pos(n)
        out.append(Trigger(name, m.on, schedule, m.goal, m.problem, tuple(m.fields), path,
                           line, col))
    return tuple(out)
