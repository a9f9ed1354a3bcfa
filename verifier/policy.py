"""Policies: PDDL3-style state-trajectory rules, parsed and type-checked by Plansafe.

The language: ``always``, ``sometime``, ``at-most-once``, ``sometime-before``,
``sometime-after`` over state formulas built from atoms, ``and``, ``or``, ``not``,
``imply``, ``=``, ``forall`` and ``exists``; rules combine with ``and`` and ``forall``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from verifier import model as m
from verifier.errors import SourcePos, SpecError, did_you_mean
from verifier.formula_fold import FormulaFold
from verifier.sexpr import SExpr, SList, Sym, read_sexpr

if TYPE_CHECKING:
    from verifier.action_rules import ActionRule

__all__ = [
    "Policy", "PolicyRule", "GroundConstraint", "parse_policy_rule", "parse_formula",
    "ground_policy", "render", "OPERATORS",
]

PolicyRule = m.Temporal | m.And | m.Forall
OPERATORS = ("always", "sometime", "at-most-once", "sometime-before", "sometime-after")
_UNARY: dict[str, Callable[[m.Formula], m.Temporal]] = {
    "always": m.Always, "sometime": m.Sometime, "at-most-once": m.AtMostOnce}
_BINARY: dict[str, Callable[[m.Formula, m.Formula], m.Temporal]] = {
    "sometime-before": m.SometimeBefore, "sometime-after": m.SometimeAfter}


@dataclass(frozen=True, slots=True)
class Policy:
    """A rule of a spec: its ``id``, the parsed ``rule``, the ``text`` it was parsed from,
    what the author says it means (``says``) and where it is written."""

    id: str
    rule: PolicyRule
    text: str
    says: str | None = None
    path: str = "spec.yaml"
    line: int = 1
    col: int = 1
    # an action rule (verifier.action_rules): compiled into the domain when the spec is
    # loaded; ``rule`` is then the empty ``(and)`` and the validator names this policy when
    # a step is refused by the rule's auxiliary atom
    action: ActionRule | None = None

    @property
    def pos(self) -> SourcePos:
        """Where the policy is written (its ``path``, ``line`` and ``col``)."""
        return SourcePos(self.path, self.line, self.col)


@dataclass(frozen=True, slots=True)
class GroundConstraint:
    """One temporal operator of a policy with its quantified variables bound."""

    policy: Policy
    op: m.Temporal
    binding: tuple[tuple[str, str], ...]


class _Checker:
    def __init__(self, domain: m.Domain, objects: Mapping[str, str], path: str,
                 what: str = "policy") -> None:
        self.domain, self.objects, self.path = domain, objects, path
        self.what = what  # "policy" (constants only) or "goal" (the problem's objects)

    def fail(self, node: SExpr, message: str, hint: str | None = None) -> SpecError:
        return SpecError(message, path=self.path, line=node.line, col=node.col, hint=hint)

    def head(self, node: SExpr, what: str) -> str:
        if not isinstance(node, SList) or not node.items or not isinstance(node.items[0], Sym):
            raise self.fail(node, f"expected {what} in parentheses",
                            hint="for example (always (not (p ?x)))")
        return node.items[0].text

    def params(self, node: SExpr, scope: dict[str, str]) -> tuple[tuple[str, str], ...]:
        if not isinstance(node, SList):
            raise self.fail(node, "expected a typed variable list", hint="(?s - service)")
        out: list[tuple[str, str]] = []
        pending: list[Sym] = []
        items = list(node.items)
        i = 0
        while i < len(items):
            it = items[i]
            if not isinstance(it, Sym):
                raise self.fail(it, "expected a variable", hint="(?s - service)")
            if it.text == "-":
                if i + 1 >= len(items) or not isinstance(items[i + 1], Sym):
                    raise self.fail(it, "expected a type after '-'", hint="(?s - service)")
                t = items[i + 1]
                assert isinstance(t, Sym)
                if t.text not in self.domain.types and t.text != "object":
                    raise self.fail(t, f"unknown type '{t.text}'",
                                    hint=did_you_mean(t.text, self.domain.types) or "types "
                                    f"are: {', '.join(sorted(self.domain.types)) or 'object'}")
                out.extend((p.text, t.text) for p in pending)
                pending = []
                i += 2
                continue
            if not it.text.startswith("?"):
                raise self.fail(it, f"expected a variable, got '{it.text}'",
                                hint="variables start with '?'")
            pending.append(it)
            i += 1
        out.extend((p.text, "object") for p in pending)
        for var, typ in out:
            scope[var] = typ
        return tuple(out)

    def rule(self, node: SExpr, scope: dict[str, str]) -> PolicyRule:
        op = self.head(node, "a rule")
        assert isinstance(node, SList)
        args = node.items[1:]
        if op in _UNARY:
            self.arity(node, op, args, 1)
            return _UNARY[op](self.formula(args[0], scope))
        if op in _BINARY:
            self.arity(node, op, args, 2)
            return _BINARY[op](self.formula(args[0], scope), self.formula(args[1], scope))
        if op == "and":
            # a rule tree reuses And/Forall around temporal operators (PolicyRule)
            return m.And(tuple(self.rule(a, scope) for a in args))  # type: ignore[misc]
        if op == "forall":
            self.arity(node, op, args, 2)
            inner = dict(scope)
            params = self.params(args[0], inner)
            return m.Forall(params, self.rule(args[1], inner))  # type: ignore[arg-type]
        hint = did_you_mean(op, (*OPERATORS, "and", "forall"))
        if op in ("or", "not", "imply", "exists"):
            hint = f"'{op}' works inside a state formula, e.g. (always ({op} ...))"
        raise self.fail(node.items[0], f"unknown policy operator '{op}'",
                        hint=hint or f"use one of {', '.join(OPERATORS)}")

    def arity(self, node: SList, op: str, args: tuple[SExpr, ...], n: int) -> None:
        if len(args) != n:
            raise self.fail(node, f"'{op}' takes {n} argument{'s' if n > 1 else ''}, "
                            f"got {len(args)}", hint=None)

    def formula(self, node: SExpr, scope: dict[str, str]) -> m.Formula:
        if isinstance(node, Sym):
            if node.text in ("true", "false"):
                return m.Const(node.text == "true")
            raise self.fail(node, f"expected a formula, got '{node.text}'",
                            hint="atoms are written in parentheses, e.g. (tested ?s)")
        op = self.head(node, "a formula")
        args = node.items[1:]
        if op == "and":
            return m.And(tuple(self.formula(a, scope) for a in args))
        if op == "or":
            return m.Or(tuple(self.formula(a, scope) for a in args))
        if op == "not":
            self.arity(node, op, args, 1)
            return m.Not(self.formula(args[0], scope))
        if op == "imply":
            self.arity(node, op, args, 2)
            return m.Imply(self.formula(args[0], scope), self.formula(args[1], scope))
        if op == "=":
            self.arity(node, op, args, 2)
            a, b = (self.term(x, scope)[0] for x in args)
            return m.Eq(a, b)
        if op in ("forall", "exists"):
            self.arity(node, op, args, 2)
            inner = dict(scope)
            params = self.params(args[0], inner)
            body = self.formula(args[1], inner)
            return m.Forall(params, body) if op == "forall" else m.Exists(params, body)
        if op in _UNARY or op in _BINARY:
            raise self.fail(node.items[0], f"'{op}' cannot be nested inside a state formula",
                            hint="temporal operators combine only with 'and' and 'forall'")
        return self.atom(node, scope)

    def atom(self, node: SList, scope: dict[str, str]) -> m.Atom:
        name = node.items[0]
        assert isinstance(name, Sym)
        sig = self.domain.predicates.get(name.text)
        if sig is None:
            raise self.fail(name, f"unknown predicate '{name.text}'",
                            hint=did_you_mean(name.text, self.domain.predicates)
                            or f"predicates are: {', '.join(sorted(self.domain.predicates))}")
        args = node.items[1:]
        if len(args) != len(sig):
            raise self.fail(node, f"predicate '{name.text}' takes {len(sig)} argument"
                            f"{'s' if len(sig) != 1 else ''}, got {len(args)}",
                            hint=f"({name.text}{''.join(' ' + t for t in sig)})")
        terms = []
        for arg, want in zip(args, sig, strict=True):
            term, have = self.term(arg, scope)
            if not (self.domain.is_subtype(have, want) or self.domain.is_subtype(want, have)):
                raise self.fail(arg, f"'{term}' has type {have}, but argument of "
                                f"'{name.text}' needs {want}", hint=None)
            terms.append(term)
        return m.Atom(name.text, tuple(terms))

    def term(self, node: SExpr, scope: dict[str, str]) -> tuple[str, str]:
        if not isinstance(node, Sym):
            raise self.fail(node, "expected a variable or an object", hint=None)
        if node.text.startswith("?"):
            if node.text not in scope:
                raise self.fail(node, f"unbound variable '{node.text}'",
                                hint=did_you_mean(node.text, scope)
                                or "bind it with (forall (?x - type) ...)")
            return node.text, scope[node.text]
        if node.text not in self.objects:
            if self.what == "goal":
                hint = did_you_mean(node.text, self.objects) or (
                    "objects of this problem: " + ", ".join(sorted(self.objects))
                    if self.objects else "this problem has no objects")
            else:
                hint = did_you_mean(node.text, self.objects) \
                    or "policies may name only the domain's :constants"
            raise self.fail(node, f"unknown object '{node.text}'", hint=hint)
        return node.text, self.objects[node.text]


def parse_formula(text: str, domain: m.Domain, objects: Mapping[str, str], *, path: str = "<goal>",
                  line: int = 1, col: int = 1) -> m.Formula:
    """Parse and type-check a state formula such as a goal ``(and (deployed api prod))``."""
    node = read_sexpr(text, path=path, line=line, col=col)
    return _Checker(domain, objects, path, "goal").formula(node, {})


def parse_policy_rule(text: str, domain: m.Domain, *, path: str = "spec.yaml", line: int = 1,
                      col: int = 1) -> PolicyRule:
    """Parse and type-check a policy rule against the domain (constants only)."""
    node = read_sexpr(text, path=path, line=line, col=col)
    return _Checker(domain, domain.constants, path).rule(node, {})


def ground_policy(policy: Policy, objects_of: Callable[[str], Sequence[str]]
                  ) -> Iterator[GroundConstraint]:
    """Expand ``forall`` and ``and`` at the top of a rule into ground constraints."""

    def walk(rule: PolicyRule, binding: dict[str, str]) -> Iterator[GroundConstraint]:
        if isinstance(rule, m.And):
            for r in rule.args:
                yield from walk(r, binding)  # type: ignore[arg-type]
        elif isinstance(rule, m.Forall):
            pools = [objects_of(t) for _, t in rule.params]
            for combo in itertools.product(*pools):
                b = dict(binding)
                b.update(zip((v for v, _ in rule.params), combo, strict=True))
                yield from walk(rule.body, b)  # type: ignore[arg-type]
        else:
            yield GroundConstraint(policy, rule, tuple(sorted(binding.items())))

    yield from walk(policy.rule, {})


def render(formula: m.Formula, binding: Mapping[str, str], describe: Mapping[str, str]) -> str:
    """Plain-language text of a formula, using ``describe`` templates for atoms."""

    def atom(f: m.Atom) -> str:
        args = [binding.get(a, a) for a in f.args]
        tpl = describe.get(f.pred)
        if tpl:
            try:
                return tpl.format(*args)
            except (IndexError, KeyError):
                pass
        return "(" + " ".join((f.pred, *args)) + ")"

    def quantified(f: m.Forall | m.Exists, body: str) -> str:
        word = "every" if isinstance(f, m.Forall) else "some"
        return f"for {word} {', '.join(f'{v} - {t}' for v, t in f.params)}: {body}"

    return FormulaFold(
        atom=atom,
        not_=lambda arg: f"not {arg}",
        and_=lambda args: " and ".join(args) or "true",
        or_=lambda args: " or ".join(args) or "false",
        imply=lambda left, right: f"if {left} then {right}",
        eq=lambda f: f"{binding.get(f.left, f.left)} = {binding.get(f.right, f.right)}",
        quantified=quantified,
        const=lambda value: "true" if value else "false",
        other=str,
    )(formula)
