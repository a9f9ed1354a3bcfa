"""One root error type; errors that point into a file carry their position."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PlansafeError", "SourcePos", "SpecError", "did_you_mean"]


@dataclass(frozen=True, slots=True)
class SourcePos:
    """Where something was written: a file and a 1-based line and column; prints as
    ``path:line:col``."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class PlansafeError(Exception):
    """Root of every error Plansafe raises on purpose."""


class SpecError(PlansafeError):
    """Bad input with a position: prints as ``path:line:col: message (hint)``."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "<input>",
        line: int = 1,
        col: int = 1,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path)
        self.line = line
        self.col = col
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
        }


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A ``did you mean 'x'?`` hint for the closest choice, or None."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
