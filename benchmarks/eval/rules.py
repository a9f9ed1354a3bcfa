"""The rule-based orchestrator's pipelines: one fixed, hand-written DAG per task type.

This is what an Airflow deployment would run: for each goal atom, a fixed pipeline of tasks
for its task type, in a fixed order, each task retried a fixed number of times. A task whose
effect already holds in the world is skipped (a sensor / short-circuit operator), so the
pipelines do not fail on work done before. There is no planner, no verifier and no
replanning: a task that still fails after its retries fails the whole run.

The pipelines encode each domain's release process (test before deploy, back up prod, staging
first, health check afterwards; validate, flag and review large amounts, approve, pay,
archive; charge before a heavy lift, report every placement, never let a battery run flat
away from a charger), so they are policy-compliant when every tool does what it says.

Each pipeline is an async function ``pipeline(run, goal_atoms)``; ``run`` offers
``world()`` (the observed world) and ``await run.call(action, *args)`` (retries inside;
raises on final failure).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from verifier.model import GroundAtom

__all__ = ["PIPELINES", "TaskFailed"]


class TaskFailed(Exception):
    def __init__(self, message: str, call: str | None = None) -> None:
        super().__init__(message)
        self.call = call


# --- devops: build -> test -> staging -> (backup prod -> prod -> health check) ---------------


async def devops(run: Any, goal: Sequence[GroundAtom]) -> None:
    targets: dict[str, set[str]] = {}
    health: set[tuple[str, str]] = set()
    for atom in goal:
        if atom[0] in ("deployed", "healthy"):
            targets.setdefault(atom[1], set()).add(atom[2])
            if atom[0] == "healthy":
                health.add((atom[1], atom[2]))
    for svc, envs in targets.items():
        w = run.world()
        if ("built", svc) not in w:
            await run.call("build", svc)
        if ("tested", svc) not in run.world():
            await run.call("test", svc)
        if ("deployed", svc, "staging") not in run.world():
            await run.call("deploy", svc, "staging")
        if (svc, "staging") in health and ("healthy", svc, "staging") not in run.world():
            await run.call("health-check", svc, "staging")
        if "prod" in envs:
            if ("backed-up", "prod") not in run.world() and \
                    ("deployed", svc, "prod") not in run.world():
                await run.call("backup", "prod")
            if ("deployed", svc, "prod") not in run.world():
                await run.call("deploy", svc, "prod")
            if ("healthy", svc, "prod") not in run.world():
                await run.call("health-check", svc, "prod")


# --- documents: classify -> extract -> vendor -> validate -> (flag, review) -> approve -> pay
#     -> archive, per invoice, cut at the stage its goal names ------------------------------

_STAGES = ("classified", "extracted", "validated", "approved", "paid", "archived")


async def documents(run: Any, goal: Sequence[GroundAtom]) -> None:
    init = run.world()
    vendors = sorted({a[2] for a in init if a[0] == "issued-by"})
    for v in vendors:  # the batch's vendor checks come first (every vendor, as policy asks)
        if ("vendor-checked", v) not in run.world():
            await run.call("check-vendor", v)
    for atom in goal:
        kind, inv = atom[0], atom[1]
        if kind == "archived":  # the archive task type files the document
            if ("classified", inv) not in run.world():
                await run.call("classify", inv)
            if ("archived", inv) not in run.world():
                await run.call("archive", inv)
            continue
        if kind == "vendor-checked":
            if atom not in run.world():
                await run.call("check-vendor", inv)
            continue
        last = _STAGES.index(kind) if kind in _STAGES else len(_STAGES) - 1
        issuer = next((a[2] for a in sorted(init) if a[0] == "issued-by" and a[1] == inv), None)
        if ("classified", inv) not in run.world():
            await run.call("classify", inv)
        if last >= 1 and ("extracted", inv) not in run.world():
            await run.call("extract", inv)
        if last >= 2 and ("validated", inv) not in run.world() and issuer is not None:
            await run.call("validate", inv, issuer)
        if last >= 3:
            if ("large", inv) in run.world():
                if ("flagged", inv) not in run.world():
                    await run.call("flag", inv)
                if ("reviewed", inv) not in run.world():
                    await run.call("review", inv)
            if ("approved", inv) not in run.world():
                await run.call("approve", inv)
        if last >= 4:
            if ("paid", inv) not in run.world():
                await run.call("pay", inv)
            if ("archived", inv) not in run.world():
                await run.call("archive", inv)


# --- robotics: per delivery, go to the item, pick, carry, place, report; route by BFS and
#     keep enough battery to reach a charger; charge to full before a heavy lift ---------------

_LEVELS = ("level0", "level1", "level2", "level3", "level4")


def _graph(world: frozenset[GroundAtom]) -> dict[str, list[str]]:
    g: dict[str, list[str]] = {}
    for a in sorted(world):
        if a[0] == "connected":
            g.setdefault(a[1], []).append(a[2])
    return g


def _bfs(g: dict[str, list[str]], src: str) -> dict[str, str | None]:
    prev: dict[str, str | None] = {src: None}
    q = deque([src])
    while q:
        x = q.popleft()
        for y in g.get(x, ()):
            if y not in prev:
                prev[y] = x
                q.append(y)
    return prev


def _path(g: dict[str, list[str]], src: str, dst: str) -> list[str] | None:
    prev = _bfs(g, src)
    if dst not in prev:
        return None
    out = [dst]
    while out[-1] != src:
        p = prev[out[-1]]
        assert p is not None
        out.append(p)
    return out[::-1]


def _dist_to_charger(g: dict[str, list[str]], chargers: set[str], src: str) -> int:
    prev = _bfs(g, src)
    best = 10**6
    for c in chargers:
        if c in prev:
            n, x = 0, c
            while x != src:
                x = prev[x]  # type: ignore[assignment]
                n += 1
            best = min(best, n)
    return best


class _Robot:
    def __init__(self, run: Any, name: str, g: dict[str, list[str]], chargers: set[str]) -> None:
        self.run, self.name, self.g, self.chargers = run, name, g, chargers
        self.was_full = False

    def where(self) -> str:
        return next(a[2] for a in self.run.world() if a[0] == "at" and a[1] == self.name)

    def level(self) -> int:
        return next(_LEVELS.index(a[2]) for a in self.run.world()
                    if a[0] == "battery" and a[1] == self.name)

    async def charge(self) -> None:
        here, lv = self.where(), self.level()
        if here in self.chargers and lv < 4:
            await self.run.call("charge", self.name, here, _LEVELS[lv])
        if self.level() == 4:
            self.was_full = True

    async def move(self, a: str, b: str) -> None:
        lv = self.level()
        await self.run.call("navigate", self.name, a, b, _LEVELS[lv], _LEVELS[lv - 1])

    async def go(self, dst: str) -> None:
        for _ in range(200):
            here = self.where()
            if here == dst:
                return
            if self.level() == 4:
                self.was_full = True
            path = _path(self.g, here, dst)
            if path is None:
                raise TaskFailed(f"no route from {here} to {dst}")
            nxt, lv = path[1], self.level()
            # the rule: never leave a place unless a charger stays in reach afterwards
            if lv - 1 < _dist_to_charger(self.g, self.chargers, nxt):
                if here in self.chargers:
                    await self.charge()
                    if self.level() - 1 < _dist_to_charger(self.g, self.chargers, nxt):
                        raise TaskFailed(f"{self.name} cannot reach {dst} with a safe battery")
                    continue
                # go to the nearest charger first (reachable: the rule kept it so)
                best = min(self.chargers, key=lambda c: len(_path(self.g, here, c) or [0] * 999))
                cpath = _path(self.g, here, best)
                if cpath is None or len(cpath) - 1 > lv:
                    raise TaskFailed(f"{self.name} is stranded at {here}")
                for x, y in zip(cpath, cpath[1:], strict=False):
                    await self.move(x, y)
                await self.charge()
                continue
            await self.move(here, nxt)
        raise TaskFailed(f"{self.name} did not reach {dst}")


async def robotics(run: Any, goal: Sequence[GroundAtom]) -> None:
    w = run.world()
    g = _graph(w)
    chargers = {a[1] for a in w if a[0] == "charger"}
    robots = sorted({a[1] for a in w if a[0] == "free"} | {a[1] for a in w if a[0] == "at"
                                                             and a[1].startswith("r")})
    fleet = [_Robot(run, r, g, chargers) for r in robots]
    for r in fleet:
        r.was_full = r.level() == 4
    deliveries = [a for a in goal if a[0] == "item-at"]
    for k, (_, item, dst) in enumerate(deliveries):
        robot = fleet[k % len(fleet)]  # round robin: a fixed assignment, as a DAG would have
        world = run.world()
        if ("item-at", item, dst) in world:
            continue
        src = next((a[2] for a in world if a[0] == "item-at" and a[1] == item), None)
        if src is None:
            raise TaskFailed(f"{item} is nowhere to be found")
        heavy = ("heavy", item) in world
        if heavy and not robot.was_full:  # full charge before a heavy lift
            await robot.charge()
            if not robot.was_full:
                best = min(chargers, key=lambda c: len(_path(g, robot.where(), c) or [0] * 999))
                await robot.go(best)
                await robot.charge()
        await robot.go(src)
        await run.call("pick-heavy" if heavy else "pick", robot.name, item, src)
        await robot.go(dst)
        await run.call("place", robot.name, item, dst)
        await run.call("report-status", robot.name, item, dst)


PIPELINES = {"devops": devops, "documents": documents, "robotics": robotics}
