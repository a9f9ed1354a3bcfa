"""Random robotics problems (a small map around the dock, robots, items) and phrasings."""

from __future__ import annotations

import random

from domains.generated import GeneratedProblem

__all__ = ["random_problem", "PHRASING", "ALIASES", "OPENERS", "LOCATIONS", "ITEMS",
           "place_items"]

LOCATIONS = ("hall", "lab", "store", "office", "bay", "shelf", "kitchen", "garage", "depot",
             "yard", "a1", "a2", "b1", "b2", "c1")
ITEMS = ("box1", "box2", "box3", "crate1", "crate2", "parcel1", "parcel2", "tray1")
PHRASING = {
    "item-at": ("bring {0} to {1}", "move {0} to {1}", "deliver {0} to {1}", "take {0} to {1}",
                "get {0} to {1}", "have {0} at {1}", "carry {0} over to {1}"),
    "at": ("send {0} to {1}", "drive {0} to {1}", "park {0} at {1}"),
    "reported": ("report that {0} is at {1}",),
}
ALIASES = {"dock": ("dock", "the dock", "the charging dock")}
OPENERS = ("", "", "please ", "I want to ", "goal: ", "can you ", "we need to ")
LEVELS = ("level0", "level1", "level2", "level3", "level4")


def place_items(rng: random.Random, items: list[str], nodes: list[str], *, heavy: float
                ) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """(init, goal): each item at a random node, heavy with probability ``heavy``, to be
    brought to another node."""
    init: list[tuple[str, ...]] = []
    goal: list[tuple[str, ...]] = []
    for it in items:
        here = rng.choice(nodes)
        init.append(("item-at", it, here))
        if rng.random() < heavy:
            init.append(("heavy", it))
        goal.append(("item-at", it, rng.choice([n for n in nodes if n != here])))
    return init, goal


def random_problem(rng: random.Random, *, name: str = "gen", size: int | None = None
                   ) -> GeneratedProblem:
    k = size or rng.choice((1, 2, 2, 3, 3, 4))
    places = rng.sample(LOCATIONS, k)
    nodes = ["dock", *places]
    init: list[tuple[str, ...]] = [("next", LEVELS[i], LEVELS[i + 1]) for i in range(4)]
    init.append(("charger", "dock"))
    if places and rng.random() < 0.3:
        init.append(("charger", rng.choice(places)))
    for i, p in enumerate(places, 1):  # a random tree rooted at the dock
        q = rng.choice(nodes[:i])
        init += [("connected", q, p), ("connected", p, q)]
    robots = [f"r{i}" for i in range(1, rng.choice((1, 1, 1, 2)) + 1)]
    for r in robots:
        init += [("at", r, rng.choice(("dock", "dock", *places))),
                 ("battery", r, rng.choice(LEVELS[2:])), ("free", r)]
    items = rng.sample(ITEMS, rng.choice((1, 1, 2)))
    item_init, goal = place_items(rng, items, nodes, heavy=0.25)
    init += item_init
    if len(goal) > 1 and rng.random() < 0.4:
        goal = goal[:1]
    objects = (tuple((r, "robot") for r in robots) + tuple((p, "location") for p in nodes)
               + tuple((i, "item") for i in items))
    return GeneratedProblem(name, "robotics", objects, tuple(init), tuple(goal))
