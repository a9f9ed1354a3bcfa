"""The Executor: runs one certified plan generation, step by step or in parallel.

Each step: access is checked again, its precondition is checked against the believed
state, a ``step-intent`` is journaled, the bound tool is called (with a timeout, the
ground arguments and a :class:`~domains.base.ToolContext`), and a ``step-result`` with
the observed change is journaled. The observation is compared with the predicted
effects; a difference is an effect mismatch for the Monitor. Transient errors are
retried with bounded backoff. Steps that match an ``approval`` pattern wait for a
journaled approval. Steps run as soon as their predecessors are done, at most
``concurrency`` at a time; a sequential plan is a chain.

After a crash, a step whose intent was journaled without a result is re-run only if its
tool is idempotent (same idempotency key); otherwise the world is observed: if the
step's effects are there it is recorded as done, if its precondition still holds it
runs again, else the Monitor takes over.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from domains.base import Observation, RunInfo, ToolContext
from engine.monitor import Failure, RetryPolicy, classify
from engine.runstate import Recorder, StepRecord, atoms_json
from engine.tools import ToolSet, call_tool
from verifier.access import AccessRules
from verifier.certificate import Certificate
from verifier.grounding import GroundAction, Task
from verifier.model import GroundAtom, Plan, Problem
from verifier.policy import Policy

__all__ = ["Generation", "Outcome", "Executor", "idempotency_key", "sequential_deps", "order_deps"]


_RETRY = object()


def idempotency_key(run_id: str, step_id: str, gen: int = 0, agent: str | None = None,
                    action: str = "", args: tuple[str, ...] = ()) -> str:
    """The key a tool sees: bound to the exact call (run, step, generation, agent, action,
    arguments), so a replan that reuses a step id for another call gets a new key."""
    text = json.dumps([run_id, step_id, gen, agent, action, list(args)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class Generation:
    """A certified plan and everything needed to run it."""

    gen: int
    plan: Plan
    certificate: Certificate
    problem: Problem
    policies: tuple[Policy, ...]
    access: AccessRules
    task: Task
    deps: dict[str, tuple[str, ...]]
    order: str = "sequential"


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # completed | failed | waiting-approval
    failure: Failure | None = None
    waiting: tuple[str, ...] = ()
    others: tuple[Failure, ...] = ()  # more failures among steps that ran in parallel


@dataclass
class Executor:
    spec: Any
    tools: ToolSet
    rec: Recorder
    info: RunInfo
    concurrency: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    approvals: str = "manual"  # manual | auto
    approval_wait_s: float = 0.0
    approval_poll_s: float = 0.2

    def __post_init__(self) -> None:
        self._sem = asyncio.Semaphore(max(1, self.concurrency))
        self._mask = 0
        self._task: Task | None = None

    # --- belief -------------------------------------------------------------------------------

    @property
    def state(self) -> Any:
        return self.rec.state

    def _sync_mask(self, task: Task) -> None:
        self._task = task
        self._mask = task.mask(self.state.belief)

    def note_world(self, world: frozenset[GroundAtom], *, source: str, step: str | None = None
                   ) -> tuple[frozenset[GroundAtom], frozenset[GroundAtom]]:
        """Journal how the observed world differs from the belief (an external change)."""
        belief = self.state.belief
        add, delete = frozenset(world - belief), frozenset(belief - world)
        if add or delete:
            self.rec.emit("observation", {"source": source, "step": step,
                                          "add": atoms_json(add), "del": atoms_json(delete)})
            if self._task is not None:
                self._mask = self._task.mask(self.state.belief)
        return add, delete

    def _note_partial(self, obs: Observation, *, step: str) -> None:
        """What a failing tool saw (atoms that hold / do not): external change if new."""
        add = frozenset(a for a in obs.holds if a not in self.state.belief)
        delete = frozenset(a for a in obs.not_holds if a in self.state.belief)
        if add or delete:
            self.rec.emit("observation", {"source": "tool", "step": step,
                                          "add": atoms_json(add), "del": atoms_json(delete)})
            if self._task is not None:
                self._mask = self._task.mask(self.state.belief)

    # --- the scheduler ------------------------------------------------------------------------

    async def run(self, g: Generation) -> Outcome:
        self._sync_mask(g.task)
        steps = self.state.gen_steps(g.gen)
        by_id = {s.id: s for s in steps}
        f = await self._earlier_failure(g, steps)
        if f is not None:
            return self._fail(f)
        succ, left = _open_dependencies(steps, g.deps, by_id)
        ready = [s.id for s in steps if left[s.id] == 0 and s.status != "completed"]
        inflight: dict[asyncio.Task[Failure | None], str] = {}
        waiting: list[str] = []
        failure: Failure | None = None
        others: list[Failure] = []
        waited = 0.0
        while True:
            if failure is None:
                pending_ready, ready = ready, []
                for sid in pending_ready:
                    s = by_id[sid]
                    gate = self._gate(s)
                    if gate == "wait":
                        waiting.append(sid)
                        continue
                    if isinstance(gate, Failure):
                        failure = gate
                        break
                    inflight[asyncio.ensure_future(self._run_step(g, s))] = sid
            if not inflight:
                if failure is not None:
                    for extra in others:
                        self._fail(extra)
                    return replace(self._fail(failure), others=tuple(others))
                if all(s.status == "completed" for s in steps):
                    return Outcome("completed")
                if waiting:
                    if waited < self.approval_wait_s:
                        await asyncio.sleep(self.approval_poll_s)
                        waited += self.approval_poll_s
                        if self.rec.refresh_approvals():
                            ready, waiting = waiting, []
                        continue
                    self.rec.emit("run-suspended", {"reason": "waiting-approval",
                                                    "steps": list(waiting)})
                    return Outcome("waiting-approval", waiting=tuple(waiting))
                return self._fail(Failure("deadlock", "no step can run and none is running"))
            done, _ = await asyncio.wait(list(inflight), return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                sid = inflight.pop(t)
                f = t.result()
                if f is not None:
                    if failure is None:
                        failure = f
                    else:
                        others.append(f)
                elif failure is None:
                    for n in succ[sid]:
                        left[n] -= 1
                        if left[n] == 0:
                            ready.append(n)

    async def _earlier_failure(self, g: Generation, steps: list[StepRecord]) -> Failure | None:
        """Crash recovery first (its failure, if any); else a step of this generation that
        has already failed."""
        f = await self._recover_all(g, steps)
        if f is not None:
            return f
        for s in steps:
            if s.status == "failed":
                return Failure(s.fail_kind or "exception", s.error or "failed",
                               s.id, (s.action, s.args), s.agent, s.attempts)
        return None

    def _fail(self, f: Failure) -> Outcome:
        payload: dict[str, Any] = {"kind": f.kind, "step": f.step, "message": f.message,
                                   "attempt": f.attempt, "missing": atoms_json(f.missing)}
        if f.call is not None:
            payload["call"] = [f.call[0], list(f.call[1])]
        self.rec.emit("failure", payload)
        return Outcome("failed", f)

    def _gate(self, s: StepRecord) -> str | Failure | None:
        """None: run it; "wait": needs an approval not given yet; a Failure: rejected."""
        from engine.approvals import gate

        if not self.spec.needs_approval(s.action, s.args):
            return None
        verdict = gate(self.spec, self.state, s)  # the spec's approval rules (by, count, ...)
        if verdict == "auto" and self.approvals == "auto":
            self.rec.emit("approval", {"step": s.id, "approved": True, "by": "auto",
                                       "reason": "approvals=auto", "generation": s.gen,
                                       "action": s.action, "args": list(s.args),
                                       "agent": s.agent})
            verdict = gate(self.spec, self.state, s)
        decision = self.state.approvals.get(s.binding)
        if verdict in ("wait", "auto") or decision is None:
            if s.binding not in self.state.requested:
                self.rec.emit("approval-requested", {"step": s.id, "call": s.call,
                                                     "agent": s.agent, "generation": s.gen,
                                                     "action": s.action,
                                                     "args": list(s.args)})
                self.rec.emit("message", {"from": "executor", "to": "approver",
                                          "about": "approval", "step": s.id, "call": s.call})
            return "wait"
        if verdict != "rejected":
            return None
        if decision[0]:  # a later approval does not undo an earlier rejection (count > 1)
            who = [by for by, ok in self.state.approvers.get(s.binding, {}).items() if not ok]
            decision = (False, who[0] if who else "", "")
        return Failure("approval-rejected", f"rejected by {decision[1] or 'the approver'}"
                       + (f": {decision[2]}" if decision[2] else ""), s.id,
                       (s.action, s.args), s.agent, s.attempts)

    # --- one step -----------------------------------------------------------------------------

    def _cannot_start(self, g: Generation, s: StepRecord, ga: GroundAction) -> Failure | None:
        """Why step ``s`` may not start now (its agent is not permitted, or its precondition no
        longer holds in the observed state); None when it may."""
        call = (s.action, s.args)
        if s.agent not in g.access.permitted(s.action, s.args):
            return Failure("access", f"agent {s.agent!r} may not perform {s.call} (checked "
                           "again at run time)", s.id, call, s.agent, s.attempts)
        if not ga.applicable(self._mask):
            missing = tuple(sorted(g.task.atoms_of(ga.pre_pos & ~self._mask))) + \
                tuple(sorted(g.task.atoms_of(ga.pre_neg & self._mask)))
            return Failure("world-changed", f"the precondition of {s.call} no longer holds in "
                           "the observed state", s.id, call, s.agent, s.attempts, missing)
        return None

    async def _retry_pause(self, s: StepRecord, attempt: int, kind: str) -> None:
        """Journal the retry of step ``s`` after ``attempt``, then wait its back-off."""
        delay = self.retry.delay_s(attempt)
        self.rec.emit("retry", {"step": s.id, "attempt": attempt + 1, "kind": kind,
                                "delay_s": delay})
        await asyncio.sleep(delay)

    async def _run_step(self, g: Generation, s: StepRecord) -> Failure | None:
        ga = g.task.action(s.action, s.args)
        call = (s.action, s.args)
        refused = self._cannot_start(g, s, ga)
        if refused is not None:
            return refused
        tool = self.tools.tool(s.action)
        idem = self.tools.idempotent(s.action)
        timeout_s = self.tools.timeout_s(s.action)
        key = s.key or idempotency_key(self.info.run_id, s.id, s.gen, s.agent, s.action, s.args)
        while True:
            attempt = s.attempts + 1
            self.rec.emit("step-intent", {"step": s.id, "gen": g.gen, "action": s.action,
                                          "args": list(s.args), "agent": s.agent,
                                          "attempt": attempt, "key": key})
            ctx = ToolContext(self.info.run_id, s.id, s.agent, key, s.action, s.args, attempt,
                              timeout_s, self.info.world)
            t0 = time.perf_counter()
            printed: dict[str, str] = {}  # what the tool printed: journaled, never shown
            try:
                async with self._sem:
                    obs = await call_tool(tool, ctx, timeout_s=timeout_s, output=printed)
            except Exception as e:  # noqa: BLE001 - every tool error is classified
                self._journal_output(s.id, attempt, printed)
                kind, retryable = classify(e, idempotent=idem)
                if kind == "timeout" and not retryable:
                    res = await self._after_unclear(g, s, ga, attempt, str(e))
                    if res is not _RETRY:
                        return res  # type: ignore[return-value]
                    if attempt < self.retry.max_attempts:
                        await self._retry_pause(s, attempt, kind)
                        continue
                    return Failure("timeout", f"{e} (every attempt timed out)", s.id, call,
                                   s.agent, attempt)
                seen = getattr(e, "observation", None)
                final = not (retryable and attempt < self.retry.max_attempts)
                self.rec.emit("step-result", {
                    "step": s.id, "gen": g.gen, "attempt": attempt, "status": "error",
                    "kind": kind, "error": str(e) or type(e).__name__, "final": final,
                    "observation": seen.to_json() if seen is not None else None,
                    "ms": round((time.perf_counter() - t0) * 1000, 3)})
                if seen is not None:
                    self._note_partial(seen, step=s.id)
                if not final:
                    await self._retry_pause(s, attempt, kind)
                    continue
                missing = tuple(sorted(seen.not_holds)) if seen is not None else ()
                return Failure(kind, str(e) or type(e).__name__, s.id, call, s.agent, attempt,
                               missing)
            self._journal_output(s.id, attempt, printed)
            return self._record_success(g, s, ga, attempt, obs, time.perf_counter() - t0)

    def _journal_output(self, step: str, attempt: int, printed: dict[str, str]) -> None:
        """A tool's stdout/stderr, as a journal message (kept out of the command's output)."""
        if printed.get("stdout") or printed.get("stderr"):
            limit = 64_000
            self.rec.emit("message", {"from": "tool", "to": "journal", "about": "output",
                                      "step": step, "attempt": attempt,
                                      "stdout": printed.get("stdout", "")[-limit:],
                                      "stderr": printed.get("stderr", "")[-limit:]})

    def _record_success(self, g: Generation, s: StepRecord, ga: GroundAction, attempt: int,
                        obs: Observation | None, seconds: float, *, recovered: bool = False
                        ) -> Failure | None:
        task = g.task
        before = self._mask
        predicted = ga.apply(before)
        after = predicted
        mismatch_true: list[GroundAtom] = []  # observed true, predicted false
        mismatch_false: list[GroundAtom] = []  # predicted true, observed false
        if obs is not None:
            for a in obs.holds:
                b = task.bit(a)
                if not predicted & b:
                    mismatch_true.append(a)
                after |= b
            for a in obs.not_holds:
                b = task.bit(a)
                if predicted & b:
                    mismatch_false.append(a)
                after &= ~b
        if not recovered:  # the world, not only the tool's report, shows the step's effects
            after = self._check_world(task, ga, after, mismatch_true, mismatch_false)
        add, delete = task.atoms_of(after & ~before), task.atoms_of(before & ~after)
        status = "mismatch" if (mismatch_true or mismatch_false) else "ok"
        payload: dict[str, Any] = {"step": s.id, "gen": g.gen, "attempt": attempt,
                                   "status": status, "add": atoms_json(add),
                                   "del": atoms_json(delete),
                                   "ms": round(seconds * 1000, 3)}
        if obs is not None and status == "mismatch":
            payload["observation"] = obs.to_json()
            payload["error"] = "observed effects differ from the prediction"
        if recovered:
            payload["recovered"] = True
        self.rec.emit("step-result", payload)
        self._mask = after
        if status == "ok":
            return None
        touched = set(mismatch_true) | set(mismatch_false)
        return Failure("effect-mismatch", "the observed effects differ from the predicted ones",
                       s.id, (s.action, s.args), s.agent, attempt,
                       tuple(sorted(mismatch_false)),
                       frozenset(a for a in touched if predicted & task.bit(a)),
                       frozenset(a for a in touched if after & task.bit(a)))

    def _check_world(self, task: Task, ga: GroundAction, after: int,
                     mismatch_true: list[GroundAtom], mismatch_false: list[GroundAtom]) -> int:
        """The step's own effects as the observed world shows them (when the pack can observe
        it): a tool may report effects that did not happen (a lost effect), so a later step
        guarded by them must not run on the tool's word alone. Only the atoms the action
        changes are compared; other differences are left to the runner's world checks."""
        world = self.tools.observe(self.info)
        if world is None:
            return after
        w = task.mask(world)
        for a in task.atoms_of(ga.add & ~w):  # predicted true, not in the world
            if after & task.bit(a) and a not in mismatch_false:
                mismatch_false.append(a)
            after &= ~task.bit(a)
        for a in task.atoms_of(ga.delete & ~ga.add & w):  # predicted false, still there
            if not after & task.bit(a) and a not in mismatch_true:
                mismatch_true.append(a)
            after |= task.bit(a)
        return after

    # --- unclear outcomes: crash recovery and timeouts of non-idempotent tools ------------------

    def _decide(self, g: Generation, ga: GroundAction) -> tuple[str, frozenset[GroundAtom] | None]:
        world = self.tools.observe(self.info)
        if world is None:
            return "unknown", None
        w = g.task.mask(world)
        if (ga.add or ga.delete) and w & ga.add == ga.add and not w & ga.delete:
            return "done", world
        if ga.applicable(w):
            return "not-run", world
        return "neither", world

    async def _recover_all(self, g: Generation, steps: list[StepRecord]) -> Failure | None:
        """Steps journaled as started but never finished (the process died in between).

        Idempotent ones run again first, with their idempotency key (the tool acts at most
        once); then the world decides about the others, each by its own effects. Only
        after that is the rest of what the world shows merged into the belief, so that
        no step's effect is mistaken for an external change."""
        open_steps = [s for s in steps if s.open_attempt is not None]
        again = [s for s in open_steps if self.tools.idempotent(s.action)]
        for s in again:
            # No result closes the interrupted attempt: the new intent supersedes it, so a
            # crash right here leaves the step open, and the next resume does this again.
            self.rec.emit("retry", {"step": s.id, "attempt": s.attempts + 1,
                                    "kind": "interrupted", "delay_s": 0.0,
                                    "note": "idempotent tool: run again with the same "
                                            "idempotency key"})
            f = await self._run_step(g, s)
            if f is not None:
                return f
        unclear = [s for s in open_steps if s not in again]
        for s in unclear:
            res = await self._after_unclear(g, s, g.task.action(s.action, s.args),
                                            s.open_attempt or s.attempts,
                                            "interrupted before its result was journaled",
                                            merge_world=False)
            if isinstance(res, Failure):
                return res
        if unclear:
            world = self.tools.observe(self.info)
            if world is not None:
                self.note_world(world, source="world")
        return None

    async def _after_unclear(self, g: Generation, s: StepRecord, ga: GroundAction, attempt: int,
                             why: str, *, merge_world: bool = True) -> Failure | None | object:
        """Decide from the world: recorded as done (None or a mismatch), ``_RETRY``, or a
        Failure."""
        verdict, world = self._decide(g, ga)
        call = (s.action, s.args)
        if verdict == "done":
            # The world shows the step's effects: it ran. Record it once, never run it again.
            obs = Observation(frozenset(g.task.atoms_of(ga.add)),
                              frozenset(g.task.atoms_of(ga.delete)))
            f = self._record_success(g, s, ga, attempt, obs, 0.0, recovered=True)
            if world is not None and merge_world:
                self.note_world(world, source="world", step=s.id)
            return f
        if verdict == "not-run":
            assert world is not None
            self.rec.emit("step-result", {"step": s.id, "gen": g.gen, "attempt": attempt,
                                          "status": "error", "kind": "not-run",
                                          "error": f"{why}; the world shows it did not act",
                                          "final": False})
            if merge_world:
                self.note_world(world, source="world", step=s.id)
            return _RETRY
        kind = "unknown-outcome" if verdict == "unknown" else "world-changed"
        msg = (f"{why}; its tool is not idempotent and the world cannot be observed"
               if verdict == "unknown" else f"{why}; neither its effects nor its precondition "
               "hold in the observed world")
        self.rec.emit("step-result", {"step": s.id, "gen": g.gen, "attempt": attempt,
                                      "status": "error", "kind": kind, "error": msg,
                                      "final": True})
        if world is not None and merge_world:
            self.note_world(world, source="world", step=s.id)
        return Failure(kind, msg, s.id, call, s.agent, attempt)


def sequential_deps(plan: Plan) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    prev: str | None = None
    for s in plan.steps:
        out[s.id] = (prev,) if prev else ()
        prev = s.id
    return out


def order_deps(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {s.id: tuple(s.after) for s in plan.steps}


def _open_dependencies(steps: list[StepRecord], deps: Mapping[str, Sequence[str]],
                       by_id: Mapping[str, StepRecord]
                       ) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Per step, the steps waiting for it, and how many unfinished steps it waits for."""
    succ: dict[str, list[str]] = {s.id: [] for s in steps}
    left = {s.id: 0 for s in steps}
    for s in steps:
        for d in deps.get(s.id, ()):
            if by_id[d].status != "completed":
                succ[d].append(s.id)
                left[s.id] += 1
    return succ, left
