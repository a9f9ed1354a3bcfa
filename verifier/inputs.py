"""Reading untrusted input files: regular files only, bounded size, strict UTF-8, no control
characters; every refusal a :class:`SpecError` with ``file:line:col`` where there is one.

Limits (each with its own message): ``MAX_INPUT_BYTES`` per file (16 MiB, or
``$PLANSAFE_MAX_INPUT_BYTES``), nesting depth (:data:`verifier.sexpr.MAX_DEPTH` for PDDL,
plans and rules, :data:`MAX_JSON_DEPTH` for JSON, :data:`MAX_YAML_DEPTH` for YAML).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from verifier.errors import SpecError

__all__ = ["read_input_text", "check_text", "max_input_bytes", "MAX_JSON_DEPTH",
           "MAX_YAML_DEPTH", "json_depth_error"]

MAX_JSON_DEPTH = 64
MAX_YAML_DEPTH = 64
_DEFAULT_MAX = 16 * 1024 * 1024
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def max_input_bytes() -> int:
    try:
        return max(1, int(os.environ.get("PLANSAFE_MAX_INPUT_BYTES", _DEFAULT_MAX)))
    except ValueError:
        return _DEFAULT_MAX


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def check_text(text: str, path: str) -> str:
    """Refuse control characters (other than tab and line breaks) and lone surrogates."""
    for i, ch in enumerate(text):
        o = ord(ch)
        if (o < 32 and ch not in _ALLOWED_CONTROLS) or o == 127 or 0xD800 <= o <= 0xDFFF:
            line, col = _line_col(text, i)
            what = "a lone surrogate" if o >= 0xD800 else f"control character U+{o:04X}"
            raise SpecError(f"{what} in the text", path=path, line=line, col=col,
                            hint="remove it (only tabs and line breaks are allowed)")
    return text


def read_input_text(path: str | Path, *, what: str = "file",
                    max_bytes: int | None = None) -> str:
    """The UTF-8 text of a regular file no larger than the input limit."""
    p = Path(path)
    limit = max_input_bytes() if max_bytes is None else max_bytes
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SpecError(f"{what} not found", path=str(p), hint="check the path") from None
    except OSError as e:
        raise SpecError(f"cannot read the {what}: {e.strerror or e}", path=str(p)) from None
    if stat.S_ISDIR(st.st_mode):
        raise SpecError("expected a file, found a directory", path=str(p),
                        hint=f"name the {what} itself")
    if not stat.S_ISREG(st.st_mode):
        raise SpecError(f"the {what} is not a regular file (a device, pipe or socket)",
                        path=str(p), hint="give a path to a file on disk")
    if st.st_size > limit:
        raise SpecError(f"the {what} is too large ({st.st_size:,} bytes; the limit is "
                        f"{limit:,})", path=str(p),
                        hint="raise PLANSAFE_MAX_INPUT_BYTES if this input is intended")
    try:
        with open(p, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise SpecError(f"cannot read the {what}: {e.strerror or e}", path=str(p)) from None
    if len(data) > limit:
        raise SpecError(f"the {what} is too large (over {limit:,} bytes)", path=str(p),
                        hint="raise PLANSAFE_MAX_INPUT_BYTES if this input is intended")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        good = data[:e.start].decode("utf-8", errors="replace")
        line, col = _line_col(good, len(good))
        raise SpecError(f"not UTF-8 text (byte 0x{data[e.start]:02x}: {e.reason})",
                        path=str(p), line=line, col=col, hint="save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return check_text(text, str(p))


def json_depth_error(text: str, path: str, limit: int = MAX_JSON_DEPTH) -> SpecError | None:
    """A :class:`SpecError` when JSON ``text`` nests deeper than ``limit`` (outside strings)."""
    depth, in_str, esc = 0, False, False
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                line, col = _line_col(text, i)
                return SpecError(f"JSON nested deeper than {limit} levels", path=path,
                                 line=line, col=col, hint="a plan is {\"steps\": [...]}: "
                                 "it needs only a few levels")
        elif ch in "]}":
            depth -= 1
    return None
