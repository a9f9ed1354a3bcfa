"""Approvers with identity (issue 27): users with hashed tokens, roles = the spec's agents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.identity import ApprovalRefused, Users, token_digest
from engine.runstate import RunState

ALICE, BOB = "alice-token-0123456789", "bob-token-9876543210"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": {
        "alice": {"token_sha256": token_digest(ALICE), "roles": ["lead"]},
        "bob": {"token_sha256": token_digest(BOB), "roles": ["ci"]}}}))
    return p


def test_tokens_are_kept_as_digests_and_identify_their_user(users_file: Path) -> None:
    assert ALICE not in users_file.read_text()
    users = Users.from_file(users_file)
    alice = users.by_token(ALICE)
    assert alice is not None and alice.name == "alice"
    assert users.by_token("nobody's token") is None
    assert users.sign_in("bob", ALICE) is None


def _waiting(make_engine: Any, users_file: Path) -> tuple[Any, Any]:
    e = make_engine(faults="none", users=users_file)
    r = e.run("p02")
    assert r.status == "waiting-approval", r.message
    return e, r


def test_an_approval_by_a_user_the_spec_does_not_allow_is_refused_and_journaled(
        make_engine: Any, users_file: Path) -> None:
    e, r = _waiting(make_engine, users_file)
    step = r.waiting[0]
    with pytest.raises(ApprovalRefused, match="bob .*may not approve"):
        e.approve(r.run_id, step, token=BOB)
    with pytest.raises(ApprovalRefused, match="token is required"):
        e.approve(r.run_id, step, by="alice")  # a name is not an identity
    with pytest.raises(ApprovalRefused, match="matches no user"):
        e.approve(r.run_id, step, token="forged")
    events = e.journal.events(r.run_id)
    refused = [ev.payload for ev in events if ev.kind == "message"
               and ev.payload.get("about") == "approval-refused"]
    assert len(refused) == 3 and refused[0]["by"] == "bob"
    assert not [ev for ev in events if ev.kind == "approval"]
    st = RunState.fold(r.run_id, events)
    assert st.steps[step].status == "waiting-approval"


def test_an_allowed_user_approves_under_their_own_name(make_engine: Any,
                                                       users_file: Path) -> None:
    e, r = _waiting(make_engine, users_file)
    ev = e.approve(r.run_id, r.waiting[0], token=ALICE, by="someone-else")
    assert ev.kind == "approval" and ev.payload["by"] == "alice"
    r2 = e.resume(r.run_id)
    assert r2.status in ("completed", "waiting-approval"), r2.message
    assert r.waiting[0] not in r2.waiting


def test_the_cli_takes_the_token_from_the_environment(make_engine: Any, users_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    e, r = _waiting(make_engine, users_file)
    journal = e.journal.path
    e.close()
    runner = CliRunner()
    monkeypatch.setenv("PLANSAFE_USERS", str(users_file))
    out = runner.invoke(app, ["approve", r.run_id, r.waiting[0], "--journal", journal,
                              "--token", BOB])
    assert out.exit_code == 2 and "may not approve" in out.output
    monkeypatch.setenv("PLANSAFE_TOKEN", ALICE)
    out = runner.invoke(app, ["approve", r.run_id, r.waiting[0], "--journal", journal,
                              "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["by"] == "alice"
