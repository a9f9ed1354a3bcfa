"""What the adapters share: template values, rendering, secret redaction, error rules."""

from __future__ import annotations

import json
import os
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from domains.base import (
    Observation,
    PermanentToolError,
    PreconditionFailed,
    ToolContext,
    ToolError,
    TransientToolError,
)
from verifier.tool_binding import PLACEHOLDER, ToolBinding, placeholders

__all__ = ["Values", "values_for", "server_values", "render", "observation_from",
           "error_from", "BoundTool"]

REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Values:
    """The placeholder values of one call, and the secret values to keep out of any text."""

    names: Mapping[str, str]
    secret_values: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        for v in self.secret_values:
            if v:
                text = text.replace(v, REDACTED)
        return text


class BoundTool(ABC):
    """What every adapter's tool holds: its spec binding, the Executor's timeout and retry
    facts, and a ``__name__`` of ``<adapter>:<target>`` (the target is the bound action
    unless :meth:`target` says otherwise). A call reads the binding's placeholder values
    (:func:`values_for`) and hands them to the adapter's :meth:`call`."""

    adapter: ClassVar[str]

    def __init__(self, binding: ToolBinding) -> None:
        self.binding = binding
        self.timeout_s = binding.timeout_s
        self.idempotent = binding.idempotent
        self.__name__ = f"{self.adapter}:{self.target(binding)}"

    @staticmethod
    def target(binding: ToolBinding) -> str | None:
        return binding.action

    def __call__(self, ctx: ToolContext, *args: str) -> Observation | None:
        return self.call(ctx, self.binding, values_for(self.binding, ctx))

    @abstractmethod
    def call(self, ctx: ToolContext, b: ToolBinding, values: Values) -> Observation | None:
        """Call the tool with this call's placeholder values (each adapter says how)."""


def _environment(binding: ToolBinding, required: set[str] | None = None
                 ) -> tuple[dict[str, str], tuple[str, ...]]:
    """The binding's ``env`` and ``secrets`` values; a missing one is an error when it is
    ``required`` (default: all of them), else left out."""
    out: dict[str, str] = {}
    for name in (*binding.env, *binding.secrets):
        value = os.environ.get(name)
        if value is None and required is not None and name not in required:
            continue
        if value is None:
            raise PermanentToolError(f"{binding.action}: environment variable {name} is not set "
                                     f"(spec {binding.path}:{binding.line})")
        out[name] = value
    secrets = tuple(sorted((out[s] for s in binding.secrets if s in out), key=len,
                           reverse=True))
    return out, secrets


def server_values(binding: ToolBinding) -> Values:
    """Values for a server command (fixed for the run: built-ins and environment)."""
    used = set(placeholders([*binding.command, binding.url or ""]))
    env, secrets = _environment(binding, used)
    return Values({"python": sys.executable, "spec_dir": binding.spec_dir, **env}, secrets)


def values_for(binding: ToolBinding, ctx: ToolContext) -> Values:
    env, secrets = _environment(binding)
    names: dict[str, str] = {
        "run_id": ctx.run_id, "step_id": ctx.step_id, "idempotency_key": ctx.idempotency_key,
        "attempt": str(ctx.attempt), "action": ctx.action, "agent": ctx.agent or "",
        "python": sys.executable, "spec_dir": binding.spec_dir, **env,
    }
    names.update(zip(binding.params, ctx.args, strict=False))
    return Values(names, secrets)


def render(template: Any, values: Values) -> Any:
    """Substitute ``{name}`` placeholders in every string of a JSON-like template. Each
    placeholder is replaced by its value as plain text (never re-parsed)."""
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values.names.get(m.group(1), m.group(0)), template)
    if isinstance(template, Mapping):
        return {render(k, values): render(v, values) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [render(v, values) for v in template]
    return template


def observation_from(data: Any) -> Observation | None:
    """A tool's JSON answer as an observation: a mapping with ``holds`` / ``not_holds``
    (anything else is not an observation: the Executor assumes the predicted effects)."""
    if isinstance(data, str | bytes):
        text = data.decode() if isinstance(data, bytes) else data
        text = text.strip()
        if not text.startswith("{"):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
    if isinstance(data, Mapping) and ("holds" in data or "not_holds" in data):
        return Observation.of(data.get("holds", ()), data.get("not_holds", ()))
    return None


def error_from(binding: ToolBinding, values: Values, text: str, *,
               transient: bool = False) -> ToolError:
    """The tool error for a failure whose text is ``text`` (secrets redacted): an ``on_error``
    rule that matches gives :class:`PreconditionFailed` with what it says was observed."""
    text = values.redact(text.strip())
    short = text if len(text) <= 2000 else text[:2000] + " ..."
    for rule in binding.on_error:
        if re.search(rule.match, text):
            obs = Observation.of([render(a, values) for a in rule.holds],
                                 [render(a, values) for a in rule.not_holds])
            if rule.retry:
                return TransientToolError(short, observation=obs)
            return PreconditionFailed(short, observation=obs)
    if transient:
        return TransientToolError(short)
    return PermanentToolError(short)
