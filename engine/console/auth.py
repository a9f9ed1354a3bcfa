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
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from engine.identity import Decision, _Entry, load_users, may_approve, token_digest
from engine.identity import User as ConsoleUser
from verifier.spec import Spec

__all__ = ["ConsoleUser", "Decision", "Authority", "token_digest", "load_users"]


class Authority:
    """Signs users in (a signed cookie holds the session) and decides who may approve; the
    users and the approval rule are :mod:`engine.identity`'s, shared with the CLI and API."""

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
        return may_approve(user, spec, action, args)
