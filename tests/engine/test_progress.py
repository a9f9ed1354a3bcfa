"""The rich progress display of long commands: on a terminal only, never under --json."""

from __future__ import annotations

import io
import sys

import pytest

from engine.progress import enabled, with_progress


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@with_progress("training")
def command(as_json: bool = False) -> str:
    for i in range(1, 4):
        print(f"step {i}/3 loss 0.5", file=sys.stderr)
    print("RESULT")
    return "done"


def test_on_a_terminal_the_log_lines_drive_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = TTY(), TTY()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("PLANSAFE_PROGRESS", raising=False)
    assert command() == "done"
    assert sys.stderr is err  # put back
    text = out.getvalue()
    assert "training" in text and "━" in text  # the display, with its bar
    assert "RESULT" in text and "step 3/3 loss 0.5" in text  # printed above it
    assert err.getvalue() == ""


@pytest.mark.parametrize("case", ["json", "piped", "off"])
def test_off_under_json_when_piped_or_switched_off(case: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = (io.StringIO() if case == "piped" else TTY()), TTY()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    if case == "off":
        monkeypatch.setenv("PLANSAFE_PROGRESS", "0")
    assert command(as_json=case == "json") == "done"
    assert out.getvalue() == "RESULT\n"
    assert err.getvalue() == "".join(f"step {i}/3 loss 0.5\n" for i in range(1, 4))


def test_enabled() -> None:
    assert enabled(False, TTY()) and not enabled(True, TTY())
    assert not enabled(False, io.StringIO())
