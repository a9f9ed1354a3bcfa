"""Access rules: which agent may perform which ground action; approval patterns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from verifier.errors import SpecError, did_you_mean
from verifier.model import ActionSchema, Domain
from verifier.sexpr import SExpr, Sym, read_sexpr

__all__ = ["Pattern", "Agent", "AccessRules", "ApprovalRule", "parse_pattern", "DEFAULT_AGENT",
           "pattern_schema", "check_pattern_constant"]

DEFAULT_AGENT = "default"


@dataclass(frozen=True, slots=True)
class Pattern:
    """``deploy`` (any arguments) or ``(deploy ?s prod)``: ``None`` marks a variable slot."""

    action: str
    args: tuple[str | None, ...] | None = None
    text: str = ""

    def matches(self, action: str, args: tuple[str, ...]) -> bool:
        if action != self.action:
            return False
        if self.args is None:
            return True
        return len(args) == len(self.args) and all(p is None or p == a
                                                   for p, a in zip(self.args, args, strict=True))


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """An ``approval:`` entry: the steps matching ``pattern`` wait for approval by ``count``
    different users, each holding one of the roles ``by`` (empty: the agents the access rules
    allow to perform the step), none of them the run's starter when ``not_starter``."""

    pattern: Pattern
    by: tuple[str, ...] = ()
    count: int = 1
    not_starter: bool = False

    @property
    def needs_identity(self) -> bool:
        """Only authenticated approvers can satisfy it (a users file)."""
        return bool(self.by) or self.count > 1 or self.not_starter


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    may: tuple[Pattern, ...]
    may_not: tuple[Pattern, ...] = ()

    def permits(self, action: str, args: tuple[str, ...]) -> bool:
        return any(p.matches(action, args) for p in self.may) and not any(
            p.matches(action, args) for p in self.may_not)


@dataclass(frozen=True, slots=True)
class AccessRules:
    agents: tuple[Agent, ...]

    def permitted(self, action: str, args: tuple[str, ...]) -> tuple[str, ...]:
        """Names of the agents that may perform ``(action args...)``, in spec order."""
        return tuple(a.name for a in self.agents if a.permits(action, args))

    def agent(self, name: str) -> Agent | None:
        return next((a for a in self.agents if a.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.agents)

    @staticmethod
    def default(domain: Domain) -> AccessRules:
        return AccessRules((Agent(DEFAULT_AGENT, tuple(Pattern(a) for a in domain.actions)),))


#: builds the error for a node of a pattern: (node, message, hint)
PatternFail = Callable[[SExpr, str, str | None], SpecError]


def pattern_schema(name: Sym, node: SExpr, args: Sequence[SExpr] | None, domain: Domain,
                   fail: PatternFail) -> ActionSchema:
    """The action a pattern ``node`` names, checked to exist and, when the pattern gives its
    ``args``, to take that many arguments."""
    schema = domain.actions.get(name.text)
    if schema is None:
        raise fail(name, f"unknown action '{name.text}'",
                   did_you_mean(name.text, domain.actions)
                   or f"actions are: {', '.join(sorted(domain.actions))}")
    if args is not None and len(args) != len(schema.params):
        raise fail(node, f"action '{name.text}' takes {len(schema.params)} argument"
                   f"{'s' if len(schema.params) != 1 else ''}, got {len(args)}",
                   "(" + " ".join((name.text, *(v for v, _ in schema.params))) + ")")
    return schema


def check_pattern_constant(arg: Sym, want: str, action: str, domain: Domain, fail: PatternFail,
                           *, named_by: str, type_phrase: str) -> None:
    """A constant argument of a pattern of ``action`` exists and fits the type ``want``.
    ``named_by`` (what may name only constants or variables) and ``type_phrase`` (how the
    constant's type is said) word the errors."""
    have = domain.constants.get(arg.text)
    if have is None:
        raise fail(arg, f"unknown constant '{arg.text}'",
                   did_you_mean(arg.text, domain.constants)
                   or f"{named_by} may name only the domain's :constants or ?variables")
    if not domain.is_subtype(have, want):
        raise fail(arg, f"'{arg.text}' {type_phrase} {have}, but this argument of "
                   f"'{action}' needs {want}", None)


def parse_pattern(text: str, domain: Domain, *, path: str = "spec.yaml", line: int = 1,
                  col: int = 1) -> Pattern:
    """Parse and check an action pattern against the domain's actions and constants."""
    node = read_sexpr(text, path=path, line=line, col=col)

    def fail(n: SExpr, message: str, hint: str | None) -> SpecError:
        return SpecError(message, path=path, line=n.line, col=n.col, hint=hint)

    if isinstance(node, Sym):
        name, args_nodes = node, None
    else:
        if not node.items or not isinstance(node.items[0], Sym):
            raise fail(node, "expected an action pattern", "for example (deploy ?s prod)")
        name, args_nodes = node.items[0], node.items[1:]
    schema = pattern_schema(name, node, args_nodes, domain, fail)
    if args_nodes is None:
        return Pattern(name.text, None, text)
    args: list[str | None] = []
    for arg, (_, want) in zip(args_nodes, schema.params, strict=True):
        if not isinstance(arg, Sym):
            raise fail(arg, "expected a variable or a constant", None)
        if arg.text.startswith("?"):
            args.append(None)
            continue
        check_pattern_constant(arg, want, name.text, domain, fail, named_by="patterns",
                               type_phrase="has type")
        args.append(arg.text)
    return Pattern(name.text, tuple(args), text)
