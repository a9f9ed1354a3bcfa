"""Smaller command-line habits (issue 28, item 6): the approval hint names the step, the step
counter after a resume counts the plan's steps, ``plansafe runs`` keeps whole ids when piped,
``-v`` logs to stderr and never into ``--json`` stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.api import Engine

ROOT = Path(__file__).resolve().parents[2]
HOSPITAL = ROOT / "examples" / "hospital"
PLANSAFE = Path(sys.executable).with_name("plansafe")


@pytest.fixture
def waiting(tmp_path: Path) -> tuple[Path, str]:
    """A hospital run waiting for the approval of its dose (step s4)."""
    journal = tmp_path / "j.sqlite"
    e = Engine.from_spec(HOSPITAL, journal=journal)
    try:
        r = e.run("p02", faults="none")
    finally:
        e.close()
    assert r.status == "waiting-approval" and r.waiting == ("s4",)
    assert f"plansafe approve {r.run_id} s4, then plansafe resume {r.run_id}" in r.message
    return journal, r.run_id


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLANSAFE), *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_runs_keeps_whole_ids_when_piped(waiting: tuple[Path, str], tmp_path: Path) -> None:
    journal, run_id = waiting
    out = _cli("runs", "--journal", str(journal), cwd=tmp_path).stdout.splitlines()
    assert out[0].split("\t")[0] == "run"
    assert out[1].split("\t")[:4] == [run_id, "hospital", "p02", "waiting-approval"]


def test_resume_counts_the_plans_steps(waiting: tuple[Path, str], tmp_path: Path) -> None:
    journal, run_id = waiting
    assert _cli("approve", run_id, "s4", "--journal", str(journal), cwd=tmp_path).returncode == 0
    proc = _cli("resume", run_id, "--journal", str(journal), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(4/5)" in proc.stderr and "(5/5)" in proc.stderr, proc.stderr
    assert "/0)" not in proc.stderr


def test_verbose_logs_go_to_stderr_only(tmp_path: Path) -> None:
    proc = _cli("-v", "validate", str(HOSPITAL), "p02",
                str(HOSPITAL / "plans" / "p02-good.json"), "--json", cwd=tmp_path)
    assert json.loads(proc.stdout)["status"] == "valid"
    assert "action rule(s) compiled into" in proc.stderr
    quiet = _cli("validate", str(HOSPITAL), "p02", str(HOSPITAL / "plans" / "p02-good.json"),
                 "--json", cwd=tmp_path)
    assert quiet.stderr == ""  # quiet by default


class _Tty:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_progress_lines_show_on_a_terminal_and_info_with_verbose() -> None:
    import io
    import logging

    from engine.logs import PROGRESS, configure, get

    try:
        tty = _Tty()
        configure(0, stream=tty)
        logging.getLogger(PROGRESS).info("the model is planning: round 1 of 3")
        get("run").info("not shown by default")
        assert tty.text == "the model is planning: round 1 of 3\n"
        pipe = io.StringIO()
        configure(0, stream=pipe)  # piped, not verbose: quiet
        logging.getLogger(PROGRESS).info("hidden")
        assert pipe.getvalue() == ""
        configure(1, stream=pipe)
        get("run").info("shown with -v")
        assert "INFO plansafe.run: shown with -v" in pipe.getvalue()
    finally:
        configure(0, stream=io.StringIO())
