"""Benchmark scenarios: seeded problems with a goal phrasing and a failure condition.

A :class:`Scenario` is one task for the evaluation (``benchmarks/eval``): a problem of a
built-in spec (devops, documents, robotics) scaled from 5 to 200 plan steps, its goal in
plain language or PDDL, and a failure condition injected through the simulated tools'
:class:`~domains.faults.FaultPlan` (so every system meets the same faults):

- ``none``: no faults;
- ``transient``: one to three calls fail transiently (once or twice) or time out once;
  retrying recovers;
- ``permanent-alt``: a resource breaks for good (every call of its group fails
  permanently) but another route reaches the goal, verified with the symbolic planner
  from the state where the reference plan meets the fault (not only from the start: a
  robot that drained its battery to reach a charger that breaks is stuck there);
- ``external``: the world changes by itself before a call (the pack's drift), or a tool
  reports success without acting; replanning from the observed state usually recovers.
  A drift that leaves no plan is kept: whether the scenario is still solvable after its
  fault is decided by the independent judge (``benchmarks/eval/judge.py``), and where it
  is not, the right outcome is a stop;
- ``unrecoverable``: a resource no route can avoid breaks for good (verified: no plan
  exists without it), or the goal itself is blocked by a policy. The right outcome is a
  stop with an explanation naming the failing call or the blocking policy.

Each domain pack's ``scenarios.py`` supplies ``build(rng, n, name=...)`` (a problem with
about ``STEPS_PER_OBJECT * n`` steps), ``outages(problem, plan)`` and ``blocked_goals``.
Suites are generated once and saved as JSON fixtures (``benchmarks/scenarios``) so runs
stay comparable over time; :func:`load_suite` reads them back.
"""

from __future__ import annotations

import importlib
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from domains.faults import FaultPlan, ScheduledFault
from domains.generated import phrase_goal, scratch_dir
from verifier.model import GroundAtom, Problem
from verifier.pddl_writer import atom_text, problem_parts_text

__all__ = ["Scenario", "FAILURES", "DOMAINS", "world_difference", "generate_scenario",
           "generate_suite", "save_suite", "load_suite", "scenario_pddl", "PERMANENT_TIMES",
           "ScenarioPlanner", "states_along"]

FAILURES = ("none", "transient", "permanent-alt", "external", "unrecoverable")
DOMAINS = ("devops", "documents", "robotics")
PERMANENT_TIMES = 1_000_000  # a scheduled fault that never stops
PLAIN_MAX_ATOMS = 6  # longer goals are given in PDDL (the embedded model reads short texts)
Call = tuple[str, tuple[str, ...]]



class ScenarioPlanner(Protocol):
    """The planner scenario generation asks (domains do not plan: the caller, e.g.
    :mod:`benchmarks.eval.scenario_planner`, passes the symbolic planner in)."""

    def solve(self, spec: Any, problem: Problem, *, forbidden: Sequence[Call] = (),
              timeout_s: float = 60.0) -> Any:
        """A plan result (``solved``, ``plan``, ``status``) without the ``forbidden`` calls."""
        ...

    def solvable_from(self, spec: Any, problem: Problem,
                      states: Sequence[frozenset[GroundAtom]], i: int,
                      state: frozenset[GroundAtom], forbidden: Sequence[Call],
                      timeout_s: float) -> bool:
        """Whether the Monitor's replanner finds a verified plan from ``state``, reached
        after ``states[:i]``, without the ``forbidden`` calls."""
        ...

@dataclass(frozen=True)
class Scenario:
    id: str
    domain: str
    seed: int
    size: int  # the targeted number of plan steps
    steps: int  # steps of the reference (symbolic, fault-free) plan; 0 if the goal is blocked
    objects: tuple[tuple[str, str], ...]
    init: tuple[GroundAtom, ...]
    goal: tuple[GroundAtom, ...]  # the positive goal atoms
    goal_pddl: str  # the formal goal, "(and ...)" (may add a literal a policy blocks)
    phrasing: str  # plain | pddl
    goal_text: str  # what the user says: plain words or the PDDL goal
    failure: str
    faults: dict[str, Any] = field(default_factory=dict)  # a FaultPlan as JSON
    outage: str = ""  # what broke, in words (permanent-alt / unrecoverable)
    blocked_calls: tuple[Call, ...] = ()
    blocking: str = ""  # the policy that blocks the goal (unrecoverable, blocked goal)

    @property
    def solvable(self) -> bool:
        return self.failure != "unrecoverable"

    @property
    def recoverable(self) -> bool:
        return self.failure in ("transient", "permanent-alt", "external")

    def fault_plan(self) -> FaultPlan:
        return FaultPlan.from_json(self.faults)

    @property
    def world(self) -> str:
        """How the simulated world differs from the PDDL model in this scenario ("" when it
        does not): a deterministic function of the scenario's index, one in three scenarios
        (see :func:`world_difference`)."""
        return world_difference(self.id)[0]

    def run_faults(self) -> dict[str, Any]:
        """The fault plan a run meets: the scenario's faults and its world difference."""
        kind, nth = world_difference(self.id)
        if not kind:
            return dict(self.faults)
        plan = self.fault_plan()
        extra = ScheduledFault(kind, None, None, nth, 1)
        return FaultPlan(**{**{k: getattr(plan, k) for k in (
            "seed", "transient", "permanent", "wrong_effect", "external", "slow", "slow_s")},
            "schedule": (*plan.schedule, extra)}).to_json()

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "domain": self.domain, "seed": self.seed, "size": self.size,
            "steps": self.steps, "failure": self.failure, "phrasing": self.phrasing,
            "goal_text": self.goal_text, "goal_pddl": self.goal_pddl,
            "objects": [f"{o}:{t}" for o, t in self.objects],
            "init": [" ".join(a) for a in self.init], "goal": [" ".join(a) for a in self.goal]}
        if self.faults:
            d["faults"] = _compact_faults(self.faults)
        if self.outage:
            d["outage"] = self.outage
        if self.blocked_calls:
            d["blocked_calls"] = [" ".join((a, *args)) for a, args in self.blocked_calls]
        if self.blocking:
            d["blocking"] = self.blocking
        return d

    @staticmethod
    def from_json(d: dict[str, Any]) -> Scenario:
        def atoms(xs: Sequence[str]) -> tuple[GroundAtom, ...]:
            return tuple(tuple(x.split()) for x in xs)

        calls = tuple((c.split()[0], tuple(c.split()[1:])) for c in d.get("blocked_calls", ()))
        return Scenario(d["id"], d["domain"], int(d["seed"]), int(d["size"]), int(d["steps"]),
                        tuple(_pair(x) for x in d["objects"]),
                        atoms(d["init"]), atoms(d["goal"]), d["goal_pddl"], d["phrasing"],
                        d["goal_text"], d["failure"], _expand_faults(d.get("faults", {})),
                        d.get("outage", ""), calls, d.get("blocking", ""))

    def problem(self, domain_path: str | Path) -> Problem:
        """The scenario's problem (formal goal), read through the PDDL reader."""
        from verifier.pddl import read_problem

        path = scratch_dir() / f"{self.id}.pddl"
        path.write_text(scenario_pddl(self), encoding="utf-8")
        return read_problem(domain_path, path)


WORLD_SHARE = 3  # one scenario in WORLD_SHARE has a world that differs from its model


def world_difference(scenario_id: str) -> tuple[str, int]:
    """``(kind, nth)``: the scenario's world difference (``domains.faults.WORLD_DIFFERENCES``,
    or "" for none) and the run's call (1-based, retries counted) it strikes. Deterministic
    in the scenario's index: every third scenario, the kinds in turn, striking one of the
    first three calls."""
    from domains.faults import WORLD_DIFFERENCES

    try:
        index = int(scenario_id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return "", 0
    if index % WORLD_SHARE != 1:
        return "", 0
    kind = WORLD_DIFFERENCES[(index // WORLD_SHARE) % len(WORLD_DIFFERENCES)]
    return kind, 1 + (index // (WORLD_SHARE * len(WORLD_DIFFERENCES))) % 3


def _pair(text: str) -> tuple[str, str]:
    """``"name:type"`` as ``(name, type)``."""
    name, _, typ = text.partition(":")
    return name, typ


def _compact_faults(plan: dict[str, Any]) -> dict[str, Any]:
    """A FaultPlan's JSON without its zero rates (fixtures stay small)."""
    out = {k: v for k, v in plan.items() if v not in (0, 0.0, None, [], ())}
    out["seed"] = plan.get("seed", 0)
    if plan.get("schedule"):
        out["schedule"] = [{k: v for k, v in s.items()
                            if not (k == "nth" and v == 1) and not (k == "times" and v == 1)}
                           for s in plan["schedule"]]
    return out


def _expand_faults(d: dict[str, Any]) -> dict[str, Any]:
    return FaultPlan.from_json(d).to_json() if d else {}


def scenario_pddl(s: Scenario) -> str:
    """The scenario's problem as PDDL, with its goal as given (``goal_pddl``)."""
    return problem_parts_text(s.id, s.domain, s.objects, s.init, s.goal_pddl)


# --- generation ---------------------------------------------------------------------------------


def _pack(domain: str) -> tuple[Any, Any, Any]:
    scen = importlib.import_module(f"domains.{domain}.scenarios")
    probs = importlib.import_module(f"domains.{domain}.problems")
    tools = importlib.import_module(f"domains.{domain}.tools")
    return scen, probs, tools


def states_along(problem: Problem, plan: Sequence[Call]) -> list[frozenset[GroundAtom]]:
    """The states ``plan`` passes through from ``problem.init``, the initial one first."""
    from verifier.grounding import Task

    task = Task(problem)
    mask = task.mask(problem.init)
    out = [frozenset(problem.init)]
    for a, args in plan:
        mask = task.action(a, args).apply(mask)
        out.append(frozenset(task.atoms_of(mask)))
    return out


Drift = Callable[[frozenset[GroundAtom], random.Random], tuple[set[GroundAtom], set[GroundAtom]]]


def realized_drift(drift: Drift, fault_seed: int, step_id: str, call: Call,
                   state: frozenset[GroundAtom]) -> tuple[set[GroundAtom], set[GroundAtom]]:
    """The change an ``external`` fault makes before ``call`` runs as step ``step_id``,
    seeded exactly as :class:`domains.simulator.Simulator` seeds it."""
    import hashlib

    text = "(" + " ".join((call[0], *call[1])) + ")"
    seed = int.from_bytes(hashlib.sha256(f"{fault_seed}|{step_id}|{text}".encode())
                          .digest()[:8], "big")
    return drift(state, random.Random(seed))


def _first_hit(plan: Sequence[Call], calls: Sequence[Call]) -> int | None:
    """The index of the reference plan's first step that a broken resource fails."""
    blocked = set(calls)
    return next((i for i, c in enumerate(plan) if c in blocked), None)


def _faults_for(failure: str, rng: random.Random, seed: int, plan: Sequence[Call],
                states: Sequence[frozenset[GroundAtom]], drift: Any,
                blocked: Sequence[Call]) -> dict[str, Any]:
    sched: list[ScheduledFault] = []
    if failure == "transient":
        for i in sorted(rng.sample(range(len(plan)), min(len(plan), rng.randint(1, 3)))):
            a, args = plan[i]
            kind = rng.choice(("transient", "transient", "slow"))
            sched.append(ScheduledFault(kind, a, args, 1, rng.choice((1, 2)) if
                                        kind == "transient" else 1))
    elif failure == "external":
        for i in sorted(rng.sample(range(len(plan)), min(len(plan), rng.randint(1, 2)))):
            a, args = plan[i]
            kind = rng.choice(("external", "wrong-effect"))
            if kind == "external" and drift is not None:
                add, delete = drift(states[i], random.Random(0))
                if not add and not delete:  # nothing to drift at that point: the tool
                    kind = "wrong-effect"  # misreports instead (a fault, never a no-op)
                # a drift that leaves no plan stays: the independent judge
                # (benchmarks/eval/judge.py) marks the scenario unsolvable after the fault,
                # and the right outcome is then a correct stop
            sched.append(ScheduledFault(kind, a, args, 1, 1))
    elif failure in ("permanent-alt", "unrecoverable"):
        sched += [ScheduledFault("permanent", a, args, 1, PERMANENT_TIMES) for a, args in blocked]
    if not sched:
        return {}
    return FaultPlan(seed=seed, schedule=tuple(sched)).to_json()


def generate_scenario(spec: Any, domain: str, index: int, *, seed: int, failure: str,
                      size: int, planner: ScenarioPlanner) -> Scenario:
    """One scenario, deterministic in (domain, index, seed, failure, size) for a planner
    that answers deterministically."""
    from domains.generated import load_generated

    if failure not in FAILURES:
        raise ValueError(f"unknown failure condition {failure!r} (use one of {FAILURES})")
    scen, probs, tools = _pack(domain)
    rng = random.Random(f"{domain}|{seed}|{index}")
    sid = f"{domain}-{index:03d}"
    n = max(1, round(size / scen.STEPS_PER_OBJECT))
    gp = plan = result = problem = None
    for _ in range(4):  # aim at the targeted size
        gp = scen.build(random.Random(rng.random()), n, name=sid)
        problem = load_generated(spec.domain_path, gp)
        result = planner.solve(spec, problem)
        if not result.solved:
            continue
        steps = len(result.plan.steps)
        if 0.6 * size <= steps <= 1.4 * size or (n == 1 and steps > size):
            break
        n = max(1, round(n * size / max(1, steps)))
    if result is None or not result.solved:
        raise RuntimeError(f"{sid}: no solvable problem of size {size} (last: {result})")
    assert gp is not None and problem is not None
    plan = [(s.action, tuple(s.args)) for s in result.plan.steps]
    blocked: list[Call] = []
    outage = blocking = ""
    goal_pddl = "(and " + " ".join(atom_text(a) for a in gp.goal) + ")"
    steps = len(plan)
    if failure in ("permanent-alt", "unrecoverable"):
        blocked, outage, blocking, goal_pddl, steps = _choose_outage(
            spec, domain, sid, failure, rng, scen, gp, plan, problem, planner, goal_pddl, steps)
    phrasing, text = "pddl", goal_pddl
    if not blocking and len(gp.goal) <= PLAIN_MAX_ATOMS and rng.random() < 0.7:
        plain = phrase_goal(rng, gp.goal, probs.PHRASING, probs.ALIASES,
                            openers=probs.OPENERS)
        if plain:
            phrasing, text = "plain", plain
    drift = getattr(tools.SIMULATOR, "drift", None)
    states = states_along(problem, plan)

    faults = _faults_for(failure, rng, seed * 1000 + index, plan, states, drift, blocked)
    return Scenario(sid, domain, seed, size, steps, gp.objects, gp.init, gp.goal, goal_pddl,
                    phrasing, text, failure, faults, outage, tuple(blocked), blocking)


def _choose_outage(spec: Any, domain: str, sid: str, failure: str, rng: random.Random,
                   scen: Any, gp: Any, plan: list[Call], problem: Any,
                   planner: ScenarioPlanner, goal_pddl: str, steps: int
                   ) -> tuple[list[Call], str, str, str, int]:
    """For ``permanent-alt`` / ``unrecoverable``: the calls an outage blocks (one that leaves a
    route from where it strikes, or none at all), or a goal made unreachable; returns
    (blocked calls, outage label, blocking note, goal, reference steps)."""
    blocked: list[Call] = []
    outage = blocking = ""
    want_alt = failure == "permanent-alt"
    p_goal = 0.25 if steps < 60 or domain not in FAST_OUTAGES else 0.5
    use_goal = not want_alt and rng.random() < p_goal and scen.blocked_goals(gp)
    cands = [] if use_goal else scen.outages(gp, plan)
    rng.shuffle(cands)
    likely = getattr(scen, "alternatives", None)
    if want_alt and likely is not None:  # outages that likely leave a route, first
        first = {label for label, _ in likely(gp, plan)}
        cands.sort(key=lambda c: c[0] not in first)
    tries, limit_s = FAST_OUTAGES.get(domain, (8, 60.0))
    states = states_along(problem, plan)
    for label, calls in cands[:tries]:
        r = planner.solve(spec, problem, forbidden=calls, timeout_s=limit_s)
        if r.solved and want_alt:
            hit = _first_hit(plan, calls)
            if hit is not None and not planner.solvable_from(
                    spec, problem, states, hit, states[hit], calls, 60.0):
                continue  # a route existed at the start, none where the fault strikes
        if (r.solved and want_alt) or (not want_alt and r.status.startswith("unsolvable")):
            blocked, outage = list(calls), label
            break
    if not blocked and not want_alt:
        use_goal = bool(scen.blocked_goals(gp))
    if not blocked and use_goal:
        extra, blocking = rng.choice(scen.blocked_goals(gp))
        goal_pddl = goal_pddl[:-1] + " " + extra + ")"
        steps = 0
    if not blocked and not blocking:
        raise LookupError(f"{sid}: no {failure} outage for this problem")
    return blocked, outage, blocking, goal_pddl, steps


def _sizes(rng: random.Random, n: int, lo: int = 5, hi: int = 200) -> list[int]:
    """Sizes spread log-uniformly over [lo, hi], shuffled."""
    out = [round(math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * (i + rng.random()) / n))
           for i in range(n)]
    rng.shuffle(out)
    return [min(hi, max(lo, s)) for s in out]


def failures_for(domain: str) -> tuple[str, ...]:
    """The failure conditions a domain supports (devops has no alternative routes)."""
    return tuple(f for f in FAILURES if not (domain == "devops" and f == "permanent-alt"))


MAX_SIZE = {"robotics": 120}  # Fast Downward times out past ~150-step robotics plans here
# robotics: fewer outage candidates, a shorter planner limit per candidate and, past 60 steps,
# more blocked goals (proving a big robotics problem unsolvable takes minutes)
FAST_OUTAGES = {"robotics": (6, 20.0)}


def generate_suite(spec: Any, domain: str, *, planner: ScenarioPlanner, n: int = 100,
                   seed: int = 0, log: Any = None, indices: Sequence[int] | None = None
                   ) -> list[Scenario]:
    """``n`` scenarios: failure conditions in turn, sizes log-uniform from 5 to 200 steps
    (robotics: to 120). ``indices`` makes only those (the others are the same either way)."""
    rng = random.Random(f"suite|{domain}|{seed}")
    sizes = _sizes(rng, n, hi=MAX_SIZE.get(domain, 200))
    kinds = failures_for(domain)
    out: list[Scenario] = []
    for i in (range(n) if indices is None else indices):
        failure = kinds[i % len(kinds)]
        for attempt in range(5):
            try:
                s = generate_scenario(spec, domain, i, seed=seed + 7919 * attempt,
                                      failure=failure, size=sizes[i], planner=planner)
                break
            except (LookupError, RuntimeError) as e:
                if log:
                    log(f"{domain} #{i}: {e}; retrying with another seed")
        else:
            raise RuntimeError(f"{domain} #{i}: could not generate a {failure} scenario")
        out.append(s)
        if log:
            log(f"{s.id}: {s.failure}, {s.steps} steps (target {s.size}), {s.phrasing}"
                + (f", {s.outage}" if s.outage else "") + (f", blocked by {s.blocking}"
                                                           if s.blocking else ""))
    return out


def save_suite(scenarios: Sequence[Scenario], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(s.to_json(), separators=(",", ":")) for s in scenarios]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_suite(path: str | Path) -> list[Scenario]:
    return [Scenario.from_json(json.loads(line))
            for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
