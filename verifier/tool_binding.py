"""Tool bindings that are not ``module:callable``: a ``shell``, ``http`` or ``mcp`` adapter.

In ``spec.yaml`` a tool may be a mapping instead of a string::

    tools:
      tag:
        adapter: shell
        command: [git, -C, "{REPO}", tag, "{v}"]
        env: [REPO]
        on_error:
          - match: already exists
            holds: ["(tag-taken {v})"]

This module holds the frozen, checked form (:class:`ToolBinding`) with the binding's position
in ``spec.yaml``; :func:`read_binding` builds it from the pydantic model and the YAML node. The
adapters themselves live in ``engine.adapters`` (imports go engine -> verifier).

Templates are plain strings with ``{name}`` placeholders: an action parameter (``{v}`` for
``?v``), a built-in (:data:`BUILTINS`), or a variable the binding lists under ``env`` or
``secrets``. Only whole names are substituted (no attribute access, no format specs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from verifier.errors import SpecError, did_you_mean

__all__ = ["ToolBinding", "ErrorRule", "AdapterKind", "BUILTINS", "PLACEHOLDER",
           "placeholders", "read_binding"]

AdapterKind = Literal["shell", "http", "mcp", "event", "workflow"]

#: Placeholders every template may use.
BUILTINS = ("run_id", "step_id", "idempotency_key", "attempt", "action", "agent", "python",
            "spec_dir")
#: Placeholders a server command (``mcp`` ``command``/``url``) may use: fixed for the run.
SERVER_BUILTINS = ("python", "spec_dir")

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")


def placeholders(template: Any) -> Iterator[str]:
    """The placeholder names in a JSON-like template (strings inside lists and mappings)."""
    if isinstance(template, str):
        for m in PLACEHOLDER.finditer(template):
            yield m.group(1)
    elif isinstance(template, Mapping):
        for k, v in template.items():
            yield from placeholders(k)
            yield from placeholders(v)
    elif isinstance(template, list | tuple):
        for v in template:
            yield from placeholders(v)


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """A tool error whose text matches ``match`` (a regular expression) means the world is
    not as planned: the atoms in ``holds`` / ``not_holds`` (templates) were observed."""

    match: str
    holds: tuple[str, ...] = ()
    not_holds: tuple[str, ...] = ()
    retry: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class ToolBinding:
    """A checked adapter binding for one action, with its position in ``spec.yaml``."""

    action: str
    adapter: AdapterKind
    params: tuple[str, ...]  # the action's parameter names, without '?'
    spec_dir: str
    command: tuple[str, ...] = ()
    url: str | None = None
    method: str = "POST"
    tool: str | None = None
    event: str | None = None  # event: the name template of the awaited event
    workflow: str | None = None  # workflow: the child spec's folder (absolute)
    problem: str | None = None  # workflow: the child's problem
    goal: str | None = None  # workflow: the child's goal template
    args: Any = None  # JSON-like template: mcp arguments / http JSON body
    headers: tuple[tuple[str, str], ...] = ()
    idempotent: bool = False
    retries: int = 2
    env: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    timeout_s: float | None = None
    on_error: tuple[ErrorRule, ...] = ()
    path: str = "<spec>"
    line: int = 1
    col: int = 1
    args_line: int = 1
    args_col: int = 1

    @property
    def ref(self) -> str:
        """A one-line name of the binding (shown in certificates and messages)."""
        if self.adapter == "mcp":
            where = self.url or " ".join(self.command)
            return f"mcp:{self.tool}@{where}"
        if self.adapter == "workflow":
            return f"workflow:{self.workflow}#{self.problem or ''}{self.goal or ''}"
        if self.adapter == "event":
            return f"event:{self.event}"
        if self.adapter == "http":
            return f"http:{self.method} {self.url}"
        return "shell:" + " ".join(self.command)

    def error(self, message: str, *, at_args: bool = False, hint: str | None = None
              ) -> SpecError:
        line, col = (self.args_line, self.args_col) if at_args else (self.line, self.col)
        return SpecError(message, path=self.path, line=line, col=col, hint=hint)


def _pos(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _items(node: Any) -> dict[str, Any]:
    if node is None or not isinstance(getattr(node, "value", None), list):
        return {}
    return {k.value: v for k, v in node.value if isinstance(getattr(k, "value", None), str)}


def read_binding(action: str, params: tuple[str, ...], model: Any, node: Any, *, path: str,
                 spec_dir: str) -> ToolBinding:
    """Check a ``ToolBindingModel`` (pydantic) against its action; errors carry positions."""
    line, col = _pos(node)
    items = _items(node)

    def err(key: str | None, message: str, hint: str | None = None) -> SpecError:
        n = items.get(key) if key else None
        ln, cl = _pos(n) if n is not None else (line, col)
        return SpecError(f"tools.{action}: {message}", path=path, line=ln, col=cl, hint=hint)

    kind: AdapterKind = model.adapter
    command = tuple(model.command or ())
    workflow = _kind_fields(kind, model, command, err, spec_dir=spec_dir)
    known = set(params) | set(BUILTINS) | set(model.env) | set(model.secrets)
    hint_names = sorted(known)

    def check(key: str, template: Any, allowed: set[str]) -> None:
        for name in placeholders(template):
            if name not in allowed:
                raise err(key, f"unknown placeholder '{{{name}}}'",
                          did_you_mean(name, sorted(allowed))
                          or f"known here: {', '.join(sorted(allowed)) or 'none'}")

    server_known = set(SERVER_BUILTINS) | set(model.env) | set(model.secrets)
    if kind == "mcp":
        check("command", list(command), server_known)
        check("url", model.url or "", server_known)
    else:
        check("command", list(command), known)
        check("url", model.url or "", known)
    check("args", model.args, known)
    check("event", model.event or "", known)
    check("goal", model.goal or "", known)
    check("headers", dict(model.headers), known)
    rules = []
    for i, r in enumerate(model.on_error):
        try:
            re.compile(r.match)
        except re.error as e:
            raise err("on_error", f"on_error[{i}].match is not a regular expression: {e}"
                      ) from None
        check("on_error", [*r.holds, *r.not_holds], known)
        rules.append(ErrorRule(r.match, tuple(r.holds), tuple(r.not_holds), r.retry))
    for name in (*model.env, *model.secrets):
        if name in params or name in BUILTINS:
            raise err("secrets" if name in model.secrets else "env",
                      f"'{name}' is already an action parameter or a built-in",
                      f"rename the environment variable; names in use: {', '.join(hint_names)}")
    args_line, args_col = _pos(items["args"]) if "args" in items else (line, col)
    return ToolBinding(
        action=action, adapter=kind, params=params, spec_dir=spec_dir, command=command,
        url=model.url, method=model.method.upper(), tool=model.tool, event=model.event,
        workflow=workflow, problem=model.problem, goal=model.goal, args=model.args,
        headers=tuple(model.headers.items()), idempotent=model.idempotent,
        retries=model.retries, env=tuple(model.env), secrets=tuple(model.secrets),
        timeout_s=model.timeout_s, on_error=tuple(rules), path=path, line=line, col=col,
        args_line=args_line, args_col=args_col)


def _kind_fields(kind: AdapterKind, model: Any, command: tuple[str, ...],
                 err: Callable[..., SpecError], *, spec_dir: str) -> str | None:
    """The fields each adapter kind needs and the ones it must not have; the child spec's
    folder of a workflow step (None for the other kinds)."""
    workflow: str | None = None
    if kind == "shell" and not command:
        raise err(None, "a shell tool needs 'command' (an argv list)",
                  "for example command: [git, tag, '{v}']")
    if kind == "http" and not model.url:
        raise err(None, "an http tool needs 'url'", "for example url: http://127.0.0.1:8000/x")
    if kind == "mcp":
        if not model.tool:
            raise err(None, "an mcp tool needs 'tool' (the MCP server's tool name)")
        if bool(command) == bool(model.url):
            raise err(None, "an mcp tool needs exactly one of 'command' (a stdio server) or "
                      "'url' (a streamable HTTP server)")
    if kind == "event" and not model.event:
        raise err(None, "an event step needs 'event' (the name it waits for)",
                  "for example event: approved-{v}")
    if kind != "event" and model.event is not None:
        raise err("event", f"'event' is for event steps, not {kind}")
    if kind == "event" and (command or model.url or model.args is not None):
        raise err(None, "an event step takes only 'event', 'timeout_s' and 'env'")
    if kind == "workflow":
        if not model.workflow or not (model.problem or model.goal):
            raise err(None, "a workflow step needs 'workflow' (the child spec) and a 'problem' "
                      "or a 'goal'", "for example workflow: ../devops, goal: '(deployed {s} "
                      "staging)'")
        child = Path(spec_dir) / model.workflow
        if not child.exists():
            raise err("workflow", f"no spec at {model.workflow} (from {spec_dir})")
        workflow = str(child.resolve())
    elif model.workflow is not None or model.problem is not None or model.goal is not None:
        raise err("workflow" if model.workflow is not None else
                  "problem" if model.problem is not None else "goal",
                  f"'workflow', 'problem' and 'goal' are for workflow steps, not {kind}")
    if kind != "mcp" and model.tool is not None:
        raise err("tool", f"'tool' is for mcp tools, not {kind}")
    if kind == "shell" and model.args is not None:
        raise err("args", "a shell tool takes its arguments in 'command'")
    return workflow
