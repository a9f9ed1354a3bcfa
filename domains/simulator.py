"""A generic simulator: tools that act on a simulated world by the PDDL action model.

Each built-in spec's pack (``domains/<spec>/tools.py``) makes one :class:`Simulator`
with its own idempotent actions, drifts (how the world changes by itself) and demo
fault schedule, and exposes one tool per action plus the ``setup``/``observe`` hooks.

A call checks the action's precondition against the *world* (not the plan's
prediction): when the world changed under the plan it raises
:class:`~domains.base.PreconditionFailed` with what it saw. Idempotent tools remember
their idempotency key and answer a repeated call without acting again.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from domains.base import (
    Observation,
    PermanentToolError,
    PreconditionFailed,
    RunInfo,
    ToolContext,
    ToolRefused,
    TransientToolError,
)
from domains.faults import FaultPlan
from domains.world import WorldStore, world_store
from verifier.errors import PlansafeError
from verifier.grounding import Task
from verifier.model import Const, GroundAtom, Problem

__all__ = ["Simulator", "Drift"]

Drift = Callable[[frozenset[GroundAtom], random.Random], tuple[set[GroundAtom], set[GroundAtom]]]


class _Runtime:
    def __init__(self, info: RunInfo, store: WorldStore) -> None:
        problem = Problem(f"world-{info.run_id}", info.domain, dict(info.objects), frozenset(),
                          Const(True))
        self.task = Task(problem)
        self.store = store
        self.faults = FaultPlan.from_json(store.faults(info.run_id))
        # late effects (world differs from the model): (step, add, delete), applied before
        # the run's next call or observation
        self.pending: list[tuple[str, set[GroundAtom], set[GroundAtom]]] = []
        self.lock = threading.Lock()

    def settle(self, run_id: str) -> None:
        with self.lock:
            pending, self.pending = self.pending, []
        for step, add, delete in pending:
            self.store.change(run_id, step, _undrifted(add, delete))


def _undrifted(add: set[GroundAtom], delete: set[GroundAtom]
               ) -> Callable[[frozenset[GroundAtom]], tuple[set[GroundAtom], set[GroundAtom]]]:
    """A pending change as a world-store decision: what of it is not so already."""
    def decide(facts: frozenset[GroundAtom]) -> tuple[set[GroundAtom], set[GroundAtom]]:
        return set(add) - facts, set(delete) & facts
    return decide


class Simulator:
    def __init__(self, name: str, *, idempotent: Iterable[str] = (), drift: Drift | None = None,
                 sync: bool = False, timeout_s: float = 1.0,
                 demo_faults: FaultPlan | None = None) -> None:
        self.name = name
        self.idempotent = frozenset(idempotent)
        self.drift = drift
        self.sync = sync
        self.timeout_s = timeout_s
        self.demo_faults = demo_faults or FaultPlan()
        self._runs: dict[tuple[str | None, str], _Runtime] = {}
        self._lock = threading.Lock()

    # --- hooks --------------------------------------------------------------------------------

    def setup(self, info: RunInfo) -> None:
        store = world_store(info.world)
        store.create_run(info.run_id, dict(info.objects), info.init,
                         dict(info.faults) if info.faults else None)
        with self._lock:
            self._runs[(store.path, info.run_id)] = _Runtime(info, store)

    def observe(self, info: RunInfo) -> frozenset[GroundAtom]:
        store = world_store(info.world)
        rt = self._runs.get((store.path, info.run_id))
        if rt is not None:
            rt.settle(info.run_id)
        return store.atoms(info.run_id)

    def _runtime(self, ctx: ToolContext) -> _Runtime:
        store = world_store(ctx.world)
        rt = self._runs.get((store.path, ctx.run_id))
        if rt is None:
            raise PermanentToolError(f"{self.name} simulator: run {ctx.run_id} was not set up "
                                     "(call the pack's setup hook first)")
        return rt

    # --- tools --------------------------------------------------------------------------------

    def tools(self, *actions: str) -> tuple[Callable[..., Any], ...]:
        """:meth:`tool` for each action, in order (a tool module binds them to its names)."""
        return tuple(self.tool(action) for action in actions)

    def tool(self, action: str) -> Callable[..., Any]:
        """The tool for ``action`` (async, or sync when the simulator is ``sync``)."""
        if self.sync:
            def sync_tool(ctx: ToolContext, *args: str) -> Observation:
                faults, cached = self._begin(ctx, action, args)
                if cached is not None:
                    return cached
                if "slow" in faults:
                    deadline = time.monotonic() + self._slow_s(ctx)
                    while time.monotonic() < deadline:
                        if ctx.cancelled:
                            raise TransientToolError(f"({action}) cancelled")
                        time.sleep(0.005)
                if ctx.cancelled:
                    raise TransientToolError(f"({action}) cancelled")
                return self._finish(ctx, action, args, faults)
            fn: Callable[..., Any] = sync_tool
        else:
            async def async_tool(ctx: ToolContext, *args: str) -> Observation:
                faults, cached = self._begin(ctx, action, args)
                if cached is not None:
                    return cached
                if "slow" in faults:
                    await asyncio.sleep(self._slow_s(ctx))  # cancelled by the timeout
                return self._finish(ctx, action, args, faults)
            fn = async_tool
        fn.__name__ = fn.__qualname__ = action.replace("-", "_")
        fn.idempotent = action in self.idempotent  # type: ignore[attr-defined]
        fn.timeout_s = self.timeout_s  # type: ignore[attr-defined]
        return fn

    def _slow_s(self, ctx: ToolContext) -> float:
        return float(ctx.timeout_s or self.timeout_s) * 2.0

    def _begin(self, ctx: ToolContext, action: str, args: tuple[str, ...]
               ) -> tuple[frozenset[str], Observation | None]:
        rt = self._runtime(ctx)
        rt.settle(ctx.run_id)  # a late effect of an earlier call happens now
        call = "(" + " ".join((action, *args)) + ")"
        plan = rt.faults

        def count(c: Any) -> frozenset[str]:
            nth: dict[int, int] = {}
            if plan.schedule:
                prev = [r[0] for r in c.execute("SELECT call FROM calls WHERE run_id=?",
                                                (ctx.run_id,))]
                for i, s in enumerate(plan.schedule):
                    if s.matches(action, args):
                        nth[i] = 1 + sum(1 for p in prev if s.matches(*_split(p)))
            return plan.decide(step_id=ctx.step_id, action=action, args=args,
                               attempt=ctx.attempt, nth_matching=nth)

        faults = rt.store.record_call(ctx.run_id, ctx.step_id, call, ctx.attempt, count)
        if action in self.idempotent:
            seen = rt.store.applied_observation(ctx.run_id, ctx.idempotency_key)
            if seen is not None:
                return faults, Observation.from_json(seen)
        return faults, None

    def _finish(self, ctx: ToolContext, action: str, args: tuple[str, ...],
                faults: frozenset[str]) -> Observation:
        rt = self._runtime(ctx)
        call = "(" + " ".join((action, *args)) + ")"
        _raise_injected(faults, call, rt.faults.seed)
        if "external" in faults and self.drift is not None:
            add, delete = self._drift_world(rt, ctx, f"{rt.faults.seed}|{ctx.step_id}|{call}")
            # nothing to drift in this world: the fault is not dropped, the tool misreports
            drifted_nothing = not add and not delete
        else:
            drifted_nothing = False
        task = rt.task
        try:
            ga = task.action(action, tuple(args))
        except KeyError:
            raise PermanentToolError(f"{self.name} simulator: unknown action {call}") from None
        wrong = "wrong-effect" in faults or drifted_nothing
        lost, late = "lost-effect" in faults, "late-effect" in faults
        delayed: list[tuple[set[GroundAtom], set[GroundAtom]]] = []

        def decide(facts: frozenset[GroundAtom]) -> tuple[str, Any]:
            state = task.mask(facts)
            if not ga.applicable(state):
                missing = task.atoms_of(ga.pre_pos & ~state)
                present = task.atoms_of(ga.pre_neg & state)
                return "refused", Observation(frozenset(present), frozenset(missing))
            adds, dels = task.atoms_of(ga.add), task.atoms_of(ga.delete)
            if wrong:  # the tool reports success but nothing changed; it says what it sees
                obs = Observation(frozenset(a for a in dels if a in facts),
                                  frozenset(a for a in adds if a not in facts))
                return "applied", (set(), set(), obs.to_json())
            new = task.atoms_of(ga.apply(state))
            add, delete = set(new - facts), set(facts - new)
            obs = Observation(frozenset(adds | add), frozenset(dels - new))
            if lost or late:  # the tool reports its effects; the world has not changed (yet)
                if late:
                    delayed.append((add, delete))
                return "applied", (set(), set(), obs.to_json())
            return "applied", (add, delete, obs.to_json())

        verdict, payload = rt.store.apply(ctx.run_id, ctx.step_id, ctx.idempotency_key, call,
                                          ctx.attempt, decide)
        if verdict == "refused":
            raise _precondition_failed(call, payload)
        obs = Observation.from_json(payload[2])
        if obs is None:  # pragma: no cover - payload always carries one
            raise PlansafeError("simulator lost its observation")
        if delayed:
            with rt.lock:
                rt.pending += [(ctx.step_id, a, d) for a, d in delayed]
        if "side-effect" in faults and self.drift is not None:  # a change the action hides
            self._drift_world(rt, ctx, f"{rt.faults.seed}|side|{ctx.step_id}|{call}")
        if "partial-observation" in faults:
            return Observation()  # it acted, and says nothing of what it saw
        return obs

    def _drift_world(self, rt: _Runtime, ctx: ToolContext, key: str
                     ) -> tuple[set[GroundAtom], set[GroundAtom]]:
        """The domain's drift applied to the run's world, seeded by ``key`` (the same change
        in every process): the atoms it added and deleted."""
        seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
        rng, drift = random.Random(seed), self.drift
        assert drift is not None
        return rt.store.change(ctx.run_id, ctx.step_id, lambda facts: drift(facts, rng))


def _raise_injected(faults: frozenset[str], call: str, seed: int) -> None:
    """The injected faults that stop a call before it acts: transient, permanent, and a
    refusal for a reason the domain does not name (the same reason in every process)."""
    if "transient" in faults:
        raise TransientToolError(f"{call}: service temporarily unavailable (injected)")
    if "permanent" in faults:
        raise PermanentToolError(f"{call}: failed permanently (injected)")
    if "hidden-precondition" in faults:
        reasons = ("the service's quota is exhausted", "a change freeze is in effect",
                   "the credentials for this call have expired",
                   "a lock is held by another operator")
        pick = int(hashlib.sha256(f"{seed}|{call}".encode()).hexdigest(), 16)
        raise ToolRefused(f"{call}: refused: {reasons[pick % len(reasons)]}")


def _precondition_failed(call: str, seen: Observation) -> PreconditionFailed:
    """A refused call: which preconditions do not hold, which negated ones do."""
    parts = [f"{' '.join(a)} does not hold" for a in sorted(seen.not_holds)]
    parts += [f"{' '.join(a)} holds" for a in sorted(seen.holds)]
    return PreconditionFailed(f"{call} cannot run: " + "; ".join(parts), observation=seen)


def _split(call: str) -> tuple[str, tuple[str, ...]]:
    words = call.strip("()").split()
    return words[0], tuple(words[1:])
