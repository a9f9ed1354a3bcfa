"""Who is signed in to the console and whom the spec lets approve a step.

Everything the console asks about identity goes through :class:`Authority` (``sign_in`` and
``may_approve``), so the rules can be switched to the project's identity module without
touching the pages.

The users file (``plansafe serve --users FILE`` or ``$PLANSAFE_USERS``) is JSON or YAML::

    users:
      alice: {token_sha256: <hex sha-256 of her token>, roles: [lead]}
      bob:   {token_sha256: ..., roles: [ci]}

Tokens are kept only as SHA-256 digests (tokens are long random strings: ``plansafe serve``
prints how to make one). Roles are the spec's agent names: a user may approve a step when one
of their roles is an agent that the spec's access rules allow to perform the step's action
(``(deploy api prod)`` in specs/devops: ``lead``), and, when the spec's approval entry names
who may approve, one of those.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError
from verifier.spec import Spec

__all__ = ["ConsoleUser", "Decision", "Authority", "token_digest", "load_users"]


@dataclass(frozen=True, slots=True)
class ConsoleUser:
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
    user: ConsoleUser
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
        out[str(name)] = _Entry(ConsoleUser(str(name), tuple(roles)),
                                str(entry["token_sha256"]).lower())
    return out


class Authority:
    """Signs users in (a signed cookie holds the session) and decides who may approve."""

    def __init__(self, users: Mapping[str, _Entry] | None = None, *,
                 secret: bytes | None = None, session_s: float = 8 * 3600) -> None:
        self.users = dict(users or {})
        self.secret = secret or secrets.token_bytes(32)
        self.session_s = session_s

    @classmethod
    def from_file(cls, path: Path | None) -> Authority:
        return cls(load_users(path) if path is not None else {})

    # --- identity -------------------------------------------------------------------------------

    def sign_in(self, name: str, token: str) -> ConsoleUser | None:
        entry = self.users.get(name)
        if entry is None:
            token_digest(token)  # the same work either way
            return None
        return entry.user if hmac.compare_digest(entry.digest, token_digest(token)) else None

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def session_cookie(self, user: ConsoleUser) -> str:
        body = f"{user.name}|{int(time.time() + self.session_s)}"
        return f"{body}|{self._mac(body)}"

    def user_of(self, cookie: str | None) -> ConsoleUser | None:
        if not cookie or cookie.count("|") != 2:
            return None
        name, expiry, mac = cookie.split("|")
        if not hmac.compare_digest(mac, self._mac(f"{name}|{expiry}")):
            return None
        if not expiry.isdigit() or int(expiry) < time.time():
            return None
        entry = self.users.get(name)
        return entry.user if entry is not None else None

    def csrf(self, user: ConsoleUser) -> str:
        return self._mac("csrf|" + user.name)

    def check_csrf(self, user: ConsoleUser, token: str) -> bool:
        return hmac.compare_digest(self.csrf(user), token or "")

    # --- authorization --------------------------------------------------------------------------

    def may_approve(self, user: ConsoleUser, spec: Spec, action: str, args: tuple[str, ...]
                    ) -> Decision:
        """May ``user`` approve ``(action args...)`` under ``spec``?"""
        call = "(" + " ".join((action, *args)) + ")"
        if not spec.needs_approval(action, args):
            return Decision(False, f"{call} needs no approval")
        allowed = spec.access.permitted(action, args)
        named = _approvers(spec, action, args)
        if named is not None:
            allowed = tuple(named)
        mine = [r for r in user.roles if r in allowed]
        if mine:
            return Decision(True, f"{user.name} acts as {mine[0]}, who may approve {call}")
        return Decision(False, f"{user.name} (roles: {', '.join(user.roles) or 'none'}) may not "
                        f"approve {call}; approvers: {', '.join(allowed) or 'nobody'}")


def _approvers(spec: Spec, action: str, args: tuple[str, ...]) -> list[str] | None:
    """The roles the spec's approval entry for this call names (``by: [lead]``), if any."""
    for p in spec.approval:
        by = getattr(p, "by", None)
        if by and p.matches(action, args):
            return list(by)
    return None
