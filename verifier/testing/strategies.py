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

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from hypothesis.strategies import SearchStrategy

from verifier.model import Plan, Problem, Step, Verdict
from verifier.policy import Policy
from verifier.spec import Spec, load_problem, load_spec
from verifier.testing.plangen import (
    MUTATIONS,
    World,
    ground_actions,
    nearly_valid_plans,
    partial_order_plans,
    run_plan,
    sequential_plans,
    states,
)
from verifier.testing.problemgen import problems

__all__ = [
    "load", "problem", "ground_actions", "states", "sequential_plans", "nearly_valid_plans",
    "partial_order_plans", "problems", "verdict", "violated", "policy_holds", "executable",
    "reaches_goal", "schedules", "MUTATIONS", "Coverage", "CoverageReport", "coverage",
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
    rules = spec.policies if policies is None else policies
    if plan.is_sequential:
        from verifier.validate import Checker

        return Checker(prob, policies=rules, access=spec.access,
                       describe=spec.describe).check(plan)
    from verifier.z3check import Z3Checker

    return Z3Checker(prob, policies=rules, access=spec.access,
                     describe=spec.describe).check(plan)


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


# --- coverage: is the property test testing anything? -----------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """How many drawn plans were executable, reached the goal, were valid, broke each rule;
    and how many drawn problems had static facts and a goal that needs more than one step.
    A property test whose plans never reach the goal or never break a rule tests little."""

    plans: int
    executable: int
    reached_goal: int
    valid: int
    violated: tuple[tuple[str, int], ...]  # rule id (or kind) -> plans that broke it
    problems: int
    with_static_facts: int
    multi_step_goals: int  # goal false initially and not reachable by a single step
    never_violated: tuple[str, ...]  # policies no drawn plan broke

    def __str__(self) -> str:
        rules = ", ".join(f"{r} {n}" for r, n in self.violated) or "none"
        text = (f"{self.plans} plans: {self.executable} executable, {self.reached_goal} reached "
                f"the goal, {self.valid} valid; violations: {rules}")
        if self.problems:
            text += (f"\n{self.problems} problems: {self.with_static_facts} with static facts, "
                     f"{self.multi_step_goals} with goals that need several steps")
        if self.never_violated:
            text += "\nnever broken by a drawn plan: " + ", ".join(self.never_violated)
        return text


class Coverage:
    """A tally of drawn problems and plans (``record`` each; ``report()`` at the end)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.counts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self._problems: set[int] = set()

    def record(self, prob: Problem, plan: Plan) -> Verdict:
        """Judge ``plan`` on ``prob`` and count the outcome; returns the verdict."""
        if id(prob) not in self._problems:
            self._problems.add(id(prob))
            self.counts["problems"] += 1
            static = prob.domain.static_predicates
            if any(a[0] in static for a in prob.init):
                self.counts["static"] += 1
            if _needs_several_steps(prob):
                self.counts["multi"] += 1
        v = verdict(self.spec, prob, plan)
        self.counts["plans"] += 1
        self.counts["executable"] += int(executable(prob, plan))
        self.counts["goal"] += int(reaches_goal(prob, plan))
        self.counts["valid"] += int(v.valid)
        for r in violated(v):
            self.rules[r] += 1
        return v

    def report(self) -> CoverageReport:
        c = self.counts
        never = tuple(p.id for p in self.spec.policies if not self.rules[p.id])
        return CoverageReport(c["plans"], c["executable"], c["goal"], c["valid"],
                              tuple(sorted(self.rules.items())), c["problems"], c["static"],
                              c["multi"], never)


def _needs_several_steps(prob: Problem) -> bool:
    world = World.of(prob)
    s0 = world.task.initial_state
    if world.task.goal_test(s0):
        return False
    return not any(world.task.goal_test(g.apply(s0)) for g in world.applicable(s0))


def coverage(spec: Spec, *, problems_from: SearchStrategy[Problem] | None = None,
             plans: Callable[[Problem], SearchStrategy[Plan]] | None = None, n: int = 60,
             ) -> CoverageReport:
    """Draw ``n`` (problem, plan) pairs (default: :func:`problems` of the spec and
    :func:`nearly_valid_plans` of each, respecting its policies half of the time) and
    report what they covered."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    source = problems_from if problems_from is not None else problems(spec)
    make = plans or (lambda p: st.one_of(nearly_valid_plans(p),
                                         nearly_valid_plans(p, respect=spec.policies)))
    tally = Coverage(spec)

    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(source.flatmap(lambda p: make(p).map(lambda plan: (p, plan))))
    def draw(pair: tuple[Problem, Plan]) -> None:
        tally.record(*pair)

    draw()
    return tally.report()
