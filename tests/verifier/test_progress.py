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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), choices=st.lists(st.integers(0, 10_000), max_size=14))
def test_spent_atoms_are_those_a_later_state_may_not_hold(case: tuple[str, str],
                                                         choices: list[int]) -> None:
    """After any prefix, a state holding a spent atom breaks a rule (advance says None),
    and an atom is spent only once it has held and stopped holding; atoms no action
    changes count as they are."""
    import itertools

    checker = _checker(*case)
    task, progress = checker.task, PolicyProgress(checker)
    changing = 0
    for schema in task.domain.actions.values():
        for combo in itertools.product(*(task.objects_of(t) for t in schema.param_types)):
            ga = task.action(schema.name, combo)
            changing |= ga.add | ga.delete
            for _, c_add, c_del in ga.conditional:
                changing |= c_add | c_del
    fixed = ~changing
    state = task.initial_state
    memory = progress.start(state)
    held = state
    for c in choices:
        if memory is None:
            return
        spent = progress.spent(memory, state, fixed)
        assert spent & state == 0 and spent & ~held == 0
        bit = 1
        while bit <= spent:
            if spent & bit:
                assert progress.advance(memory, state, state | bit) is None
            bit <<= 1
        actions = list(task.applicable_actions(state))
        if not actions:
            return
        nxt = actions[c % len(actions)].apply(state)
        memory = progress.advance(memory, state, nxt)
        state, held = nxt, held | nxt


def test_a_placed_item_spends_its_carrying_atom() -> None:
    checker = _checker("robotics", "p01")
    progress = PolicyProgress(checker)
    task = checker.task
    state = task.initial_state
    memory = progress.start(state)
    assert progress.spent(memory) == 0
    bit = task.bit(("carrying", "r1", "box1"))
    memory = progress.advance(memory, state, state | bit)
    assert progress.spent(memory) == 0  # holds now: not spent yet
    memory = progress.advance(memory, state | bit, state)
    assert progress.spent(memory) == bit


def test_a_fragile_block_set_down_spends_its_holding_atom() -> None:
    """blocksworld's fragile-lifted-once reads two atoms, (fragile b) never changes: once
    a fragile block has been held and set down, holding it is what is spent."""
    checker = _checker("blocksworld", "p03")
    task, progress = checker.task, PolicyProgress(checker)
    fragile = [a[1] for a in checker.problem.init if a[0] == "fragile"]
    assert fragile, "p03 has a fragile block"
    b = fragile[0]
    state = task.initial_state
    memory = progress.start(state)
    holding = task.bit(("holding", b))
    fixed = task.mask([a for a in checker.problem.init if a[0] == "fragile"])
    assert progress.spent(memory, state, fixed) == 0
    memory = progress.advance(memory, state, state | holding)
    memory = progress.advance(memory, state | holding, state)
    assert progress.spent(memory, state, fixed) == holding
    assert progress.spent(memory, state, 0) == 0  # (fragile b) might change: nothing sure
