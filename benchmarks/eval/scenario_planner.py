"""The symbolic planner scenario generation asks (:class:`domains.scenarios.ScenarioPlanner`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from domains.scenarios import Call
from verifier.model import GroundAtom, Problem

__all__ = ["SymbolicScenarioPlanner"]


class SymbolicScenarioPlanner:
    """Fast Downward under the spec's policies (:func:`engine.symbolic.planning.solve`) and
    the Monitor's replanner from a mid-plan state."""

    def solve(self, spec: Any, problem: Problem, *, forbidden: Sequence[Call] = (),
              timeout_s: float = 60.0) -> Any:
        from engine.symbolic.planning import solve
        from verifier.problem_ops import forbid_calls

        # ``problem`` was read from a file in the scratch folder: planners may read it again
        access = forbid_calls(spec.access, list(forbidden))
        return solve(problem, policies=spec.policies, access=access, describe=spec.describe,
                     timeout_s=timeout_s, explain=False)

    def solvable_from(self, spec: Any, problem: Problem,
                      states: Sequence[frozenset[GroundAtom]], i: int,
                      state: frozenset[GroundAtom], forbidden: Sequence[Call],
                      timeout_s: float) -> bool:
        """The fault is recoverable where it strikes, not only from the initial state."""
        from engine.monitor import Replanner
        from engine.symbolic.planning import solve

        replanner = Replanner(spec, problem, functools.partial(solve, explain=False), timeout_s)
        out = replanner.plan(state, list(states[:i]), list(forbidden),
                             name=f"{problem.name}-at{i}", prefix="")
        return out.plan is not None
