"""The Monitor: classifies failures, retries transient ones, explains the rest symbolically and
asks the Planner for a new plan from the observed state, which is verified before it runs.

Failure kinds: ``transient`` (a retryable tool error), ``timeout``, ``exception`` (a tool
crashed), ``permanent`` (a tool says it will keep failing), ``refused`` (a tool refused the call
for a reason the spec does not model: ruled out in the state it was refused in, tried again
when no other route exists, an outage once refused ``MAX_REFUSALS`` times),
``effect-mismatch`` (the tool observed other effects than the plan predicts),
``world-changed`` (a precondition no longer holds because the world changed),
``approval-rejected``, ``access``,
``unknown-outcome`` (a step may or may not have acted and nothing can tell) and
``goal-not-reached`` (the plan ran but the world does not satisfy goal and policies).

Replanning is bounded (``max_replans``); planning a third time from one state with the same
calls ruled out (the deterministic Planner would give the same plan again) is a loop and
stops the run; when no valid plan exists the run stops with the explanation and the
blocking policies named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from domains.base import PermanentToolError, PreconditionFailed, ToolError, ToolRefused
from engine.runstate import atoms_json
from engine.tools import ToolTimeout
from verifier.model import Atom, GroundAtom, Plan, Problem, Verdict
from verifier.policy import Policy, render

if TYPE_CHECKING:
    from engine.diagnose import Diagnosis

__all__ = ["Failure", "Explanation", "RetryPolicy", "classify", "explain", "Replanner",
           "ReplanOutcome", "RETRYABLE", "PlannerFn", "MAX_REFUSALS"]

RETRYABLE = ("transient", "timeout")
MAX_REFUSALS = 2  # a call refused this often in one run is treated as an outage


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a call that failed in a retryable way is tried again: at most ``max_attempts``
    attempts in all, the pause after attempt ``n`` ``base_s * factor ** (n - 1)`` seconds,
    never more than ``max_s``."""

    max_attempts: int = 3
    base_s: float = 0.02
    factor: float = 2.0
    max_s: float = 1.0

    def delay_s(self, attempt: int) -> float:
        """Backoff before attempt ``attempt + 1``."""
        return min(self.max_s, self.base_s * self.factor ** max(0, attempt - 1))

    def to_json(self) -> dict[str, float]:
        return {"max_attempts": self.max_attempts, "base_s": self.base_s, "factor": self.factor,
                "max_s": self.max_s}

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> RetryPolicy:
        """The policy of :meth:`to_json`'s dict; a missing key keeps its default."""
        default = RetryPolicy()
        return RetryPolicy(int(d.get("max_attempts", default.max_attempts)),
                           float(d.get("base_s", default.base_s)),
                           float(d.get("factor", default.factor)),
                           float(d.get("max_s", default.max_s)))


def classify(error: BaseException, *, idempotent: bool) -> tuple[str, bool]:
    """``(kind, retryable)`` of a tool error."""
    if isinstance(error, ToolTimeout):
        return "timeout", idempotent
    if isinstance(error, PreconditionFailed):
        return "world-changed", False
    if isinstance(error, ToolRefused):
        return "refused", False
    if isinstance(error, PermanentToolError):
        return "permanent", False
    if isinstance(error, ToolError):
        return ("transient", True) if error.retryable else ("permanent", False)
    return "exception", False


@dataclass(frozen=True, slots=True)
class Failure:
    kind: str
    message: str
    step: str | None = None
    call: tuple[str, tuple[str, ...]] | None = None
    agent: str | None = None
    attempt: int = 0
    missing: tuple[GroundAtom, ...] = ()  # atoms the step needed or predicted that did not hold
    predicted: frozenset[GroundAtom] | None = None
    observed: frozenset[GroundAtom] | None = None

    @property
    def forbids_call(self) -> bool:
        """Whether the call should not be planned again in this run."""
        return self.kind in ("approval-rejected", "permanent", "exception", "access") \
            and self.call is not None


@dataclass(frozen=True, slots=True)
class Explanation:
    kind: str
    message: str
    step: str | None = None
    call: str | None = None
    missing: tuple[GroundAtom, ...] = ()
    unexpected_true: tuple[GroundAtom, ...] = ()  # observed, not predicted
    unexpected_false: tuple[GroundAtom, ...] = ()  # predicted, not observed
    policies: tuple[str, ...] = ()  # policies that mention the atoms involved
    blocking: tuple[str, ...] = ()  # policies that make the goal unreachable
    action: str = "replan"  # replan | stop
    detail: str = ""
    # why the run cannot go on (engine.diagnose): computed by planning, for stops only
    cause: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "step": self.step, "call": self.call,
                "message": self.message, "missing": atoms_json(self.missing),
                "unexpected_true": atoms_json(self.unexpected_true),
                "unexpected_false": atoms_json(self.unexpected_false),
                "policies": list(self.policies), "blocking": list(self.blocking),
                "action": self.action, "detail": self.detail, "cause": self.cause}


def _say(atom: GroundAtom, describe: Mapping[str, str]) -> str:
    return render(Atom(atom[0], tuple(atom[1:])), {}, describe)


def _involved(policies: Sequence[Policy], atoms: Iterable[GroundAtom]) -> tuple[str, ...]:
    from verifier.problem_ops import policy_atoms

    preds = {a[0] for a in atoms}
    return tuple(p.id for p in policies if policy_atoms(p) & preds)


def explain(failure: Failure, *, policies: Sequence[Policy], describe: Mapping[str, str],
            action: str = "replan", blocking: Sequence[str] = (), detail: str = "",
            diagnosis: Diagnosis | None = None) -> Explanation:
    """The symbolic explanation of a failure, in atoms and in words; ``diagnosis`` (a stop's
    computed cause, :func:`engine.diagnose.diagnose`) names the cause and its policies."""
    if diagnosis is not None:
        blocking = diagnosis.blocking
    unexpected_true: tuple[GroundAtom, ...] = ()
    unexpected_false: tuple[GroundAtom, ...] = ()
    if failure.predicted is not None and failure.observed is not None:
        unexpected_true = tuple(sorted(failure.observed - failure.predicted))
        unexpected_false = tuple(sorted(failure.predicted - failure.observed))
    call_text, what = _failure_subject(failure, describe)
    parts = [_kind_words(failure.kind, what)]
    if failure.missing:
        parts.append("these did not hold: " + "; ".join(_say(a, describe)
                                                         for a in failure.missing))
    if unexpected_false and failure.kind != "effect-mismatch" or \
            (failure.kind == "effect-mismatch" and unexpected_false and not failure.missing):
        parts.append("predicted but not observed: " + "; ".join(
            _say(a, describe) for a in unexpected_false))
    if unexpected_true:
        parts.append("observed but not predicted: " + "; ".join(
            _say(a, describe) for a in unexpected_true))
    if diagnosis is not None:
        parts.append(f"cause: {diagnosis.cause}: {diagnosis.message}")
    elif blocking:
        parts.append("no valid plan exists under policies " + ", ".join(blocking))
    if failure.message and failure.message not in parts[0]:
        parts.append(f"({failure.message})")
    involved = _involved(policies, (*failure.missing, *unexpected_true, *unexpected_false))
    return Explanation(failure.kind, ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:])
                                                            if len(parts) > 2 else ""),
                       failure.step, call_text, tuple(failure.missing), unexpected_true,
                       unexpected_false, involved, tuple(blocking), action, detail,
                       diagnosis.cause if diagnosis is not None else None)


def _failure_subject(failure: Failure, describe: Mapping[str, str]) -> tuple[str | None, str]:
    """The failed call as PDDL text (None without one) and what failed, in words: "the run" or
    "step s3 (<the action's description>)"."""
    call_text = None
    what = "the run"
    if failure.call is not None:
        a, args = failure.call
        call_text = "(" + " ".join((a, *args)) + ")"
        tpl = describe.get(a)
        try:
            said = tpl.format(*args) if tpl else call_text
        except (IndexError, KeyError):
            said = call_text
        what = f"step {failure.step} ({said})"
    return call_text, what


def _kind_words(kind: str, what: str) -> str:
    """A failure of ``kind``, in words, ``what`` being what failed."""
    return {
        "effect-mismatch": f"{what} ran but did not have the predicted effect",
        "world-changed": f"{what} could not run: the world changed",
        "approval-rejected": f"{what} was rejected by its approver",
        "permanent": f"{what} failed permanently",
        "refused": f"{what} was refused for a reason the spec does not model",
        "exception": f"{what} raised an error",
        "timeout": f"{what} timed out",
        "transient": f"{what} kept failing with transient errors",
        "access": f"{what} is not permitted",
        "unknown-outcome": f"{what} may or may not have acted and the world cannot be observed",
        "goal-not-reached": "the plan ran, but the observed world does not satisfy the goal and "
                            "policies",
        "deadlock": "no step can run and none is running",
        "no-plan": "no valid plan exists for the goal",
        "no-tool": "a step of the plan has no tool to run it",
    }.get(kind, f"{what} failed ({kind})")


# --- replanning ---------------------------------------------------------------------------------

PlannerFn = Callable[..., Any]  # (problem, *, policies, access, describe, timeout_s) -> PlanResult
# (the planners by name: engine/planners.py)


@dataclass(frozen=True, slots=True)
class ReplanOutcome:
    plan: Plan | None
    problem: Problem
    policies: tuple[Policy, ...]
    access: Any
    verdict: Verdict | None = None
    status: str = "solved"
    message: str = ""
    blocking: tuple[str, ...] = ()
    loop: bool = False


def state_key(atoms: Iterable[GroundAtom], forbidden: Iterable[Any]) -> str:
    data = json.dumps([sorted(list(a) for a in atoms), sorted([a, list(b)] for a, b in forbidden)])
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass
class Replanner:
    """Plans from an observed state with history-aware policies, and verifies the plan."""

    spec: Any
    base: Problem
    planner: PlannerFn
    timeout_s: float = 60.0
    max_visits: int = 2  # plans from one state (same calls ruled out) before it is a loop
    seen: dict[str, int] = field(default_factory=dict)

    def context(self, state: frozenset[GroundAtom], history: Sequence[frozenset[GroundAtom]],
                forbidden: Sequence[tuple[str, tuple[str, ...]]], *, name: str
                ) -> tuple[Problem, tuple[Policy, ...], Any]:
        """The problem, residual policies and access rules for planning from ``state``."""
        from verifier.problem_ops import forbid_calls, residual_policies, with_initial_state

        problem = with_initial_state(self.base, state, name=name) if history else self.base
        policies = residual_policies(self.spec.policies, problem, history)
        access = forbid_calls(self.spec.access, forbidden)
        return problem, policies, access

    def _no_route(self, problem: Problem, policies: tuple[Policy, ...], access: Any,
                  forbidden: Sequence[tuple[str, tuple[str, ...]]]) -> Any | None:
        """With calls ruled out (a route may be gone), the Planner's symbolic ``prover`` (when
        it has one) is asked first: its proof that no plan exists (a model's proposals cannot
        give one) ends the search; None: go on and plan."""
        prover = getattr(self.planner, "prover", None)
        if prover is None or not forbidden:
            return None
        proof = prover(problem, policies=policies, access=access, describe=self.spec.describe,
                       timeout_s=self.timeout_s)
        if proof.plan is None and str(proof.status).startswith("unsolvable") \
                and "initial state" not in (proof.message or ""):
            return proof
        return None

    def plan(self, state: frozenset[GroundAtom], history: Sequence[frozenset[GroundAtom]],
             forbidden: Sequence[tuple[str, tuple[str, ...]]], *, name: str,
             prefix: str) -> ReplanOutcome:
        from verifier.validate import Checker

        problem, policies, access = self.context(state, history, forbidden, name=name)
        key = state_key(state, forbidden)
        if self.seen.get(key, 0) >= self.max_visits:
            return ReplanOutcome(None, problem, policies, access, status="loop", loop=True,
                                 message=f"the run is back in a state it already planned from "
                                 f"{self.seen[key]} times, with the same calls ruled out: "
                                 "replanning again would loop")
        from verifier.problem_ops import residual_policies

        proof = self._no_route(problem, policies, access, forbidden)
        if proof is not None:
            return ReplanOutcome(None, problem, policies, access, proof.verdict, proof.status,
                                 proof.message, tuple(proof.blocking))
        result = self.planner(problem, policies=policies, access=access,
                              describe=self.spec.describe, timeout_s=self.timeout_s)
        if result.plan is None and "initial state" in (result.message or ""):
            # a planner that reads a sometime-after pending in the initial state as broken:
            # plan under the relaxed form, verify below with the exact residual policies
            relaxed = residual_policies(self.spec.policies, problem, history, relaxed=True)
            result = self.planner(problem, policies=relaxed, access=access,
                                  describe=self.spec.describe, timeout_s=self.timeout_s)
        if result.plan is None:
            return ReplanOutcome(None, problem, policies, access, result.verdict, result.status,
                                 result.message, tuple(result.blocking))
        steps = tuple(replace(s, id=f"{prefix}{s.id}", after=tuple(f"{prefix}{d}"
                                                                    for d in s.after))
                      for s in result.plan.steps)
        plan = replace(result.plan, steps=steps)
        verdict = Checker(problem, policies=policies, access=access,
                          describe=self.spec.describe).check(plan)
        # a visit counts when a plan comes back (a search that finds none runs nothing)
        self.seen[key] = self.seen.get(key, 0) + 1
        if not verdict.valid:
            return ReplanOutcome(None, problem, policies, access, verdict, "invalid",
                                 "the Planner's plan failed verification: " + "; ".join(
                                     v.message for v in verdict.violations[:3]))
        return ReplanOutcome(verdict.plan or plan, problem, policies, access, verdict)
