"""What the Planner agent (:mod:`engine.planner`) reports of a ``plan`` call: each round
(:class:`RoundRecord`) and the whole (:class:`AgentReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["AgentReport", "RoundRecord"]


@dataclass(frozen=True, slots=True)
class RoundRecord:
    round: int
    candidates: int
    valid: int
    unparseable: int
    tokens: int
    seconds: float
    feedback: tuple[str, ...] = ()  # the explanation sent into the next round
    #: steps of the last round's best rejected plan this round's proposals start after
    #: (the model planned on from the state they reach; 0: from the initial state)
    kept_steps: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"round": self.round, "candidates": self.candidates, "valid": self.valid,
                "unparseable": self.unparseable, "tokens": self.tokens,
                "seconds": round(self.seconds, 4), "feedback": list(self.feedback),
                "kept_steps": self.kept_steps}


@dataclass(slots=True)
class AgentReport:
    """What happened in the last :meth:`PlannerAgent.plan` call."""

    source: str | None = None  # llm | llm-repaired | symbolic | None (no plan)
    rounds: list[RoundRecord] = field(default_factory=list)
    first_proposal_valid: bool = False
    proposals: int = 0
    unparseable: int = 0
    truncated: int = 0  # proposals cut by the token budget (their whole steps are verified)
    budget_spent: bool = False  # the model's time budget ran out (fail fast)
    stalled: int = 0  # generations ended because no row came closer to the goal (fail fast)
    fallback_status: str | None = None
    context_overflow: bool = False  # the plan prompt did not fit in the model's context
    message: str = ""
    blocking: tuple[str, ...] = ()
    seconds: float = 0.0
    #: of ``seconds``, loading the model (imports and checkpoint) when this call was the
    #: first to need it; 0.0 when it was loaded before (``--model``, a worker's earlier runs)
    model_load_seconds: float = 0.0
    walks: list[str] = field(default_factory=list)  # guided decoding: how each walk ended
    #: steps of the accepted model plan it did not need (removed: engine/symbolic/shorten.py)
    removed_steps: int = 0

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.rounds)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "rounds": [r.to_json() for r in self.rounds],
                "first_proposal_valid": self.first_proposal_valid, "proposals": self.proposals,
                "unparseable": self.unparseable, "truncated": self.truncated,
                "budget_spent": self.budget_spent, "stalled": self.stalled,
                "fallback_status": self.fallback_status,
                "context_overflow": self.context_overflow,
                "tokens": self.tokens, "seconds": round(self.seconds, 4),
                "model_load_seconds": round(self.model_load_seconds, 4),
                "message": self.message, "blocking": list(self.blocking),
                "removed_steps": self.removed_steps,
                **({"walks": list(self.walks)} if self.walks else {})}
