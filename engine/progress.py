"""A live progress display (rich) for the long commands: ``plan``, ``bench``, ``train``.

``@with_progress("planning")`` on a command shows a spinner, the elapsed time and, when the
command's log lines on stderr say ``N/M`` (``step 300/5000``, ``[4/40]``), a bar; the log
lines still print, above it. Off under ``--json``, when stdout is not a terminal, and with
``PLANSAFE_PROGRESS=0``: then the command runs exactly as it would without it.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

__all__ = ["with_progress", "enabled", "StderrTap"]

F = TypeVar("F", bound=Callable[..., Any])
_COUNT = re.compile(r"(?:^|[\s\[(])(\d+)/(\d+)(?=[\s\])]|$)")


def enabled(as_json: bool = False, stream: Any = None) -> bool:
    """Show progress? Not under ``--json``, not when stdout is not a terminal."""
    if as_json or os.environ.get("PLANSAFE_PROGRESS", "") == "0":
        return False
    out = stream if stream is not None else sys.stdout
    return bool(getattr(out, "isatty", lambda: False)())


class StderrTap:
    """Stands in for ``sys.stderr`` while a progress display runs: each line is printed
    above the display, and an ``N/M`` in it moves the bar."""

    def __init__(self, progress: Any, task: Any, real: TextIO) -> None:
        self.progress, self.task, self.real, self._buf = progress, task, real, ""

    def write(self, text: str) -> int:
        self._buf += text
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        found = _COUNT.findall(line)
        if found:
            done, total = (int(x) for x in found[-1])
            if 0 <= done <= total and total > 0:
                self.progress.update(self.task, completed=done, total=total)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        self.progress.update(self.task, note=plain.strip()[:70])
        self.progress.console.print(plain, markup=False, highlight=False, soft_wrap=True)

    def flush(self) -> None:
        if self._buf:
            self._line(self._buf)
            self._buf = ""

    def isatty(self) -> bool:
        return False  # what is written here is plain text, printed by the display

    def fileno(self) -> int:
        return self.real.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.real, "encoding", "utf-8")


def with_progress(title: str) -> Callable[[F], F]:
    """Decorate a command (its ``as_json`` argument, when it has one, turns it off)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            if not enabled(bool(kwargs.get("as_json", False))):
                return fn(*args, **kwargs)
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            # the display is drawn on the terminal stdout is; what the command prints to
            # stdout goes above it (still to stdout), and so do its stderr lines when
            # stderr is that terminal too (a redirected stderr is left alone)
            real = sys.stderr
            progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                                BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("[dim]{task.fields[note]}"),
                                console=Console(file=sys.stdout), transient=True,
                                redirect_stdout=True, redirect_stderr=False)
            task = progress.add_task(title, total=None, note="")
            tap = StderrTap(progress, task, real) if real.isatty() else None
            progress.start()
            if tap is not None:
                sys.stderr = tap
            try:
                return fn(*args, **kwargs)
            finally:
                if tap is not None:
                    tap.flush()
                    sys.stderr = real
                progress.stop()

        return run  # type: ignore[return-value]

    return wrap
