"""Random problems of a spec's domain for property tests (:func:`problems`), shaped like its
example problems and read through the same PDDL reader as files."""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from verifier.model import GroundAtom, Problem
from verifier.spec import Spec
from verifier.testing.plangen import World

__all__ = ["problems"]


_TMP: list[Path] = []


def _tmpdir() -> Path:
    if not _TMP:
        _TMP.append(Path(tempfile.mkdtemp(prefix="plansafe-strategies-")))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def problems(spec: Spec, *, objects: Mapping[str, tuple[int, int]] | None = None,
             init: float | None = None, goal_size: tuple[int, int] = (1, 3), walk: int = 8,
             min_steps: int = 2) -> st.SearchStrategy[Problem]:
    """Random problems of the spec's domain, shaped like its example problems, read through
    the same PDDL reader as files.

    By default (no ``objects``) a problem starts from one of the spec's example problems
    (``problems/``): its objects, static facts and initial state, with a new goal. With
    ``objects`` (``{type: (min, max)}`` new objects per type) the initial state is drawn:
    every possible atom of a predicate is true with that predicate's density in the example
    problems (atoms over constants only, like robotics' level chain, as they are there), or,
    with ``init`` (a float), every atom with that probability. A spec without example
    problems draws from 1-3 objects of each type and an empty initial state.

    The goal is ``goal_size`` atoms reached by an executable random walk of ``min_steps`` to
    ``walk`` steps from the initial state (reachable when policies are ignored), at least one
    of them first reached at step ``min_steps`` or later when the walk got that far, so that
    a goal needs several steps rather than one.
    """
    from verifier.pddl import read_problem

    dom = spec.domain
    examples = _small_examples(spec)
    constants = set(dom.constants)
    template = objects is None and init is None and bool(examples)
    if objects is None and not template:
        typed = {t for a in dom.actions.values() for t in a.param_types}
        objects = {t: (1, 3) for t in sorted(typed) if t not in dom.constants.values()}
    density, fixed = _densities(examples, dom.predicates, dom.is_subtype, constants)

    @st.composite
    def make(draw: Callable[..., Any]) -> Problem:
        objs: list[tuple[str, str]] = []
        start: list[GroundAtom]
        if template:
            ex = examples[draw(st.integers(0, len(examples) - 1))]
            objs = [(o, t) for o, t in ex.objects.items() if o not in constants]
            start = sorted(ex.init)
        else:
            assert objects is not None
            for t, (lo, hi) in sorted(objects.items()):
                objs += [(f"{t}{i}", t) for i in range(draw(st.integers(lo, hi)))]
            start = _drawn_init(draw, spec, objs, init=init, density=density, fixed=fixed,
                                from_examples=bool(examples))
        name = f"gen{abs(hash((tuple(objs), tuple(start)))) % 10**8}"
        prob = _read(read_problem, spec, name, objs, start, [])
        goal = _walked_goal(draw, World.of(prob), goal_size=goal_size, walk=walk,
                            min_steps=min_steps)
        if goal is None:
            return prob
        return _read(read_problem, spec, name, objs, start, goal)

    return make()


def _small_examples(spec: Spec) -> list[Problem]:
    """The spec's readable example problems, the (up to) four smallest: planning and checking
    stay fast."""
    from verifier.spec import load_problem

    examples: list[Problem] = []
    for name in spec.problems:
        try:
            examples.append(load_problem(spec, name))
        except Exception:  # noqa: BLE001 - an unreadable example is `check`'s to report
            continue
    examples.sort(key=lambda p: (len(p.objects), p.name))
    return examples[:4]


def _drawn_init(draw: Callable[..., Any], spec: Spec, objs: list[tuple[str, str]], *,
                init: float | None, density: Mapping[str, float],
                fixed: frozenset[GroundAtom], from_examples: bool) -> list[GroundAtom]:
    """An initial state drawn atom by atom: with probability ``init``, else the atoms over
    constants that every example has, else the predicate's density in the examples."""
    dom = spec.domain
    constants = set(dom.constants)
    everything = {**dom.constants, **dict(objs)}
    atoms = sorted(_all_atoms(dom.predicates, everything, dom.is_subtype))
    start = []
    for a in atoms:
        if init is not None:
            chance = init
        elif all(x in constants for x in a[1:]) and from_examples:
            chance = 1.0 if a in fixed else 0.0
        else:
            chance = density.get(a[0], 0.0)
        if chance >= 1.0 or (chance > 0 and draw(st.integers(0, 99)) < int(chance * 100)):
            start.append(a)
    return start


def _walked_goal(draw: Callable[..., Any], world: World, *, goal_size: tuple[int, int],
                 walk: int, min_steps: int) -> list[GroundAtom] | None:
    """``goal_size`` atoms reached by a random walk (one first reached at ``min_steps`` or
    later when there is one); ``None`` when the walk reaches no atom at all."""
    state = world.task.initial_state
    first: dict[GroundAtom, int] = {}
    for i in range(1, draw(st.integers(max(1, min_steps), max(min_steps, walk))) + 1):
        options = world.applicable(state)
        if not options:
            break
        state = options[draw(st.integers(0, len(options) - 1))].apply(state)
        for a in world.task.atoms_of(state & ~world.task.initial_state):
            first.setdefault(a, i)
    gained = sorted(world.task.atoms_of(state & ~world.task.initial_state))
    pool = gained or sorted(world.task.atoms_of(state))
    if not pool:
        return None
    late = [a for a in gained if first.get(a, 0) >= min_steps]
    k = draw(st.integers(min(goal_size[0], len(pool)), min(goal_size[1], len(pool))))
    goal = [draw(st.sampled_from(late))] if late else []
    rest = [a for a in pool if a not in goal]
    if k > len(goal) and rest:
        goal += draw(st.lists(st.sampled_from(rest), min_size=min(k - len(goal), len(rest)),
                              max_size=min(k - len(goal), len(rest)), unique=True))
    return goal


def _densities(examples: Sequence[Problem], predicates: Mapping[str, tuple[str, ...]],
               is_subtype: Callable[[str, str], bool], constants: set[str]
               ) -> tuple[dict[str, float], frozenset[GroundAtom]]:
    """Per predicate, the share of its possible atoms true in the examples' initial states;
    and the atoms over constants only that hold in every example."""
    true: dict[str, int] = {}
    possible: dict[str, int] = {}
    fixed: set[GroundAtom] | None = None
    for ex in examples:
        for pred, types in predicates.items():
            n = 1
            for want in types:
                n *= sum(1 for t in ex.objects.values() if is_subtype(t, want))
            possible[pred] = possible.get(pred, 0) + n
        for a in ex.init:
            true[a[0]] = true.get(a[0], 0) + 1
        on_constants = {a for a in ex.init if all(x in constants for x in a[1:])}
        fixed = on_constants if fixed is None else fixed & on_constants
    density = {p: min(1.0, true.get(p, 0) / n) for p, n in possible.items() if n}
    return density, frozenset(fixed or ())


def _all_atoms(predicates: Mapping[str, tuple[str, ...]], objects: Mapping[str, str],
               is_subtype: Callable[[str, str], bool]) -> set[GroundAtom]:
    out: set[GroundAtom] = set()
    for pred, types in predicates.items():
        pools = [[o for o, t in objects.items() if is_subtype(t, want)] for want in types]
        out.update((pred, *combo) for combo in itertools.product(*pools))
    return out


def _read(reader: Callable[..., Problem], spec: Spec, name: str, objs: list[tuple[str, str]],
          init: list[GroundAtom], goal: list[GroundAtom]) -> Problem:
    by_type: dict[str, list[str]] = {}
    for o, t in objs:
        by_type.setdefault(t, []).append(o)
    text = (f"(define (problem {name}) (:domain {spec.domain.name})\n (:objects "
            + " ".join(" ".join(v) + f" - {t}" for t, v in by_type.items()) + ")\n (:init "
            + " ".join("(" + " ".join(a) + ")" for a in init) + ")\n (:goal (and "
            + " ".join("(" + " ".join(a) + ")" for a in goal) + ")))\n")
    path = _tmpdir() / f"{name}-{len(goal)}-{abs(hash(text)) % 10**8}.pddl"
    path.write_text(text, encoding="utf-8")
    return reader(spec.domain_path, path)
