"""A small s-expression reader that keeps positions, for policies, patterns and plan text."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from verifier.deadline import checkpoint
from verifier.errors import SpecError

__all__ = ["Sym", "SList", "SExpr", "read_sexprs", "read_sexpr", "MAX_DEPTH"]

# Deeper nesting than this is refused with its own message (the readers of the parsed
# expressions recurse; no real domain, problem, plan or policy nests beyond a few dozen).
MAX_DEPTH = 500


@dataclass(frozen=True, slots=True)
class Sym:
    """A symbol with its 1-based position in the source."""

    text: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class SList:
    """A parenthesised list with the position of its opening parenthesis."""

    items: tuple[SExpr, ...]
    line: int
    col: int


SExpr = Sym | SList


class _Lines:
    """Positions of indexes in a text: line starts found once, then a bisection per lookup
    (reading is linear in the text; recounting newlines per token made it quadratic)."""

    __slots__ = ("starts", "line0", "col0")

    def __init__(self, text: str, line0: int, col0: int) -> None:
        starts = [0]
        find = text.find
        k = find("\n")
        while k >= 0:
            starts.append(k + 1)
            k = find("\n", k + 1)
        self.starts, self.line0, self.col0 = starts, line0, col0

    def at(self, index: int) -> tuple[int, int]:
        nl = bisect_right(self.starts, index) - 1
        if nl == 0:
            return self.line0, self.col0 + index
        return self.line0 + nl, index - self.starts[nl] + 1


def _position(text: str, index: int, line0: int, col0: int) -> tuple[int, int]:
    return _Lines(text, line0, col0).at(index)


def read_sexprs(
    text: str, *, path: str = "<input>", line: int = 1, col: int = 1, comment: str = ";"
) -> list[SExpr]:
    """Read every top-level s-expression in ``text``.

    ``line`` and ``col`` give the position of ``text[0]`` in its file, so that
    a string taken out of a YAML file still reports positions in that file.
    """
    stack: list[tuple[list[SExpr], int, int]] = []
    top: list[SExpr] = []
    i, n = 0, len(text)
    pos = _Lines(text, line, col).at
    opened = 0
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch == comment:
            while i < n and text[i] != "\n":
                i += 1
        elif ch == "(":
            opened += 1
            if not opened & 4095:
                checkpoint("reading")  # --timeout (verifier/deadline.py)
            ln, cl = pos(i)
            if len(stack) >= MAX_DEPTH:
                raise SpecError(f"expressions nested deeper than {MAX_DEPTH} levels", path=path,
                                line=ln, col=cl, hint="no domain, problem, plan or rule needs "
                                "this; is the file generated wrongly?")
            stack.append(([], ln, cl))
            i += 1
        elif ch == ")":
            if not stack:
                ln, cl = pos(i)
                raise SpecError("unexpected ')'", path=path, line=ln, col=cl,
                                hint="remove it or add the matching '('")
            items, ln, cl = stack.pop()
            node = SList(tuple(items), ln, cl)
            (stack[-1][0] if stack else top).append(node)
            i += 1
        else:
            opened += 1
            if not opened & 4095:
                checkpoint("reading")
            j = i
            while j < n and text[j] not in " \t\r\n();":
                j += 1
            ln, cl = pos(i)
            (stack[-1][0] if stack else top).append(Sym(text[i:j].lower(), ln, cl))
            i = j
    if stack:
        _, ln, cl = stack[-1]
        raise SpecError("unclosed '('", path=path, line=ln, col=cl,
                        hint="add the matching ')'")
    return top


def read_sexpr(text: str, *, path: str = "<input>", line: int = 1, col: int = 1) -> SExpr:
    """Read exactly one s-expression."""
    nodes = read_sexprs(text, path=path, line=line, col=col)
    if len(nodes) != 1:
        where = nodes[1] if len(nodes) > 1 else None
        raise SpecError(
            "expected exactly one expression" if nodes else "empty expression",
            path=path,
            line=where.line if where else line,
            col=where.col if where else col,
            hint=("wrap several rules in (and ...)" if nodes
                  else "write a rule such as (always ...)"),
        )
    return nodes[0]
