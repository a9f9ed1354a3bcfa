"""The spec's approval rules, decided in one place for every way an approval arrives.

``approval:`` in ``spec.yaml`` lists the steps that wait for a person; an entry may also say
who may approve them (docs/TRUST.md, "Approval rules")::

    approval:
      - (deploy ?s staging)               # any approver the access rules allow
      - action: (deploy ?s prod)
        by: [lead]                        # roles (the spec's agents) whose users may approve
        count: 2                          # two different users must approve
        not_starter: true                 # the user who started the run may not approve

:func:`decide` is called by :meth:`engine.api.Engine.approve`, which the CLI
(``plansafe approve``), the console and the MCP server all go through; a refusal is journaled
there. :func:`gate` is the executor's side: a step runs only when its rules are satisfied by
the approvals in the journal. Rules with ``by``, ``count > 1`` or ``not_starter`` need
authenticated approvers (a users file, :mod:`engine.identity`); without one such a step's
approvals are refused, and ``--approve-all`` (``approvals=auto``) never satisfies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from verifier.access import ApprovalRule

if TYPE_CHECKING:
    from engine.identity import User
    from engine.runstate import RunState, StepRecord
    from verifier.spec import Spec

__all__ = ["Ruling", "decide", "gate", "needed", "describe_rule", "starter_needed"]


@dataclass(frozen=True, slots=True)
class Ruling:
    """Whether an approval (or rejection) is accepted, why, and whether the step may now
    run (``released``: approved by as many different users as its rules need)."""

    allowed: bool
    reason: str
    released: bool = False


def needed(rules: Sequence[ApprovalRule]) -> int:
    """How many different users must approve a step under ``rules``."""
    return max((r.count for r in rules), default=1)


def describe_rule(rule: ApprovalRule) -> str:
    parts = [rule.pattern.text or rule.pattern.action]
    if rule.by:
        parts.append("by " + " or ".join(rule.by))
    if rule.count > 1:
        parts.append(f"{rule.count} different approvers")
    if rule.not_starter:
        parts.append("not the run's starter")
    return ", ".join(parts)


def starter_needed(spec: Spec) -> bool:
    """Whether a run of ``spec`` must record who started it (a ``not_starter`` rule)."""
    return any(r.not_starter for r in spec.approval_rules)


def decide(spec: Spec, state: RunState, s: StepRecord, *, user: User | None, by: str,
           approved: bool) -> Ruling:
    """May ``user`` (None: approvals are not authenticated, the approver is ``by``) approve
    (or, ``approved=False``, reject) step ``s`` of the run ``state``?"""
    rules = spec.approval_rules_for(s.action, s.args)
    if not rules:
        return Ruling(False, f"{s.call} needs no approval")
    n = needed(rules)
    if user is None:
        strict = [r for r in rules if r.needs_identity]
        if strict:
            return Ruling(False, f"{s.call} needs authenticated approvers (its rule: "
                          f"{describe_rule(strict[0])}); give a users file (--users or "
                          "$PLANSAFE_USERS) and approve with --token")
        return Ruling(True, f"{'approved' if approved else 'rejected'} by {by} (approvals are "
                      "not authenticated)", released=approved)
    from engine.identity import may_approve

    roles = may_approve(user, spec, s.action, s.args)  # who: a rule's by, or the access rules
    if not roles.allowed:
        return Ruling(False, roles.reason)
    if not approved:  # a rejection stops the step: any allowed approver may reject
        return Ruling(True, f"{roles.reason}; rejected")
    if any(r.not_starter for r in rules):
        starter = (state.started.get("started_by") or {}).get("user")
        if starter is None:
            return Ruling(False, f"{s.call} needs an approver other than the run's starter, "
                          "and this run was started without a token (its starter is unknown)")
        if starter == user.name:
            return Ruling(False, f"{user.name} started run {state.run_id}; {s.call} needs an "
                          "approver other than the run's starter")
    before = state.approvers.get(s.binding, {})
    if n > 1 and before.get(user.name) is True:
        return Ruling(False, f"{user.name} already approved {s.call}; it needs {n} different "
                      "approvers")
    given = {u for u, ok in before.items() if ok} | {user.name}
    return Ruling(True, f"{roles.reason} (approval {min(len(given), n)} of {n})",
                  released=len(given) >= n)


def gate(spec: Spec, state: RunState, s: StepRecord
         ) -> Literal["run", "wait", "rejected", "auto"]:
    """What the journal's approvals say about step ``s``: ``run`` (its rules are satisfied),
    ``wait``, ``rejected`` (someone rejected it) or ``auto`` (no decision yet, and the rules
    let ``--approve-all`` decide: none of them needs identity)."""
    rules = spec.approval_rules_for(s.action, s.args)
    if not rules:
        return "run"
    n = needed(rules)
    if n == 1:  # the latest decision counts
        last = state.approvals.get(s.binding)
        if last is not None:
            return "run" if last[0] else "rejected"
        return "wait" if any(r.needs_identity for r in rules) else "auto"
    decisions = state.approvers.get(s.binding, {})
    if any(not ok for ok in decisions.values()):
        return "rejected"
    return "run" if sum(1 for ok in decisions.values() if ok) >= n else "wait"
