"""Tool adapters: ``shell``, ``http`` and ``mcp`` tools bound in ``spec.yaml`` as mappings.

:func:`make_tool` turns a :class:`~verifier.tool_binding.ToolBinding` into a tool callable
``tool(ctx, *args)`` with ``timeout_s`` and ``idempotent`` attributes, the same contract as a
``module:callable`` tool (:mod:`domains.base`). Each adapter module is imported only when a
spec uses it. See docs/TOOLS_ADAPTERS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.tools import TOOL_ADAPTERS, tool_from_binding
from verifier.errors import PlansafeError
from verifier.tool_binding import ToolBinding

__all__ = ["ADAPTERS", "make_tool", "check_bindings"]

#: the adapters live in the one tool-adapter registry, :data:`engine.tools.TOOL_ADAPTERS`
#: (the names a spec may use are the ``adapter`` Literal of verifier/spec_schema.py)
ADAPTERS = TOOL_ADAPTERS


def make_tool(binding: ToolBinding) -> Callable[..., Any]:
    return tool_from_binding(binding)


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
