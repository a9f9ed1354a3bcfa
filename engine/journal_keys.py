"""The journal's chain key: kept outside the journal, created on first use with mode 0600.

Where the key of a journal lives (the first that applies):

1. ``$PLANSAFE_KEY_FILE``: one key file for every journal this process opens;
2. ``$PLANSAFE_KEY_DIR/<name>.key``: one file per journal, named after the journal's
   location (``<file stem>-<digest of its path>`` for a file, a digest for a URL/DSN);
3. next to a journal file: ``<journal>.key`` (``.plansafe/journal.sqlite.key``);
4. a journal with no file (a database URL) and neither variable: ``~/.plansafe/keys/<name>.key``.

The key file is JSON: ``{"key": <64 hex digits>, "legacy": [last id, hash] | null}``.
``legacy`` records, when a key is first made for a journal that already held unkeyed
(format 1) events, the id and hash of the last of them: those events stay readable, and
nothing unkeyed can be added after them. A key file readable by group or others is refused.
Whoever can read the key can forge events; keep it where the journal's writers cannot be
impersonated (a separate user, a secrets mount) when that matters.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from verifier.errors import PlansafeError

__all__ = ["ChainKey", "KeyError_", "key_path_for", "load_key", "create_key"]


class KeyError_(PlansafeError):  # noqa: N801 - not the builtin KeyError
    """The journal's key is missing, unreadable or too widely readable."""


@dataclass(frozen=True, slots=True)
class ChainKey:
    key: bytes
    path: Path | None  # None: an ephemeral key (a journal in memory)
    legacy: tuple[int, str] | None = None


def key_path_for(journal: str | None) -> Path | None:
    """Where the key of the journal at ``journal`` (a file path or URL) lives; None: memory."""
    env_file = os.environ.get("PLANSAFE_KEY_FILE")
    if env_file:
        return Path(env_file)
    if journal is None or journal == ":memory:":
        return None
    is_url = "://" in journal
    digest = hashlib.sha256(journal.encode()).hexdigest()[:16]
    env_dir = os.environ.get("PLANSAFE_KEY_DIR")
    if env_dir:
        if is_url:
            stem = digest
        else:
            where = str(Path(journal).resolve())
            stem = f"{Path(journal).name}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"
        return Path(env_dir) / f"{stem}.key"
    if is_url:
        return Path.home() / ".plansafe" / "keys" / f"{digest}.key"
    return Path(journal + ".key")


def load_key(path: Path) -> ChainKey | None:
    """The key at ``path``; None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyError_(f"{path}: the journal key is readable by others (mode "
                        f"{stat.S_IMODE(st.st_mode):o}); run: chmod 600 {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = bytes.fromhex(data["key"])
        legacy = data.get("legacy")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise KeyError_(f"{path}: not a Plansafe journal key ({e})") from None
    if len(key) < 32:
        raise KeyError_(f"{path}: the journal key is too short ({len(key)} bytes, need 32)")
    return ChainKey(key, path, (int(legacy[0]), str(legacy[1])) if legacy else None)


def create_key(path: Path, legacy: tuple[int, str] | None = None) -> ChainKey:
    """A new random key written to ``path`` with mode 0600 (an existing one is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    text = json.dumps({"key": key.hex(), "legacy": list(legacy) if legacy else None})
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # appears whole or not at all; never replaces another's key
    except FileExistsError:  # another process made it first
        existing = load_key(path)
        assert existing is not None
        return existing
    finally:
        tmp.unlink()
    return ChainKey(key, path, legacy)
