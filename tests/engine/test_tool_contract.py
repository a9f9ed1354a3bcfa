"""Tools as a checked contract (docs/TOOLS.md): ``check`` resolves every binding without
importing it, a spec folder's own tool module runs without PYTHONPATH, and what a tool prints
goes to the journal, never into ``plansafe run --json``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.spec import load_spec
from verifier.toolcheck import check_tool_bindings

ROOT = Path(__file__).resolve().parents[2]
HOSPITAL = ROOT / "examples" / "hospital"
PLANSAFE = Path(sys.executable).with_name("plansafe")


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "ward"
    shutil.copytree(HOSPITAL, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def _line_of(path: Path, text: str) -> tuple[int, int]:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return i, line.index(text) + 1
    raise AssertionError(text)


def test_built_in_and_example_bindings_resolve() -> None:
    for spec in (*sorted((ROOT / "specs").glob("*/spec.yaml")), HOSPITAL / "spec.yaml"):
        assert check_tool_bindings(load_spec(spec.parent)) == [], spec


@pytest.mark.parametrize(("wrong", "message", "hint"), [
    ("med_tools:administr", "defines no 'administr'", "did you mean 'administer'?"),
    ("med_tool:administer", "no module 'med_tool'", "did you mean 'med_tools'?"),
    ("med_tools:chart", "takes 2 arguments after ctx, but the action has 3",
     "def chart(ctx, d, p, n)"),
])
def test_a_wrong_binding_fails_check_at_its_position(tmp_path: Path, wrong: str, message: str,
                                                     hint: str) -> None:
    d = _copy(tmp_path)
    spec_yaml = d / "spec.yaml"
    spec_yaml.write_text(spec_yaml.read_text().replace("administer: med_tools:administer",
                                                       f"administer: {wrong}"))
    (error,) = check_tool_bindings(load_spec(d))
    assert message in error.message and hint in (error.hint or "")
    assert (error.path, (error.line, error.col)) == (str(spec_yaml), _line_of(spec_yaml, wrong))


def test_check_cli_resolves_built_in_bindings_from_any_folder(tmp_path: Path) -> None:
    """The console script has no repository folder on sys.path: the installed packages
    (an editable install's finder included) are found through the import system."""
    proc = subprocess.run([str(PLANSAFE), "check", str(ROOT / "specs" / "onboarding"), "--json",
                           "--problem", "p01"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    report = json.loads(proc.stdout)
    assert report["status"] == "ok", report["errors"]


def test_check_never_imports_the_tool_module(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "med_tools.py").write_text("raise SystemExit('imported!')\n"
                                    + (HOSPITAL / "med_tools.py").read_text())
    proc = subprocess.run([str(PLANSAFE), "check", str(d), "--json"], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["status"] == "ok"


def test_check_cli_reports_the_misspelled_binding(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    spec_yaml = d / "spec.yaml"
    spec_yaml.write_text(spec_yaml.read_text().replace("chart: med_tools:chart",
                                                       "chart: med_tools:chrt"))
    proc = subprocess.run([str(PLANSAFE), "check", str(d), "--json"], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode != 0
    report = json.loads(proc.stdout)
    line, col = _line_of(spec_yaml, "med_tools:chrt")
    assert any(e.startswith(f"{spec_yaml}:{line}:{col}:") and "did you mean 'chart'?" in e
               for e in report["errors"]), report["errors"]


def test_own_tool_module_runs_without_pythonpath_and_prints_go_to_the_journal(
        tmp_path: Path) -> None:
    d = _copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    journal = tmp_path / "journal.sqlite"
    proc = subprocess.run([str(PLANSAFE), "run", str(d), "p02", "--journal", str(journal),
                           "--approve-all", "--faults", "none", "--json", "--trust-spec"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    result = json.loads(proc.stdout)  # the tool's print did not break the JSON
    assert result["status"] == "completed", proc.stdout + proc.stderr
    assert "order entered" not in proc.stdout and "order entered" not in proc.stderr
    from engine.journal import open_journal

    j = open_journal(journal)
    try:
        printed = [e.payload for e in j.events(result["run"], kinds=("message",))
                   if e.payload.get("about") == "output"]
    finally:
        j.close()
    assert [p["step"] for p in printed] == ["s1"]
    assert printed[0]["stdout"] == "order entered: amox1 for alice by drhouse\n"
    shown = subprocess.run([str(PLANSAFE), "show", result["run"], "--journal", str(journal)],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "output of s1: order entered: amox1 for alice by drhouse" in shown.stdout
