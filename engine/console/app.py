"""The web console (``plansafe serve``): runs, a run's timeline, plan graph, certificate and
chain, approvals; specs with their policies and ``plansafe check`` analysis.

Server-rendered HTML (Jinja2) with htmx shipped in the package (no CDN, no build step).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from engine.console.auth import Authority, ConsoleUser
from engine.console.svg import STATUS_COLOURS, plan_svg
from engine.console.views import ACTORS, decisions, plan_graph, row_of, run_rows, timeline
from engine.journal import Journal, open_journal
from engine.runstate import RunState
from verifier.errors import PlansafeError
from verifier.spec import Spec

__all__ = ["create_app", "Console"]

HERE = Path(__file__).parent
COOKIE = "plansafe_session"


@dataclass
class Console:
    """The console's settings and the little state it keeps between requests."""

    journal: Path
    spec_dirs: tuple[Path, ...] = ()
    auth: Authority = field(default_factory=Authority)
    _specs: dict[str, tuple[float, Spec]] = field(default_factory=dict)
    _checks: dict[str, tuple[float, Any]] = field(default_factory=dict)
    resume_errors: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def open(self) -> Iterator[Journal]:
        j = open_journal(self.journal)
        try:
            yield j
        finally:
            j.close()

    def spec(self, path: str | Path) -> Spec:
        from verifier.spec import load_spec

        p = Path(path)
        if not p.exists():
            raise PlansafeError(f"{p}: no such spec folder or domain file")
        key = str(p.resolve())
        stamp = max((f.stat().st_mtime for f in p.glob("*") if f.is_file()), default=0.0) \
            if p.is_dir() else p.stat().st_mtime
        with self._lock:
            hit = self._specs.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        spec = load_spec(p)
        with self._lock:
            self._specs[key] = (stamp, spec)
        return spec

    def check(self, spec: Spec) -> Any:
        from engine.commands import check_report

        key = str(spec.root)
        stamp = spec.spec_path.stat().st_mtime if spec.spec_path else 0.0
        hit = self._checks.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        report = check_report(spec)
        self._checks[key] = (stamp, report)
        return report

    def known_specs(self, extra: Sequence[str] = ()) -> dict[str, str]:
        """Spec name -> folder: those given to ``serve`` and those the journal's runs name."""
        out: dict[str, str] = {}
        for d in (*self.spec_dirs, *map(Path, extra)):
            try:
                out.setdefault(self.spec(d).name, str(d))
            except (PlansafeError, OSError):
                continue
        return out


def _user(request: Request) -> ConsoleUser | None:
    console: Console = request.app.state.console
    return console.auth.user_of(request.cookies.get(COOKIE))


def _render(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200
            ) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    console: Console = request.app.state.console
    user = _user(request)
    base = {"user": user, "csrf": console.auth.csrf(user) if user else "",
            "has_users": bool(console.auth.users), "journal": str(console.journal),
            "colours": STATUS_COLOURS}
    return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status_code)


# --- pages ----------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return RedirectResponse("/runs", status_code=303)


def runs_page(request: Request) -> Response:
    console: Console = request.app.state.console
    q = request.query_params
    rows = []
    if console.journal.exists():
        with console.open() as j:
            rows = run_rows(j)
    statuses = sorted({r.status for r in rows})
    specs = sorted({r.spec for r in rows})
    status, spec, text = q.get("status", ""), q.get("spec", ""), q.get("q", "").strip().lower()
    shown = [r for r in rows if (not status or r.status == status)
             and (not spec or r.spec == spec)
             and (not text or text in f"{r.run} {r.goal} {r.problem}".lower())]
    template = "_runs_table.html" if request.headers.get("hx-target") == "runs-table" \
        else "runs.html"
    return _render(request, template, {"rows": shown, "total": len(rows), "statuses": statuses,
                                       "specs": specs, "f": {"status": status, "spec": spec,
                                                             "q": q.get("q", "")}})


def _run_context(console: Console, run_id: str, gen: int | None = None) -> dict[str, Any]:
    if not console.journal.exists():
        raise PlansafeError(f"no journal at {console.journal}")
    with console.open() as j:
        events = j.events(run_id)
        if not events:
            raise PlansafeError(f"no run {run_id!r} in {console.journal}")
        chain = j.verify_chain()
        from engine.runlinks import run_links

        parent, children = run_links(j, run_id)  # sub-workflows
    state = RunState.fold(run_id, events)
    spec: Spec | None = None
    spec_error = ""
    try:
        spec = console.spec(state.started["spec"])
    except (PlansafeError, OSError, KeyError) as e:
        spec_error = str(e)
    if gen is not None and gen not in state.plans:
        gen = None
    graph = plan_graph(state, events, gen, needs_approval=spec.needs_approval if spec else None)
    waiting = [s for s in state.gen_steps() if s.status == "waiting-approval"]
    entries = timeline(events)
    row = row_of(run_id, events)
    return {"run": row, "state": state, "events": events, "entries": entries,
            "messages": [e for e in entries if e.category == "message"],
            "explanations": state.explanations, "graph": graph,
            "svg": plan_svg(graph) if graph else "", "chain": chain, "spec": spec,
            "spec_error": spec_error, "waiting": waiting, "decisions": decisions(events),
            "actors": ACTORS, "generations": sorted(state.plans),
            "resume_error": console.resume_errors.get(run_id, ""),
            "parent": parent, "children": children,
            "trigger": state.started.get("trigger"),
            # running, or every approval decided and the resume not yet begun: poll
            "live": state.status == "running" or (state.status == "waiting-approval"
                                                  and not waiting)}


def run_page(request: Request) -> Response:
    console: Console = request.app.state.console
    run_id = request.path_params["run_id"]
    try:
        g = request.query_params.get("generation", "")
        ctx = _run_context(console, run_id, int(g) if g.isdigit() else None)
    except PlansafeError as e:
        return _render(request, "error.html", {"message": str(e)}, status_code=404)
    user = _user(request)
    ctx["may"] = {s.id: (console.auth.may_approve(user, ctx["spec"], s.action, s.args)
                         if user and ctx["spec"] else None) for s in ctx["waiting"]}
    ctx["flash"] = request.query_params.get("msg", "")
    ctx["flash_kind"] = request.query_params.get("kind", "ok")
    live = request.headers.get("hx-request") and request.query_params.get("part") == "live"
    return _render(request, "_run_live.html" if live else "run.html", ctx)


def plan_image(request: Request) -> Response:
    console: Console = request.app.state.console
    run_id = request.path_params["run_id"]
    with console.open() as j:
        events = j.events(run_id)
    if not events:
        return Response("no such run", status_code=404, media_type="text/plain")
    state = RunState.fold(run_id, events)
    gen = request.query_params.get("generation")
    graph = plan_graph(state, events, int(gen) if gen and gen.isdigit() else None)
    if graph is None:
        return Response("no plan", status_code=404, media_type="text/plain")
    return Response(plan_svg(graph), media_type="image/svg+xml")


def _back(run_id: str, msg: str, kind: str = "ok") -> RedirectResponse:
    from urllib.parse import urlencode

    return RedirectResponse(f"/runs/{run_id}?" + urlencode({"msg": msg, "kind": kind}),
                            status_code=303)


def _resume(console: Console, run_id: str) -> None:
    """Go on with a run whose approvals are all decided (in the background, after the reply)."""
    from engine.run_commands import resume_run

    try:
        resume_run(run_id, journal=console.journal, progress=False)
        console.resume_errors.pop(run_id, None)
    except Exception as e:  # noqa: BLE001 - shown on the run's page
        console.resume_errors[run_id] = f"resume failed: {e}"


async def decide(request: Request) -> Response:
    console: Console = request.app.state.console
    run_id, step = request.path_params["run_id"], request.path_params["step"]
    form = await request.form()
    user = _user(request)
    if user is None:
        return _back(run_id, "sign in to approve", "error")
    if not console.auth.check_csrf(user, str(form.get("csrf", ""))):
        return _back(run_id, "the form expired; reload the page and try again", "error")
    approved = form.get("decision") == "approve"
    call, gen = str(form.get("call", "")) or None, str(form.get("generation", ""))
    reason = str(form.get("reason", ""))[:500]
    import anyio.to_thread

    resp = await anyio.to_thread.run_sync(
        lambda: _decide(console, user, run_id, step, approved, call,
                        int(gen) if gen.isdigit() else None, reason))
    if getattr(request.app.state, "service", None) is not None:
        resp.background = None  # serve's run service resumes it (engine/console/runner.py)
    return resp


def _decide(console: Console, user: ConsoleUser, run_id: str, step: str, approved: bool,
            call: str | None, gen: int | None, reason: str) -> Response:
    from engine.api import Engine

    with console.open() as j:
        state = RunState.fold(run_id, j.events(run_id))
        rec = state.steps.get(step)
        if not state.started or rec is None:
            return _back(run_id, f"run {run_id} has no step {step}", "error")
        try:
            spec = console.spec(state.started["spec"])
        except (PlansafeError, OSError) as e:
            return _back(run_id, f"cannot read the run's spec: {e}", "error")
        eng = Engine(spec, journal=j)  # approving plans nothing: the default planner
        try:  # the one approval path (engine/approvals.py): a refusal is journaled there
            eng.approve(run_id, step, approved=approved, by=user.name, reason=reason,
                        call=call, generation=gen, user=user)
        except PlansafeError as e:
            return _back(run_id, str(e), "error")
        state = RunState.fold(run_id, j.events(run_id))
    still = [s.id for s in state.gen_steps() if s.status == "waiting-approval"]
    word = "approved" if approved else "rejected"
    if still:
        return _back(run_id, f"{step} {word} by {user.name}; still waiting: {', '.join(still)}")
    resp = _back(run_id, f"{step} {word} by {user.name}; the run goes on")
    resp.background = BackgroundTask(_resume, console, run_id)
    return resp


def specs_page(request: Request) -> Response:
    console: Console = request.app.state.console
    paths: list[str] = []
    if console.journal.exists():
        with console.open() as j:
            paths = sorted({r.spec_path for r in run_rows(j) if r.spec_path})
    known = console.known_specs(paths)
    items = []
    for name, path in sorted(known.items()):
        s = console.spec(path)
        items.append({"name": name, "path": path, "summary": s.summary or "",
                      "policies": len(s.policies), "agents": len(s.access.agents)})
    return _render(request, "specs.html", {"items": items})


def spec_page(request: Request) -> Response:
    console: Console = request.app.state.console
    name = request.path_params["name"]
    paths: list[str] = []
    if console.journal.exists():
        with console.open() as j:
            paths = sorted({r.spec_path for r in run_rows(j) if r.spec_path})
    path = console.known_specs(paths).get(name)
    if path is None:
        return _render(request, "error.html", {"message": f"no spec {name!r}"}, 404)
    spec = console.spec(path)
    checked = console.check(spec)
    report = checked.to_json() if hasattr(checked, "to_json") else checked
    return _render(request, "spec.html", {"spec": spec, "path": path, "report": report,
                                          "approvals": [p.text for p in spec.approval]})


def login_page(request: Request) -> Response:
    return _render(request, "login.html", {"error": "", "next": request.query_params.get(
        "next", "/runs")})


async def login(request: Request) -> Response:
    console: Console = request.app.state.console
    form = await request.form()
    user = console.auth.sign_in(str(form.get("user", "")), str(form.get("token", "")))
    nxt = str(form.get("next", "/runs"))
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/runs"
    if user is None:
        return _render(request, "login.html", {"error": "unknown user or wrong token",
                                               "next": nxt}, 401)
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(COOKIE, console.auth.session_cookie(user), httponly=True, samesite="strict",
                    max_age=int(console.auth.session_s))
    return resp


async def logout(request: Request) -> Response:
    resp = RedirectResponse("/runs", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


def create_app(journal: Path, *, specs: Sequence[Path] = (), users: Path | None = None,
               auth: Authority | None = None) -> Starlette:
    """The console's ASGI app over the journal at ``journal``."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app = Starlette(routes=[
        Route("/", home),
        Route("/runs", runs_page),
        Route("/runs/{run_id}", run_page),
        Route("/runs/{run_id}/plan.svg", plan_image),
        Route("/runs/{run_id}/steps/{step}/decide", decide, methods=["POST"]),
        Route("/specs", specs_page),
        Route("/specs/{name}", spec_page),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ])
    app.state.console = Console(Path(journal), tuple(specs),
                                auth or Authority.from_file(users))
    app.state.templates = templates
    return app
