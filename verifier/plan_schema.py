"""The JSON plan format's schema (pydantic models, validated at the edge by
``verifier.plan_io``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PlanModel", "StepModel", "ProvenanceModel"]


class StepModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    action: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    agent: str | None = None
    after: list[str] = Field(default_factory=list)


class ProvenanceModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str = "user"
    rounds: int = 0
    tokens: int = 0
    seconds: float = 0.0
    engine: str | None = None


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    steps: list[StepModel]
    provenance: ProvenanceModel | None = None
    goal: str | None = None
