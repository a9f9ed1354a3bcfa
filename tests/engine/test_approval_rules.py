"""Approval rules in spec.yaml (issue 27): who may approve (``by``), how many different
approvers (``count``), and not the run's starter (``not_starter``), enforced by the one
approval path (Engine.approve -> engine.approvals.decide) and the executor's gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.identity import ApprovalRefused, token_digest
from engine.runstate import RunState
from verifier.errors import PlansafeError, SpecError
from verifier.spec import Spec, load_spec

ROOT = Path(__file__).resolve().parents[2]
TOKENS = {"alice": "alice-token-0123456789", "carol": "carol-token-0123456789",
          "bob": "bob-token-0123456789"}
ROLES = {"alice": ["lead"], "carol": ["lead"], "bob": ["release"]}
PLAIN = "approval:\n  - (deploy ?s prod)\n"


def _spec(tmp_path: Path, approval: str) -> Spec:
    folder = tmp_path / "devops"
    if not folder.exists():
        shutil.copytree(ROOT / "specs" / "devops", folder)
    yaml = (ROOT / "specs" / "devops" / "spec.yaml").read_text()
    assert PLAIN in yaml
    (folder / "spec.yaml").write_text(yaml.replace(PLAIN, approval))
    return load_spec(folder)


@pytest.fixture
def users(tmp_path: Path) -> Path:
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": {
        name: {"token_sha256": token_digest(tok), "roles": ROLES[name]}
        for name, tok in TOKENS.items()}}))
    return p


def _waiting(make_engine: Any, spec: Spec, users: Path | None, **run: Any) -> tuple[Any, Any]:
    e = make_engine(spec, faults="none", users=users)
    r = e.run("p02", **run)
    assert r.status == "waiting-approval", r.message
    assert len(r.waiting) == 1
    return e, r


def _refusals(e: Any, run_id: str) -> list[dict[str, Any]]:
    return [ev.payload for ev in e.journal.events(run_id) if ev.kind == "message"
            and ev.payload.get("about") == "approval-refused"]


def test_the_rules_are_read_and_an_unknown_role_is_refused_at_its_position(
        tmp_path: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    by: [lead]\n"
                 "    count: 2\n    not_starter: true\n  - (rollback ?s prod)\n")
    (prod,) = spec.approval_rules_for("deploy", ("api", "prod"))
    assert (prod.by, prod.count, prod.not_starter) == (("lead",), 2, True)
    assert spec.needs_approval("rollback", ("api", "prod"))
    assert not spec.needs_approval("deploy", ("api", "staging"))
    with pytest.raises(SpecError) as bad:
        _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    by: [lead, leed]\n")
    assert bad.value.line == 24 and bad.value.col == 16
    assert "unknown role 'leed'" in str(bad.value) and "did you mean 'lead'" in str(bad.value)
    with pytest.raises(SpecError, match="unknown key 'cont'.*did you mean 'count'"):
        _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    cont: 2\n")


def test_check_reports_an_unknown_role_as_file_line_col_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    with pytest.raises(SpecError):
        _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    by: [dev]\n")
    res = CliRunner().invoke(app, ["check", str(tmp_path / "devops")])
    assert res.exit_code == 2
    assert "spec.yaml:24:10: approval: unknown role 'dev'" in res.output
    assert "Traceback" not in res.output


def test_lead_only_refuses_a_dev_and_journals_why(make_engine: Any, tmp_path: Path,
                                                   users: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    by: [lead]\n")
    e, r = _waiting(make_engine, spec, users)
    step = r.waiting[0]
    with pytest.raises(ApprovalRefused, match="bob .*may not approve.*approvers: lead"):
        e.approve(r.run_id, step, token=TOKENS["bob"])
    assert _refusals(e, r.run_id)[0]["by"] == "bob"
    assert e.resume(r.run_id).status == "waiting-approval"  # nothing approved
    e.approve(r.run_id, step, token=TOKENS["alice"])
    assert e.resume(r.run_id).status == "completed"


def test_by_names_the_approvers_instead_of_the_access_rules(make_engine: Any, tmp_path: Path,
                                                            users: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    by: [release]\n")
    e, r = _waiting(make_engine, spec, users)
    with pytest.raises(ApprovalRefused, match="alice .*may not approve"):
        e.approve(r.run_id, r.waiting[0], token=TOKENS["alice"])  # a lead, not a release
    e.approve(r.run_id, r.waiting[0], token=TOKENS["bob"])
    assert e.resume(r.run_id).status == "completed"


def test_two_approvers_one_waits_the_same_twice_is_refused_another_releases(
        make_engine: Any, tmp_path: Path, users: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    count: 2\n")
    e, r = _waiting(make_engine, spec, users)
    step = r.waiting[0]
    first = e.approve(r.run_id, step, token=TOKENS["alice"])
    assert first.payload["released"] is False
    assert any("approved by alice (more approvers needed)" in line
               for line in e.show(r.run_id).timeline)
    r2 = e.resume(r.run_id)
    assert r2.status == "waiting-approval" and r2.waiting == (step,), r2.message
    st = RunState.fold(r.run_id, e.journal.events(r.run_id))
    assert st.steps[step].status == "waiting-approval" and st.steps[step].attempts == 0
    with pytest.raises(ApprovalRefused, match="alice already approved .* 2 different"):
        e.approve(r.run_id, step, token=TOKENS["alice"])
    assert _refusals(e, r.run_id)[-1]["by"] == "alice"
    second = e.approve(r.run_id, step, token=TOKENS["carol"])
    assert "released" not in second.payload  # released: the payload as for one approver
    assert e.resume(r.run_id).status == "completed"


def test_a_rejection_by_one_of_two_approvers_stops_the_step(make_engine: Any, tmp_path: Path,
                                                           users: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    count: 2\n")
    e, r = _waiting(make_engine, spec, users)
    e.approve(r.run_id, r.waiting[0], token=TOKENS["alice"])
    e.approve(r.run_id, r.waiting[0], token=TOKENS["carol"], approved=False, reason="freeze")
    done = e.resume(r.run_id)
    assert done.status != "completed"
    st = RunState.fold(r.run_id, e.journal.events(r.run_id))
    assert not any(s.action == "deploy" and s.args == ("api", "prod") and s.status == "completed"
                   for s in st.steps.values())


def test_not_starter_refuses_the_starter(make_engine: Any, tmp_path: Path,
                                         users: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    not_starter: true\n")
    e, r = _waiting(make_engine, spec, users, token=TOKENS["alice"])
    started = e.journal.events(r.run_id, kinds=("run-started",))[0].payload
    assert started["started_by"]["user"] == "alice"
    with pytest.raises(ApprovalRefused, match="alice started run .* other than the run's starter"):
        e.approve(r.run_id, r.waiting[0], token=TOKENS["alice"])
    e.approve(r.run_id, r.waiting[0], token=TOKENS["carol"])
    assert e.resume(r.run_id).status == "completed"


def test_a_not_starter_spec_needs_a_token_to_start(make_engine: Any, tmp_path: Path,
                                                   users: Path) -> None:
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    not_starter: true\n")
    e = make_engine(spec, faults="none", users=users)
    with pytest.raises(PlansafeError, match="exclude the run's starter: start the run with a"):
        e.run("p02")
    with pytest.raises(PlansafeError, match="matches no user"):
        e.run("p02", token="forged")


def test_rules_need_identity_and_approve_all_does_not_satisfy_them(
        make_engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANSAFE_USERS", raising=False)
    spec = _spec(tmp_path, "approval:\n  - action: (deploy ?s prod)\n    by: [lead]\n")
    e, r = _waiting(make_engine, spec, None, approvals="auto")
    assert not [ev for ev in e.journal.events(r.run_id) if ev.kind == "approval"]
    with pytest.raises(ApprovalRefused, match="needs authenticated approvers"):
        e.approve(r.run_id, r.waiting[0], by="alice")
    assert _refusals(e, r.run_id)[0]["by"] == "alice"


def test_a_plain_entry_keeps_working_without_identity(make_engine: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANSAFE_USERS", raising=False)
    e, r = _waiting(make_engine, _spec(tmp_path, PLAIN), None)
    e.approve(r.run_id, r.waiting[0], by="anyone")
    assert e.resume(r.run_id).status == "completed"
