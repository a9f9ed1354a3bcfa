"""Loading and calling the tools bound in ``spec.yaml`` (``module:callable``), sync or async.

The tool contract (:class:`ToolContext`, :class:`Observation`, the error types) lives in
:mod:`domains.base` and is re-exported here.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
import io
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from domains.base import (
    Observation,
    PermanentToolError,
    PreconditionFailed,
    RunInfo,
    ToolContext,
    ToolError,
    TransientToolError,
    idempotent,
    is_idempotent,
)
from engine.registry import Registry
from verifier.errors import PlansafeError
from verifier.model import GroundAtom
from verifier.tool_binding import ToolBinding

__all__ = [
    "ToolSet", "ToolContext", "Observation", "RunInfo", "ToolError", "TransientToolError",
    "PermanentToolError", "PreconditionFailed", "ToolTimeout", "idempotent", "is_idempotent",
    "call_tool", "load_callable", "TOOL_ADAPTERS", "ToolAdapter", "tool_from_binding",
]


class ToolTimeout(ToolError):
    """A tool did not answer within its timeout. ``finished`` tells whether it stopped."""

    retryable = True

    def __init__(self, message: str, *, finished: bool) -> None:
        super().__init__(message)
        self.finished = finished


def load_callable(ref: str) -> Callable[..., Any]:
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise PlansafeError(f"tool '{ref}' must be 'module:callable'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise PlansafeError(f"cannot import tool module '{module_name}' for '{ref}': {e}") from None
    fn = getattr(module, attr, None)
    if fn is None or not callable(fn):
        raise PlansafeError(f"tool '{ref}': module '{module_name}' has no callable '{attr}'")
    return fn  # type: ignore[no-any-return]


class ToolAdapter(Protocol):
    """Turns a tool binding from ``spec.yaml`` into a tool ``tool(ctx, *args)`` (sync or
    async, the contract of :mod:`domains.base`; optional ``timeout_s`` and ``idempotent``
    attributes). A binding is a string (``module:callable``, or ``scheme:...`` for an
    adapter registered under that scheme) or, for the mapping form ``{adapter: NAME, ...}``,
    a :class:`verifier.tool_binding.ToolBinding`."""

    def __call__(self, binding: Any, /) -> Callable[..., Any]: ...


#: The one registry of tool adapters. ``python`` takes a ``module:callable`` string; the
#: others take the mapping form (``adapter: shell`` ...; docs/TOOLS_ADAPTERS.md). A string
#: whose scheme (before the first ':') is a registered string adapter uses it, any other
#: string is a Python ``module:callable``. Add one: a function or class taking the binding,
#: and ``TOOL_ADAPTERS.register("name", "package.module:Factory")``.
TOOL_ADAPTERS: Registry[ToolAdapter] = Registry("tool adapter", {
    "python": load_callable,
    "shell": "engine.adapters.shell:ShellTool",
    "http": "engine.adapters.http:HttpTool",
    "mcp": "engine.adapters.mcp:McpTool",
    "event": "engine.adapters.event:EventWait",
    "workflow": "engine.adapters.workflow:ChildRun",
})
#: adapters that take only the mapping form (a string binding never reaches them)
MAPPING_ADAPTERS = frozenset({"shell", "http", "mcp", "event", "workflow"})


def tool_from_binding(binding: str | ToolBinding) -> Callable[..., Any]:
    """The tool a binding names, made by the adapter it chooses."""
    if not isinstance(binding, str):
        try:
            factory = TOOL_ADAPTERS.get(binding.adapter)
        except PlansafeError as e:
            raise binding.error(str(e)) from None
        return factory(binding)
    scheme = binding.partition(":")[0]
    if scheme not in TOOL_ADAPTERS or scheme in MAPPING_ADAPTERS:
        scheme = "python"
    return TOOL_ADAPTERS.get(scheme)(binding)


class ToolSet:
    """The tools of a spec (or ``overrides``: action -> callable), with their packs' hooks."""

    def __init__(self, bindings: Mapping[str, str], *,
                 overrides: Mapping[str, Callable[..., Any]] | None = None,
                 default_timeout_s: float = 30.0,
                 adapters: Mapping[str, Any] | None = None,
                 search_path: Iterable[str | Path] = ()) -> None:
        # the spec folder is on the module path, so a spec's own tool module beside its
        # spec.yaml imports without PYTHONPATH (appended: installed modules come first)
        for folder in search_path:
            if str(folder) not in sys.path:
                sys.path.append(str(folder))
        self.bindings = dict(bindings)
        self.overrides = dict(overrides or {})
        # shell / http / mcp bindings (verifier.tool_binding.ToolBinding), by action
        self.adapters = dict(adapters or {})
        self.default_timeout_s = default_timeout_s
        self._cache: dict[str, Callable[..., Any]] = {}

    def tool(self, action: str) -> Callable[..., Any]:
        fn = self._cache.get(action)
        if fn is None:
            if action in self.overrides:
                fn = self.overrides[action]
            elif action in self.adapters:
                fn = tool_from_binding(self.adapters[action])
            elif action in self.bindings:
                fn = tool_from_binding(self.bindings[action])
            else:
                raise PlansafeError(f"no tool bound to '{action}' (add it under 'tools:' in "
                                    "spec.yaml, e.g. my_pack.tools:" + action.replace("-", "_")
                                    + ")")
            self._cache[action] = fn
        return fn

    def check(self, actions: list[str]) -> None:
        """Load every tool the plan needs now, so a missing one fails before anything runs."""
        for a in dict.fromkeys(actions):
            self.tool(a)

    def timeout_s(self, action: str) -> float:
        return float(getattr(self.tool(action), "timeout_s", None) or self.default_timeout_s)

    def idempotent(self, action: str) -> bool:
        return is_idempotent(self.tool(action))

    # --- pack hooks ---------------------------------------------------------------------------

    def modules(self) -> list[ModuleType]:
        """The modules of the tools in use (a wrapper made with functools.wraps counts as
        its tool's module): their ``setup``/``observe`` hooks serve the run."""
        names = dict.fromkeys(ref.partition(":")[0] for a, ref in self.bindings.items()
                              if a not in self.overrides and a not in self.adapters)
        for action, fn in self.overrides.items():
            names[getattr(fn, "__module__", "") or ""] = None
            ref = self.bindings.get(action)
            if ref is not None and hasattr(fn, "__wrapped__"):
                try:
                    if inspect.unwrap(fn) is load_callable(ref):
                        names[ref.partition(":")[0]] = None
                except PlansafeError:
                    pass
        out = []
        for n in names:
            if not n:
                continue
            try:
                out.append(importlib.import_module(n))
            except ImportError:
                continue
        return out

    def _hooks(self, name: str) -> list[Callable[..., Any]]:
        return [h for m in self.modules() if callable(h := getattr(m, name, None))]

    def setup(self, info: RunInfo) -> None:
        for h in self._hooks("setup"):
            h(info)

    @property
    def can_observe(self) -> bool:
        return bool(self._hooks("observe"))

    def observe(self, info: RunInfo) -> frozenset[GroundAtom] | None:
        hooks = self._hooks("observe")
        if not hooks:
            return None
        out: set[GroundAtom] = set()
        for h in hooks:
            out |= {tuple(a) for a in h(info)}
        return frozenset(out)

    def demo_faults(self) -> Any:
        for m in self.modules():
            plan = getattr(m, "DEMO_FAULTS", None)
            if plan is not None:
                return plan
        return None


class _Router(io.TextIOBase):
    """Stands in for ``sys.stdout`` / ``sys.stderr``: what a tool prints while its call is
    captured (a context variable, so concurrent tools keep apart) goes to that call's
    buffer, everything else to the stream it replaced."""

    def __init__(self, stream: Any, which: int) -> None:
        self.stream, self.which = stream, which

    def write(self, text: str) -> int:
        bufs = _CAPTURE.get()
        if bufs is None:
            return int(self.stream.write(text) or 0)
        bufs[self.which].write(text)
        return len(text)

    def flush(self) -> None:
        if _CAPTURE.get() is None:
            self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


_CAPTURE: contextvars.ContextVar[tuple[io.StringIO, io.StringIO] | None] = \
    contextvars.ContextVar("plansafe_tool_output", default=None)


def _route_output() -> None:
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router(sys.stdout, 0)
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router(sys.stderr, 1)


async def call_tool(fn: Callable[..., Any], ctx: ToolContext, *, timeout_s: float,
                    grace_s: float | None = None, output: dict[str, str] | None = None
                    ) -> Observation | None:
    """Call ``fn(ctx, *ctx.args)`` with a timeout; sync tools run in a worker thread.

    On timeout the context is marked cancelled. An async tool is cancelled outright; a
    sync tool's thread is given ``grace_s`` (default: the timeout again) to notice and
    stop: if it finishes, its real result or error counts; if not, :class:`ToolTimeout`
    says ``finished=False`` (its effect on the world is unknown).

    With ``output`` (a dict), what the tool prints is captured, not shown: its
    ``"stdout"`` and ``"stderr"`` are filled in (also when the tool fails) for the journal.
    """
    if output is None:
        return await _call_tool(fn, ctx, timeout_s=timeout_s, grace_s=grace_s)
    _route_output()
    bufs = (io.StringIO(), io.StringIO())
    token = _CAPTURE.set(bufs)
    try:
        return await _call_tool(fn, ctx, timeout_s=timeout_s, grace_s=grace_s, bufs=bufs)
    finally:
        _CAPTURE.reset(token)
        output["stdout"], output["stderr"] = bufs[0].getvalue(), bufs[1].getvalue()


async def _call_tool(fn: Callable[..., Any], ctx: ToolContext, *, timeout_s: float,
                     grace_s: float | None = None,
                     bufs: tuple[io.StringIO, io.StringIO] | None = None
                     ) -> Observation | None:
    if inspect.iscoroutinefunction(fn):
        try:
            result = await asyncio.wait_for(fn(ctx, *ctx.args), timeout_s)
        except TimeoutError:
            ctx.cancel_event.set()
            raise ToolTimeout(f"{_call(ctx)} timed out after {timeout_s:g} s",
                              finished=True) from None
        return Observation.coerce(result)
    loop = asyncio.get_running_loop()

    def in_thread() -> Any:
        token = _CAPTURE.set(bufs)  # this worker thread's context
        try:
            return fn(ctx, *ctx.args)
        finally:
            _CAPTURE.reset(token)

    fut = loop.run_in_executor(None, in_thread)
    try:
        result = await asyncio.wait_for(asyncio.shield(fut), timeout_s)
    except TimeoutError:
        ctx.cancel_event.set()
        try:
            result = await asyncio.wait_for(fut, grace_s if grace_s is not None else timeout_s)
        except TimeoutError:
            raise ToolTimeout(f"{_call(ctx)} timed out after {timeout_s:g} s and did not stop",
                              finished=False) from None
        except TransientToolError:
            raise ToolTimeout(f"{_call(ctx)} timed out after {timeout_s:g} s",
                              finished=True) from None
    if inspect.isawaitable(result):
        result = await asyncio.wait_for(result, timeout_s)
    return Observation.coerce(result)


def _call(ctx: ToolContext) -> str:
    return "(" + " ".join((ctx.action, *ctx.args)) + ")"
