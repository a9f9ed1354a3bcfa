"""Tampering with the journal: every forgery ends in a refusal naming the first bad event
(issue 27): edit, delete, reorder, truncate, rewrite with recomputed hashes, a forged approval
row, forged options, a swapped spec, a swapped planner; a stalled resume never re-drives a
finished run."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.journal import FORMAT_VERSION, GENESIS, JournalError, event_hash
from tests.engine.conftest import step_runs
from verifier.certificate import CertificateError

runner = CliRunner()


def _waiting(make_engine: Any, **kw: Any) -> tuple[Any, str]:
    """A devops run stopped at its approval (the next resume would deploy to prod)."""
    e = make_engine(faults="none", **kw)
    r = e.run("p02")
    assert r.status == "waiting-approval"
    return e, r.run_id


def _sql(path: str, *stmts: tuple[str, tuple[Any, ...]]) -> None:
    conn = sqlite3.connect(path)
    for sql, args in stmts:
        conn.execute(sql, args)
    conn.commit()
    conn.close()


def _rows(path: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT id, run_id, kind, payload, ts, version, prev_hash, hash "
                        "FROM events ORDER BY id").fetchall()
    conn.close()
    return rows


def _rewrite_unkeyed(path: str, edit: Any, *, version: int = FORMAT_VERSION) -> None:
    """Rewrite the whole journal with recomputed (unkeyed SHA-256) hashes, as an attacker
    without the key would, after ``edit(rows)``."""
    rows = [list(r) for r in _rows(path)]
    edit(rows)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM events")
    prev = GENESIS
    for i, r in enumerate(rows, start=1):
        payload = json.dumps(json.loads(r[3]), sort_keys=True, separators=(",", ":"),
                             ensure_ascii=False)
        h = event_hash(id=i, run_id=r[1], kind=r[2], payload_json=payload, ts=r[4],
                       prev_hash=prev, version=version)
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                     (i, r[1], r[2], payload, r[4], version, prev, h))
        prev = h
    conn.commit()
    conn.close()


def _refused(e: Any, run_id: str, event_id: int | None = None) -> str:
    with pytest.raises(JournalError) as info:
        e.resume(run_id)
    msg = str(info.value)
    assert "refusing" in msg
    if event_id is not None:
        assert f"event {event_id} " in msg, msg
    with pytest.raises(JournalError):  # approve refuses too
        e.approve(run_id, "s1")
    return msg


def _deploys_to_prod(e: Any, run_id: str) -> int:
    return sum(1 for ev in e.journal.events(run_id, kinds=("step-intent",))
               if ev.payload["action"] == "deploy" and ev.payload["args"][1] == "prod")


def test_an_edited_event_is_refused(make_engine) -> None:  # noqa: ANN001
    e, run = _waiting(make_engine)
    target = e.journal.events(run, kinds=("plan-certified",))[0].id
    _sql(e.journal.path, ("UPDATE events SET payload = replace(payload, 'prod', 'dev') "
                          "WHERE id = ?", (target,)))
    _refused(e, run, target)
    assert _deploys_to_prod(e, run) == 0


def test_a_deleted_event_is_refused(make_engine) -> None:  # noqa: ANN001
    e, run = _waiting(make_engine)
    target = e.journal.events(run, kinds=("step-result",))[0].id
    _sql(e.journal.path, ("DELETE FROM events WHERE id = ?", (target,)))
    _refused(e, run, target + 1)


def test_reordered_events_are_refused(make_engine) -> None:  # noqa: ANN001
    e, run = _waiting(make_engine)
    a, b = [ev.id for ev in e.journal.events(run, kinds=("step-result",))][:2]
    _sql(e.journal.path, ("UPDATE events SET id = -1 WHERE id = ?", (a,)),
         ("UPDATE events SET id = ? WHERE id = ?", (a, b)),
         ("UPDATE events SET id = ? WHERE id = -1", (b,)))
    _refused(e, run, a)


def test_a_truncated_tail_is_refused_and_audit_verify_names_it(make_engine, tmp_path  # noqa: ANN001
                                                               ) -> None:
    from engine.cli import app

    e, run = _waiting(make_engine)
    heads = tmp_path / "heads.json"
    res = runner.invoke(app, ["audit", "export", "--all", "--out", str(heads),
                              "--journal", e.journal.path])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["audit", "verify", "--head", str(heads), "--journal",
                              e.journal.path])
    assert res.exit_code == 0, res.output
    last = e.journal.events(run)[-1].id
    _sql(e.journal.path, ("DELETE FROM events WHERE id > ?", (last - 3,)))
    assert e.journal.verify_chain().ok  # what is left still chains
    msg = _refused(e, run, None)
    assert f"event {last}" in msg and "lost its tail" in msg
    res = runner.invoke(app, ["audit", "verify", "--head", str(heads), "--journal",
                              e.journal.path])
    assert res.exit_code == 2 and "lost its tail" in res.output and str(last) in res.output
    # without the head kept beside the journal, the exported head still detects it
    Path(e.journal.path + ".head").unlink()
    res = runner.invoke(app, ["audit", "verify", "--head", str(heads), "--journal",
                              e.journal.path])
    assert res.exit_code == 2 and "lost its tail" in res.output


@pytest.mark.parametrize("version", [FORMAT_VERSION, 1])
def test_a_rewrite_with_recomputed_hashes_is_refused(make_engine, version: int) -> None:  # noqa: ANN001
    e, run = _waiting(make_engine)
    _rewrite_unkeyed(e.journal.path, lambda rows: None, version=version)
    _refused(e, run, 1)


def test_a_forged_approval_row_is_refused(make_engine) -> None:  # noqa: ANN001
    e, run = _waiting(make_engine)
    st = e.journal.events(run, kinds=("approval-requested",))[-1].payload
    rows = _rows(e.journal.path)
    last = rows[-1]
    forged = {"step": st["step"], "approved": True, "by": "lead", "reason": "",
              "generation": st["generation"], "action": st["action"], "args": st["args"],
              "agent": st["agent"]}
    text = json.dumps(forged, sort_keys=True, separators=(",", ":"))
    _sql(e.journal.path, ("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                          (last[0] + 1, run, "approval", text, last[4] + 1, FORMAT_VERSION,
                           last[7], "0" * 64)))
    _refused(e, run, last[0] + 1)
    assert _deploys_to_prod(e, run) == 0


def test_forged_options_are_refused(make_engine) -> None:  # noqa: ANN001
    e, run = _waiting(make_engine)

    def auto(rows: list[list[Any]]) -> None:
        p = json.loads(rows[0][3])
        p["options"]["approvals"] = "auto"
        rows[0][3] = json.dumps(p)
    _rewrite_unkeyed(e.journal.path, auto)
    _refused(e, run, 1)
    assert _deploys_to_prod(e, run) == 0


def test_a_swapped_spec_is_refused(make_engine, specs_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from verifier.spec import load_spec

    folder = tmp_path / "devops"
    shutil.copytree(specs_dir / "devops", folder)
    e, run = _waiting(make_engine, spec=load_spec(folder))
    text = (folder / "spec.yaml").read_text()
    (folder / "spec.yaml").write_text(text.replace("approval:\n  - (deploy ?s prod)\n", ""))
    e2 = make_engine(spec=load_spec(folder), faults="none")
    with pytest.raises(CertificateError, match="differ from those generation"):
        e2.resume(run)
    assert _deploys_to_prod(e2, run) == 0
    # and a run-started pointing at another spec folder is an edit: refused
    _sql(e.journal.path, ("UPDATE events SET payload = replace(payload, ?, ?) WHERE id = 1",
                          (str(folder), str(tmp_path))))
    _refused(e, run, 1)


def test_a_swapped_planner_is_refused_and_the_journal_never_names_code(  # noqa: ANN001
        make_engine, monkeypatch) -> None:
    from engine.run_commands import resume_run

    e, run = _waiting(make_engine)
    _sql(e.journal.path, ("UPDATE events SET payload = replace(payload, "
                          "'tests.engine.planners:bfs_planner', 'this:s') WHERE id = 1", ()))
    with pytest.raises(JournalError, match="event 1 "):
        resume_run(run, journal=Path(e.journal.path), progress=False)
    # a journal that (honestly) recorded a module:callable planner: resume does not import it
    e2, run2 = _waiting(make_engine, journal=Path(e.journal.path).with_name("j2.sqlite"),
                        planner="symbolic")
    e2.journal.append("run-x", "run-started", {**e2.journal.events(run2)[0].payload,
                                               "planner": "this:s"})
    monkeypatch.delitem(sys.modules, "this", raising=False)
    from engine.run_commands import _RESUME_PLANNERS

    assert "this:s" not in _RESUME_PLANNERS
    # the copied run may not resume; what matters is that nothing was imported
    with contextlib.suppress(Exception):
        resume_run("run-x", journal=Path(e2.journal.path), progress=False)
    assert "this" not in sys.modules


def test_show_exits_non_zero_on_a_broken_chain(make_engine) -> None:  # noqa: ANN001
    from engine.cli import app

    e, run = _waiting(make_engine)
    ok = runner.invoke(app, ["show", run, "--journal", e.journal.path, "--json"])
    assert ok.exit_code == 0, ok.output
    _sql(e.journal.path, ("UPDATE events SET payload = replace(payload, 'prod', 'dev') "
                          "WHERE id = 2", ()))
    bad = runner.invoke(app, ["show", run, "--journal", e.journal.path, "--json"])
    assert bad.exit_code == 2 and json.loads(bad.output)["chain"]["bad_event"] == 2
    text = runner.invoke(app, ["show", run, "--journal", e.journal.path])
    assert text.exit_code == 2 and "BROKEN" in text.output and "event 2 " in text.output


def test_a_stalled_resume_never_redrives_a_finished_run(make_engine, monkeypatch  # noqa: ANN001
                                                        ) -> None:
    e, run = _waiting(make_engine)
    e.approve(run, e.result(run).waiting[0], by="lead")
    stalled = make_engine(faults="none")  # a second process, stalled before the lease
    real = stalled.journal.acquire

    def acquire(run_id: str, owner: str) -> bool:
        if not getattr(acquire, "done", False):
            acquire.done = True  # type: ignore[attr-defined]
            import threading

            out: list[Any] = []  # the other process finishes the run meanwhile
            t = threading.Thread(target=lambda: out.append(e.resume(run).status))
            t.start()
            t.join()
            assert out == ["completed"]
        return real(run_id, owner)

    monkeypatch.setattr(stalled.journal, "acquire", acquire)
    before = len(e.journal.events(run))
    r = stalled.resume(run)
    assert r.status == "completed"
    kinds = [ev.kind for ev in e.journal.events(run)]
    assert kinds.count("run-finished") == 1 and len(kinds) > before
    assert set(step_runs(e.journal, run).values()) == {1}
    assert not [ev for ev in e.journal.events(run) if ev.kind == "run-resumed"][1:]


def test_the_key_lives_outside_the_journal_with_mode_0600(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import os
    import stat

    from engine.journal_sqlite import SQLiteJournal

    monkeypatch.delenv("PLANSAFE_KEY_FILE", raising=False)
    monkeypatch.delenv("PLANSAFE_KEY_DIR", raising=False)
    j = SQLiteJournal(tmp_path / "j.sqlite")
    j.append("r", "run-started", {})
    key = tmp_path / "j.sqlite.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text() not in (tmp_path / "j.sqlite").read_bytes().decode("latin-1")
    j.close()
    os.chmod(key, 0o644)
    j = SQLiteJournal(tmp_path / "j.sqlite")
    report = j.verify_chain()
    assert not report.ok and "chmod 600" in report.message
    with pytest.raises(JournalError, match="chmod 600"):
        j.require_intact()
    j.close()
    os.chmod(key, 0o600)
    key.rename(tmp_path / "elsewhere.key")  # a lost key: every keyed event reads as forged
    j = SQLiteJournal(tmp_path / "j.sqlite")
    assert not j.verify_chain().ok
    j.close()
    monkeypatch.setenv("PLANSAFE_KEY_FILE", str(tmp_path / "elsewhere.key"))
    j = SQLiteJournal(tmp_path / "j.sqlite")
    assert j.verify_chain().ok
    j.close()


def test_an_older_unkeyed_journal_is_adopted_only_on_request(tmp_path: Path) -> None:
    from engine.cli import app
    from engine.journal_sqlite import SQLiteJournal

    path = tmp_path / "old.sqlite"
    j = SQLiteJournal(path)
    j.append("r", "run-started", {"x": 1})
    j.append("r", "message", {"y": 2})
    j.close()
    _rewrite_unkeyed(str(path), lambda rows: None, version=1)  # as format 1 wrote it
    j = SQLiteJournal(path)
    report = j.verify_chain()
    assert not report.ok and "plansafe audit adopt" in report.message
    j.close()
    res = runner.invoke(app, ["audit", "adopt", "--journal", str(path)])
    assert res.exit_code == 0 and "adopted 2" in res.output
    j = SQLiteJournal(path)
    assert j.verify_chain().ok
    j.append("r", "message", {"z": 3})  # new events are keyed
    assert j.verify_chain().ok and j.events()[-1].version == FORMAT_VERSION
    j.close()
