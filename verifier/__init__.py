"""Plansafe's trusted core: spec loading, grounding, validation, policies and planning.

``verifier`` imports no model, network or execution code.
"""

from verifier.errors import PlansafeError, SpecError
from verifier.model import Plan, Problem, Step, Verdict, Violation

__all__ = ["PlansafeError", "SpecError", "Plan", "Problem", "Step", "Verdict", "Violation"]
