"""Logging: stdlib ``logging``, quiet by default.

Plansafe's loggers live under ``plansafe`` (``plansafe.run``, ``plansafe.spec``, ...);
``plansafe.progress`` says what a long step is doing (the model's planning rounds). As a
library nothing is printed (a ``NullHandler``; the application configures logging). The
command line calls :func:`configure`: progress lines on a terminal's stderr, everything at
INFO with ``-v`` and DEBUG with ``-vv``; stdout (``--json``) never gets a log line.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["configure", "get", "PROGRESS"]

PROGRESS = "plansafe.progress"
logging.getLogger("plansafe").addHandler(logging.NullHandler())


def get(name: str) -> logging.Logger:
    """The logger ``plansafe.<name>``."""
    return logging.getLogger(f"plansafe.{name}")


def configure(verbosity: int = 0, *, stream: object = None) -> None:
    """Log to stderr: progress only on a terminal (0), INFO (1, ``-v``), DEBUG (2, ``-vv``)."""
    out = stream if stream is not None else sys.stderr
    root = logging.getLogger("plansafe")
    for h in list(root.handlers):
        if getattr(h, "_plansafe", False):
            root.removeHandler(h)
    tty = bool(getattr(out, "isatty", lambda: False)())
    if verbosity <= 0 and not tty:
        root.setLevel(logging.WARNING)
        logging.getLogger(PROGRESS).setLevel(logging.WARNING)
        return
    handler = logging.StreamHandler(out)  # type: ignore[arg-type]
    handler._plansafe = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(
        "%(message)s" if verbosity <= 0 else "%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if verbosity <= 0:  # a terminal: progress lines only
        root.setLevel(logging.WARNING)
        logging.getLogger(PROGRESS).setLevel(logging.INFO)
    else:
        root.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
        logging.getLogger(PROGRESS).setLevel(logging.NOTSET)
