"""The Ray executor: every step's tool call runs as a Ray task, on whichever node has room
(or the one it asks for); the journal, written by the driving process, stays the source of
truth (intent before the task, result after it, exactly as in process).

    Engine(spec, executor="ray")                       # ray.init() / $RAY_ADDRESS
    plansafe worker --ray ray://head:10001 --journal postgresql://...

A tool asks for resources or a node with attributes on its function::

    async def train(ctx, model): ...
    train.ray = {"num_cpus": 2, "num_gpus": 1}         # any ray.remote option
    train.node_label = "gpu-node"                       # a custom resource its nodes have

``ray`` is imported only when this executor is used (``pip install 'plansafe[scale]'``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Mapping
from typing import Any

from verifier.errors import PlansafeError

__all__ = ["ray_tools", "connect", "PLACEMENTS"]

#: (run, step, node id) of every step this process ran through Ray (for tests and logs)
PLACEMENTS: list[tuple[str, str, str]] = []
_LOCK = threading.Lock()


def connect(address: str | None = None) -> Any:
    """Ray, initialised (``address`` None: ``$RAY_ADDRESS`` or a local instance)."""
    try:
        import ray
    except ImportError as e:
        raise PlansafeError(f"the ray executor needs ray ({e}); pip install "
                            "'plansafe[scale]'") from None
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False,
                 include_dashboard=False)
    return ray


def _remote_call(ref: str, fields: dict[str, Any], args: tuple[str, ...]) -> tuple[Any, str]:
    """On a Ray worker: import the tool, call it, say which node ran it."""
    import inspect

    import ray

    from domains.base import ToolContext
    from engine.tools import load_callable

    fn = load_callable(ref)
    ctx = ToolContext(**fields)
    out = fn(ctx, *args)
    if inspect.isawaitable(out):
        out = asyncio.run(_await(out))
    return out, ray.get_runtime_context().get_node_id()


async def _await(x: Any) -> Any:
    return await x


def ray_tools(tools: Mapping[str, str], *, address: str | None = None
              ) -> dict[str, Callable[..., Any]]:
    """For each action's tool (``"module:callable"``), a tool that runs it as a Ray task."""
    from engine.tools import load_callable

    ray = connect(address)
    remote = ray.remote(_remote_call)
    out: dict[str, Callable[..., Any]] = {}
    for action, ref in tools.items():
        fn = load_callable(ref)
        opts: dict[str, Any] = dict(getattr(fn, "ray", None) or {})
        label = getattr(fn, "node_label", None)
        if label:
            opts.setdefault("resources", {})[str(label)] = 0.001
        out[action] = _wrap(remote.options(**opts) if opts else remote, ref, fn)
    return out


def _wrap(remote: Any, ref: str, fn: Any) -> Callable[..., Any]:
    async def tool(ctx: Any, *args: str) -> Any:
        fields = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)
                  if f.name != "cancel_event"}
        result, node = await remote.remote(ref, fields, tuple(args))
        with _LOCK:
            PLACEMENTS.append((ctx.run_id, ctx.step_id, node))
        return result

    tool.__name__ = getattr(fn, "__name__", "tool")
    for attr in ("timeout_s", "idempotent", "retry"):
        if hasattr(fn, attr):
            setattr(tool, attr, getattr(fn, attr))
    return tool
