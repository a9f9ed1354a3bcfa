"""The run journal: an append-only, hash-chained event log (SQLite WAL by default).

Every event has an increasing id, a run id, a kind, a JSON payload, a timestamp, the
format version, the hash of the event before it and its own hash: an HMAC-SHA256 over all
of these, keyed with a key kept outside the journal (:mod:`engine.journal_keys`; created on
first use, mode 0600), so the journal is a tamper-evident audit log that someone without
the key cannot rewrite, not even by recomputing every hash: :meth:`Journal.verify_chain`
recomputes every MAC and link, :meth:`Journal.head` / :meth:`Journal.verify_head` export
and check the chain's head, so a truncated tail or deleted events are detected too. The
keyed chain lives in the :class:`Journal` base class: a backend only stores events, calling
:meth:`Journal.seal` for each new one. Backends: :class:`~engine.journal_sqlite.SQLiteJournal`
(a file, WAL mode; ``synchronous=NORMAL`` survives ``kill -9`` of the writer,
``durability="full"`` also a power cut) and :class:`MemoryJournal` (tests, benchmarks). Both
pass one conformance suite (``tests/engine/test_journal.py``), like LangGraph's checkpoint
savers.

Leases say which live process drives a run, so that two ``resume`` calls cannot run the
same steps at once; a lease whose process is gone is taken over.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

from engine.journal_events import (
    EVENT_KINDS,
    FORMAT_VERSION,
    GENESIS,
    HEAD_FORMAT,
    ChainReport,
    Event,
    JournalError,
    LeaseLostError,
    _canon,
    _check_kind,
    _event_fault,
    event_hash,
    event_mac,
)
from engine.journal_keys import ChainKey, create_key, key_path_for, load_key
from engine.registry import Registry
from verifier.errors import PlansafeError

__all__ = [
    "FORMAT_VERSION", "EVENT_KINDS", "Event", "ChainReport", "Journal", "MemoryJournal",
    "open_journal", "JournalError", "event_hash", "GENESIS", "RunJournal", "event_mac",
    "HEAD_FORMAT", "JOURNALS", "JournalOpener", "journal_url", "LeaseLostError",
]

_KEY_LOCK = threading.Lock()


class Journal(ABC):
    """The storage interface every backend implements.

    The keyed chain is this class's: a backend calls :meth:`seal` for the hash of each new
    event (inside its append transaction, after :meth:`chain_key` was called outside any lock
    it holds), and inherits :meth:`verify_chain`, :meth:`require_intact`, :meth:`head` and
    :meth:`verify_head`. A backend without a file names its key's location in ``key_ref``
    (e.g. its URL; see :func:`engine.journal_keys.key_path_for`).
    """

    path: str | None = None
    key_ref: str | None = None  # where the key is looked up; default: ``path``
    _chain_key: ChainKey | None = None
    #: (last id, hash) this object verified the chain up to, and each run's event ids there
    _verified: tuple[tuple[int, str], dict[str, list[int]]] | None = None

    @abstractmethod
    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> Event: ...

    @abstractmethod
    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[Event]: ...

    @abstractmethod
    def acquire(self, run_id: str, owner: str) -> bool:
        """Take the run's lease for ``owner`` unless a live process holds it."""

    @abstractmethod
    def release(self, run_id: str, owner: str) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional
        pass

    def runs(self) -> list[str]:
        return [e.run_id for e in self.events(kinds=("run-started",))]

    # --- the keyed chain (shared by every backend) ----------------------------------------------

    def chain_key(self) -> ChainKey:
        """The chain's key: loaded from outside the journal, or created there on first use
        (a journal in memory gets an ephemeral one)."""
        if self._chain_key is not None:
            return self._chain_key
        with _KEY_LOCK:
            return self._load_chain_key()

    def _load_chain_key(self) -> ChainKey:
        if self._chain_key is None:
            ref = self.key_ref if self.key_ref is not None else self.path
            where = key_path_for(ref)
            if where is None:
                import secrets

                self._chain_key = ChainKey(secrets.token_bytes(32), None)
            else:
                self._chain_key = load_key(where) or create_key(where)
        return self._chain_key

    def seal(self, *, id: int, run_id: str, kind: str, payload_json: str, ts: float,
             prev_hash: str) -> str:
        """The keyed hash of a new event (format :data:`FORMAT_VERSION`)."""
        return event_mac(self.chain_key().key, id=id, run_id=run_id, kind=kind,
                         payload_json=payload_json, ts=ts, prev_hash=prev_hash)

    def verify_chain(self) -> ChainReport:
        """Recompute every event's keyed hash and link; the first bad event, if any."""
        try:
            ck = self.chain_key()
        except PlansafeError as err:
            return ChainReport(False, 0, None, f"cannot check the chain: {err}")
        report, (last_id, _) = self._scan(ck, self.events(), GENESIS, 0)
        if report.ok and ck.legacy is not None and ck.legacy[0] > last_id:
            return ChainReport(False, report.checked, ck.legacy[0], f"event {ck.legacy[0]} and "
                               "those before it were deleted (the key file records them)")
        return report

    def _scan(self, ck: ChainKey, events: Iterable[Event], prev: str, last_id: int,
              ids: dict[str, list[int]] | None = None) -> tuple[ChainReport, tuple[int, str]]:
        """Check ``events`` in order, linked to (``last_id``, ``prev``): the report and the
        last (id, hash) checked; ``ids`` collects each run's event ids."""
        n = 0
        for e in events:
            n += 1
            fault = (f"event ids do not increase (after {last_id})" if e.id <= last_id else
                     "does not link to the event before it (an event was deleted, reordered "
                     "or inserted)" if e.prev_hash != prev else _event_fault(ck, e))
            if fault:
                return ChainReport(False, n, e.id, f"event {e.id} ({e.kind}, run {e.run_id}): "
                                   + fault, e.run_id), (last_id, prev)
            if ids is not None:
                ids.setdefault(e.run_id, []).append(e.id)
            prev, last_id = e.hash, e.id
        return ChainReport(True, n), (last_id, prev)

    def _verify_for_run(self, run_id: str) -> ChainReport:
        """What acting on ``run_id`` needs, in time linear in what is new: the chain from
        where this journal object last verified it (all of it the first time) to its end,
        linked to the event verified last; then every event of the run again (keyed hash,
        and none of its events verified before is gone)."""
        ck = self.chain_key()
        state: tuple[tuple[int, str], dict[str, list[int]]] | None = \
            self.__dict__.get("_verified")
        self._verified = None  # set again only when everything below checks
        if state is None:
            ids: dict[str, list[int]] = {}
            report, head = self._scan(ck, self.events(), GENESIS, 0, ids)
            if report.ok and ck.legacy is not None and ck.legacy[0] > head[0]:
                report = self.verify_chain()  # it names the deleted legacy prefix
        else:
            (wid, whash), ids = state
            tail = self.events(after_id=wid - 1)
            if not tail or tail[0].id != wid or tail[0].hash != whash:
                return ChainReport(False, 0, wid, f"event {wid}, verified before by this "
                                   "process, was deleted or changed", run_id)
            report, head = self._scan(ck, tail[1:], whash, wid, ids)
        if not report.ok:
            return report
        mine = self.events(run_id)
        if [e.id for e in mine if e.id <= head[0]] != ids.get(run_id, []):
            return ChainReport(False, report.checked, None, f"run {run_id}: events verified "
                               "before were deleted or replaced", run_id)
        for e in mine:
            fault = _event_fault(ck, e)
            if fault:
                return ChainReport(False, report.checked, e.id, f"event {e.id} ({e.kind}, run "
                                   f"{e.run_id}): {fault}", run_id)
        self._verified = (head, ids)
        return ChainReport(True, report.checked)

    def head_path(self) -> Path | None:
        """Where the journal's latest head is kept (next to a journal file: ``<journal>.head``;
        a backend without a file may override this)."""
        if self.path is None or "://" in self.path or self.path == ":memory:":
            return None
        return Path(self.path + ".head")

    def record_head(self, e: Event) -> None:
        """Keep the chain's head outside the journal after an append (backends call this once
        the event is committed), so a truncated tail is detected even without an exported
        head. Best effort: a failure to write it never fails the append."""
        hp = self.head_path()
        if hp is None:
            return
        try:
            try:
                cur = json.loads(hp.read_text(encoding="utf-8"))
                if int(cur.get("last_id", 0)) >= e.id:
                    return
            except (OSError, ValueError):
                pass
            body: dict[str, Any] = {"format": HEAD_FORMAT, "journal": self.path, "run": None,
                                    "last_id": e.id, "hash": e.hash, "events": None,
                                    "ts": e.ts}
            body["mac"] = hmac.new(self.chain_key().key, _canon(body).encode(),
                                   hashlib.sha256).hexdigest()
            tmp = hp.with_name(f"{hp.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(body), encoding="utf-8")
            os.replace(tmp, hp)
        except OSError:
            pass

    def require_intact(self, run_id: str | None = None) -> ChainReport:
        """Verify the chain (and the head kept beside it) before acting on it;
        :class:`JournalError` naming the first bad event otherwise (every reader that acts
        calls this: resume, approve, a worker). With ``run_id``: incrementally (see
        :meth:`_verify_for_run`), so a worker acting on run after run does not read the whole
        journal each time."""
        report = self.verify_chain() if run_id is None else self._verify_for_run(run_id)
        hp = self.head_path()
        if report.ok and hp is not None and hp.exists():
            try:
                head = json.loads(hp.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                head = {"format": f"unreadable ({e})"}
            report = self._check_head(head, report)
        if not report.ok:
            what = f"run {run_id}: " if run_id else ""
            raise JournalError(f"{self.path or 'journal'}: {what}the journal's chain is broken "
                               f"at {report.message}; refusing to act on it (see plansafe show "
                               "/ plansafe audit verify)")
        return report

    def adopt_legacy(self) -> int:
        """Accept this journal's unkeyed (format 1) prefix under its key: the number of events
        adopted. Only for a journal whose unkeyed events are all before its keyed ones."""
        ck = self.chain_key()
        if ck.path is None:
            return 0
        prev, last = GENESIS, None
        for e in self.events():
            if e.version != 1:
                break
            if e.prev_hash != prev or event_hash(
                    id=e.id, run_id=e.run_id, kind=e.kind, payload_json=_canon(e.payload),
                    ts=e.ts, prev_hash=e.prev_hash, version=1) != e.hash:
                raise JournalError(f"event {e.id} ({e.kind}, run {e.run_id}) of the unkeyed "
                                   "history is broken; nothing adopted")
            prev, last = e.hash, e
        if last is None:
            return 0
        import json as _json

        ck.path.write_text(_json.dumps({"key": ck.key.hex(), "legacy": [last.id, last.hash]}),
                           encoding="utf-8")
        self._chain_key = ChainKey(ck.key, ck.path, (last.id, last.hash))
        return sum(1 for e in self.events() if e.version == 1)

    def head(self, run_id: str | None = None) -> dict[str, Any]:
        """The chain's head (a run's last event, or the journal's), to keep somewhere else:
        :meth:`verify_head` then detects a truncated tail or deleted events."""
        events = self.events(run_id)
        last = events[-1] if events else None
        body: dict[str, Any] = {"format": HEAD_FORMAT, "journal": self.path, "run": run_id,
                                "last_id": last.id if last else 0,
                                "hash": last.hash if last else GENESIS, "events": len(events),
                                "ts": last.ts if last else 0.0}
        body["mac"] = hmac.new(self.chain_key().key, _canon(body).encode(),
                               hashlib.sha256).hexdigest()
        return body

    def verify_head(self, head: Mapping[str, Any]) -> ChainReport:
        """Is the chain intact and does it still hold everything ``head`` saw?"""
        if head.get("format") != HEAD_FORMAT:
            return ChainReport(False, 0, None, f"not a Plansafe journal head (format "
                               f"{head.get('format')!r})")
        return self._check_head(head, self.verify_chain())

    def _check_head(self, head: Mapping[str, Any], report: ChainReport) -> ChainReport:
        if head.get("format") != HEAD_FORMAT:
            return ChainReport(False, 0, None, f"not a Plansafe journal head (format "
                               f"{head.get('format')!r})")
        body = {k: v for k, v in head.items() if k != "mac"}
        want = hmac.new(self.chain_key().key, _canon(body).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, str(head.get("mac", ""))):
            return ChainReport(False, 0, None, "the head was not exported from this journal "
                               "(or was edited): its MAC does not match the journal's key")
        if not report.ok:
            return report
        run = head.get("run")
        last_id, n = int(head["last_id"]), head.get("events")
        if run is None and n is None:  # a head kept beside the journal: its last event is there
            events = [e for e in self.events(after_id=last_id - 1)[:1] if e.id <= last_id]
        else:
            events = [e for e in self.events(run) if e.id <= last_id]
        who = f"run {run}" if run else "the journal"
        if last_id and (not events or events[-1].id != last_id
                        or events[-1].hash != head["hash"]):
            have = events[-1].id if events else 0
            return ChainReport(False, report.checked, last_id, f"{who} lost its tail: the "
                               f"exported head names event {last_id}, the journal now ends "
                               f"{'at event ' + str(have) if have else 'with no event'} there",
                               run)
        if n is not None and len(events) != int(n):
            return ChainReport(False, report.checked, last_id, f"{who} has {len(events)} "
                               f"events up to event {last_id}, the exported head saw {n}", run)
        return ChainReport(True, report.checked, None,
                           f"{who} holds every event of the head (event {last_id})")

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryJournal(Journal):
    def __init__(self) -> None:
        self._events: list[Event] = []
        self._leases: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self.path = None

    def append(self, run_id: str, kind: str, payload: Mapping[str, Any]) -> Event:
        _check_kind(kind)
        text = _canon(payload)
        self.chain_key()
        with self._lock:
            prev = self._events[-1] if self._events else None
            eid = (prev.id if prev else 0) + 1
            prev_hash = prev.hash if prev else GENESIS
            ts = time.time()
            h = self.seal(id=eid, run_id=run_id, kind=kind, payload_json=text, ts=ts,
                          prev_hash=prev_hash)
            e = Event(eid, run_id, kind, json.loads(text), ts, prev_hash, h)
            self._events.append(e)
        self.record_head(e)
        return e

    def events(self, run_id: str | None = None, *, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[Event]:
        ks = set(kinds) if kinds is not None else None
        with self._lock:
            return [e for e in self._events if e.id > after_id
                    and (run_id is None or e.run_id == run_id) and (ks is None or e.kind in ks)]

    def acquire(self, run_id: str, owner: str) -> bool:
        with self._lock:
            held = self._leases.get(run_id)
            if held and held[0] != owner:
                return False
            self._leases[run_id] = (owner, os.getpid())
            return True

    def release(self, run_id: str, owner: str) -> None:
        with self._lock:
            if self._leases.get(run_id, ("",))[0] == owner:
                del self._leases[run_id]


RunJournal = Journal  # the name DESIGN.md uses for the concept


def _open_memory(target: str, *, durability: Literal["process", "full"] = "process"
                 ) -> Journal:
    return MemoryJournal()


class JournalOpener(Protocol):
    """Opens a journal backend: ``target`` is the path or URL after the scheme is chosen."""

    def __call__(self, target: str, *, durability: Literal["process", "full"] = "process"
                 ) -> Journal: ...


#: journal backends by URL scheme (a path without one is ``sqlite``). Add a backend: a
#: :class:`Journal` subclass, an opener, and ``JOURNALS.register("scheme", opener)``.
JOURNALS: Registry[JournalOpener] = Registry("journal backend", {
    "sqlite": "engine.journal_sqlite:open_sqlite",
    "memory": _open_memory,
    "postgresql": "engine.journal_postgres:open_postgres",
})


def open_journal(path: str | Path | None, *,
                 durability: Literal["process", "full"] = "process") -> Journal:
    """A journal at ``path``, its backend chosen from :data:`JOURNALS` by the URL scheme:
    a file path or ``sqlite:///PATH`` (SQLite), a ``postgresql://`` URL
    (:mod:`engine.journal_postgres`), None / ``":memory:"`` / ``memory:`` (in memory)."""
    if path is None or str(path) in (":memory:", "memory:"):
        return JOURNALS.get("memory")("", durability=durability)
    url = journal_url(path)
    if url is not None:
        return JOURNALS.get("postgresql")(url, durability=durability)
    text = str(path)
    scheme, sep, rest = text.partition("://")
    if sep and scheme.isidentifier():
        return JOURNALS.get(scheme)(rest if scheme == "sqlite" else text, durability=durability)
    return JOURNALS.get("sqlite")(text, durability=durability)


def journal_url(path: str | Path) -> str | None:
    """The database URL ``path`` names (a ``Path`` made from one has lost a slash: restored),
    or None for a file."""
    text = str(path)
    for scheme in ("postgresql:", "postgres:"):
        if text.startswith(scheme + "/"):
            rest = text[len(scheme):]
            return scheme + ("/" + rest if not rest.startswith("//") else rest)
    return None
