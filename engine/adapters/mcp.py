"""``adapter: mcp``: a tool of an MCP server, through the official ``mcp`` SDK.

The server is a stdio command (``command``) or a streamable HTTP URL (``url``). One session
per server is opened on first use and kept for the process, on a background event loop of its
own (tools are called from the Executor's worker threads). The action's ground arguments fill
the ``args`` template, whose values are coerced to the types the tool's input schema asks for
(a placeholder gives text; ``"{n}"`` for an integer property is sent as an integer).

A result with ``isError`` is a failure whose text the ``on_error`` rules read; a result whose
structured content (or text) is a JSON object with ``holds`` / ``not_holds`` is the
observation; any other result means the predicted effects happened.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import tempfile
import threading
from datetime import timedelta
from typing import Any

from domains.base import Observation, PermanentToolError, ToolContext
from engine.adapters.common import (
    BoundTool,
    Values,
    error_from,
    observation_from,
    render,
    server_values,
)
from verifier.errors import SpecError, did_you_mean
from verifier.tool_binding import ToolBinding, placeholders

__all__ = ["McpTool", "check_mcp_bindings", "close_all", "connection"]

START_TIMEOUT_S = 30.0
DEFAULT_TIMEOUT_S = 30.0


class _Connection:
    """An initialised ``ClientSession`` living on its own event loop thread."""

    def __init__(self, command: tuple[str, ...], url: str | None, env: dict[str, str],
                 values: Values) -> None:
        self.command, self.url, self.env, self.values = command, url, env, values
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="plansafe-mcp")
        self.thread.start()
        self.session: Any = None
        self.tools: dict[str, Any] = {}
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._stop: asyncio.Event | None = None
        self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._main = asyncio.run_coroutine_threadsafe(self._run(), self.loop)
        try:
            self._ready.result(START_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            self.close()
            raise PermanentToolError(f"MCP server {self.name} did not start within "
                                     f"{START_TIMEOUT_S:g} s{self._log()}") from None
        except BaseException as e:  # noqa: BLE001 - reported with the server's own log
            self.close()
            raise PermanentToolError(values.redact(
                f"MCP server {self.name} failed to start: {_why(e)}{self._log()}")) from None

    @property
    def name(self) -> str:
        return self.url or " ".join(self.command)

    def _log(self) -> str:
        try:
            self._errlog.seek(0)
            tail = self._errlog.read()[-1500:].strip()
        except (OSError, ValueError):
            return ""
        return f"; its stderr: {self.values.redact(tail)}" if tail else ""

    async def _run(self) -> None:
        from mcp import ClientSession

        self._stop = asyncio.Event()
        try:
            if self.url:
                from mcp.client.streamable_http import streamable_http_client

                cm: Any = streamable_http_client(self.url)
            else:
                from mcp.client.stdio import StdioServerParameters, stdio_client

                cm = stdio_client(StdioServerParameters(
                    command=self.command[0], args=list(self.command[1:]), env=self.env),
                    errlog=self._errlog)
            async with cm as streams, ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                listed = await session.list_tools()
                self.tools = {t.name: t for t in listed.tools}
                self.session = session
                self._ready.set_result(None)
                await self._stop.wait()
        except BaseException as e:
            if not self._ready.done():
                self._ready.set_exception(e)
            elif not isinstance(e, asyncio.CancelledError | GeneratorExit):
                raise

    def call(self, tool: str, arguments: dict[str, Any], timeout_s: float) -> Any:
        if self.session is None:
            raise PermanentToolError(f"MCP server {self.name} is closed")
        fut = asyncio.run_coroutine_threadsafe(self.session.call_tool(
            tool, arguments, read_timeout_seconds=timedelta(seconds=timeout_s)), self.loop)
        return fut.result(timeout_s + 5)

    def close(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
            with contextlib.suppress(BaseException):  # closing: nothing left to report
                self._main.result(5)
        self.session = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self._errlog.close()


_LOCK = threading.Lock()
_CONNECTIONS: dict[tuple[Any, ...], _Connection] = {}


def connection(binding: ToolBinding) -> _Connection:
    """The (shared) session with the binding's server, started on first use."""
    import mcp.client.stdio as stdio

    values = server_values(binding)
    command = tuple(str(c) for c in render(list(binding.command), values))
    url = render(binding.url, values) if binding.url else None
    env = {**stdio.get_default_environment(),
           **{n: values.names[n] for n in (*binding.env, *binding.secrets) if n in values.names}}
    key = (command, url, tuple(sorted(env.items())))
    with _LOCK:
        conn = _CONNECTIONS.get(key)
        if conn is None or conn.session is None:
            conn = _CONNECTIONS[key] = _Connection(command, url, env, values)
        return conn


def _drop(conn: _Connection) -> None:
    with _LOCK:
        for k, c in list(_CONNECTIONS.items()):
            if c is conn:
                del _CONNECTIONS[k]
    conn.close()


def close_all() -> None:
    with _LOCK:
        conns = list(_CONNECTIONS.values())
        _CONNECTIONS.clear()
    for c in conns:
        c.close()


atexit.register(close_all)


class McpTool(BoundTool):
    adapter = "mcp"

    @staticmethod
    def target(binding: ToolBinding) -> str | None:
        return binding.tool

    def call(self, ctx: ToolContext, b: ToolBinding, values: Values) -> Observation | None:
        conn = connection(b)
        tool = conn.tools.get(b.tool or "")
        if tool is None:
            raise PermanentToolError(f"MCP server {conn.name} has no tool '{b.tool}'")
        arguments = _coerce(render(b.args or {}, values), tool.inputSchema or {})
        timeout = b.timeout_s or ctx.timeout_s or DEFAULT_TIMEOUT_S
        try:
            result = conn.call(b.tool or "", arguments, timeout)
        except concurrent.futures.TimeoutError:
            from engine.tools import ToolTimeout

            raise ToolTimeout(f"{b.tool} timed out after {timeout:g} s", finished=True) from None
        except Exception as e:  # noqa: BLE001 - a protocol error is the tool's failure
            _drop(conn)  # the session may be broken (a server that died): start a new one
            raise error_from(b, values, f"{b.tool}: {_why(e)}") from None
        text = "\n".join(getattr(c, "text", "") for c in result.content or ()).strip()
        if result.isError:
            raise error_from(b, values, f"{b.tool}: {text}")
        return observation_from(result.structuredContent) or observation_from(text)


def _why(e: BaseException) -> str:
    inner = getattr(e, "exceptions", None)
    if inner:
        return "; ".join(_why(x) for x in inner)
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _types(prop: Any) -> set[str]:
    if not isinstance(prop, dict):
        return set()
    t = prop.get("type")
    out = {t} if isinstance(t, str) else set(t or ())
    for alt in prop.get("anyOf", ()) or ():
        out |= _types(alt)
    return out


def _coerce(arguments: Any, schema: dict[str, Any]) -> Any:
    """Text from placeholders as the schema's scalar types (integer, number, boolean)."""
    if not isinstance(arguments, dict):
        return arguments
    props = schema.get("properties") or {}
    out = dict(arguments)
    for k, v in arguments.items():
        types = _types(props.get(k))
        if not isinstance(v, str) or not types or "string" in types:
            continue
        try:
            if "integer" in types:
                out[k] = int(v)
            elif "number" in types:
                out[k] = float(v)
            elif "boolean" in types and v.lower() in ("true", "false"):
                out[k] = v.lower() == "true"
        except ValueError:
            pass
    return out


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}


def schema_errors(binding: ToolBinding, schema: dict[str, Any]) -> list[str]:
    """Where the binding's ``args`` template does not fit the tool's input schema."""
    args = binding.args or {}
    props: dict[str, Any] = schema.get("properties") or {}
    errors: list[str] = []

    def err(message: str, hint: str | None = None) -> None:
        errors.append(str(binding.error(f"tools.{binding.action}.args: {message}",
                                        at_args=True, hint=hint)))

    for name in schema.get("required") or ():
        if name not in args:
            err(f"MCP tool '{binding.tool}' requires '{name}'",
                f"its arguments: {', '.join(props) or 'none'}")
    for key, value in args.items():
        if key not in props:
            if schema.get("additionalProperties", True) is False or props:
                err(f"MCP tool '{binding.tool}' has no argument '{key}'",
                    did_you_mean(key, list(props)) or f"its arguments: {', '.join(props)}")
            continue
        types = _types(props[key])
        if not types:
            continue
        if isinstance(value, str) and list(placeholders(value)):
            if types & {"string", "integer", "number", "boolean"}:
                continue  # text from a placeholder, coerced to the scalar type at call time
            err(f"'{key}' is {'/'.join(sorted(types))} in MCP tool '{binding.tool}', but the "
                "template gives text")
            continue
        ok = any(isinstance(value, _JSON_TYPES.get(t, ())) and
                 not (t in ("integer", "number") and isinstance(value, bool)) for t in types)
        if not ok:
            err(f"'{key}' must be {'/'.join(sorted(types))} for MCP tool '{binding.tool}', "
                f"not {type(value).__name__}")
    return errors


def check_mcp_bindings(bindings: list[ToolBinding]) -> list[str]:
    """Start each server, list its tools, check every binding against its tool's schema."""
    errors: list[str] = []
    for b in bindings:
        try:
            conn = connection(b)
        except PermanentToolError as e:
            errors.append(str(SpecError(f"tools.{b.action}: {e}", path=b.path, line=b.line,
                                        col=b.col, hint="check 'command' / 'url' and that "
                                        "the server is installed")))
            continue
        tool = conn.tools.get(b.tool or "")
        if tool is None:
            errors.append(str(b.error(
                f"tools.{b.action}: MCP server {conn.name} has no tool '{b.tool}'",
                hint=did_you_mean(b.tool or "", list(conn.tools))
                or f"its tools: {', '.join(conn.tools) or 'none'}")))
            continue
        errors.extend(schema_errors(b, tool.inputSchema or {}))
    close_all()
    return errors
