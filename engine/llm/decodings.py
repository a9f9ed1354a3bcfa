"""The decoding registry: how the language model writes a plan.

A decoding says what the model backend's ``state=`` constraint is (the rules that mask
tokens while the model writes), and whether the model writes a whole plan text or walks
one step at a time from the simulated state (``walks``).

===============  ==================================================================
``state-aware``  the plan grammar; each step applicable where it is taken, by an
                 allowed agent, breaking no policy; the plan ends only at the goal
``applicable``   the plan grammar; each step applicable where it is taken
``grammar``      the plan grammar only
``guided``       one step at a time from the simulated state
===============  ==================================================================

Add one: a :class:`Decoding` subclass and ``DECODINGS.register("name", "module:Class")``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.registry import Registry

__all__ = ["Decoding", "StateAware", "ApplicableOnly", "GrammarOnly", "Guided", "DECODINGS"]


class Decoding:
    """One way of constraining the model's plan text."""

    #: steps are checked against the state they are taken in while the model writes
    state_aware: ClassVar[bool] = False
    #: the model picks one step at a time from the simulated state (no plan grammar)
    walks: ClassVar[bool] = False
    #: the decoding works on the JSON plan format too (else: plan text only)
    any_format: ClassVar[bool] = False

    def rules(self, checker: Any, start: Any = None) -> Any:
        """What the backend's ``state=`` takes: None for the plan grammar alone.
        ``checker``: the problem's :class:`verifier.validate.Checker`; ``start``: the node
        (state, policy memory) a proposal goes on from, or None for the initial state."""
        return None


class StateAware(Decoding):
    state_aware = True

    def rules(self, checker: Any, start: Any = None) -> Any:
        if start is None:
            return checker
        from engine.llm.stateaware import Safe

        return Safe(checker, start)


class ApplicableOnly(Decoding):
    state_aware = True

    def rules(self, checker: Any, start: Any = None) -> Any:
        if start is None:
            return checker.task
        from engine.llm.stateaware import Applicable

        return Applicable(checker.task, start[0])


class GrammarOnly(Decoding):
    any_format = True


class Guided(Decoding):
    walks = True


DECODINGS: Registry[type[Decoding]] = Registry("decoding", {
    "state-aware": StateAware,
    "applicable": ApplicableOnly,
    "grammar": GrammarOnly,
    "guided": Guided,
})
