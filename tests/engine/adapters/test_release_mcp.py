"""specs/release against a real git repository through the reference MCP git server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.adapters.mcp import close_all
from engine.api import Engine
from engine.commands import check_spec
from verifier.errors import SpecError
from verifier.spec import load_spec

SPEC = Path(__file__).resolve().parents[3] / "specs" / "release"

pytest.importorskip("mcp_server_git", reason="mcp-server-git is not installed (extra 'tools')")
if shutil.which("git") is None:
    pytest.skip("the git binary is not installed", allow_module_level=True)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.name", "Release Bot")
    git(r, "config", "user.email", "bot@example.invalid")
    (r / "README").write_text("hello\n")
    git(r, "add", "README")
    git(r, "commit", "-q", "-m", "initial")
    monkeypatch.setenv("RELEASE_REPO", str(r))
    yield r
    close_all()


def _get(report: object, key: str) -> object:
    return report[key] if isinstance(report, dict) else getattr(report, key)


def test_check_starts_the_server_and_accepts_the_bindings(repo: Path) -> None:
    report = check_spec(SPEC)
    assert list(_get(report, "errors")) == []  # type: ignore[call-overload]


def test_release_runs_against_the_repository(repo: Path, tmp_path: Path) -> None:
    eng = Engine.from_spec(SPEC, journal=tmp_path / "j.sqlite")
    res = eng.run("p01")
    eng.close()
    assert res.status == "completed", (res.message, res.explanations)
    assert [s["action"] for s in res.steps] == [
        "create-branch", "checkout", "bump", "stage", "commit", "run-tests", "tag",
        "review-log"]
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "release-1-0"
    assert git(repo, "tag", "--list") == "v1-0"
    assert git(repo, "log", "-1", "--format=%s", "v1-0") == "release v1-0"
    assert git(repo, "show", "v1-0:VERSION") == "v1-0"
    assert git(repo, "log", "-1", "--format=%s", "main") == "initial"  # main untouched


def test_existing_tag_is_explained_and_the_run_stops(repo: Path, tmp_path: Path) -> None:
    git(repo, "tag", "v1-0")  # the seeded fault: the tag exists (on the initial commit)
    eng = Engine.from_spec(SPEC, journal=tmp_path / "j.sqlite")
    res = eng.run("p01")
    events = [e.payload for e in eng.journal.events(res.run_id)]
    eng.close()
    assert res.status == "stopped"
    (why,) = res.explanations
    assert why["kind"] == "world-changed" and why["call"] == "(tag v1-0 release-1-0)"
    assert "fatal: tag 'v1-0' already exists" in why["message"]
    assert why["detail"] == "unsolvable-proven"  # no plan from the observed state
    # the on_error rule's observation reached the Monitor through the journal
    seen = [e["observation"] for e in events if e.get("observation")]
    assert {"holds": [["tag-taken", "v1-0"]], "not_holds": [["tagged", "v1-0"]]} in seen
    # the tag still points at the initial commit; nothing was tagged by force
    assert git(repo, "log", "-1", "--format=%s", "v1-0") == "initial"
    tag_steps = [s for s in res.steps if s["action"] == "tag"]
    assert tag_steps and all(s["status"] != "completed" for s in tag_steps)


def test_check_reports_a_missing_tool_and_a_bad_template_with_positions(
        repo: Path, tmp_path: Path) -> None:
    spec_dir = tmp_path / "release"
    shutil.copytree(SPEC, spec_dir)
    text = (spec_dir / "spec.yaml").read_text()
    text = text.replace("tool: git_log", "tool: git_logs").replace(
        "args: {repo_path: \"{RELEASE_REPO}\", message: \"release {v}\"}",
        "args: {repo_path: \"{RELEASE_REPO}\", msg: \"release {v}\"}")
    (spec_dir / "spec.yaml").write_text(text)
    lines = text.splitlines()
    errors = list(_get(check_spec(spec_dir), "errors"))  # type: ignore[call-overload]
    assert len(errors) == 3, errors
    log_line = next(i for i, t in enumerate(lines, 1) if t.startswith("  review-log:")) + 1
    commit_args = next(i for i, t in enumerate(lines, 1) if "msg:" in t)
    assert any(e.startswith(f"{spec_dir / 'spec.yaml'}:{log_line}:") and "no tool 'git_logs'"
               in e and "did you mean 'git_log'" in e for e in errors), errors
    assert any(f":{commit_args}:" in e and "requires 'message'" in e for e in errors), errors
    assert any(f":{commit_args}:" in e and "no argument 'msg'" in e for e in errors), errors


def test_unknown_placeholder_in_a_server_command(tmp_path: Path) -> None:
    spec_dir = tmp_path / "release"
    shutil.copytree(SPEC, spec_dir)
    p = spec_dir / "spec.yaml"
    p.write_text(p.read_text().replace('["{python}", -m, mcp_server_git]\n    tool: git_log',
                                       '["{python}", -m, "{v}"]\n    tool: git_log'))
    with pytest.raises(SpecError, match=r"unknown placeholder '\{v\}'"):
        load_spec(spec_dir)
