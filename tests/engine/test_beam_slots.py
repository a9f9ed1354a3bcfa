"""Beam search's reorder as a move of beams among rows (engine/llm/beam_slots.py): after
the copies, every new beam's row holds its parent's history, and only a parent's second
or later child costs a copy."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.llm.beam_slots import inverse, move_beams


@st.composite
def steps(draw: st.DrawFn) -> tuple[int, list[list[int]]]:
    rows = draw(st.integers(1, 16))
    parents = st.lists(st.integers(0, rows - 1), min_size=rows, max_size=rows)
    return rows, draw(st.lists(parents, min_size=1, max_size=8))


@given(steps())
def test_every_beam_reads_its_parents_history(case: tuple[int, list[list[int]]]) -> None:
    rows, all_parents = case
    buffer = [[f"b{r}"] for r in range(rows)]  # row -> history (each beam's own start)
    beams = [[f"b{r}"] for r in range(rows)]  # what each beam's history must be
    slot: list[int] | None = None
    for t, parents in enumerate(all_parents):
        new, copies = move_beams(parents, slot)
        assert sorted(new) == list(range(rows))  # a permutation: one row per beam
        kept = {(slot or list(range(rows)))[p] for p in parents}
        assert len(copies) == rows - len(set(parents))  # a copy per extra child only
        assert all(d not in kept and s in kept for d, s in copies)
        snapshot = [list(h) for h in buffer]
        for d, s in copies:
            buffer[d] = list(snapshot[s])
        beams = [list(beams[p]) for p in parents]
        slot = new
        for b in range(rows):  # the step's new token, written at each beam's row
            buffer[slot[b]].append(f"t{t}:{b}")
            beams[b].append(f"t{t}:{b}")
        assert [buffer[slot[b]] for b in range(rows)] == beams
        owner = inverse(slot)
        assert all(slot[owner[r]] == r for r in range(rows))


def test_a_permutation_copies_nothing() -> None:
    assert move_beams([2, 0, 1], None) == ([2, 0, 1], [])
    assert move_beams([0, 1, 2], [1, 2, 0]) == ([1, 2, 0], [])


def test_second_children_take_the_rows_of_beams_without_one() -> None:
    # old beams 0 and 1 each get two children, 2 and 3 none: rows 2 and 3 are written over
    assert move_beams([0, 0, 1, 1], None) == ([0, 2, 1, 3], [(2, 0), (3, 1)])
