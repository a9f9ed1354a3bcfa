"""The Ray executor: every step's tool call runs as a Ray task, on whichever node has room
(or the one it asks for), and so does planning (Fast Downward, the model): each call of the
run's planner is a Ray task (:func:`ray_planner`). The journal, written by the driving
process, stays the source of truth (intent before the task, result after it, exactly as in
process; a plan is certified and journaled by the driver when its task returns).

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

__all__ = ["ray_tools", "ray_planner", "connect", "PLACEMENTS", "PLANNINGS"]

#: (run, step, node id) of every step this process ran through Ray (for tests and logs)
PLACEMENTS: list[tuple[str, str, str]] = []
#: (problem name, node id) of every planning call this process ran through Ray
PLANNINGS: list[tuple[str, str]] = []
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


# --- planning as Ray tasks ------------------------------------------------------------------

#: planners built on this Ray worker from a recipe, kept for the next call (a model is loaded
#: once per worker process, not once per plan)
_BUILT: dict[str, Any] = {}


@dataclasses.dataclass(frozen=True)
class _Costs:
    """The action costs the driver's journal memory gave at the call (shipped by value: the
    journal stays with the driver)."""

    value: Any

    def costs(self) -> Any:
        return self.value


def _planner_from(recipe: tuple[Any, ...], memory: _Costs | None) -> Any:
    kind = recipe[0]
    if kind == "ref":
        from engine.tools import load_callable

        return load_callable(recipe[1])
    if kind == "object":
        return recipe[1]
    _, spec, name, settings = recipe
    key = repr((spec.root, spec.name, name, settings))
    built = _BUILT.get(key)
    if built is None:
        from engine.planners import make_planner

        built = _BUILT[key] = make_planner(spec, name, settings)
    if hasattr(built, "memory"):
        built.memory = memory
    return built


def _remote_plan(recipe: tuple[Any, ...], memory: _Costs | None, problem: Any,
                 kwargs: dict[str, Any]) -> tuple[Any, str]:
    """On a Ray worker: the planner's result for ``problem``, and which node planned."""
    import ray

    return _planner_from(recipe, memory)(problem, **kwargs), \
        ray.get_runtime_context().get_node_id()


def _recipe(planner: Callable[..., Any], name: str | None, spec: Any) -> tuple[Any, ...]:
    """How a Ray worker gets the planner: a registered one is built there from the spec and
    its settings (the journal memory left out: its costs are sent with each call), one named
    ``module:callable`` is imported there, any other callable is sent as it is."""
    if name is not None and ":" not in name:
        settings = getattr(planner, "settings", None)
        if settings is None:  # a symbolic planner keeps only its engine
            from engine.planners import PlannerSettings

            settings = PlannerSettings(engine=getattr(planner, "engine_name", "fast-downward"))
        return ("named", spec, name, dataclasses.replace(settings, memory=None))
    if name is not None:
        return ("ref", name)
    return ("object", planner)


def ray_planner(planner: Callable[..., Any], *, name: str | None, spec: Any,
                address: str | None = None, options: Mapping[str, Any] | None = None
                ) -> Callable[..., Any]:
    """``planner`` (named ``name`` in :data:`engine.planners.PLANNERS`, or
    ``"module:callable"``; None: a callable) with every call run as a Ray task. ``options``:
    the task's Ray options (e.g. ``{"num_gpus": 1}`` for the model)."""
    ray = connect(address)
    remote = ray.remote(_remote_plan)
    if options:
        remote = remote.options(**options)
    recipe = _recipe(planner, name, spec)

    def plan_on_ray(problem: Any, **kwargs: Any) -> Any:
        memory = getattr(planner, "memory", None) or getattr(
            getattr(planner, "settings", None), "memory", None)
        costs = _Costs(memory.costs()) if memory is not None else None
        result, node = ray.get(remote.remote(recipe, costs, problem, kwargs))
        with _LOCK:
            PLANNINGS.append((str(getattr(problem, "name", "")), node))
        return result

    plan_on_ray.__name__ = getattr(planner, "__name__", "planner")
    plan_on_ray.ray_planner = planner  # type: ignore[attr-defined]
    return plan_on_ray
