"""The delete relaxation over numpy words (engine/llm/relaxed_np.py) gives the Python
walk's answers (engine/llm/relaxed.py's ``layers``, engine/llm/hint.py's ``relaxed_plan``):
on random bitmask tasks over one and several 64-bit words, and on every reachable state of
a real blocksworld walk through the state-aware rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.llm.hint import relaxed_plan
from engine.llm.relaxed import Relaxation, layers
from engine.llm.relaxed_np import PACK_FROM, Packed


def _masks(width: int) -> st.SearchStrategy[int]:
    # sparse masks: a few atoms each, as in ground actions
    return st.lists(st.integers(0, width - 1), max_size=4).map(
        lambda bs: sum({1 << b for b in bs}))


@st.composite
def _tasks(draw: st.DrawFn) -> tuple[int, int, list[tuple[int, int]]]:
    width = draw(st.sampled_from([8, 64, 70, 200]))
    steps = draw(st.lists(st.tuples(_masks(width), _masks(width)), max_size=40))
    state = draw(st.integers(0, 2**width - 1))
    goal = draw(_masks(width + 3))  # a goal atom may lie past every step's atoms
    return state, goal, steps


@settings(max_examples=400, deadline=None)
@given(task=_tasks())
def test_packed_walk_gives_the_python_walks_answers(
        task: tuple[int, int, list[tuple[int, int]]]) -> None:
    state, goal, steps = task
    packed = Packed(steps)
    assert packed.layers(state, goal) == layers(state, goal, steps)
    assert packed.relaxed_plan(state, goal) == relaxed_plan(state, goal, steps)


@settings(max_examples=300, deadline=None)
@given(task=_tasks(), negs=st.lists(_masks(210), max_size=40), blocked=_masks(210))
def test_blocked_steps_are_left_out_as_the_filtered_walk_does(
        task: tuple[int, int, list[tuple[int, int]]], negs: list[int], blocked: int) -> None:
    """Steps whose blocking atoms hold are left out of the packed walk (one pack shared by
    every state), exactly as a walk over the steps filtered first."""
    state, goal, steps = task
    negs = (negs + [0] * len(steps))[:len(steps)]
    packed = Packed(steps, negs)
    left = [st_ for st_, neg in zip(steps, negs, strict=True) if not neg & blocked]
    assert packed.layers(state, goal, blocked) == layers(state, goal, left)
    assert packed.relaxed_plan(state, goal, blocked) == relaxed_plan(state, goal, left)


def test_a_chain_over_word_boundaries() -> None:
    """a(bit 3) -> b(bit 70) -> c(bit 140): two layers, two steps, b needed at layer 1."""
    a, b, c = 1 << 3, 1 << 70, 1 << 140
    packed = Packed([(b, c), (a, b)])
    assert packed.words == 3
    assert packed.layers(a, c) == [0, 1]
    assert packed.relaxed_plan(a, c) == (b, 2)
    assert packed.relaxed_plan(a, 1 << 300) is None  # no step adds it
    assert packed.relaxed_plan(a | c, c) == (0, 0)


def test_the_relaxation_of_a_blocksworld_walk_is_the_same_packed_or_not() -> None:
    """Along random walks of the state-aware rules on a 12-block problem (hundreds of
    offered steps: packed), reachability, distance and FF's length agree with the Python
    walk's, every successor of every node visited."""
    import random

    from engine.llm.stateaware import Safe
    from tests.engine.test_stateaware import _generated

    _, checker = _generated("blocksworld", 5, size=12)
    rules = Safe(checker)
    relax = rules.relaxation
    assert len(relax.steps(0, rules.initial()[0])) >= PACK_FROM
    rng, node, seen = random.Random(0), rules.initial(), 0
    for _ in range(25):
        options = rules.options(node)[0]
        if not options:
            break
        for state, _memory in options.values():
            todo = relax.steps(0, state)
            assert relax.distance(state) == _distance(relax, state, todo)
            assert relax.plan_length(state) == _length(relax, state, todo)
            seen += 1
        node = options[rng.choice(sorted(options))]
    assert seen > 50


def _distance(relax: Relaxation, state: int, todo: list[tuple[int, int]]) -> int:
    if relax.neg & state & relax.kept:
        return 10**6
    counts = layers(state, relax.pos, todo)
    return 10**6 if counts is None else sum((i + 1) * c for i, c in enumerate(counts))


def _length(relax: Relaxation, state: int, todo: list[tuple[int, int]]) -> int:
    got = None if relax.neg & state & relax.kept else relaxed_plan(state, relax.pos, todo)
    return 10**6 if got is None else got[1]
