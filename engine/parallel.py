"""Parallel execution: deorder a certified sequence into a partial order, then have the
verifier prove every interleaving safe before any step runs in parallel.

Deordering keeps ``i`` before ``j`` (``i < j`` in the sequence) when they interfere on
atoms: one changes an atom the other needs (positively or negatively), both change the
same atom, or both change atoms of one ground policy instance (so each instance sees its
atoms change in one order in every schedule). The partial order is used only when
``verifier.z3check`` proves that every interleaving is executable, reaches the goal and
satisfies every policy; otherwise the run stays sequential, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from verifier import model
from verifier.grounding import Task
from verifier.model import Plan
from verifier.policy import Policy

__all__ = ["deorder", "adapter", "schedule", "MAX_DEORDER_STEPS"]

MAX_DEORDER_STEPS = 300


def _instance_masks(task: Task, policies: Sequence[Policy]) -> list[int] | None:
    """The atoms of every ground policy instance as bitmasks (None: not computable)."""
    from verifier.policy import ground_policy
    from verifier.problem_ops import substitute

    out = []
    for p in policies:
        for gc in ground_policy(p, task.objects_of):
            m = _atoms_mask(task, substitute(gc.op, dict(gc.binding)))
            if m is None:
                return None
            out.append(m)
    return out


def _atoms_mask(task: Task, f: Any) -> int | None:
    if isinstance(f, model.Atom):
        return None if any(a.startswith("?") for a in f.args) else task.bit((f.pred, *f.args))
    if isinstance(f, (model.Const, model.Eq)):
        return 0
    if isinstance(f, (model.Not, model.Always, model.Sometime, model.AtMostOnce)):
        return _atoms_mask(task, f.arg)
    parts: list[Any] = []
    if isinstance(f, (model.And, model.Or)):
        parts = list(f.args)
    elif isinstance(f, model.Imply):
        parts = [f.left, f.right]
    elif isinstance(f, (model.SometimeBefore, model.SometimeAfter)):
        parts = [f.trigger, f.required]
    elif isinstance(f, (model.Forall, model.Exists)):
        return None  # nested quantifiers: treat as touching everything
    m = 0
    for x in parts:
        sub = _atoms_mask(task, x)
        if sub is None:
            return None
        m |= sub
    return m


def deorder(plan: Plan, task: Task, policies: Sequence[Policy] = ()) -> Plan:
    """The partial order of a sequential plan's non-interfering steps (``after`` filled)."""
    gas = [task.action(s.action, s.args) for s in plan.steps]
    reads = [ga.pre_pos | ga.pre_neg for ga in gas]
    writes = [ga.add | ga.delete | _conditional(ga) for ga in gas]
    tests = [ga.pre_test is not None or bool(ga.conditional) for ga in gas]
    masks = _instance_masks(task, policies)
    if masks is None:
        tests = [True] * len(gas)
        masks = []
    touches = [frozenset(k for k, m in enumerate(masks) if m & w) for w in writes]
    after: list[set[int]] = [set() for _ in gas]
    for j in range(len(gas)):
        for i in range(j):
            if tests[i] or tests[j] or writes[i] & (reads[j] | writes[j]) or \
                    writes[j] & reads[i] or touches[i] & touches[j]:
                after[j].add(i)
    # keep only direct predecessors (transitive reduction)
    reach: list[int] = [0] * len(gas)
    steps = []
    for j, s in enumerate(plan.steps):
        direct = set(after[j])
        for i in after[j]:
            direct -= {k for k in after[j] if reach[i] >> k & 1}
        r = 0
        for i in after[j]:
            r |= reach[i] | (1 << i)
        reach[j] = r
        steps.append(replace(s, after=tuple(plan.steps[i].id for i in sorted(direct))))
    return replace(plan, steps=tuple(steps))


def _conditional(ga: Any) -> int:
    m = 0
    for _test, add, delete in ga.conditional:
        m |= add | delete
    return m


def adapter() -> Callable[..., Any]:
    """``(plan, problem, policies, access, task) -> (deps, note, (partial order, verdict) |
    None)``: deorder the plan and run it in parallel only when
    :func:`verifier.z3check.verify` proves every interleaving safe."""
    from verifier.z3check import verify as check

    def run(plan: Plan, problem: Any, policies: Any, access: Any, task: Task
            ) -> tuple[dict[str, tuple[str, ...]], str, Any]:
        from engine.executor import order_deps, sequential_deps

        if len(plan.steps) > MAX_DEORDER_STEPS:
            return sequential_deps(plan), (f"sequential (more than {MAX_DEORDER_STEPS} steps: "
                                           "not deordered)"), None
        po = deorder(plan, task, policies)
        if all(s.after == ((po.steps[i - 1].id,) if i else ()) for i, s in enumerate(po.steps)):
            return sequential_deps(plan), "sequential (no independent steps)", None
        verdict = check(problem, po, policies=policies, access=access)
        status = getattr(verdict, "status", verdict)
        if status == "valid":
            return order_deps(po), "parallel (partial order verified for every interleaving " \
                                   "by verifier.z3check)", (po, verdict)
        return sequential_deps(plan), f"sequential (z3check: partial order {status})", None
    return run


def schedule(plan: Plan, problem: model.Problem, policies: Any, access: Any, task: Task, *,
             parallel: bool, z3check: Callable[..., Any] | None
             ) -> tuple[dict[str, tuple[str, ...]], str, Any]:
    """How a verified plan runs: its steps' dependencies, the order in words, and the partial
    order (plan, verdict) that ``z3check`` (:func:`adapter`) certified when ``parallel``
    (else None). A certified partial order runs as such; a failed check runs the sequence."""
    from engine.executor import order_deps, sequential_deps

    deps, order, po = sequential_deps(plan), "sequential", None
    if not plan.is_sequential:
        deps, order = order_deps(plan), "partial order (as certified; Z3 checked every " \
            "schedule)"
    elif parallel and z3check is not None and len(plan.steps) > 1:
        try:
            deps, order, po = z3check(plan, problem, policies, access, task)
        except Exception as e:  # noqa: BLE001 - fall back to the verified sequence
            deps, order = sequential_deps(plan), f"sequential (parallel check failed: {e})"
    elif parallel and len(plan.steps) > 1:
        order = "sequential (verifier.z3check is not available to certify a partial order)"
    return deps, order, po
