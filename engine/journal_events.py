"""The journal's event record and its hash chain primitives: the format version, the event
kinds, :class:`Event`, :class:`ChainReport`, the canonical payload text and the keyed
(format 2) and unkeyed (format 1) event hashes. :mod:`engine.journal` re-exports them."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.journal_keys import ChainKey
from verifier.errors import PlansafeError

# 2: each event's hash is an HMAC-SHA256 keyed outside the journal; 1 (read only): plain
# SHA-256, accepted only up to the point ``plansafe audit adopt`` recorded in the key file.
FORMAT_VERSION = 2
HEAD_FORMAT = "plansafe-journal-head/1"
GENESIS = "0" * 64
EVENT_KINDS = (
    "run-started", "plan-certified", "step-intent", "step-result", "observation", "failure",
    "explanation", "replan", "approval-requested", "approval", "message", "run-suspended",
    "run-resumed", "run-finished", "refused", "retry",
)


class JournalError(PlansafeError):
    """The journal cannot be read or written, or its chain is broken."""


class LeaseLostError(JournalError):
    """This process's lease on a run was taken over (it stalled past it): its writes to the
    run are refused by the lease's fencing token, and it must stop driving the run."""


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    run_id: str
    kind: str
    payload: dict[str, Any]
    ts: float
    prev_hash: str
    hash: str
    version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "run": self.run_id, "kind": self.kind, "ts": self.ts,
                "payload": self.payload, "prev_hash": self.prev_hash, "hash": self.hash,
                "version": self.version}


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    bad_id: int | None = None
    message: str = ""
    bad_run: str | None = None


def _canon(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _event_text(*, id: int, run_id: str, kind: str, payload_json: str, ts: float,
                prev_hash: str, version: int) -> bytes:
    return f"{version}\x1f{id}\x1f{run_id}\x1f{kind}\x1f{ts!r}\x1f{prev_hash}\x1f{payload_json}" \
        .encode()


def event_hash(*, id: int, run_id: str, kind: str, payload_json: str, ts: float,
               prev_hash: str, version: int) -> str:
    """The unkeyed SHA-256 of format 1 (read only: anyone can recompute it)."""
    return hashlib.sha256(_event_text(id=id, run_id=run_id, kind=kind, payload_json=payload_json,
                                      ts=ts, prev_hash=prev_hash, version=version)).hexdigest()


def event_mac(key: bytes, *, id: int, run_id: str, kind: str, payload_json: str, ts: float,
              prev_hash: str, version: int = FORMAT_VERSION) -> str:
    """The keyed HMAC-SHA256 of format 2."""
    return hmac.new(key, _event_text(id=id, run_id=run_id, kind=kind, payload_json=payload_json,
                                     ts=ts, prev_hash=prev_hash, version=version),
                    hashlib.sha256).hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_kind(kind: str) -> None:
    if kind not in EVENT_KINDS:
        raise JournalError(f"unknown event kind {kind!r} (kinds: {', '.join(EVENT_KINDS)})")


def _events_query(table: str, mark: str, run_id: str | None, after_id: int,
                  kinds: Iterable[str] | None, *, kinds_array: bool) -> tuple[str, list[Any]]:
    """The SQL (with ``mark`` placeholders) and parameters that read a journal's events after
    ``after_id``, of one run and some kinds when given, in id order. ``kinds_array``: the
    kinds are one array parameter (``= ANY``), else one placeholder each (``IN``)."""
    sql = f"SELECT id, run_id, kind, payload, ts, prev_hash, hash, version FROM {table} " \
          f"WHERE id > {mark}"
    params: list[Any] = [after_id]
    if run_id is not None:
        sql += f" AND run_id = {mark}"
        params.append(run_id)
    if kinds is not None:
        ks = list(kinds)
        if kinds_array:
            sql += f" AND kind = ANY({mark})"
            params.append(ks)
        else:
            sql += f" AND kind IN ({','.join(mark * len(ks))})"
            params.extend(ks)
    return sql + " ORDER BY id", params


def _event_fault(ck: ChainKey, e: Event) -> str | None:
    """What is wrong with one event on its own (its keyed hash, its format), or None."""
    fields: dict[str, Any] = {"id": e.id, "run_id": e.run_id, "kind": e.kind,
                              "payload_json": _canon(e.payload), "ts": e.ts,
                              "prev_hash": e.prev_hash, "version": e.version}
    if e.version == FORMAT_VERSION:
        if not hmac.compare_digest(event_mac(ck.key, **fields), e.hash):
            return "was altered or forged (its keyed hash does not match)"
        return None
    if e.version == 1:
        if ck.legacy is None or e.id > ck.legacy[0]:
            return ("is unkeyed (journal format 1) where only keyed events are accepted; if "
                    "this older journal is yours, accept its history with: plansafe audit adopt")
        if event_hash(**fields) != e.hash or (e.id == ck.legacy[0] and e.hash != ck.legacy[1]):
            return "was altered (hash mismatch)"
        return None
    return f"has an unknown format version {e.version}"
