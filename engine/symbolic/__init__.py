"""The symbolic planners: they propose plans; :mod:`verifier` judges them.

- :mod:`engine.symbolic.planning` -- :func:`solve`: Fast Downward (on our grounded PDDL3
  compilation, :mod:`engine.symbolic.compile_pddl`) or a unified-planning engine, in a child
  process killed at the deadline; every plan it returns has passed the validator.
- :mod:`engine.symbolic.fast_downward` -- the Fast Downward driver in a subprocess.
- :mod:`engine.symbolic.shorten` -- greedy elimination of the steps a valid plan does not need.
- :mod:`engine.symbolic.ground` -- policies grounded into simplified trajectory constraints.

Submodules are imported lazily (importing this package costs nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verifier.model import Plan, Problem
    from verifier.spec import Spec

__all__ = ["plan_for"]


def plan_for(spec: Spec, prob: Problem, *, timeout_s: float = 30.0,
             engine: str = "fast-downward") -> Plan | None:
    """The symbolic planner's plan for ``prob`` under the spec's policies and access rules
    (None: no plan found). The helper property tests use beside :mod:`verifier.strategies`."""
    from engine.symbolic.planning import solve

    result = solve(prob, policies=spec.policies, access=spec.access, describe=spec.describe,
                   engine=engine, timeout_s=timeout_s)
    return result.plan
