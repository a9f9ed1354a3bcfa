"""The schema of ``spec.yaml`` (pydantic models, validated at the edge by ``verifier.spec``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SpecFile", "AgentModel", "PolicyModel", "ToolBindingModel", "ErrorRuleModel",
           "TriggerModel", "ApprovalModel"]


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


class ErrorRuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    match: str = Field(description="regular expression searched in the tool's error text")
    holds: list[str] = Field(default_factory=list, description="atoms observed to hold")
    not_holds: list[str] = Field(default_factory=list, description="atoms observed not to hold")
    retry: bool = Field(default=False, description="the error is transient (worth retrying)")


class ToolBindingModel(BaseModel):
    """A tool run by an adapter (docs/TOOLS_ADAPTERS.md) instead of ``module:callable``."""

    model_config = ConfigDict(extra="forbid")
    adapter: Literal["shell", "http", "mcp", "event", "workflow"]
    command: list[str] | None = Field(default=None, description="shell: argv template; mcp: "
                                      "the stdio server's command")
    url: str | None = Field(default=None, description="http: URL template; mcp: streamable "
                            "HTTP server URL")
    method: str = Field(default="POST", description="http: the method")
    tool: str | None = Field(default=None, description="mcp: the server's tool name")
    event: str | None = Field(default=None, description="event: the name (template) of the "
                              "outside event the step waits for (plansafe event RUN NAME)")
    workflow: str | None = Field(default=None, description="workflow: the child spec (a "
                                 "folder, relative to this spec's)")
    problem: str | None = Field(default=None, description="workflow: the child's problem")
    goal: str | None = Field(default=None, description="workflow: the child's goal (template)")
    args: dict[str, Any] | None = Field(default=None, description="mcp: arguments template; "
                                        "http: JSON body template")
    headers: dict[str, str] = Field(default_factory=dict, description="http: header templates")
    idempotent: bool = Field(default=False, description="safe to call twice with one key")
    retries: int = Field(default=2, ge=0, le=10,
                         description="http: retries of an idempotent tool")
    env: list[str] = Field(default_factory=list, description="environment variables used in "
                           "templates")
    secrets: list[str] = Field(default_factory=list, description="environment variables used "
                               "in templates, never written to the journal or a log")
    timeout_s: float | None = Field(default=None, gt=0)
    on_error: list[ErrorRuleModel] = Field(default_factory=list)


class TriggerModel(BaseModel):
    """An event or a schedule that starts a run in ``plansafe serve`` (docs/EVENTS.md)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$",
                             description="a unique name (default on-EVENT or cron-N)")
    on: str | None = Field(default=None, description="the event name that starts a run "
                           "(POST /api/events {name, fields})")
    cron: str | None = Field(default=None, description="a 5-field cron schedule, e.g. "
                             "'*/5 * * * *' (server local time)")
    fields: list[str] = Field(default_factory=list, description="the event's fields the goal "
                              "may use as {name}")
    goal: str | None = Field(default=None, description="the run's goal: PDDL or plain words, "
                             "with {field} placeholders")
    problem: str | None = Field(default=None, description="a problem of the spec (objects, "
                                "initial state; its goal unless 'goal' is given)")


class ApprovalModel(BaseModel):
    """An approval rule: the steps it covers and who must approve them (docs/TRUST.md)."""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(description="the steps that wait for approval: an action pattern, "
                        "e.g. (deploy ?s prod)")
    by: list[str] = Field(default_factory=list, description="roles (agent names) whose users "
                          "may approve; default: the agents allowed to perform the action")
    count: int = Field(default=1, ge=1, le=10, description="how many different users must "
                       "approve before the step runs")
    not_starter: bool = Field(default=False, description="the user who started the run may "
                              "not approve")


class SpecFile(BaseModel):
    """The schema of ``spec.yaml``."""

    model_config = ConfigDict(extra="forbid")
    name: str
    summary: str | None = None
    domain: str = "domain.pddl"
    problems: str | None = "problems"
    describe: dict[str, str] = Field(default_factory=dict)
    agents: dict[str, AgentModel] | None = None
    approval: list[str | ApprovalModel] = Field(default_factory=list)
    tools: dict[str, str | ToolBindingModel] = Field(default_factory=dict)
    policies: list[PolicyModel] = Field(default_factory=list)
    triggers: list[TriggerModel] = Field(default_factory=list)
