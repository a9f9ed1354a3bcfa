"""Warnings for rules that cannot do what their ``says`` suggests (``plansafe check``).

A state rule is judged on states: ``(at-most-once (administered ?d))`` counts how often the
atom *becomes true*, so when no action ever deletes ``administered`` it can become true only
once and the rule is never broken, however many times the dose is given. Authors who meant
"the action runs at most once" should write an action rule (:mod:`verifier.action_rules`);
each warning names that rewrite.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from verifier.analysis import Analysis
from verifier.errors import SourcePos
from verifier.model import And, AtMostOnce, Atom, Domain, Forall, Temporal
from verifier.policy import Policy, PolicyRule

__all__ = ["RuleWarning", "rule_warnings", "unbreakable_warnings"]


@dataclass(frozen=True, slots=True)
class RuleWarning:
    """A rule (policy ``policy``, written at ``pos``) that cannot do what its ``says``
    suggests, why (``message``) and the action rule to write instead (``rewrite``)."""

    policy: str
    message: str
    rewrite: str | None = None
    pos: SourcePos = SourcePos("spec.yaml")

    def __str__(self) -> str:
        hint = f" (rewrite: {self.rewrite})" if self.rewrite else ""
        return f"{self.pos}: policy {self.policy}: {self.message}{hint}"


def _operators(rule: PolicyRule) -> Iterator[Temporal]:
    if isinstance(rule, And):
        for r in rule.args:
            yield from _operators(r)  # type: ignore[arg-type]
    elif isinstance(rule, Forall):
        yield from _operators(rule.body)  # type: ignore[arg-type]
    else:
        yield rule


def _deleted(domain: Domain) -> frozenset[str]:
    return frozenset(e.atom.pred for a in domain.actions.values() for e in a.effects
                     if not e.positive)


def _rewrites(domain: Domain, pred: str) -> list[str]:
    """``at-most-once-action`` rules on the actions that add ``pred``."""
    out = []
    for a in domain.actions.values():
        for e in a.effects:
            if e.positive and e.atom.pred == pred:
                pattern = "(" + " ".join((a.name, *(v for v, _ in a.params))) + ")"
                per = [x for x in e.atom.args if x.startswith("?")]
                out.append(f"(at-most-once-action {pattern}"
                           + (f" per {' '.join(dict.fromkeys(per))}" if per else "") + ")")
                break
    return out


def rule_warnings(policies: tuple[Policy, ...] | list[Policy], domain: Domain
                  ) -> list[RuleWarning]:
    """Rules that no plan can break because of how the domain is written."""
    deleted = _deleted(domain)
    out: list[RuleWarning] = []
    for p in policies:
        if p.action is not None:
            continue
        for op in _operators(p.rule):
            if isinstance(op, AtMostOnce) and isinstance(op.arg, Atom) \
                    and op.arg.pred not in deleted:
                rewrites = _rewrites(domain, op.arg.pred)
                atom = "(" + " ".join((op.arg.pred, *op.arg.args)) + ")"
                out.append(RuleWarning(
                    p.id, f"at-most-once {atom} can never be broken: no action deletes "
                    f"'{op.arg.pred}', so it becomes true at most once in every plan "
                    "(at-most-once counts states, not actions)",
                    " or ".join(rewrites) or None, p.pos))
                break
    return out


def unbreakable_warnings(analyses: Sequence[Analysis], policies: Sequence[Policy], *,
                         skip: Collection[str] = ()) -> list[RuleWarning]:
    """Rules that no run of any analysed problem breaks (bounded model checking): such a rule
    constrains nothing, so it does not do what its ``says`` suggests (``skip``: already
    warned about)."""
    if not analyses:
        return []
    never = set.intersection(*(set(a.unbreakable) for a in analyses)) - set(skip)
    h = min(a.horizon for a in analyses)
    return [RuleWarning(p.id, f"no run of the example problems breaks it (checked within {h} "
                        "steps from each problem's initial state): it constrains nothing; "
                        "a rule on how often or in which order actions run is an action rule",
                        "at-most-once-action, only-after-action or never-after-action",
                        p.pos)
            for p in policies if p.id in never]
