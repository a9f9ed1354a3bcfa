"""Step-by-step policy verdicts agree with the checker's whole-trajectory verdicts."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.model import Plan, Step
from verifier.progress import PolicyProgress
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

SPECS = Path(__file__).resolve().parents[2] / "specs"
CASES = [(s, f"p0{i}") for s in ("blocksworld", "devops", "documents", "onboarding", "robotics")
         for i in (1, 2, 3)]


@cache
def _checker(spec_name: str, problem: str) -> Checker:
    spec = load_spec(SPECS / spec_name)
    return Checker(load_problem(spec, problem), policies=spec.policies, access=spec.access)


def test_every_operator_is_covered() -> None:
    ops = {type(c.constraint.op).__name__ for s, p in CASES for c in _checker(s, p).constraints()}
    assert ops == {"Always", "Sometime", "AtMostOnce", "SometimeBefore", "SometimeAfter"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), choices=st.lists(st.integers(0, 10_000), max_size=14))
def test_progress_agrees_with_the_checker_on_random_walks(case: tuple[str, str],
                                                         choices: list[int]) -> None:
    """Walk applicable steps; after every prefix, 'broken' must equal the checker's
    irreparable violations of that prefix, and 'may end' plus 'goal' must equal the
    checker's verdict of the prefix as a whole plan."""
    checker = _checker(*case)
    task = checker.task
    progress = PolicyProgress(checker)
    state = task.initial_state
    states, steps = [state], []
    memory = progress.start(state)
    for n in range(len(choices) + 1):
        prefix_broken = any(v.kind == "policy" for v in checker.prefix_violations(states, steps))
        assert (memory is None) == prefix_broken, (case, steps)
        verdict = checker.check(Plan(tuple(steps)))
        policies_ok = not any(v.kind == "policy" for v in verdict.violations)
        assert (memory is not None and progress.may_end(memory)) == policies_ok, (case, steps)
        if memory is None or n == len(choices):
            break
        options = list(task.applicable_actions(state))
        if not options:
            break
        ga = options[choices[n] % len(options)]
        nxt = ga.apply(state)
        memory = progress.advance(memory, state, nxt)
        state = nxt
        states.append(state)
        steps.append(Step(f"s{n + 1}", ga.name, ga.args))
