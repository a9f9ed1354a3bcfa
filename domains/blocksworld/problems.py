"""Random Blocksworld problems (towers, optional fragile blocks) and goal phrasings."""

from __future__ import annotations

import random

from domains.generated import GeneratedProblem

__all__ = ["random_problem", "PHRASING", "ALIASES", "OPENERS", "name_pool"]

PHRASING = {
    "on": ("put {0} on {1}", "stack {0} on {1}", "stack {0} on top of {1}", "{0} on {1}",
           "place {0} onto {1}", "get {0} on top of {1}", "move {0} onto {1}",
           "have {0} sitting on {1}", "set {0} on {1}"),
    "ontable": ("put {0} on the table", "{0} on the table", "leave {0} on the table",
                "set {0} down on the table", "have {0} on the table"),
    "clear": ("clear {0}", "nothing on {0}", "leave {0} clear", "free the top of {0}"),
    "holding": ("hold {0}", "pick up {0} and keep holding it"),
}
ALIASES: dict[str, tuple[str, ...]] = {}
OPENERS = ("", "", "please ", "I want to ", "goal: ", "can you ", "make it so: ", "I need to ")


def name_pool(rng: random.Random, n: int) -> list[str]:
    """Block names: single letters (as in PlanBench) or b1..bn (as in the spec's problems)."""
    style = rng.random()
    if style < 0.6:
        return list("abcdefghijklmnop"[:n])
    if style < 0.85:
        return [f"b{i}" for i in range(1, n + 1)]
    return rng.sample(list("abcdefghijklmnopqrstuvwxyz"), n)


def _towers(rng: random.Random, blocks: list[str], fragile: set[str]) -> list[list[str]]:
    """Random towers (bottom first); a fragile block is always the top of its tower."""
    order = blocks[:]
    rng.shuffle(order)
    towers: list[list[str]] = []
    for b in order:
        open_ = [t for t in towers if t[-1] not in fragile]
        if open_ and rng.random() < 0.6:
            rng.choice(open_).append(b)
        else:
            towers.append([b])
    return towers


def _atoms(towers: list[list[str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for t in towers:
        out.append(("ontable", t[0]))
        out.extend(("on", t[i], t[i - 1]) for i in range(1, len(t)))
        out.append(("clear", t[-1]))
    return out


def random_problem(rng: random.Random, *, name: str = "gen", size: int | None = None
                   ) -> GeneratedProblem:
    n = size or rng.choice((3, 4, 4, 4, 4, 5, 5, 6))
    blocks = name_pool(rng, n)
    fragile = set(rng.sample(blocks, rng.choice((1, 1, 2)))) if rng.random() < 0.4 else set()
    start = _towers(rng, blocks, fragile)
    init = [("handempty",)] + [("fragile", b) for b in sorted(fragile)] + _atoms(start)
    while True:
        target = _towers(rng, blocks, fragile)
        full = _atoms(target)
        ons = [a for a in full if a[0] == "on"]
        if rng.random() < 0.65 and ons:  # PlanBench style: a few (on x y)
            goal = rng.sample(ons, min(len(ons), rng.choice((1, 1, 2, 2, 3))))
        else:  # the spec's style: a whole configuration
            goal = [a for a in full if a[0] in ("on", "ontable")]
        if not set(goal) <= set(init):
            break
    return GeneratedProblem(name, "blocksworld", tuple((b, "block") for b in blocks),
                            tuple(init), tuple(goal))
