"""Tool adapters: ``shell``, ``http`` and ``mcp`` tools bound in ``spec.yaml`` as mappings.

:func:`make_tool` turns a :class:`~verifier.tool_binding.ToolBinding` into a tool callable
``tool(ctx, *args)`` with ``timeout_s`` and ``idempotent`` attributes, the same contract as a
``module:callable`` tool (:mod:`domains.base`). Each adapter module is imported only when a
spec uses it. See docs/TOOLS_ADAPTERS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.registry import Registry
from verifier.errors import PlansafeError
from verifier.tool_binding import ToolBinding

__all__ = ["ADAPTERS", "make_tool", "check_bindings"]

#: adapter name -> the class (lazily imported ``"module:Class"``) that turns a
#: :class:`~verifier.tool_binding.ToolBinding` into a tool (engine.registry.Registry; the
#: names a spec may use are the ``adapter`` Literal of verifier/spec_schema.py).
ADAPTERS: Registry[Callable[[ToolBinding], Callable[..., Any]]] = Registry("tool adapter", {
    "shell": "engine.adapters.shell:ShellTool",
    "http": "engine.adapters.http:HttpTool",
    "mcp": "engine.adapters.mcp:McpTool",
    "event": "engine.adapters.event:EventWait",
    "workflow": "engine.adapters.workflow:ChildRun",
})


def make_tool(binding: ToolBinding) -> Callable[..., Any]:
    try:
        factory = ADAPTERS.get(binding.adapter)
    except PlansafeError as e:
        raise binding.error(str(e)) from None
    return factory(binding)


def check_bindings(bindings: dict[str, ToolBinding]) -> list[str]:
    """What ``plansafe check`` says about adapter bindings beyond their syntax: each MCP
    server is started, its tools listed, and each binding's arguments template checked
    against the tool's input schema. Returns ``file:line:col: message (hint)`` errors."""
    errors: list[str] = []
    if any(b.adapter == "workflow" for b in bindings.values()):
        from engine.adapters.workflow import check_workflows

        errors.extend(check_workflows(bindings))
    mcp = {a: b for a, b in bindings.items() if b.adapter == "mcp"}
    if not mcp:
        return errors
    from engine.adapters.mcp import check_mcp_bindings

    try:
        return errors + check_mcp_bindings(list(mcp.values()))
    except PlansafeError as e:
        return [*errors, str(e)]
