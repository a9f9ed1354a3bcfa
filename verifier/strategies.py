"""The documented import for property tests: ``from verifier import strategies as ps``.

Re-exports :mod:`verifier.testing.strategies` (the generators live in the testing
subpackage, outside the trusted core); see that module for the strategies and helpers.
"""

from verifier.testing.strategies import (
    MUTATIONS,
    Coverage,
    CoverageReport,
    coverage,
    executable,
    ground_actions,
    load,
    nearly_valid_plans,
    partial_order_plans,
    policy_holds,
    problem,
    problems,
    reaches_goal,
    schedules,
    sequential_plans,
    states,
    verdict,
    violated,
)

__all__ = [
    "load", "problem", "ground_actions", "states", "sequential_plans", "nearly_valid_plans",
    "partial_order_plans", "problems", "verdict", "violated", "policy_holds", "executable",
    "reaches_goal", "schedules", "MUTATIONS", "Coverage", "CoverageReport", "coverage",
]
