"""Beam search's reorder as a move of beams among buffer rows, not of rows among beams.

After each step of a beam search, new beam b goes on from old beam ``parents[b]``. A cache
that copies every row's history to follow the beams moves ``rows x positions`` keys a
step. Here each beam owns a buffer row (``slot[b]``); a parent's first child keeps the
parent's row where it is, and only a second (third, ...) child of one parent gets a copy,
written into a row whose beam had no child (that history is not needed any more). At 16
beams on robotics that is ~3 rows a step, and none in 43% of steps (session 28). Readers
of the buffer follow the rows through ``slot`` (beam -> row) and its inverse.
Used by engine/llm/shared_prefix.py (transformers) and engine/llm/tinygpt.py.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["inverse", "move_beams"]


def move_beams(parents: Sequence[int], slot: Sequence[int] | None
               ) -> tuple[list[int], list[tuple[int, int]]]:
    """The new ``slot`` (beam -> buffer row) and the copies to make first, as
    ``(destination row, source row)``, for new beams going on from old beams ``parents``
    when the old beams' rows were ``slot`` (None: beam b in row b). Sources are rows kept
    by a first child; destinations are rows no new beam keeps, so the copies can be made
    in any order."""
    rows = len(parents)
    old = range(rows) if slot is None else slot
    new = [-1] * rows
    kept = [False] * rows
    later: list[tuple[int, int]] = []  # (new beam, the row it copies)
    for b, p in enumerate(parents):
        row = old[p]
        if kept[row]:
            later.append((b, row))
        else:
            kept[row] = True
            new[b] = row
    free = iter(r for r in range(rows) if not kept[r])
    copies = []
    for b, row in later:
        new[b] = dst = next(free)
        copies.append((dst, row))
    return new, copies


def inverse(slot: Sequence[int]) -> list[int]:
    """Row -> beam for a ``slot`` (beam -> row) that is a permutation."""
    owner = [0] * len(slot)
    for b, r in enumerate(slot):
        owner[r] = b
    return owner
