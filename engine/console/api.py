"""The JSON API of ``plansafe serve`` (beside the console's pages; 127.0.0.1 by default).

=======================  ====================================================================
``POST /api/runs``       ``{spec, goal | problem, id?}``: journal a run of a served spec; a
                         background thread plans and drives it. 202 ``{run, spec, url}``.
``POST /api/events``     ``{name, fields?, run?, id?}``: start the runs of the served specs'
                         ``on: name`` triggers, then post the event durably (as ``plansafe
                         event`` does) to ``run``, or to every run not finished. 202 ``{event,
                         delivered, started}``. ``id`` (the sender's event id) makes the
                         triggered runs idempotent: a repeated post starts none again.
``GET /api/runs``        the journal's runs (as ``plansafe runs --json``); ``?status=``.
``GET /api/runs/{id}``   a run: status, result, trigger, parent and child runs, chain check.
=======================  ====================================================================

Writes need ``Content-Type: application/json`` (a web page cannot post that to another
origin without a CORS preflight, which this server never answers) and a ``Host`` this server
is bound to (no DNS rebinding). With a users file (``--users``) they also need ``Authorization:
Bearer TOKEN`` of a user (:mod:`engine.identity`); the user is journaled as who started the
run. Errors are JSON ``{"error": "..."}``: 400 bad input, 401/403 identity, 404 no such run.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.console.runner import MAX_EVENT_BYTES, RunService
from verifier.errors import PlansafeError

__all__ = ["add_api", "API_ROUTES"]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _host_ok(request: Request) -> bool:
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    allowed: frozenset[str] = getattr(request.app.state, "api_hosts", LOCAL_HOSTS)
    return name in allowed


async def _write_request(request: Request) -> tuple[dict[str, Any], Any] | JSONResponse:
    """The JSON body and the user (None without a users file) of a write, or the refusal."""
    if not _host_ok(request):
        return _error(403, f"host {request.headers.get('host', '')!r} is not this server's")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _error(415, "send Content-Type: application/json")
    console = request.app.state.console
    user = None
    if console.auth.users:
        from engine.identity import Users

        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not token:
            return _error(401, "a token is required (Authorization: Bearer TOKEN)")
        user = Users(console.auth.users).by_token(token)
        if user is None:
            return _error(403, "the token matches no user in the users file")
    body = await request.body()
    if len(body) > MAX_EVENT_BYTES + 4096:
        return _error(413, "the request body is too large")
    try:
        data = json.loads(body or b"{}")
    except ValueError as e:
        return _error(400, f"the body is not JSON: {e}")
    if not isinstance(data, dict):
        return _error(400, "the body must be a JSON object")
    return data, user


def _service(request: Request) -> RunService | None:
    return getattr(request.app.state, "service", None)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise PlansafeError(f"'{key}' must be a string")
    return value


def _who(user: Any, via: str) -> dict[str, Any]:
    return {"user": user.name if user is not None else None, "os_user": None, "via": via}


async def _in_thread(fn: Callable[[], Response]) -> Response:
    import anyio.to_thread

    return await anyio.to_thread.run_sync(fn)


async def _write(request: Request, keys: tuple[str, ...],
                 act: Callable[[RunService, dict[str, Any], Any], Response]) -> Response:
    """A write: the checks of :func:`_write_request`, a running service, only ``keys`` in the
    body; ``act`` runs in a thread, its PlansafeError a 400."""
    got = await _write_request(request)
    if isinstance(got, Response):
        return got
    data, user = got
    service = _service(request)
    if service is None:
        return _error(503, "this server does not run workflows (plansafe serve --no-worker)")

    def work() -> Response:
        try:
            unknown = sorted(set(data) - set(keys))
            if unknown:
                raise PlansafeError(f"unknown key(s) {', '.join(unknown)} ({', '.join(keys)})")
            return act(service, data, user)
        except PlansafeError as e:
            return _error(400, str(e))

    return await _in_thread(work)


def _start_run(service: RunService, data: dict[str, Any], user: Any) -> Response:
    spec = _text(data, "spec") or (next(iter(service.specs)) if len(service.specs) == 1 else "")
    ident = _text(data, "id")
    started = service.submit(spec, problem=_text(data, "problem"), goal=_text(data, "goal"),
                             extra={"started_by": _who(user, "api")},
                             key=None if ident is None else f"api\0{ident}")
    return JSONResponse({**started.to_json(), "url": f"/api/runs/{started.run}",
                         "page": f"/runs/{started.run}"}, status_code=202)


def _post_event(service: RunService, data: dict[str, Any], user: Any) -> Response:
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise PlansafeError("'fields' must be a JSON object")
    delivery = service.deliver(_text(data, "name") or "", fields, run=_text(data, "run"),
                               event_id=_text(data, "id"), by=_who(user, "event"))
    return JSONResponse(delivery.to_json(), status_code=202)


async def post_run(request: Request) -> Response:
    return await _write(request, ("spec", "goal", "problem", "id"), _start_run)


async def post_event(request: Request) -> Response:
    return await _write(request, ("name", "fields", "run", "id"), _post_event)


async def get_runs(request: Request) -> Response:
    from engine.run_commands import list_runs

    console = request.app.state.console
    status = request.query_params.get("status")

    def work() -> Response:
        rows = [r.to_json() for r in list_runs(journal=console.journal)]
        return JSONResponse([r for r in rows if not status or r["status"] == status])

    return await _in_thread(work)


async def get_run(request: Request) -> Response:
    from engine.run_commands import show_run

    console = request.app.state.console
    run_id = request.path_params["run_id"]
    service = _service(request)

    def work() -> Response:
        try:
            report = show_run(run_id, journal=console.journal)
        except PlansafeError as e:
            return _error(404 if "no run" in str(e) or "no journal" in str(e) else 400, str(e))
        data = report.to_json()
        started = next((e.payload for e in report.events if e.kind == "run-started"), {})
        out = {"run": run_id, "status": data["result"]["status"], "result": data["result"],
               "spec": started.get("spec_name"), "goal": started.get("goal_text"),
               "trigger": started.get("trigger"), "started_by": started.get("started_by"),
               "parent": data.get("parent"), "children": data.get("children", []),
               "chain": data["chain"],
               "driving": bool(service and run_id in service.active()),
               "error": service.errors.get(run_id) if service else None}
        if request.query_params.get("timeline"):
            out["timeline"] = data["timeline"]
        return JSONResponse(out)

    return await _in_thread(work)


Handler = Callable[[Request], Awaitable[Response]]

API_ROUTES: tuple[tuple[str, Handler, str], ...] = (
    ("/api/runs", post_run, "POST"), ("/api/runs", get_runs, "GET"),
    ("/api/runs/{run_id}", get_run, "GET"), ("/api/events", post_event, "POST"))


def add_api(app: Starlette, service: RunService | None, *, host: str = "127.0.0.1") -> None:
    """Add the API's routes to the console's app; ``service`` runs what they start (None: the
    API only reads). ``host``: the address served, allowed in ``Host`` besides the local names."""
    app.state.service = service
    app.state.api_hosts = LOCAL_HOSTS | {host}
    for i, (path, fn, method) in enumerate(API_ROUTES):
        app.router.routes.insert(i, Route(path, fn, methods=[method]))
