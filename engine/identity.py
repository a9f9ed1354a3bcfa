"""Who may approve: users with tokens, roles that are the spec's agents.

The users file (``$PLANSAFE_USERS``, ``Engine(users=FILE)``, ``plansafe approve --users FILE``,
``plansafe serve --users FILE``) is JSON or YAML::

    users:
      alice: {token_sha256: <hex sha-256 of her token>, roles: [lead]}
      bob:   {token_sha256: ..., roles: [ci]}

Tokens are kept only as SHA-256 digests (tokens are long random strings; make one with
``python -c "import secrets; print(secrets.token_urlsafe(32))"`` and store
``plansafe.identity.token_digest`` of it). Roles are the spec's agent names. A user may
approve a step when one of their roles is an agent that the spec's access rules allow to
perform the step's action (``(deploy api prod)`` in specs/devops: ``lead``).

Without a users file, approvals are not authenticated: ``by`` is free text, as before
(docs/TRUST.md says so). With one, every approval presents a token; a refused approval is
journaled (an ``approval-refused`` message) and nothing is approved.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError
from verifier.spec import Spec

__all__ = ["User", "Decision", "Users", "token_digest", "load_users", "users_file",
           "may_approve", "ApprovalRefused"]


class ApprovalRefused(PlansafeError):
    """A user presented no token, a wrong one, or may not approve this step."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class _Entry:
    user: User
    digest: str


def load_users(path: Path) -> dict[str, _Entry]:
    """The users file at ``path`` (``file: message`` as a PlansafeError when it is bad)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PlansafeError(f"{path}: cannot read the users file ({e})") from None
    try:
        data: Any = json.loads(text)
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise PlansafeError(f"{path}: not JSON or YAML ({e})") from None
    users = data.get("users") if isinstance(data, Mapping) else None
    if not isinstance(users, Mapping):
        raise PlansafeError(f"{path}:1:1: a users file is a mapping 'users: {{name: "
                            "{token_sha256: HEX, roles: [AGENT, ...]}}'")
    out: dict[str, _Entry] = {}
    for name, entry in users.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("token_sha256"), str):
            raise PlansafeError(f"{path}: user {name!r} needs token_sha256 (the hex SHA-256 "
                                "of the token)")
        roles = entry.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise PlansafeError(f"{path}: user {name!r}: roles is a list of agent names")
        out[str(name)] = _Entry(User(str(name), tuple(roles)),
                                str(entry["token_sha256"]).lower())
    return out


def users_file(explicit: str | Path | None = None) -> Path | None:
    """The users file in force: ``explicit``, else ``$PLANSAFE_USERS``, else none."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("PLANSAFE_USERS")
    return Path(env) if env else None


class Users:
    """The users of one users file (empty: approvals are not authenticated)."""

    def __init__(self, entries: Mapping[str, _Entry] | None = None) -> None:
        self.entries = dict(entries or {})

    @classmethod
    def from_file(cls, path: str | Path | None) -> Users:
        return cls(load_users(Path(path)) if path is not None else {})

    def __bool__(self) -> bool:
        return bool(self.entries)

    def sign_in(self, name: str, token: str) -> User | None:
        """The user ``name`` when ``token`` is theirs (constant-time comparison)."""
        entry = self.entries.get(name)
        digest = token_digest(token)  # the same work either way
        if entry is None:
            return None
        return entry.user if hmac.compare_digest(entry.digest, digest) else None

    def by_token(self, token: str) -> User | None:
        """The user whose token this is (tokens are unique random strings)."""
        digest = token_digest(token)
        found = None
        for entry in self.entries.values():
            if hmac.compare_digest(entry.digest, digest):
                found = entry.user
        return found

    def user(self, name: str) -> User | None:
        entry = self.entries.get(name)
        return entry.user if entry is not None else None


def may_approve(user: User, spec: Spec, action: str, args: tuple[str, ...]) -> Decision:
    """May ``user`` approve ``(action args...)`` under ``spec``?"""
    """May ``user`` approve ``(action args...)`` under ``spec``? One of their roles must be
    one an approval rule's ``by`` names (every matching rule's), or, where a rule names
    none, an agent the access rules allow to perform the action. (The other parts of a
    rule, ``count`` and ``not_starter``, depend on the run: :func:`engine.approvals.decide`.)"""
    call = "(" + " ".join((action, *args)) + ")"
    rules = spec.approval_rules_for(action, args)
    if not rules:
        return Decision(False, f"{call} needs no approval")
    role = ""
    for rule in rules:
        allowed = rule.by or spec.access.permitted(action, args)
        mine = [r for r in user.roles if r in allowed]
        if not mine:
            return Decision(False, f"{user.name} (roles: {', '.join(user.roles) or 'none'}) "
                            f"may not approve {call}; approvers: {', '.join(allowed) or 'nobody'}")
        role = role or mine[0]
    return Decision(True, f"{user.name} acts as {role}, who may approve {call}")
