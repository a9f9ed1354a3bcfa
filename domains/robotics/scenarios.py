"""Scaled robotics problems for the benchmark scenarios: ``n`` deliveries on a map with loops.

``build(rng, n)`` gives a map around the dock (a random tree with a few extra corridors, so
that some routes have alternatives), one to three robots and ``n`` items to deliver: about
``9 n`` steps. ``outages`` lists what a broken resource makes fail: a blocked corridor
(both ways, every battery level, every robot), a broken charger, an item one robot's gripper
cannot hold; ``blocked_goals`` gives goals the spec's policies make unreachable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from domains.generated import GeneratedProblem
from domains.robotics.problems import ITEMS, LEVELS, LOCATIONS, place_items
from verifier.model import GroundAtom

__all__ = ["build", "outages", "blocked_goals", "STEPS_PER_OBJECT"]

STEPS_PER_OBJECT = 9.0
Call = tuple[str, tuple[str, ...]]


def build(rng: random.Random, n: int, *, name: str) -> GeneratedProblem:
    n = max(1, n)
    m = min(4 + n, 24)
    pool = list(LOCATIONS)
    rng.shuffle(pool)
    places = (pool + [f"loc{i:02d}" for i in range(len(pool) + 1, m + 1)])[:m]
    nodes = ["dock", *places]
    init: list[GroundAtom] = [("next", LEVELS[i], LEVELS[i + 1]) for i in range(4)]
    edges: set[tuple[str, str]] = set()
    for i, p in enumerate(places, 1):  # a random tree rooted at the dock, shallow-ish
        q = rng.choice(nodes[max(0, i - 4):i])
        edges.add((q, p))
    for _ in range(max(1, m // 4)):  # a few extra corridors make loops
        a, b = rng.sample(nodes, 2)
        if (a, b) not in edges and (b, a) not in edges:
            edges.add((a, b))
    for a, b in sorted(edges):
        init += [("connected", a, b), ("connected", b, a)]
    chargers = {"dock"} | {p for p in places if rng.random() < (0.3 if n < 8 else 0.7)}
    init += [("charger", c) for c in sorted(chargers)]
    robots = [f"r{i}" for i in range(1, min(3, 1 + n // 5 + (rng.random() < 0.3)) + 1)]
    for r in robots:
        init += [("at", r, rng.choice(sorted(chargers))), ("battery", r, rng.choice(LEVELS[3:])),
                 ("free", r)]
    names = list(ITEMS)
    rng.shuffle(names)
    items = (names + [f"item{i:02d}" for i in range(len(names) + 1, n + 1)])[:n]
    item_init, goal = place_items(rng, items, nodes, heavy=0.2)
    init += item_init
    objects = (tuple((r, "robot") for r in robots) + tuple((p, "location") for p in nodes)
               + tuple((i, "item") for i in items))
    return GeneratedProblem(name, "robotics", objects, tuple(init), tuple(goal))


def outages(problem: GeneratedProblem, plan: Sequence[Call]) -> list[tuple[str, list[Call]]]:
    robots = [o for o, t in problem.objects if t == "robot"]
    locations = [o for o, t in problem.objects if t == "location"]
    steps = list(zip(LEVELS[1:], LEVELS[:-1], strict=False))  # (from level, to level)
    out: list[tuple[str, list[Call]]] = []
    seen: set[str] = set()
    for action, args in dict.fromkeys(plan):
        calls: list[tuple[str, tuple[str, ...]]]
        if action == "navigate":
            a, b = sorted(args[1:3])
            label = f"the corridor between {a} and {b} is blocked"
            calls = [("navigate", (r, x, y, hi, lo)) for r in robots for x, y in ((a, b), (b, a))
                     for hi, lo in steps]
        elif action == "charge":
            label = f"the charger at {args[1]} is broken"
            calls = [("charge", (r, args[1], lv)) for r in robots for lv in LEVELS[:4]]
        elif action in ("pick", "pick-heavy"):
            label = f"{args[0]}'s gripper cannot hold {args[1]}"
            calls = [(act, (args[0], args[1], loc)) for act in ("pick", "pick-heavy")
                     for loc in locations]
        else:
            continue
        if label not in seen:
            seen.add(label)
            out.append((label, calls))
    return out


def blocked_goals(problem: GeneratedProblem) -> list[tuple[str, str]]:
    chargers = {a[1] for a in problem.init if a[0] == "charger"}
    robots = [o for o, t in problem.objects if t == "robot"]
    places = [o for o, t in problem.objects if t == "location" and o not in chargers]
    return [(f"(at {r} {p}) (battery {r} level0)", "drain-only-at-charger")
            for r in robots[:1] for p in places[:2]]
