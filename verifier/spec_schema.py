"""The schema of ``spec.yaml`` (pydantic models, validated at the edge by ``verifier.spec``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SpecFile", "AgentModel", "PolicyModel"]


class AgentModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    may: list[str] = Field(default_factory=list, description="action patterns this agent may run")
    may_not: list[str] = Field(default_factory=list, description="exceptions to `may`")


class PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="stable id, e.g. test-before-deploy")
    rule: str = Field(description="a PDDL3-style state rule, e.g. (forall (?s - service) "
                      "(always ...)), or an action rule on steps: (at-most-once-action "
                      "(administer ?d ?p ?n) per ?d), (only-after-action (dispense ?d ?x) "
                      "(verify ?d ?y)), (never-after-action (dispense ?d ?ph) (verify ?d ?ph))")
    says: str | None = Field(default=None, description="the rule in plain words")


class SpecFile(BaseModel):
    """The schema of ``spec.yaml``."""

    model_config = ConfigDict(extra="forbid")
    name: str
    summary: str | None = None
    domain: str = "domain.pddl"
    problems: str | None = "problems"
    describe: dict[str, str] = Field(default_factory=dict)
    agents: dict[str, AgentModel] | None = None
    approval: list[str] = Field(default_factory=list)
    tools: dict[str, str] = Field(default_factory=dict)
    policies: list[PolicyModel] = Field(default_factory=list)
