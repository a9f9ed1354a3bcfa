"""Hypothesis strategies for property-based tests of workflows, and helpers to state them.

    from hypothesis import given
    from verifier import strategies as ps

    spec = ps.load("specs/devops")
    problem = ps.problem(spec, "p03")

    @given(ps.nearly_valid_plans(problem))
    def test_every_valid_plan_reaches_the_goal(plan):
        if ps.verdict(spec, problem, plan).valid:
            assert ps.reaches_goal(problem, plan)

Strategies: :func:`ground_actions`, :func:`states`, :func:`sequential_plans`,
:func:`nearly_valid_plans` (executable, goal-directed, optionally one small mutation: they
reach the policy checks instead of failing a precondition), :func:`partial_order_plans`
and :func:`problems` (random problems of a spec's domain). Helpers: :func:`load`,
:func:`problem`, :func:`verdict` (every schedule of a partial-order plan), :func:`violated`,
:func:`policy_holds`, :func:`executable`, :func:`reaches_goal`, :func:`schedules` (the
orders a partial-order plan allows). The symbolic planner's plan for a drawn problem is
:func:`engine.symbolic.plan_for` (planners propose; this package only judges).
Everything shrinks toward short plans and "no mutation".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from verifier.model import Plan, Problem, Step, Verdict
from verifier.policy import Policy
from verifier.spec import Spec, load_problem, load_spec
from verifier.testing.plangen import (
    MUTATIONS,
    World,
    ground_actions,
    nearly_valid_plans,
    partial_order_plans,
    problems,
    run_plan,
    sequential_plans,
    states,
)

__all__ = [
    "load", "problem", "ground_actions", "states", "sequential_plans", "nearly_valid_plans",
    "partial_order_plans", "problems", "verdict", "violated", "policy_holds", "executable",
    "reaches_goal", "schedules", "MUTATIONS",
]

# --- loading ----------------------------------------------------------------------------------


def load(path: str | Path) -> Spec:
    """The spec at ``path`` (a spec directory or a bare PDDL domain file)."""
    return load_spec(path)


def problem(spec: Spec, name: str | Path) -> Problem:
    """A problem of ``spec`` by name (``"p03"``) or path."""
    return load_problem(spec, name)


# --- helpers ----------------------------------------------------------------------------------


def verdict(spec: Spec, prob: Problem, plan: Plan, *, policies: Sequence[Policy] | None = None
            ) -> Verdict:
    """The verifier's verdict: the fast validator for a sequence, the Z3 checker (every
    schedule) for a partial-order plan."""
    opts = dict(policies=spec.policies if policies is None else policies, access=spec.access,
                describe=spec.describe)
    if plan.is_sequential:
        from verifier.validate import Checker

        return Checker(prob, **opts).check(plan)
    from verifier.z3check import Z3Checker

    return Z3Checker(prob, **opts).check(plan)


def violated(v: Verdict) -> set[str]:
    """Rule ids (policy ids, ``access``) and kinds (``precondition``, ``goal``, ...) broken."""
    return {x.rule or x.kind for x in v.violations}


def policy_holds(spec: Spec, prob: Problem, plan: Plan, policy_id: str) -> bool:
    """Whether the plan keeps policy ``policy_id`` (in every schedule it allows)."""
    chosen = [p for p in spec.policies if p.id == policy_id]
    if not chosen:
        raise ValueError(f"policy_id={policy_id!r} is not a policy of {spec.name}; "
                         f"its policies are {', '.join(p.id for p in spec.policies)}")
    v = verdict(spec, prob, plan, policies=chosen)
    if v.status == "unknown":
        raise RuntimeError(f"the verifier could not decide: {v.reason}")
    return policy_id not in violated(v)


def schedules(plan: Plan, *, limit: int = 1000) -> Iterator[Plan]:
    """The sequences a partial-order plan allows (at most ``limit``), each as a plan
    without ``after``; a sequential plan yields itself."""
    if plan.is_sequential:
        yield plan
        return
    by_id = {s.id: s for s in plan.steps}
    preds = {s.id: set(s.after) for s in plan.steps}

    def rec(done: list[str], left: list[str]) -> Iterator[list[str]]:
        if not left:
            yield done
            return
        placed = set(done)
        for x in left:
            if preds[x] <= placed:
                yield from rec([*done, x], [y for y in left if y != x])

    for count, order in enumerate(rec([], [s.id for s in plan.steps]), 1):
        yield Plan(tuple(Step(i, by_id[i].action, by_id[i].args, by_id[i].agent)
                         for i in order))
        if count >= limit:
            return


def executable(prob: Problem, plan: Plan) -> bool:
    """Every step of the sequence is applicable in turn."""
    return run_plan(World.of(prob), plan)[1]


def reaches_goal(prob: Problem, plan: Plan) -> bool:
    """The sequence runs to the end and the goal holds there."""
    world = World.of(prob)
    state, ok = run_plan(world, plan)
    return ok and world.task.goal_test(state)
