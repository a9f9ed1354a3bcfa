"""Action rules: policies written on the steps of a plan rather than on its states.

Authors think in actions ("a dose is given at most once", "a dose is dispensed only after it
was verified", "the pharmacist who verified a dose never dispenses it"); PDDL3's state rules
count how often an atom *becomes true*, which is not the same thing when no action deletes
the atom. Three kinds, on action patterns whose variables are shared by name::

    (at-most-once-action (administer ?d ?p ?n) per ?d)   ; at most one such step per ?d
    (only-after-action (dispense ?d ?ph) (verify ?d ?x))   ; a dispense of ?d needs an earlier
                                                           ; verify of the same ?d
    (never-after-action (dispense ?d ?ph) (verify ?d ?ph)) ; never dispensed by the pharmacist
                                                           ; who verified it (four eyes)

Each rule is compiled into the domain when the spec is loaded (:func:`compile_domain_text`):
one auxiliary predicate ``ps-<rule id>`` that the matching actions set (an effect) and test (a
precondition). The validator, the planners, Z3 and the executor therefore all read the rule
from the domain with no code path of their own; the validator reports a step refused by an
auxiliary atom as a ``policy`` violation naming the rule's id and its ``says`` text
(:func:`explain`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from verifier.access import check_pattern_constant, pattern_schema
from verifier.errors import SpecError, did_you_mean
from verifier.model import Domain
from verifier.sexpr import SExpr, SList, Sym, read_sexpr, read_sexprs

__all__ = [
    "ActionRule", "ActionPattern", "ActionRuleKind", "ACTION_OPERATORS", "is_action_rule",
    "parse_action_rule", "aux_predicate", "compile_domain_text", "compiled_domain_path",
    "explain", "refusing_atom", "AUX_PREFIX",
]

ActionRuleKind = Literal["at-most-once-action", "only-after-action", "never-after-action"]
ACTION_OPERATORS: tuple[ActionRuleKind, ...] = (
    "at-most-once-action", "only-after-action", "never-after-action")
AUX_PREFIX = "ps-"


@dataclass(frozen=True, slots=True)
class ActionPattern:
    """``(administer ?d ?p ?n)``: an action with a variable or a constant per parameter."""

    action: str
    args: tuple[str, ...]

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a in self.args if a.startswith("?")))

    def text(self) -> str:
        return "(" + " ".join((self.action, *self.args)) + ")"


@dataclass(frozen=True, slots=True)
class ActionRule:
    """A parsed action rule. ``key`` are the variables that tie the two patterns (or, for
    ``at-most-once-action``, the variables counted ``per``)."""

    kind: ActionRuleKind
    pattern: ActionPattern
    other: ActionPattern | None
    key: tuple[str, ...]


def is_action_rule(text: str) -> bool:
    """True when ``text`` starts with one of the action-rule operators."""
    m = re.match(r"\s*\(\s*([^\s()]+)", text)
    return m is not None and m.group(1).lower() in ACTION_OPERATORS


def parse_action_rule(text: str, domain: Domain, *, path: str = "spec.yaml", line: int = 1,
                      col: int = 1) -> ActionRule:
    """Parse and type-check an action rule (positions point into ``path``)."""
    node = read_sexpr(text, path=path, line=line, col=col)

    def fail(n: SExpr, message: str, hint: str | None = None) -> SpecError:
        return SpecError(message, path=path, line=n.line, col=n.col, hint=hint)

    if not isinstance(node, SList) or not node.items or not isinstance(node.items[0], Sym):
        raise fail(node, "expected an action rule in parentheses",
                   "for example (at-most-once-action (administer ?d ?p ?n) per ?d)")
    op = node.items[0].text
    if op not in ACTION_OPERATORS:
        raise fail(node.items[0], f"unknown action rule '{op}'",
                   did_you_mean(op, ACTION_OPERATORS) or "use " + ", ".join(ACTION_OPERATORS))
    kind: ActionRuleKind = op
    args = node.items[1:]
    types: dict[str, str] = {}
    if kind == "at-most-once-action":
        if not args:
            raise fail(node, "'at-most-once-action' needs an action pattern",
                       "(at-most-once-action (administer ?d ?p ?n) per ?d)")
        pattern = _pattern(args[0], domain, types, fail)
        _no_repeats(pattern, args[0], fail)
        rest = args[1:]
        key: tuple[str, ...] = pattern.variables
        if rest:
            if not isinstance(rest[0], Sym) or rest[0].text != "per":
                raise fail(rest[0], "expected 'per' and the variables counted",
                           "(at-most-once-action (administer ?d ?p ?n) per ?d)")
            named: list[str] = []
            for v in rest[1:]:
                if not isinstance(v, Sym) or v.text not in pattern.variables:
                    raise fail(v, f"'per' names a variable of the pattern, got "
                               f"'{v.text if isinstance(v, Sym) else '(...)'}'",
                               did_you_mean(v.text, pattern.variables)
                               if isinstance(v, Sym) else None)
                named.append(v.text)
            if not named:
                raise fail(rest[0], "'per' needs at least one variable", "per ?d")
            key = tuple(dict.fromkeys(named))
        return ActionRule(kind, pattern, None, key)
    if len(args) != 2:
        raise fail(node, f"'{kind}' takes two action patterns, got {len(args)}",
                   f"({kind} (dispense ?d ?ph) (verify ?d ?x))")
    pattern = _pattern(args[0], domain, types, fail)
    other = _pattern(args[1], domain, types, fail)
    _no_repeats(other, args[1], fail)
    shared = tuple(v for v in pattern.variables if v in other.variables)
    return ActionRule(kind, pattern, other, shared)


_Fail = Callable[..., SpecError]


def _pattern(node: SExpr, domain: Domain, types: dict[str, str], fail: _Fail) -> ActionPattern:
    if not isinstance(node, SList) or not node.items or not isinstance(node.items[0], Sym):
        raise fail(node, "expected an action pattern such as (administer ?d ?p ?n)")
    name = node.items[0]
    args = node.items[1:]
    schema = pattern_schema(name, node, args, domain, fail)
    out: list[str] = []
    for arg, (_, want) in zip(args, schema.params, strict=True):
        if not isinstance(arg, Sym):
            raise fail(arg, "expected a variable or a constant")
        if arg.text.startswith("?"):
            have = types.setdefault(arg.text, want)
            if not (domain.is_subtype(have, want) or domain.is_subtype(want, have)):
                raise fail(arg, f"'{arg.text}' is a {have} elsewhere in this rule, but this "
                           f"argument of '{name.text}' is a {want}")
        else:
            check_pattern_constant(arg, want, name.text, domain, fail, named_by="action rules",
                                   type_phrase="is a")
        out.append(arg.text)
    return ActionPattern(name.text, tuple(out))


def _no_repeats(pattern: ActionPattern, node: SExpr, fail: _Fail) -> None:
    vs = [a for a in pattern.args if a.startswith("?")]
    if len(vs) != len(set(vs)):
        raise fail(node, "a variable appears twice in this pattern",
                   "give each argument its own variable")


def aux_predicate(rule_id: str) -> str:
    """The auxiliary predicate of a rule (PDDL name: letters, digits and '-')."""
    return AUX_PREFIX + re.sub(r"[^a-z0-9-]+", "-", rule_id.lower()).strip("-")


# --- compiling into the domain ---------------------------------------------------------------


def _render(node: SExpr) -> str:
    if isinstance(node, Sym):
        return node.text
    return "(" + " ".join(_render(x) for x in node.items) + ")"


def _action_nodes(items: Sequence[SExpr]) -> dict[str, SList]:
    out = {}
    for it in items:
        if (isinstance(it, SList) and len(it.items) > 1 and isinstance(it.items[0], Sym)
                and it.items[0].text == ":action" and isinstance(it.items[1], Sym)):
            out[it.items[1].text] = it
    return out


def compile_domain_text(domain_text: str, domain: Domain,
                        rules: Sequence[tuple[str, ActionRule]], *, path: str = "domain.pddl"
                        ) -> str:
    """The domain's PDDL with each ``(rule id, rule)`` compiled in (see the module doc)."""
    nodes = read_sexprs(domain_text, path=path)
    if len(nodes) != 1 or not isinstance(nodes[0], SList):
        raise SpecError("expected one (define (domain ...)) form", path=path)
    top = list(nodes[0].items)
    actions = _action_nodes(top)
    pre: dict[str, list[str]] = {a: [] for a in actions}
    eff: dict[str, list[str]] = {a: [] for a in actions}
    preds: list[str] = []
    for rule_id, rule in rules:
        aux = aux_predicate(rule_id)
        if aux in domain.predicates:
            raise SpecError(f"the rule id '{rule_id}' clashes with the predicate '{aux}'",
                            path=path, hint="rename the rule")
        setter = rule.pattern if rule.other is None else rule.other
        s_params = domain.actions[setter.action].params
        # the setter's atom: the key variables, then its constant positions (so that a step
        # with other arguments there does not count)
        s_var = {a: v for a, (v, _) in zip(setter.args, s_params, strict=True) if a.startswith("?")}
        consts = [(i, a) for i, a in enumerate(setter.args) if not a.startswith("?")]
        key_types = [_type_of(setter, k, domain) for k in rule.key]
        preds.append("(" + " ".join([aux, *(f"?k{i} - {t}" for i, t in
                                            enumerate(key_types + [
                                                s_params[i][1] for i, _ in consts]))]) + ")")
        eff[setter.action].append(
            "(" + " ".join([aux, *(s_var[k] for k in rule.key),
                            *(s_params[i][0] for i, _ in consts)]) + ")")
        # the tester: the step the rule allows or forbids
        t_params = domain.actions[rule.pattern.action].params
        t_var: dict[str, str] = {}
        conds: list[str] = []
        for a, (v, _) in zip(rule.pattern.args, t_params, strict=True):
            if not a.startswith("?"):
                conds.append(f"(= {v} {a})")
            elif a in t_var:
                conds.append(f"(= {v} {t_var[a]})")
            else:
                t_var[a] = v
        atom = "(" + " ".join([aux, *(t_var[k] for k in rule.key), *(c for _, c in consts)]) + ")"
        test = atom if rule.kind == "only-after-action" else f"(not {atom})"
        pre[rule.pattern.action].append(
            f"(or {' '.join(f'(not {c})' for c in conds)} {test})" if conds else test)
    return _compiled_text(top, pre, eff, preds, path=path)


def _compiled_text(top: list[SExpr], pre: dict[str, list[str]], eff: dict[str, list[str]],
                   preds: list[str], *, path: str) -> str:
    """The domain's forms written back with the requirements the rules need, the auxiliary
    predicates, and each action's extra preconditions and effects."""
    out: list[str] = []
    for it in top:
        if isinstance(it, SList) and it.items and isinstance(it.items[0], Sym):
            head = it.items[0].text
            if head == ":requirements":
                reqs = [_render(x) for x in it.items[1:]]
                for r in (":negative-preconditions", ":disjunctive-preconditions", ":equality"):
                    if r not in reqs:
                        reqs.append(r)
                out.append("(:requirements " + " ".join(reqs) + ")")
                continue
            if head == ":predicates":
                out.append("(:predicates " + " ".join([*(_render(x) for x in it.items[1:]),
                                                      *preds]) + ")")
                continue
            if head == ":action" and isinstance(it.items[1], Sym):
                out.append(_action_text(it, pre[it.items[1].text], eff[it.items[1].text]))
                continue
        out.append(_render(it))
    if not any(isinstance(it, SList) and it.items and isinstance(it.items[0], Sym)
               and it.items[0].text == ":predicates" for it in top):
        raise SpecError("an action rule needs a (:predicates ...) section", path=path)
    return ";; compiled by Plansafe: action rules as auxiliary predicates\n" + \
        "(" + "\n  ".join(out) + ")\n"


def _type_of(pattern: ActionPattern, var: str, domain: Domain) -> str:
    params = domain.actions[pattern.action].params
    return next(t for a, (_, t) in zip(pattern.args, params, strict=True) if a == var)


def _action_text(node: SList, pre: list[str], eff: list[str]) -> str:
    items = list(node.items)
    parts: list[str] = []
    seen = {":precondition": False, ":effect": False}
    i = 0
    while i < len(items):
        it = items[i]
        if isinstance(it, Sym) and it.text in (":precondition", ":effect") and i + 1 < len(items):
            extra = pre if it.text == ":precondition" else eff
            body = _render(items[i + 1])
            if extra:
                body = "(and " + body + " " + " ".join(extra) + ")"
            parts += [it.text, body]
            seen[it.text] = True
            i += 2
            continue
        parts.append(_render(it))
        i += 1
    if pre and not seen[":precondition"]:
        parts += [":precondition", "(and " + " ".join(pre) + ")"]
    if eff and not seen[":effect"]:
        parts += [":effect", "(and " + " ".join(eff) + ")"]
    return "(" + " ".join(parts) + ")"


def compiled_domain_path(source: Path, text: str) -> Path:
    """Write ``text`` (a compiled domain) to the user's cache, keyed by its content, and return
    the path (written once; readers of the same content share it)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plansafe"
    folder = base / "compiled" / digest
    target = folder / source.name
    if target.exists():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / "plansafe-compiled" / digest
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
    return target


def refusing_atom(rule_id: str, rule: ActionRule, action: str, args: Sequence[str],
                  holds: Callable[[tuple[str, ...]], bool]) -> tuple[str, ...] | None:
    """The auxiliary atom by which ``rule`` refuses the step ``(action args...)`` in a state
    (``holds`` tells whether an atom holds there), or None when the rule allows it."""
    pattern = rule.pattern
    if pattern.action != action or len(pattern.args) != len(args):
        return None
    bound: dict[str, str] = {}
    for want, have in zip(pattern.args, args, strict=True):
        if not want.startswith("?"):
            if want != have:
                return None
        elif bound.setdefault(want, have) != have:
            return None
    setter = pattern if rule.other is None else rule.other
    atom = (aux_predicate(rule_id), *(bound[k] for k in rule.key),
            *(a for a in setter.args if not a.startswith("?")))
    present = holds(atom)
    refused = not present if rule.kind == "only-after-action" else present
    return atom if refused else None


# --- explaining a refused step ---------------------------------------------------------------


def explain(rule: ActionRule, atom: tuple[str, ...], say_pattern: Mapping[str, str] | None = None
            ) -> str:
    """Why a step was refused by ``rule`` (``atom``: the auxiliary atom that refused it)."""
    del say_pattern
    values = dict(zip(rule.key, atom[1:len(rule.key) + 1], strict=True))
    which = ", ".join(f"{k} = {v}" for k, v in values.items())
    if rule.kind == "at-most-once-action":
        return (f"{rule.pattern.text()} may run at most once"
                + (f" per {', '.join(rule.key)}" if rule.key else "")
                + (f"; it already ran for {which}" if which else "; it already ran"))
    assert rule.other is not None
    tied = f" with {which}" if which else ""
    if rule.kind == "only-after-action":
        return (f"{rule.pattern.text()} runs only after {rule.other.text()}, and no such "
                f"step{tied} ran before it")
    return (f"{rule.pattern.text()} never runs after {rule.other.text()}, but such a "
            f"step{tied} ran before it")
