"""Why a run cannot go on: the real cause of a stop, computed by planning, not guessed.

When no valid plan exists from the observed state, the Monitor asks which of five causes
holds, in this order, each decided by planning again with one thing relaxed:

- ``rejected-approval``: a step's approver said no, and the goal is reachable if that call
  were allowed again: the rejected step was the only way to the goal (and when the goal is
  reachable without it but not under the policies, those policies are named too);
- ``failing-tool``: the same, for a call ruled out because its tool failed permanently or
  returned a bad value;
- ``broken-policy``: the goal is reachable without the (history-aware) policies but not with
  them; the policies named are a minimal blocking set (deletion filter);
- ``missing-precondition``: a step could not run (the world changed, or a step's effect did
  not happen) and the goal is out of reach from what is observed, even without policies;
- ``unreachable-goal``: nothing above: the goal cannot be reached from here at all.

A relaxation whose planning call does not answer (timeout, unsupported) decides nothing and
the next cause is tried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from verifier.model import GroundAtom

if TYPE_CHECKING:
    from engine.monitor import Failure, Replanner

__all__ = ["Cause", "Diagnosis", "diagnose", "CAUSES"]

Cause = Literal["rejected-approval", "failing-tool", "broken-policy", "missing-precondition",
                "unreachable-goal"]
CAUSES: tuple[Cause, ...] = ("rejected-approval", "failing-tool", "broken-policy",
                             "missing-precondition", "unreachable-goal")


@dataclass(frozen=True, slots=True)
class Diagnosis:
    cause: Cause
    message: str
    blocking: tuple[str, ...] = ()  # broken-policy: a minimal set of policies
    missing: tuple[GroundAtom, ...] = ()


def _call_text(call: tuple[str, tuple[str, ...]]) -> str:
    return "(" + " ".join((call[0], *call[1])) + ")"


def diagnose(replanner: Replanner, state: frozenset[GroundAtom],
             history: Sequence[frozenset[GroundAtom]],
             forbidden: Sequence[tuple[str, tuple[str, ...]]], failure: Failure | None, *,
             blocking: Sequence[str] = (), timeout_s: float | None = None) -> Diagnosis:
    """The cause of "no valid plan from ``state``" (see the module doc)."""
    problem, policies, access = replanner.context(state, history, forbidden,
                                                  name="diagnosis")
    spec = replanner.spec
    limit = timeout_s if timeout_s is not None else min(replanner.timeout_s, 30.0)
    # each question is "is there a plan at all?": a planner that can prove there is none
    # (the Planner's symbolic ``prover`` when it has one: a model's proposals cannot)
    prover = getattr(replanner.planner, "prover", None) or replanner.planner

    def solvable(pols: Sequence[Any], acc: Any) -> bool | None:
        result = prover(problem, policies=tuple(pols), access=acc, describe=spec.describe,
                        timeout_s=limit)
        if result.plan is not None:
            return True
        return False if str(result.status).startswith("unsolvable") else None

    # 1-2. a ruled-out call (rejected, or its tool failed) was the only way
    ruled_out = _ruled_out_call(failure, forbidden, policies, access, spec, solvable,
                                blocking)
    if ruled_out is not None:
        return ruled_out
    # 3. the policies block a goal that is reachable without them
    if policies and solvable((), access):
        names = tuple(blocking) or _minimal_blocking(policies, solvable, access)
        return Diagnosis("broken-policy",
                         "the goal is reachable without the policies but not under "
                         + ", ".join(names or tuple(p.id for p in policies)),
                         tuple(names))
    # 3b. action rules (compiled into the domain, so still in force above) block it
    by_rules = _action_rules_block(problem, policies, access, spec, prover, limit)
    if by_rules is not None:
        return by_rules
    # 4. a step's precondition no longer holds and nothing restores it
    if failure is not None and failure.kind in ("world-changed", "effect-mismatch") \
            and failure.missing:
        what = " ".join("(" + " ".join(a) + ")" for a in failure.missing)
        return Diagnosis("missing-precondition",
                         f"step {failure.step} needs {what}, which does not hold in the "
                         "observed world, and no sequence of steps can make the goal true "
                         "from there", missing=tuple(failure.missing))
    # 5. the goal is out of reach from here
    return Diagnosis("unreachable-goal", "the goal cannot be reached from the observed state, "
                     "even without the policies")


def _ruled_out_call(failure: Failure | None, forbidden: Sequence[tuple[str, tuple[str, ...]]],
                    policies: Sequence[Any], access: Any, spec: Any,
                    solvable: Callable[[Sequence[Any], Any], bool | None],
                    blocking: Sequence[str]) -> Diagnosis | None:
    """A rejected or failing call that was the only way to the goal (a plan with it, none
    without it), and the policies that rule out the other ways; None if it was not."""
    from verifier.problem_ops import forbid_calls

    if failure is not None and failure.call is not None and failure.call in forbidden:
        rest = [c for c in forbidden if c != failure.call]
        if solvable(policies, forbid_calls(spec.access, rest)):
            said = _call_text(failure.call)
            # without the call, do the policies rule out the other ways? (then name them)
            names: tuple[str, ...] = ()
            if policies and solvable((), access):
                names = tuple(blocking) or _minimal_blocking(policies, solvable, access)
            also = (f"; without it, policies {', '.join(names)} rule out every other way"
                    if names else "")
            if failure.kind == "approval-rejected":
                return Diagnosis("rejected-approval",
                                 f"the rejected step {failure.step} {said} was the only way to "
                                 "the goal: there is a plan with it and none without it" + also,
                                 names)
            return Diagnosis("failing-tool",
                             f"the tool of step {failure.step} {said} failed ({failure.message})"
                             " and that call was the only way to the goal: there is a plan "
                             "with it and none without it" + also, names)
    return None


def _action_rules_block(problem: Any, policies: Sequence[Any], access: Any, spec: Any,
                        prover: Any, limit: float) -> Diagnosis | None:
    """A minimal set of action rules without which the goal is reachable; None if none."""
    rules = [p for p in spec.policies if p.action is not None]
    source = getattr(spec, "source_domain_path", None)
    if rules and source is not None:
        state_rules = tuple(p for p in policies if p.action is None)

        def reachable_with(kept: Sequence[Any]) -> bool | None:
            on = _with_action_rules(problem, source, kept)
            if on is None:
                return None
            result = prover(on, policies=state_rules, access=access, describe=spec.describe,
                            timeout_s=limit)
            if result.plan is not None:
                return True
            return False if str(result.status).startswith("unsolvable") else None

        if reachable_with([]):
            core = list(rules)
            for r in list(rules):  # deletion filter: a minimal set of action rules
                trial = [q for q in core if q is not r]
                if reachable_with(trial) is False:
                    core = trial
            names = tuple(p.id for p in core)
            return Diagnosis("broken-policy", "the goal is reachable without the action rules "
                             f"but not under {', '.join(names)}", names)
    return None


def _minimal_blocking(policies: Sequence[Any], solvable: Any, access: Any
                      ) -> tuple[str, ...]:
    """A minimal set of policies under which the goal is unreachable (deletion filter)."""
    core = list(policies)
    for p in list(policies):
        trial = [q for q in core if q is not p]
        if solvable(trial, access) is False:
            core = trial
    return tuple(p.id for p in core)


def _with_action_rules(problem: Any, source: Any, kept: Sequence[Any]) -> Any:
    """``problem`` (its state without auxiliary atoms) on the author's domain with only the
    action rules ``kept`` compiled in; None when it cannot be built."""
    from dataclasses import replace
    from pathlib import Path

    from engine.pddl_text import problem_from_pddl, problem_to_pddl
    from verifier.action_rules import (
        AUX_PREFIX,
        aux_predicate,
        compile_domain_text,
        compiled_domain_path,
    )
    from verifier.errors import PlansafeError
    from verifier.pddl import read_domain

    try:
        src = Path(source)
        path = src
        keep = {aux_predicate(p.id) for p in kept}
        if kept:
            text = compile_domain_text(src.read_text(encoding="utf-8"), read_domain(src),
                                       [(p.id, p.action) for p in kept], path=str(src))
            path = compiled_domain_path(src, text)
        init = frozenset(a for a in problem.init
                         if not a[0].startswith(AUX_PREFIX) or a[0] in keep)
        text = problem_to_pddl(replace(problem, init=init, up_problem=None))
        return problem_from_pddl(path, text, name=f"{problem.name}-rules")
    except (PlansafeError, OSError):
        return None
